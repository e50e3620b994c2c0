#pragma once
/// Typed, validated access to PETSc's options database, the one configuration system of l0svgd.
///
/// Every option is read through this class, which records its type, default, range and description
/// so that `-help` can list them all, checks the value against its range, and at the end of setup
/// reports any option in the database that nobody read (a misspelling) as an error.
#include <map>
#include <mpi.h>
#include <optional>
#include <petscsys.h>
#include <string>
#include <utility>
#include <vector>

namespace l0svgd {

/// Description of one option, as shown by `-help`.
struct OptionSpec {
  std::string name;  ///< without the leading dash, e.g. "svgd_particles"
  std::string type;  ///< "int", "real", "bool", "string", "choice", "real[]", "int[]"
  std::string def;   ///< default value as text
  std::string range; ///< allowed values as text, empty if unrestricted
  std::string help;  ///< one-line description
};

/// Reader of the options database. All getters are not collective but must be called with the same
/// arguments on every rank (the database is identical on all ranks), so validation errors are
/// raised on every rank together.
class Options {
public:
  /// In help mode getters record their specification and return the default (or the given value)
  /// without raising range errors, so that every component can describe itself.
  explicit Options(bool help_mode = false) : help_mode_(help_mode) {}

  bool help_mode() const { return help_mode_; }

  /// Integer option in [lo, hi].
  PetscInt get_int(const std::string& name, PetscInt def, PetscInt lo, PetscInt hi,
                   const std::string& help);
  /// Real option in [lo, hi] (or (lo, hi] when `lo_open`).
  double get_real(const std::string& name, double def, double lo, double hi,
                  const std::string& help, bool lo_open = false);
  bool get_bool(const std::string& name, bool def, const std::string& help);
  std::string get_string(const std::string& name, const std::string& def, const std::string& help);
  /// A file name read by the run. A relative name given in the input file is relative to that
  /// file's directory (as users of an input file next to its data expect); on the command line,
  /// or as the default, to the working directory.
  std::string get_path(const std::string& name, const std::string& def, const std::string& help);
  /// String option restricted to `choices`.
  std::string get_choice(const std::string& name, const std::string& def,
                         const std::vector<std::string>& choices, const std::string& help);
  /// Comma-separated real array (a YAML flat list). Returns `def` when unset.
  std::vector<double> get_real_array(const std::string& name, const std::vector<double>& def,
                                     const std::string& help);
  std::vector<PetscInt> get_int_array(const std::string& name, const std::vector<PetscInt>& def,
                                      const std::string& help);
  /// True if the option is present in the database (marks it used).
  bool is_set(const std::string& name) const;

  /// Specifications recorded so far, in the order they were first read.
  const std::vector<OptionSpec>& specs() const { return specs_; }

  /// Prints every recorded option grouped by prefix. Collective: output on rank 0 of `comm`.
  void print_help(MPI_Comm comm) const;

  /// Throws InputError naming every option of the database that was set but never read.
  /// Call after every component (including TAO solvers) has been configured.
  static void check_all_used();

  /// Every option read so far (outside help mode) with the value it took, explicit or default,
  /// as text (reals to 17 digits): what a run was configured with, for restart identity.
  static std::map<std::string, std::string>& values_read();

  /// The effective options (input file + command line) as (name, value) pairs, name without dash.
  static std::vector<std::pair<std::string, std::string>> effective();

private:
  void record(const OptionSpec& spec);
  void remember(const std::string& name, const std::string& value);
  /// The option's text, nullopt when absent; throws InputError when it is present without a value.
  std::optional<std::string> value_of(const std::string& name) const;
  /// `text` as an integer in [lo, hi], parsed in 64 bits (no wrap-around); throws InputError.
  long long checked_integer(const std::string& name, const std::string& text, long long lo,
                            long long hi) const;
  [[noreturn]] void fail(const std::string& name, const std::string& message) const;

  bool help_mode_;
  std::vector<OptionSpec> specs_;
};

/// Whether a command-line token names an option ("-svgd_step"), not a value ("-0.5", "-.5"), as
/// PETSc reads the command line. Not collective.
bool is_option_name(const std::string& token);

/// Loads a YAML input file into the options database and re-applies the command line on top of it,
/// so that the command line wins. Collective on PETSC_COMM_WORLD. Throws InputError for a missing
/// or malformed file.
void load_input_file(const std::string& path, int* argc, char*** argv);

} // namespace l0svgd
