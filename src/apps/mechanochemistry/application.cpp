#include "l0svgd/apps/mechanochemistry/application.hpp"

#include <algorithm>

namespace l0svgd {

void MechanochemistryApplication::configure(Options& options) {
  data_options_ = MechanoDataOptions::configure(options);
  settings_ = MechanoSettings::configure(options);
}

void MechanochemistryApplication::load() {
  data_ = make_mechano_data(data_options_);
  dense_ = settings_.dense_structure();
}

std::unique_ptr<NetworkModel> MechanochemistryApplication::dense_model() const {
  return std::make_unique<MechanoModel>(dense_, data_.train, settings_);
}

std::unique_ptr<NetworkModel>
MechanochemistryApplication::reduced_model(const std::vector<bool>& support) const {
  return std::make_unique<MechanoModel>(dense_.reduce(support).structure, data_.train, settings_);
}

std::unique_ptr<L0Problem> MechanochemistryApplication::l0_problem() const {
  return std::make_unique<MechanoL0Problem>(dense_, data_.train);
}

std::vector<std::string> MechanochemistryApplication::dense_weight_names() const {
  return dense_.parameter_names();
}

Vector MechanochemistryApplication::initial_network() const {
  const MechanoResponse response(dense_, data_.train);
  const MechanoNetwork& network = response.network();
  Vector theta = network.initial_parameters(settings_.init_seed);
  // σ and μ are linear in the scale f_N of N's output layer and f_M of the free units' a_k: fit
  // both by least squares, each output weighted by 1/its variance as in the L0 loss. f_N must stay
  // positive (N's output weights are softplus); f_M may flip the free part's sign.
  Vector free_off = theta; // the free part switched off (every a_k = 0; dense units have a bias)
  const Index nc = dense_.n_convex_parameters();
  for (Index k = nc; k < free_off.size(); k += 3)
    free_off(k) = 0.0;
  const Vector q_n = response.predict_rows(free_off.transpose()).row(0).transpose();
  const Vector q_m = response.predict_rows(theta.transpose()).row(0).transpose() - q_n;
  const Vector& y = data_.train.values;
  const Vector w = inverse_sum_of_squares(data_.train);
  const double nn = q_n.cwiseAbs2().dot(w), mm = q_m.cwiseAbs2().dot(w);
  const double nm = q_n.cwiseProduct(q_m).dot(w);
  const double ny = q_n.cwiseProduct(y).dot(w), my = q_m.cwiseProduct(y).dot(w);
  const double det = nn * mm - nm * nm;
  double f_n = det > 0 ? (mm * ny - nm * my) / det : (nn > 0 ? ny / nn : 1.0);
  double f_m = det > 0 ? (nn * my - nm * ny) / det : 0.0;
  if (f_n < 1e-6) { // the best positive f_N is the bound: refit f_M alone
    f_n = 1e-6;
    f_m = mm > 0 ? (my - f_n * nm) / mm : 0.0;
  }
  f_n = std::min(f_n, 1e6);
  f_m = std::clamp(f_m, -1e6, 1e6);
  network.scale_output(theta, f_n);
  for (Index k = nc; k < theta.size(); k += 3)
    theta(k) *= f_m / f_n; // scale_output multiplied every a_k by f_N already
  return theta;
}

} // namespace l0svgd
