#include "l0svgd/drivers/task.hpp"

#include "l0svgd/drivers/svgd_task.hpp"

namespace l0svgd {

// Tasks register here, one line each; each task's factory is declared in its own header.
const std::vector<TaskEntry>& task_registry() {
  static const std::vector<TaskEntry> registry = {
      {"svgd", "Stein variational gradient descent on the target", make_svgd_task},
  };
  return registry;
}

} // namespace l0svgd
