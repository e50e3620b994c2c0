#pragma once
/// Mechanochemistry as an application of the L0+SVGD pipeline (`-task mechanochemistry`): a free
/// energy network convex in the strain (network.hpp) on noisy stresses and chemical potentials of
/// the benchmark free energy (data.hpp), predicting σ and μ at strains and concentrations.
#include <memory>

#include "l0svgd/apps/mechanochemistry/data.hpp"
#include "l0svgd/apps/mechanochemistry/model.hpp"
#include "l0svgd/models/network_application.hpp"

namespace l0svgd {

class MechanochemistryApplication : public NetworkApplication {
public:
  std::string name() const override { return "mechanochemistry"; }
  /// -mech_* options (data.hpp, model.hpp).
  void configure(Options& options) override;
  void load() override;
  std::string data_description() const override { return data_.description; }
  const PredictionPoints& train_points() const override { return data_.train; }
  const PredictionPoints& test_points() const override { return data_.test; }
  std::unique_ptr<NetworkModel> dense_model() const override;
  std::unique_ptr<NetworkModel> reduced_model(const std::vector<bool>& support) const override;
  std::unique_ptr<L0Problem> l0_problem() const override;
  std::vector<std::string> dense_weight_names() const override;
  /// MechanoNetwork::initial_parameters(-mech_init_seed) with N's output and the free part scaled
  /// by the least-squares factors (each output weighted by 1/its variance, N's factor positive)
  /// that best fit the training data.
  Vector initial_network() const override;

private:
  MechanoDataOptions data_options_;
  MechanoSettings settings_;
  MechanoStructure dense_;
  MechanoDataset data_;
};

} // namespace l0svgd
