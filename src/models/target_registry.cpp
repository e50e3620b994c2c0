#include "l0svgd/models/target_registry.hpp"

#include "l0svgd/core/error.hpp"

namespace l0svgd {

// Families register here, one line each; their builders live beside their models.
const std::vector<TargetEntry>& target_registry() {
  static const std::vector<TargetEntry> registry = {
  };
  return registry;
}

std::unique_ptr<TargetBuilder> configure_target(Options& options, const std::string& default_type) {
  std::vector<std::string> names;
  for (const auto& entry : target_registry())
    names.push_back(entry.name);
  const std::string type =
      options.get_choice("target_type", default_type, names, "model or target density to infer");
  std::unique_ptr<TargetBuilder> chosen;
  for (const auto& entry : target_registry()) {
    if (entry.name == type || options.help_mode()) {
      auto builder = entry.make();
      builder->configure(options);
      if (entry.name == type)
        chosen = std::move(builder);
    }
  }
  if (!chosen)
    throw InputError("option -target_type: unknown target '" + type + "'");
  return chosen;
}

} // namespace l0svgd
