#include "l0svgd/apps/hyperelastic/model.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/parallel/collective_error.hpp"

#include <cmath>

namespace l0svgd {
namespace {

NoiseModel parse_noise(const std::string& name) {
  if (name == "fixed")
    return NoiseModel::Fixed;
  if (name == "inferred")
    return NoiseModel::Inferred;
  return NoiseModel::Data;
}

} // namespace

HyperelasticSettings HyperelasticSettings::configure(Options& options) {
  HyperelasticSettings s;
  s.extended_inputs =
      options.get_choice("icnn_inputs", "invariants", {"invariants", "extended"},
                         "ICNN inputs: (I1, I2), or extended (I1, I2, sqrt I1, sqrt I2)") ==
      "extended";
  // About 1000 parameters by default either way: 1030 extended, 1002 with invariants only.
  s.width = options.get_int("icnn_width", s.extended_inputs ? 19 : 20, 1, 10000,
                            "neurons per hidden ICNN layer (default 19 extended, 20 invariants)");
  s.depth = options.get_int("icnn_depth", s.depth, 1, 100, "hidden ICNN layers");
  s.prior_scale =
      options.get_real("icnn_prior_scale", s.prior_scale, 0.0, 1e6,
                       "std of the Gaussian prior on the unconstrained ICNN parameters", true);
  s.init_seed = static_cast<uint64_t>(options.get_int("icnn_init_seed", 1, 0, PETSC_MAX_INT,
                                                      "seed of the initial ICNN parameters"));
  s.noise = parse_noise(options.get_choice(
      "hyper_sigma_mode", "data", {"data", "fixed", "inferred"},
      "stress noise: data-generating sigma, -hyper_sigma, or inferred log sigma"));
  s.sigma = options.get_real("hyper_sigma", s.sigma, 0.0, 1e6,
                             "fixed stress noise sigma (MPa) for -hyper_sigma_mode fixed", true);
  s.log_sigma_prior_mean = options.get_real("hyper_log_sigma_prior_mean", s.log_sigma_prior_mean,
                                            -50, 50, "mean of the Gaussian prior on log sigma");
  s.log_sigma_prior_scale =
      options.get_real("hyper_log_sigma_prior_scale", s.log_sigma_prior_scale, 0.0, 1e6,
                       "std of the Gaussian prior on log sigma", true);
  return s;
}

IcnnStructure HyperelasticSettings::dense_structure() const {
  return IcnnStructure::dense(std::vector<bool>(extended_inputs ? 4 : 2, true), width, depth);
}

HyperelasticModel::HyperelasticModel(IcnnStructure structure, const StressPoints& train,
                                     const HyperelasticSettings& settings)
    : response_(std::move(structure), train), train_(train), settings_(settings) {
  require_input(train.size() > 0, "hyperelastic model: no training data");
  if (settings_.noise == NoiseModel::Data) {
    require_input(train.noise_std.size() == train.size() && (train.noise_std.array() > 0).all(),
                  "-hyper_sigma_mode data needs synthetic data with -data_noise > 0; use "
                  "-hyper_sigma_mode fixed or inferred");
  }
  const Index d = n_network_parameters(), n = train.size();
  sigma_ = settings_.noise == NoiseModel::Data ? train.noise_std
                                               : Vector(Vector::Constant(n, settings_.sigma));
  weights_.resize(d);
  dweights_.resize(d);
  weight_gradient_.resize(d);
  particle_gradient_.resize(dim());
  stress_.resize(n);
  residual_.resize(n);
}

std::vector<std::string> HyperelasticModel::parameter_names() const {
  auto names = structure().parameter_names();
  if (infers_sigma())
    names.push_back("log_sigma");
  return names;
}

Vector HyperelasticModel::noise_std(const ConstVectorRef& x) const {
  if (infers_sigma())
    return Vector::Constant(train_.size(), std::exp(x(n_network_parameters())));
  return sigma_;
}

double HyperelasticModel::likelihood(const ConstVectorRef& x, VectorRef gradient) const {
  const Index d = n_network_parameters(), n = train_.size();
  const auto& network = response_.network();
  network.effective_weights(x.head(d), weights_, dweights_);
  response_.stresses(weights_, tape_, stress_);
  residual_ = stress_ - train_.stress;
  double value = 0;
  if (settings_.noise == NoiseModel::Inferred) {
    const double log_sigma = x(d), inv_var = std::exp(-2 * log_sigma);
    const double ss = residual_.squaredNorm();
    value = -0.5 * ss * inv_var - n * log_sigma;
    gradient(d) = ss * inv_var - n;
    residual_ *= -inv_var;
  } else {
    residual_.array() /= sigma_.array();
    value = -0.5 * residual_.squaredNorm() - sigma_.array().log().sum();
    residual_.array() /= -sigma_.array();
  }
  // residual_ now holds ∂ log L / ∂P.
  response_.stress_gradient(tape_, residual_, weight_gradient_);
  gradient.head(d) = weight_gradient_.cwiseProduct(dweights_);
  return value;
}

void HyperelasticModel::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                                 MatrixRef gradient) const {
  const LogEventScope scope(log_event("HyperelasticEval"));
  const Index d = n_network_parameters();
  const double inv_prior_var = 1.0 / (settings_.prior_scale * settings_.prior_scale);
  Vector& g = particle_gradient_;
  for (Index p = 0; p < x.rows(); ++p) {
    const auto row = x.row(p).transpose();
    double value = likelihood(row, g);
    value -= 0.5 * inv_prior_var * row.head(d).squaredNorm();
    g.head(d) -= inv_prior_var * row.head(d);
    if (infers_sigma()) {
      const double z = (row(d) - settings_.log_sigma_prior_mean) / settings_.log_sigma_prior_scale;
      value -= 0.5 * z * z;
      g(d) -= z / settings_.log_sigma_prior_scale;
    }
    log_density(p) = value;
    gradient.row(p) = g.transpose();
  }
  check_finite(*this, log_density, gradient);
}

