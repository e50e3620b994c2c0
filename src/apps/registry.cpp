#include "l0svgd/apps/registry.hpp"

#include "l0svgd/apps/hyperelastic/application.hpp"
#include "l0svgd/apps/mechanochemistry/application.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

const std::vector<ApplicationEntry>& application_registry() {
  static const std::vector<ApplicationEntry> registry = {
      {"hyperelastic",
       "ICNN hyperelasticity: L0+SVGD, L2+SVGD, pSVGD or HMC (-uq_method), -hyper_* options",
       [] { return std::make_unique<HyperelasticApplication>(); }},
      {"mechanochemistry",
       "chemo-mechanical free energy psi(strain, concentration): the same four methods, -mech_* "
       "options",
       [] { return std::make_unique<MechanochemistryApplication>(); }},
  };
  return registry;
}

void register_application_targets() {
  static bool registered = false;
  if (registered)
    return;
  register_target({"hyperelastic", "polyconvex ICNN hyperelasticity on stress-stretch data",
                   make_hyperelastic_builder});
  registered = true;
}

} // namespace l0svgd
