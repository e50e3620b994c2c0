#include "l0svgd/core/options.hpp"

#include "l0svgd/core/input_files.hpp"
#include "l0svgd/core/input_yaml.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

namespace l0svgd {
namespace {

std::string to_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

template <class T> std::string join(const std::vector<T>& values) {
  std::ostringstream s;
  for (size_t i = 0; i < values.size(); ++i)
    s << (i ? "," : "") << values[i];
  return s.str();
}

std::string dashed(const std::string& name) {
  return "-" + name;
}

// PETSc reports a malformed value as an error; give it the option's name, without PETSc's
// "(in PetscOptionsStringToBool)" trailer, which names its code rather than the user's mistake.
void check_value(PetscErrorCode code, const std::string& name) {
  try {
    check_petsc(code, name.c_str());
  } catch (const PetscFailure& e) {
    std::string message = e.what();
    const auto trailer = message.rfind(" (in Petsc");
    if (trailer != std::string::npos)
      message.erase(trailer);
    throw InputError("option -" + name + ": " + message);
  }
}

// The text of an integer, parsed in 64 bits so that a value beyond PetscInt's range is refused
// rather than wrapped (4294967306 is not 10). Integral reals ("1e6") are accepted.
std::optional<long long> parse_integer(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (*end == '\0')
    return errno == ERANGE ? std::nullopt : std::optional<long long>(v);
  const double r = std::strtod(text.c_str(), &end);
  if (*end != '\0' || !std::isfinite(r) || r != std::floor(r) || std::fabs(r) > 9.0e18)
    return std::nullopt;
  return static_cast<long long>(r);
}

std::optional<double> parse_real(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (*end != '\0')
    return std::nullopt;
  return v;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ','))
    items.push_back(item);
  if (!text.empty() && text.back() == ',')
    items.push_back("");
  return items;
}

// Options PETSc reads itself (or only at finalisation) and that are therefore never "used" by us.
bool is_petsc_internal(const std::string& name) {
  static const char* prefixes[] = {"log_",          "malloc",     "options_",     "help",
                                   "info",          "on_error",   "no_signal",    "fp_trap",
                                   "check_pointer", "mpi_linear", "objects_dump", "history",
                                   "saws",          "viewer_",    "petsc_"};
  for (const char* p : prefixes)
    if (name.rfind(p, 0) == 0)
      return true;
  return name == "v" || name == "version";
}

// Where the input file is, and the options the command line gave (which keep their own meaning of
// a relative path: the working directory's).
struct InputContext {
  std::string directory;
  std::vector<std::string> command_line;
};
InputContext& input_context() {
  static InputContext context;
  return context;
}

} // namespace

std::string Options::get_path(const std::string& name, const std::string& def,
                              const std::string& help) {
  std::string value =
      get_string(name, def, help + " (relative to the input file when given there)");
  const InputContext& c = input_context();
  const bool from_file = is_set(name) && std::find(c.command_line.begin(), c.command_line.end(),
                                                   name) == c.command_line.end();
  if (from_file && !value.empty() && value[0] != '/' && !c.directory.empty()) {
    value = c.directory + "/" + value;
    remember(name, value);
  }
  return value;
}

void Options::record(const OptionSpec& spec) {
  auto it = std::find_if(specs_.begin(), specs_.end(),
                         [&](const OptionSpec& s) { return s.name == spec.name; });
  if (it == specs_.end())
    specs_.push_back(spec);
}

void Options::fail(const std::string& name, const std::string& message) const {
  throw InputError("option -" + name + ": " + message);
}

std::map<std::string, std::string>& Options::values_read() {
  static std::map<std::string, std::string> values;
  return values;
}

void Options::remember(const std::string& name, const std::string& value) {
  if (!help_mode_)
    values_read()[name] = value;
}

std::optional<std::string> Options::value_of(const std::string& name) const {
  const char* value = nullptr;
  PetscBool set = PETSC_FALSE;
  check_value(PetscOptionsFindPair(nullptr, nullptr, dashed(name).c_str(), &value, &set), name);
  if (!set)
    return std::nullopt;
  // "-svgd_step -svgd_iterations 5" would otherwise keep the default step and drop the one meant.
  if (!value || !*value)
    fail(name, "needs a value");
  return std::string(value);
}

