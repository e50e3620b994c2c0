#include "l0svgd/apps/mechanochemistry/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/profiling.hpp"

namespace l0svgd {

MechanoSettings MechanoSettings::configure(Options& options) {
  MechanoSettings s;
  s.width = options.get_int("mech_width", s.width, 1, 10000,
                            "neurons per hidden layer of the network's convex part");
  s.depth = options.get_int("mech_depth", s.depth, 1, 100, "hidden layers of the convex part");
  s.free_width = options.get_int("mech_free_width", s.free_width, 0, 10000,
                                 "tanh units of the network's free part in the concentration");
  s.strain_squared = options.get_bool(
      "mech_strain_squared", s.strain_squared,
      "give the convex part (eps/eps_s)^2 as a fourth convex input, so that one weight can carry "
      "a quadratic elastic energy (false: the inputs eps, -eps, c only; with -mech_free_width 11 "
      "that network also has 148 parameters)");
  s.prior_scale =
      options.get_real("mech_prior_scale", s.prior_scale, 0.0, 1e6,
                       "std of the Gaussian prior on the unconstrained network parameters", true);
  s.init_seed = static_cast<uint64_t>(options.get_int("mech_init_seed", 1, 0, PETSC_MAX_INT,
                                                      "seed of the initial network parameters"));
  return s;
}

MechanoStructure MechanoSettings::dense_structure() const {
  return MechanoStructure::dense(width, depth, free_width, strain_squared);
}

MechanoResponse::MechanoResponse(MechanoStructure structure, const PredictionPoints& points)
    : network_(std::move(structure)), strain_(points.coordinate("strain")),
      concentration_(points.coordinate("concentration")) {
  const Vector& quantity = points.coordinate("quantity");
  for (Index i = 0; i < quantity.size(); ++i)
    is_stress_.push_back(static_cast<int>(quantity(i)) == static_cast<int>(MechQuantity::Stress));
  stress_cotangent_.resize(quantity.size());
  potential_cotangent_.resize(quantity.size());
}

void MechanoResponse::predict(const ConstVectorRef& weights, VectorRef out) const {
  network_.forward(weights, strain_, concentration_, tape_);
  for (Index i = 0; i < out.size(); ++i)
    out(i) = is_stress_[static_cast<size_t>(i)] ? tape_.stress(i) : tape_.potential(i);
}

void MechanoResponse::gradient(const ConstVectorRef& cotangent, VectorRef weight_gradient) const {
  for (Index i = 0; i < cotangent.size(); ++i) {
    const bool stress = is_stress_[static_cast<size_t>(i)];
    stress_cotangent_(i) = stress ? cotangent(i) : 0.0;
    potential_cotangent_(i) = stress ? 0.0 : cotangent(i);
  }
  network_.gradient(tape_, stress_cotangent_, potential_cotangent_, weight_gradient);
}

Matrix MechanoResponse::predict_rows(const ConstMatrixRef& theta) const {
  const Index d = network_.n_parameters();
  Vector w(d), dw(d), out(strain_.size());
  Matrix result(theta.rows(), strain_.size());
  for (Index p = 0; p < theta.rows(); ++p) {
    network_.effective_weights(theta.row(p).transpose(), w, dw);
    predict(w, out);
    result.row(p) = out.transpose();
  }
  return result;
}

MechanoModel::MechanoModel(MechanoStructure structure, const PredictionPoints& train,
                           const MechanoSettings& settings)
    : response_(std::move(structure), train), train_(train), settings_(settings) {
  require_input(train.size() > 0, "mechanochemistry model: no training data");
  require_input(train.noise_std.size() == train.size() && (train.noise_std.array() > 0).all(),
                "mechanochemistry model: every training point needs a positive noise sigma");
  const Index d = dim(), n = train.size();
  weights_.resize(d);
  dweights_.resize(d);
  weight_gradient_.resize(d);
  particle_gradient_.resize(d);
  prediction_.resize(n);
  residual_.resize(n);
}

std::vector<std::string> MechanoModel::parameter_names() const {
  return response_.network().structure().parameter_names();
}

double MechanoModel::likelihood(const ConstVectorRef& theta, VectorRef gradient) const {
  response_.network().effective_weights(theta, weights_, dweights_);
  response_.predict(weights_, prediction_);
  residual_ = (prediction_ - train_.values).cwiseQuotient(train_.noise_std);
  const double value = -0.5 * residual_.squaredNorm() - train_.noise_std.array().log().sum();
  residual_ = -residual_.cwiseQuotient(train_.noise_std); // ∂ log L / ∂q
  response_.gradient(residual_, weight_gradient_);
  gradient = weight_gradient_.cwiseProduct(dweights_);
  return value;
}

void MechanoModel::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                            MatrixRef gradient) const {
  const LogEventScope scope(log_event("MechanoEval"));
  const double inv_prior_var = 1.0 / (settings_.prior_scale * settings_.prior_scale);
  for (Index p = 0; p < x.rows(); ++p) {
    const auto row = x.row(p).transpose();
    double value = likelihood(row, particle_gradient_);
    value -= 0.5 * inv_prior_var * row.squaredNorm();
    particle_gradient_ -= inv_prior_var * row;
    log_density(p) = value;
    gradient.row(p) = particle_gradient_.transpose();
  }
  check_finite(*this, log_density, gradient);
}

void MechanoModel::log_likelihood_gradient(const ConstMatrixRef& x, MatrixRef gradient) const {
  for (Index p = 0; p < x.rows(); ++p) {
    likelihood(x.row(p).transpose(), particle_gradient_);
    gradient.row(p) = particle_gradient_.transpose();
  }
}

Matrix MechanoModel::predict(const ConstMatrixRef& x, const PredictionPoints& points) const {
  return MechanoResponse(response_.network().structure(), points).predict_rows(x);
}

Vector MechanoModel::noise_std(const ConstVectorRef&, const PredictionPoints& points) const {
  return points.noise_std;
}

MechanoL0Problem::MechanoL0Problem(MechanoStructure structure, const PredictionPoints& train)
    : response_(std::move(structure), train), observed_(train.values),
      positive_(response_.network().structure().positive()) {
  inverse_total_ = 0.5 * inverse_sum_of_squares(train);
  prediction_.resize(train.size());
}

void MechanoL0Problem::reparameterise(const ConstVectorRef& theta, VectorRef g,
                                      VectorRef derivative) const {
  response_.network().effective_weights(theta, g, derivative);
}

double MechanoL0Problem::unconstrained(Index k, double w) const {
  if (positive_[static_cast<size_t>(k)])
    return softplus_inverse(std::max(w, std::numeric_limits<double>::min()));
  return w;
}

double MechanoL0Problem::loss(const ConstVectorRef& weights, VectorRef gradient) const {
  response_.predict(weights, prediction_);
  prediction_ -= observed_;
  const double value = prediction_.cwiseAbs2().dot(inverse_total_);
  prediction_ = 2.0 * prediction_.cwiseProduct(inverse_total_);
  response_.gradient(prediction_, gradient);
  return value;
}

double MechanoL0Problem::r_squared(const ConstVectorRef& weights) const {
  response_.predict(weights, prediction_);
  return 1.0 - (prediction_ - observed_).cwiseAbs2().dot(inverse_total_);
}

std::vector<Index> MechanoL0Problem::surviving(const std::vector<bool>& support) const {
  return response_.network().structure().reduce(support).kept;
}

} // namespace l0svgd
