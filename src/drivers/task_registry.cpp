#include "l0svgd/drivers/task.hpp"

#include "l0svgd/drivers/hmc_task.hpp"
#include "l0svgd/drivers/hyperelastic_task.hpp"
#include "l0svgd/drivers/mixture_tasks.hpp"
#include "l0svgd/drivers/sensitivity_task.hpp"
#include "l0svgd/drivers/svgd_task.hpp"

namespace l0svgd {

// Tasks register here, one line each; each task's factory is declared in its own header.
const std::vector<TaskEntry>& task_registry() {
  static const std::vector<TaskEntry> registry = {
      {"svgd", "Stein variational gradient descent on the target", make_svgd_task},
      {"hmc", "HMC on the target: the reference sampler (-hmc_* options), ArviZ layout",
       make_hmc_task},
      {"map", "maximum a posteriori point by PETSc/TAO (-map_tao_* options)", make_map_task},
      {"laplace", "multistart modes, Laplace components and NNLS weights", make_laplace_task},
      {"vi", "Gaussian-mixture VI, warm (Laplace mixture) or cold start", make_vi_task},
      {"sensitivity",
       "Sobol' indices of the Laplace (or VI) mixture's accuracy over generated mixtures",
       make_sensitivity_task},
      {"hyperelastic", "ICNN hyperelasticity: L0+SVGD, L2+SVGD, pSVGD or HMC (-hyper_method)",
       make_hyperelastic_task},
  };
  return registry;
}

} // namespace l0svgd
