#pragma once
/// Polyconvex hyperelasticity as an application of the L0+SVGD pipeline (`-task hyperelastic`): an
/// ICNN potential of the invariants (model.hpp) on stress–stretch data, synthetic or measured
/// (data.hpp), predicting the nominal stress at loading modes and stretches.
#include <memory>

#include "l0svgd/apps/hyperelastic/data.hpp"
#include "l0svgd/apps/hyperelastic/model.hpp"
#include "l0svgd/models/network_application.hpp"

namespace l0svgd {

class HyperelasticApplication : public NetworkApplication {
public:
  std::string name() const override { return "hyperelastic"; }
  /// -data_* (data.hpp), -icnn_* and -hyper_* (model.hpp).
  void configure(Options& options) override;
  void load() override;
  std::string data_description() const override { return data_.description; }
  const PredictionPoints& train_points() const override { return train_; }
  const PredictionPoints& test_points() const override { return test_; }
  std::unique_ptr<NetworkModel> dense_model() const override;
  std::unique_ptr<NetworkModel> reduced_model(const std::vector<bool>& support) const override;
  std::unique_ptr<L0Problem> l0_problem() const override;
  std::vector<std::string> dense_weight_names() const override;
  /// IcnnNetwork::initial_parameters(-icnn_init_seed, 0) with the output layer scaled to the
  /// training stresses.
  Vector initial_network() const override;

private:
  HyperelasticDataOptions data_options_;
  HyperelasticSettings settings_;
  IcnnStructure dense_;
  HyperelasticDataset data_;
  PredictionPoints train_, test_;
};

} // namespace l0svgd
