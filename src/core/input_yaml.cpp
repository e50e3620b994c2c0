#include "l0svgd/core/input_yaml.hpp"

#include <yaml.h>

#include <cstdio>
#include <map>
#include <memory>
#include <vector>

namespace l0svgd {
namespace {

// One open mapping or sequence. A mapping alternates keys and values; the option a value belongs to
// is the keys of the open mappings joined by '_' (PETSc's rule: svgd: {particles: 10} is
// -svgd_particles).
struct Frame {
  bool mapping = true;
  std::string prefix;
  bool expecting_key = true;
  std::string key;
  std::size_t key_line = 0;
};

std::string option_name(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "_" + key;
}

bool is_null(const yaml_event_t& e) {
  const std::string value(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
  const bool plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  return plain &&
         (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL");
}

class Checker {
public:
  explicit Checker(const std::string& path) : path_(path) {}

  // The problem an event reveals, or "" (and `done` once the first document has ended).
  std::string take(const yaml_event_t& e, bool& done) {
    const std::size_t line = e.start_mark.line + 1;
    switch (e.type) {
    case YAML_DOCUMENT_END_EVENT:
    case YAML_STREAM_END_EVENT:
      done = true;
      return options_.empty() ? where() + " has no option in it (an empty file runs nothing you "
                                          "chose): give at least one, e.g. 'task: svgd'"
                              : "";
    case YAML_MAPPING_START_EVENT:
      return open(true, line);
    case YAML_SEQUENCE_START_EVENT:
      return open(false, line);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
      stack_.pop_back();
      if (!stack_.empty() && stack_.back().mapping)
        stack_.back().expecting_key = true;
      return "";
    case YAML_SCALAR_EVENT:
    case YAML_ALIAS_EVENT:
      return scalar(e, line);
    default:
      return "";
    }
  }

private:
  std::string where() const { return "input file '" + path_ + "'"; }
  std::string at(std::size_t line) const { return where() + ", line " + std::to_string(line); }

  std::string open(bool mapping, std::size_t line) {
    if (stack_.empty()) {
      if (!mapping)
        return at(line) + ": the file must map option names to values, not be a list";
      stack_.push_back({true, "", true, "", 0});
      return "";
    }
    Frame& top = stack_.back();
    if (!top.mapping)
      return at(line) + ": a list may hold values only, not " +
             std::string(mapping ? "a mapping" : "another list");
    if (top.expecting_key)
      return at(line) + ": a key must be a name, not a " + (mapping ? "mapping" : "list");
    const std::string name = option_name(top.prefix, top.key);
    if (!mapping) {
      const std::string problem = define(name, top.key_line);
      if (!problem.empty())
        return problem;
    }
    stack_.push_back({mapping, name, true, "", 0});
    return "";
  }

  std::string scalar(const yaml_event_t& e, std::size_t line) {
    if (stack_.empty()) // a lone scalar (or null: an empty document) is not a mapping
      return e.type == YAML_SCALAR_EVENT && is_null(e)
                 ? ""
                 : at(line) + ": the file must map option names to values";
    Frame& top = stack_.back();
    if (!top.mapping)
      return e.type == YAML_SCALAR_EVENT && is_null(e)
                 ? at(line) + ": an empty entry in the list of -" + top.prefix
                 : "";
    if (top.expecting_key) {
      if (e.type != YAML_SCALAR_EVENT)
        return at(line) + ": a key must be a name";
      top.key.assign(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
      top.key_line = line;
      top.expecting_key = false;
      return "";
    }
    top.expecting_key = true;
    const std::string name = option_name(top.prefix, top.key);
    if (e.type == YAML_SCALAR_EVENT && is_null(e))
      return at(top.key_line) + ": '" + top.key + "' (-" + name +
             ") has no value: give one or remove the line";
    return define(name, top.key_line);
  }

  std::string define(const std::string& name, std::size_t key_line) {
    const auto [it, fresh] = options_.emplace(name, key_line);
    if (!fresh)
      return at(key_line) + ": -" + name + " is given twice (also at line " +
             std::to_string(it->second) + "): keep one";
    return "";
  }

  std::string path_;
  std::vector<Frame> stack_;
  std::map<std::string, std::size_t> options_; // option → line of its key
};

} // namespace

std::string yaml_input_problem(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file)
    return "cannot open input file '" + path + "'";
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, file.get());
  Checker checker(path);
  std::string problem;
  for (bool done = false; !done && problem.empty();) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      problem = "input file '" + path + "', line " + std::to_string(parser.problem_mark.line + 1) +
                ", column " + std::to_string(parser.problem_mark.column + 1) + ": " +
                (parser.problem ? parser.problem : "YAML syntax error") +
                (parser.context ? std::string(" ") + parser.context : std::string());
      break;
    }
    problem = checker.take(event, done);
    yaml_event_delete(&event);
  }
  yaml_parser_delete(&parser);
  return problem;
}

} // namespace l0svgd
