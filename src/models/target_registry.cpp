#include "l0svgd/models/target_registry.hpp"

#include <stdexcept>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/banana.hpp"
#include "l0svgd/models/gaussian.hpp"
#include "l0svgd/models/gmm.hpp"
#include "l0svgd/models/gmm_synthetic.hpp"
#include "l0svgd/models/linreg.hpp"
#include "l0svgd/models/logreg.hpp"
#include "l0svgd/models/sas_mixture.hpp"
#include "l0svgd/models/shear_frame.hpp"

namespace l0svgd {

namespace {

// The built-in families register here, one line each; their builders live beside their models.
// Applications (src/apps/, apps/registry.hpp) and programs built on the library add theirs with
// register_target.
std::vector<TargetEntry>& registry_storage() {
  static std::vector<TargetEntry> registry = {
      {"gaussian", "multivariate Gaussian N(mean, cov)", make_gaussian_builder},
      {"gmm", "Gaussian mixture with exact sampler", make_gmm_builder},
      {"gmm_synthetic", "generated Gaussian mixture from (d, K, decay, correlation, overlap)",
       make_gmm_synthetic_builder},
      {"sas_mixture", "mixture of sinh-arcsinh transformed Gaussians (gmm_synthetic's factors)",
       make_sas_mixture_builder},
      {"banana", "2-D banana-shaped density", make_banana_builder},
      {"linreg", "Bayesian linear regression with known noise", make_linreg_builder},
      {"logreg", "Bayesian logistic regression on a CSV data set", make_logreg_builder},
      {"shear_frame", "2-storey shear frame damping (c1, c2)", make_shear_frame_builder},
  };
  return registry;
}

} // namespace

const std::vector<TargetEntry>& target_registry() {
  return registry_storage();
}

void register_target(TargetEntry entry) {
  if (entry.name.empty() || !entry.make)
    throw std::invalid_argument("register_target: a target needs a name and a builder");
  for (const auto& existing : registry_storage())
    if (existing.name == entry.name)
      throw std::invalid_argument("register_target: a target named '" + entry.name +
                                  "' is already registered");
  registry_storage().push_back(std::move(entry));
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
