#include "l0svgd/drivers/task.hpp"

#include "l0svgd/apps/registry.hpp"
#include "l0svgd/drivers/hmc_task.hpp"
#include "l0svgd/drivers/mixture_tasks.hpp"
#include "l0svgd/drivers/network_pipeline.hpp"
#include "l0svgd/drivers/sensitivity_task.hpp"
#include "l0svgd/drivers/svgd_task.hpp"

namespace l0svgd {
namespace {

// Tasks register here, one line each; each task's factory is declared in its own header. Every
// application of the L0+SVGD pipeline (apps/registry.hpp) is a task of its own name after them.
std::vector<TaskEntry> make_task_registry() {
  std::vector<TaskEntry> registry = {
      {"svgd", "Stein variational gradient descent on the target", make_svgd_task},
      {"hmc", "HMC on the target: the reference sampler (-hmc_* options), ArviZ layout",
       make_hmc_task},
      {"map", "maximum a posteriori point by PETSc/TAO (-map_tao_* options)", make_map_task},
      {"laplace", "multistart modes, Laplace components and NNLS weights", make_laplace_task},
      {"vi", "Gaussian-mixture VI, warm (Laplace mixture) or cold start", make_vi_task},
      {"sensitivity",
       "Sobol' indices of the Laplace (or VI) mixture's accuracy over generated mixtures",
       make_sensitivity_task},
  };
  for (const ApplicationEntry& app : application_registry())
    registry.push_back({app.name, app.description, [make = app.make](MPI_Comm comm) {
                          return make_network_task(comm, make());
                        }});
  return registry;
}

} // namespace

const std::vector<TaskEntry>& task_registry() {
  static const std::vector<TaskEntry> registry = make_task_registry();
  return registry;
}

} // namespace l0svgd
