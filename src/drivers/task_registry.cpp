#include "l0svgd/drivers/task.hpp"

namespace l0svgd {

// Tasks register here, one line each; each task's factory is declared in its own header.
const std::vector<TaskEntry>& task_registry() {
  static const std::vector<TaskEntry> registry = {
  };
  return registry;
}

} // namespace l0svgd
