#include <petscsys.h>

#include <exception>
#include <string>
#include <vector>

#include "l0svgd/core/blas.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/options.hpp"
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

} // namespace

int run_application(int argc, char** argv) {
  // A first argument that is not an option is the input file; PETSc gets it as -input so that it is
  // recorded with the effective options.
  std::vector<char*> args(argv, argv + argc);
  static char input_flag[] = "-input";
  if (argc > 1 && argv[1][0] != '-')
    args.insert(args.begin() + 1, input_flag);
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
    code = run(n_args, arg_ptr, help);
  } catch (const std::exception& e) {
    logger().error(e.what());
    code = 1;
  }
  PetscFinalize();
  return code;
}

} // namespace l0svgd
