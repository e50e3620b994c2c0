#pragma once
/// A task is what one run of the l0svgd executable does (`-task svgd`, `-task map`, ...).
#include <functional>
#include <memory>
#include <mpi.h>
#include <string>
#include <vector>

#include "l0svgd/core/options.hpp"

namespace l0svgd {

/// Life cycle of a run: `configure` reads and validates every option (no files touched, so that
/// `-help` can call it on every task); `setup` builds models, reads data and creates solvers; then
/// the application checks that every option was used; then `run` computes and writes the output.
/// All three are collective on the task's communicator.
class Task {
public:
  virtual ~Task() = default;
  virtual void configure(Options& options) = 0;
  virtual void setup() = 0;
  virtual void run() = 0;
};

/// A registered task: its name for `-task`, one line for `-help`, and a factory.
struct TaskEntry {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<Task>(MPI_Comm)> make;
};

/// Every task the executable knows, in `-help` order.
const std::vector<TaskEntry>& task_registry();

/// The whole application behind `main`: parses the input file and options, runs the task, reports
/// errors as one line on rank 0. Collective on MPI_COMM_WORLD (MPI must be initialised). Returns
/// the process exit code.
int run_application(int argc, char** argv);

} // namespace l0svgd