long long Options::checked_integer(const std::string& name, const std::string& text, long long lo,
                                   long long hi) const {
  const auto v = parse_integer(text);
  if (!v)
    fail(name, "'" + text + "' is not an integer");
  if (!help_mode_ && (*v < lo || *v > hi))
    fail(name,
         "value " + text + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return *v;
}

PetscInt Options::get_int(const std::string& name, PetscInt def, PetscInt lo, PetscInt hi,
                          const std::string& help) {
  record({name, "int", std::to_string(def),
          "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]", help});
  const auto text = value_of(name);
  const PetscInt value = text ? static_cast<PetscInt>(checked_integer(name, *text, lo, hi)) : def;
  remember(name, std::to_string(value));
  return value;
}

double Options::get_real(const std::string& name, double def, double lo, double hi,
                         const std::string& help, bool lo_open) {
  const std::string range = (lo_open ? "(" : "[") + to_text(lo) + ", " + to_text(hi) + "]";
  record({name, "real", to_text(def), range, help});
  const auto text = value_of(name);
  double value = def;
  if (text) {
    const auto v = parse_real(*text);
    if (!v)
      fail(name, "'" + *text + "' is not a number");
    value = *v;
  }
  const bool ok = std::isfinite(value) && (lo_open ? value > lo : value >= lo) && value <= hi;
  if (!help_mode_ && !ok)
    fail(name, "value " + to_text(value) + " is outside " + range);
  remember(name, format("%.17g", value));
  return value;
}

bool Options::get_bool(const std::string& name, bool def, const std::string& help) {
  record({name, "bool", def ? "true" : "false", "", help});
  PetscBool value = def ? PETSC_TRUE : PETSC_FALSE;
  PetscBool set = PETSC_FALSE;
  check_value(PetscOptionsGetBool(nullptr, nullptr, dashed(name).c_str(), &value, &set), name);
  remember(name, value == PETSC_TRUE ? "true" : "false");
  return value == PETSC_TRUE;
}

std::string Options::get_string(const std::string& name, const std::string& def,
                                const std::string& help) {
  record({name, "string", def.empty() ? "(none)" : def, "", help});
  const std::string value = value_of(name).value_or(def);
  remember(name, value);
  return value;
}

std::string Options::get_choice(const std::string& name, const std::string& def,
                                const std::vector<std::string>& choices, const std::string& help) {
  record({name, "choice", def, join(choices), help});
  const std::string value = value_of(name).value_or(def);
  if (!help_mode_ && std::find(choices.begin(), choices.end(), value) == choices.end())
    fail(name, "'" + value + "' is not one of " + join(choices));
  remember(name, value);
  return value;
}

std::vector<double> Options::get_real_array(const std::string& name, const std::vector<double>& def,
                                            const std::string& help) {
  record({name, "real[]", def.empty() ? "(none)" : join(def), "", help});
  const auto text = value_of(name);
  if (!text)
    return def;
  std::vector<double> values;
  for (const std::string& item : split_list(*text)) {
    const auto v = parse_real(item);
    if (!v)
      fail(name, "'" + item + "' in '" + *text + "' is not a number");
    if (!help_mode_ && !std::isfinite(*v))
      fail(name, "contains a non-finite value");
    values.push_back(*v);
  }
  remember(name, join(values));
  return values;
}

std::vector<PetscInt> Options::get_int_array(const std::string& name,
                                             const std::vector<PetscInt>& def,
                                             const std::string& help) {
  record({name, "int[]", def.empty() ? "(none)" : join(def), "", help});
  const auto text = value_of(name);
  if (!text)
    return def;
  std::vector<PetscInt> values;
  for (const std::string& item : split_list(*text))
    values.push_back(
        static_cast<PetscInt>(checked_integer(name, item, PETSC_MIN_INT, PETSC_MAX_INT)));
  remember(name, join(values));
  return values;
}

bool Options::is_set(const std::string& name) const {
  PetscBool set = PETSC_FALSE;
  L0_PETSC(PetscOptionsHasName(nullptr, nullptr, dashed(name).c_str(), &set));
  return set == PETSC_TRUE;
}

void Options::print_help(MPI_Comm comm) const {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank != 0)
    return;
  // Group by the prefix before the first underscore, as the YAML sections are.
  std::map<std::string, std::vector<const OptionSpec*>> groups;
  for (const auto& s : specs_)
    groups[s.name.substr(0, s.name.find('_'))].push_back(&s);
  std::ostringstream out;
  out << "l0svgd options (YAML section 'a: {b: v}' is the option -a_b v; the command line "
         "overrides "
         "the input file)\n";
  for (const auto& [group, specs] : groups) {
    out << "\n  " << group << ":\n";
    for (const OptionSpec* s : specs) {
      out << "    -" << s->name << " <" << s->type << "> default " << s->def;
      if (!s->range.empty())
        out << ", in " << s->range;
      out << "\n        " << s->help << "\n";
    }
  }
  std::cout << out.str() << std::flush;
}

