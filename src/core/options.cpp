#include "l0svgd/core/options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "l0svgd/core/input_files.hpp"

#include "l0svgd/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
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

// PETSc reports a malformed value as an error; give it the option's name.
void check_value(PetscErrorCode code, const std::string& name) {
  try {
    check_petsc(code, name.c_str());
  } catch (const PetscFailure& e) {
    throw InputError("option -" + name + ": " + e.what());
  }
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

} // namespace

void Options::record(const OptionSpec& spec) {
  auto it = std::find_if(specs_.begin(), specs_.end(),
                         [&](const OptionSpec& s) { return s.name == spec.name; });
  if (it == specs_.end())
    specs_.push_back(spec);
}

void Options::fail(const std::string& name, const std::string& message) const {
  throw InputError("option -" + name + ": " + message);
}

PetscInt Options::get_int(const std::string& name, PetscInt def, PetscInt lo, PetscInt hi,
                          const std::string& help) {
  record({name, "int", std::to_string(def),
          "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]", help});
  PetscInt value = def;
  PetscBool set = PETSC_FALSE;
  check_value(PetscOptionsGetInt(nullptr, nullptr, dashed(name).c_str(), &value, &set), name);
  if (!help_mode_ && (value < lo || value > hi))
    fail(name, "value " + std::to_string(value) + " is outside [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "]");
  return value;
}

double Options::get_real(const std::string& name, double def, double lo, double hi,
                         const std::string& help, bool lo_open) {
  const std::string range = (lo_open ? "(" : "[") + to_text(lo) + ", " + to_text(hi) + "]";
  record({name, "real", to_text(def), range, help});
  PetscReal value = def;
  PetscBool set = PETSC_FALSE;
  check_value(PetscOptionsGetReal(nullptr, nullptr, dashed(name).c_str(), &value, &set), name);
  const bool ok = std::isfinite(value) && (lo_open ? value > lo : value >= lo) && value <= hi;
  if (!help_mode_ && !ok)
    fail(name, "value " + to_text(value) + " is outside " + range);
  return value;
}

bool Options::get_bool(const std::string& name, bool def, const std::string& help) {
  record({name, "bool", def ? "true" : "false", "", help});
  PetscBool value = def ? PETSC_TRUE : PETSC_FALSE;
  PetscBool set = PETSC_FALSE;
  check_value(PetscOptionsGetBool(nullptr, nullptr, dashed(name).c_str(), &value, &set), name);
  return value == PETSC_TRUE;
}

std::string Options::get_string(const std::string& name, const std::string& def,
                                const std::string& help) {
  record({name, "string", def.empty() ? "(none)" : def, "", help});
  char buffer[PETSC_MAX_PATH_LEN] = {0};
  PetscBool set = PETSC_FALSE;
  check_value(
      PetscOptionsGetString(nullptr, nullptr, dashed(name).c_str(), buffer, sizeof(buffer), &set),
      name);
  return set ? std::string(buffer) : def;
}

std::string Options::get_choice(const std::string& name, const std::string& def,
                                const std::vector<std::string>& choices, const std::string& help) {
  record({name, "choice", def, join(choices), help});
  char buffer[256] = {0};
  PetscBool set = PETSC_FALSE;
  check_value(
      PetscOptionsGetString(nullptr, nullptr, dashed(name).c_str(), buffer, sizeof(buffer), &set),
      name);
  const std::string value = set ? std::string(buffer) : def;
  if (!help_mode_ && std::find(choices.begin(), choices.end(), value) == choices.end())
    fail(name, "'" + value + "' is not one of " + join(choices));
  return value;
}

std::vector<double> Options::get_real_array(const std::string& name, const std::vector<double>& def,
                                            const std::string& help) {
  record({name, "real[]", def.empty() ? "(none)" : join(def), "", help});
  std::vector<PetscReal> values(1 << 16);
  PetscInt n = static_cast<PetscInt>(values.size());
  PetscBool set = PETSC_FALSE;
  check_value(
      PetscOptionsGetRealArray(nullptr, nullptr, dashed(name).c_str(), values.data(), &n, &set),
      name);
  if (!set)
    return def;
  values.resize(n);
  for (double v : values)
    if (!help_mode_ && !std::isfinite(v))
      fail(name, "contains a non-finite value");
  return values;
}

std::vector<PetscInt> Options::get_int_array(const std::string& name,
                                             const std::vector<PetscInt>& def,
                                             const std::string& help) {
  record({name, "int[]", def.empty() ? "(none)" : join(def), "", help});
  std::vector<PetscInt> values(1 << 16);
  PetscInt n = static_cast<PetscInt>(values.size());
  PetscBool set = PETSC_FALSE;
  check_value(
      PetscOptionsGetIntArray(nullptr, nullptr, dashed(name).c_str(), values.data(), &n, &set),
      name);
  if (!set)
    return def;
  values.resize(n);
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
    if (token.size() > 1 && token[0] == '-' &&
        !std::isdigit(static_cast<unsigned char>(token[1])) && token[1] != '.')
      result.emplace_back(token.substr(1), "");
    else if (!result.empty())
      result.back().second += (result.back().second.empty() ? "" : " ") + token;
  }
  PetscFree(all);
  return result;
}

void load_input_file(const std::string& path, int* argc, char*** argv) {
  // Rank 0 judges the file and every rank learns the verdict before PETSc's YAML reader, which
  // reads on rank 0 and broadcasts: a directory or a FIFO there would leave the other ranks waiting
  // in that broadcast (or block rank 0 itself, for a FIFO) instead of failing.
  enum Verdict : int { Readable = 0, Missing = 1, NotRegular = 2 };
  int rank = 0, verdict = Readable;
  L0_MPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || access(path.c_str(), R_OK) != 0)
      verdict = Missing;
    else if (!S_ISREG(st.st_mode))
      verdict = NotRegular;
  }
  L0_MPI(MPI_Bcast(&verdict, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  if (verdict == Missing)
    throw InputError("cannot open input file '" + path + "'");
  if (verdict == NotRegular)
    throw InputError("input file '" + path +
                     "' is not a regular file (a directory, FIFO or device)");
  register_input_file(path);
  try {
    L0_PETSC(PetscOptionsInsertFileYAML(PETSC_COMM_WORLD, nullptr, path.c_str(), PETSC_TRUE));
    // The command line must win over the file: insert it again on top.
    L0_PETSC(PetscOptionsInsert(nullptr, argc, argv, nullptr));
  } catch (const PetscFailure& e) {
    throw InputError("input file '" + path + "': " + e.what());
  }
}

} // namespace l0svgd