void HyperelasticModel::log_likelihood_gradient(const ConstMatrixRef& x, MatrixRef gradient) const {
  Vector& g = particle_gradient_;
  for (Index p = 0; p < x.rows(); ++p) {
    likelihood(x.row(p).transpose(), g);
    gradient.row(p) = g.transpose();
  }
}

Matrix HyperelasticModel::predict_stress(const ConstMatrixRef& x,
                                         const StressPoints& points) const {
  const HyperelasticResponse response(structure(), points);
  return response.predict(x.leftCols(n_network_parameters()));
}

Matrix HyperelasticModel::predict(const ConstMatrixRef& x, const PredictionPoints& points) const {
  return predict_stress(x, stress_points(points));
}

Vector HyperelasticModel::noise_std(const ConstVectorRef& x, const PredictionPoints& points) const {
  if (infers_sigma())
    return Vector::Constant(points.size(), std::exp(x(n_network_parameters())));
  if (settings_.noise == NoiseModel::Data)
    return points.noise_std;
  return Vector::Constant(points.size(), settings_.sigma);
}

Vector HyperelasticModel::with_noise_parameters(const ConstVectorRef& network) const {
  Vector x(dim());
  x.head(n_network_parameters()) = network;
  if (infers_sigma())
    x(n_network_parameters()) = settings_.log_sigma_prior_mean;
  return x;
}

Vector HyperelasticModel::initial_point(uint64_t seed, uint64_t index) const {
  return with_noise_parameters(
      response_.scale_to_data(response_.network().initial_parameters(seed, index), train_.stress));
}

void HyperelasticTargetBuilder::configure(Options& options) {
  data_ = HyperelasticDataOptions::configure(options);
  settings_ = HyperelasticSettings::configure(options);
}

std::unique_ptr<Model> HyperelasticTargetBuilder::build(MPI_Comm comm) const {
  std::unique_ptr<Model> model;
  std::string message;
  try {
    const HyperelasticDataset data = load_hyperelastic_data(data_);
    model = std::make_unique<HyperelasticModel>(settings_.dense_structure(), data.train, settings_);
  } catch (const InputError& e) {
    message = e.what();
  }
  try {
    raise_if_any(!message.empty(), message, comm);
  } catch (const ModelError& e) {
    throw InputError(e.what());
  }
  return model;
}

std::unique_ptr<TargetBuilder> make_hyperelastic_builder() {
  return std::make_unique<HyperelasticTargetBuilder>();
}

} // namespace l0svgd
