#include "l0svgd/apps/hyperelastic/application.hpp"

#include "l0svgd/apps/hyperelastic/l0_problem.hpp"

namespace l0svgd {

void HyperelasticApplication::configure(Options& options) {
  data_options_ = HyperelasticDataOptions::configure(options);
  settings_ = HyperelasticSettings::configure(options);
}

void HyperelasticApplication::load() {
  data_ = load_hyperelastic_data(data_options_);
  dense_ = settings_.dense_structure();
  train_ = to_prediction_points(data_.train);
  test_ = to_prediction_points(data_.test);
}

std::unique_ptr<NetworkModel> HyperelasticApplication::dense_model() const {
  return std::make_unique<HyperelasticModel>(dense_, data_.train, settings_);
}

std::unique_ptr<NetworkModel>
HyperelasticApplication::reduced_model(const std::vector<bool>& support) const {
  return std::make_unique<HyperelasticModel>(dense_.reduce(support).structure, data_.train,
                                             settings_);
}

std::unique_ptr<L0Problem> HyperelasticApplication::l0_problem() const {
  return std::make_unique<HyperelasticL0Problem>(dense_, data_.train);
}

std::vector<std::string> HyperelasticApplication::dense_weight_names() const {
  return dense_.parameter_names();
}

Vector HyperelasticApplication::initial_network() const {
  const HyperelasticResponse response(dense_, data_.train);
  return response.scale_to_data(response.network().initial_parameters(settings_.init_seed, 0),
                                data_.train.stress);
}

} // namespace l0svgd