void Options::check_all_used() {
  PetscInt n = 0;
  char** names = nullptr;
  char** values = nullptr;
  L0_PETSC(PetscOptionsLeftGet(nullptr, &n, &names, &values));
  std::vector<std::string> unused;
  for (PetscInt i = 0; i < n; ++i)
    if (!is_petsc_internal(names[i]))
      unused.push_back(std::string("-") + names[i]);
  L0_PETSC(PetscOptionsLeftRestore(nullptr, &n, &names, &values));
  if (unused.empty())
    return;
  std::string list;
  for (size_t i = 0; i < unused.size(); ++i)
    list += (i ? ", " : "") + unused[i];
  throw InputError("unknown or unused option" + std::string(unused.size() > 1 ? "s " : " ") + list +
                   " (see -help)");
}

std::vector<std::pair<std::string, std::string>> Options::effective() {
  char* all = nullptr;
  L0_PETSC(PetscOptionsGetAll(nullptr, &all));
  std::vector<std::pair<std::string, std::string>> result;
  std::istringstream in(all ? all : "");
  std::string token;
  while (in >> token) {
    if (is_option_name(token))
      result.emplace_back(token.substr(1), "");
    else if (!result.empty())
      result.back().second += (result.back().second.empty() ? "" : " ") + token;
  }
  PetscFree(all);
  return result;
}

bool is_option_name(const std::string& token) {
  return token.size() > 1 && token[0] == '-' &&
         !std::isdigit(static_cast<unsigned char>(token[1])) && token[1] != '.';
}

void load_input_file(const std::string& path, int* argc, char*** argv) {
  // Rank 0 judges the file and every rank learns the verdict before PETSc's YAML reader, which
  // reads on rank 0 and broadcasts: a directory or a FIFO there would leave the other ranks waiting
  // in that broadcast (or block rank 0 itself, for a FIFO) instead of failing. Then what PETSc's
  // reader lets through (no option, a key twice, a key without value) or reports without its
  // place (a syntax error), with the line.
  int rank = 0;
  L0_MPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  std::string problem;
  if (rank == 0) {
    const std::string file = file_problem(path);
    if (file == "does not exist" || file == "is not readable")
      problem = "cannot open input file '" + path + "'";
    else if (!file.empty())
      problem = "input file '" + path + "' " + file;
    else
      problem = yaml_input_problem(path);
  }
  raise_root_input_error(problem, PETSC_COMM_WORLD);
  register_input_file(path);
  InputContext& context = input_context();
  const std::string::size_type slash = path.rfind('/');
  context.directory = slash == std::string::npos ? "" : path.substr(0, slash == 0 ? 1 : slash);
  context.command_line.clear();
  for (int i = 1; i < *argc; ++i)
    if (is_option_name((*argv)[i]))
      context.command_line.push_back((*argv)[i] + 1);
  try {
    L0_PETSC(PetscOptionsInsertFileYAML(PETSC_COMM_WORLD, nullptr, path.c_str(), PETSC_TRUE));
    // The command line must win over the file: insert it again on top.
    L0_PETSC(PetscOptionsInsert(nullptr, argc, argv, nullptr));
  } catch (const PetscFailure& e) {
    throw InputError("input file '" + path + "': " + e.what());
  }
}

} // namespace l0svgd
