#include <hdf5.h>
#include <petscsys.h>

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include "l0svgd/apps/registry.hpp"
#include "l0svgd/core/blas.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/core/version.hpp"
#include "l0svgd/drivers/task.hpp"

namespace l0svgd {
namespace {

const char* kUsage =
    "l0svgd: Stein variational inference and multimodal Laplace/VI for expensive models\n"
    "usage: mpirun -n P l0svgd [input.yaml] [-option value ...]\n"
    "  -help          every l0svgd option with its default, range and description\n"
    "  -help petsc    the same plus PETSc's and TAO's own options\n";

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& entry : task_registry())
    names.push_back(entry.name);
  return names;
}

// One BLAS thread per rank unless asked: the ranks already fill the cores, and OpenBLAS's own
// default (one thread per core in every rank) would oversubscribe them.
void configure_blas_threads(Options& options) {
  set_blas_threads(static_cast<int>(options.get_int(
      "blas_threads", 1, 1, 4096,
      "BLAS threads per MPI rank (hybrid MPI + threads runs: ranks x threads = cores)")));
}

void print_help(MPI_Comm comm) {
  Options options(/*help_mode=*/true);
  options.get_string("input", "", "input file (first positional argument)");
  const std::string task = options.get_choice("task", "svgd", task_names(), "what the run does");
  (void)task;
  options.get_choice("log_level", "info", {"quiet", "warning", "info", "debug"},
                     "verbosity of rank 0");
  configure_blas_threads(options);
  for (const auto& entry : task_registry())
    entry.make(comm)->configure(options);
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) {
    std::string tasks;
    for (const auto& entry : task_registry())
      tasks += "  " + entry.name + ": " + entry.description + "\n";
    PetscPrintf(comm, "%s\ntasks (-task):\n%s\n", kUsage, tasks.c_str());
  }
  options.print_help(comm);
}

LogLevel parse_level(const std::string& name) {
  if (name == "quiet")
    return LogLevel::Quiet;
  if (name == "warning")
    return LogLevel::Warning;
  if (name == "debug")
    return LogLevel::Debug;
  return LogLevel::Info;
}

int run(int argc, char** argv, bool help) {
  MPI_Comm comm = PETSC_COMM_WORLD;
  Options options;
  if (help || options.is_set("help")) {
    print_help(comm);
    return 0;
  }
  const std::string input =
      options.get_string("input", "", "input file (first positional argument)");
  if (!input.empty())
    load_input_file(input, &argc, &argv);
  logger().set_level(parse_level(options.get_choice(
      "log_level", "info", {"quiet", "warning", "info", "debug"}, "verbosity of rank 0")));
  configure_blas_threads(options);
  const std::string name = options.get_choice("task", "svgd", task_names(), "what the run does");
  std::unique_ptr<Task> task;
  for (const auto& entry : task_registry())
    if (entry.name == name)
      task = entry.make(comm);
  task->configure(options);
  task->setup();
  Options::check_all_used();
  task->run();
  return 0;
}

// The input file may stand anywhere on the command line ("l0svgd -svgd_iterations 5 in.yaml"). A
// token that is not an option is an option's value when it follows an option, as PETSc reads it,
// and the input file when it follows a value (or nothing).
std::vector<std::size_t> positional_arguments(const std::vector<char*>& args) {
  std::vector<std::size_t> found;
  for (std::size_t i = 1; i < args.size(); ++i)
    if (!is_option_name(args[i]) && !(i > 1 && is_option_name(args[i - 1])))
      found.push_back(i);
  return found;
}

} // namespace

int run_application(int argc, char** argv) {
  register_application_targets(); // -target_type hyperelastic, ...
  // The positional argument is the input file; PETSc gets it as -input so that it is recorded with
  // the effective options. Two of them, or one and -input, would silently drop one: refused (after
  // PETSc is up, so that the error goes through the one logger on every rank).
  std::vector<char*> args(argv, argv + argc);
  static char input_flag[] = "-input";
  std::string argument_error;
  const std::vector<std::size_t> positional = positional_arguments(args);
  const bool has_input_option = std::find_if(args.begin() + 1, args.end(), [](const char* a) {
                                  return std::string(a) == "-input";
                                }) != args.end();
  if (positional.size() > 1)
    argument_error = std::string("two input files given ('") + args[positional[0]] + "' and '" +
                     args[positional[1]] + "'): give one";
  else if (positional.size() == 1 && has_input_option)
    argument_error =
        std::string("input file '") + args[positional[0]] + "' given as well as -input: give one";
  else if (positional.size() == 1) {
    char* file = args[positional[0]];
    args.erase(args.begin() + static_cast<long>(positional[0]));
    args.insert(args.begin() + 1, {input_flag, file});
  }
  // Plain -help is ours alone; PETSc's long generic list is shown only with -help petsc.
  bool help = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (std::string(args[i]) != "-help")
      continue;
    const bool petsc_too = i + 1 < args.size() && std::string(args[i + 1]) == "petsc";
    args.erase(args.begin() + static_cast<long>(petsc_too ? i + 1 : i));
    help = true;
    break;
  }
  int n_args = static_cast<int>(args.size());
  args.push_back(nullptr);
  char** arg_ptr = args.data();

  if (PetscInitialize(&n_args, &arg_ptr, nullptr, kUsage)) {
    std::fprintf(stderr, "l0svgd: error: PETSc failed to initialise\n");
    return 1;
  }
  install_petsc_error_capture();
  logger().set_comm(PETSC_COMM_WORLD);
  // Event timings are always collected (they are cheap) so every result file can report its phases.
  PetscBool logging = PETSC_FALSE;
  PetscLogIsActive(&logging);
  if (!logging)
    PetscLogDefaultBegin();
  int code = 0;
  try {
    if (!argument_error.empty())
      throw InputError(argument_error);
    code = run(n_args, arg_ptr, help);
  } catch (const Interrupted& e) {
    logger().error(e.what());
    code = kExitInterrupted;
  } catch (const std::exception& e) {
    logger().error(e.what());
    code = 1;
  }
  // HDF5 closes what is still open (a file whose close failed on a full disk) while MPI still
  // works; left to MPI_Finalize's hook, that close crashes.
  H5close();
  PetscFinalize();
  return code;
}

} // namespace l0svgd
