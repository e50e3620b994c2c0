#pragma once
/// Bayesian polyconvex hyperelasticity: the posterior over the unconstrained parameters θ of an
/// ICNN potential (icnn.hpp) given stress–stretch data, as an l0svgd::Model.
///
///   log p(θ, s | data) = −½ Σ_i ((P_i(θ) − P̂_i)/σ_i)² − Σ_i log σ_i − ‖θ‖²/(2 s_θ²)
///                        [ − (s − m_s)²/(2 s_s²) when σ is inferred ]
///
/// with P_i(θ) the ICNN's nominal stress (response.hpp). The noise σ is either the data-generating
/// σ of each point (synthetic data), one fixed σ, or inferred as one extra parameter s = log σ (the
/// last coordinate) with a weak Gaussian prior. The prior on θ is N(0, s_θ²) in every coordinate.
#include <cstdint>
#include <memory>
#include <mpi.h>
#include <string>

#include "l0svgd/apps/hyperelastic/data.hpp"
#include "l0svgd/apps/hyperelastic/response.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/models/icnn.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/models/network_application.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

/// How the stress noise σ of the likelihood is set.
enum class NoiseModel {
  Data,    ///< σ_i = the data-generating σ of point i (synthetic data with noise > 0)
  Fixed,   ///< one σ for all points (-hyper_sigma)
  Inferred ///< one σ for all points, inferred as the extra parameter log σ
};

/// Network and likelihood settings, from options with prefixes `icnn_` and `hyper_`.
struct HyperelasticSettings {
  bool extended_inputs = false; ///< inputs (I1, I2, √I1, √I2) rather than (I1, I2); response.hpp
  Index width = 20; ///< neurons per hidden layer (default 20 for invariants, 19 extended)
  Index depth = 3; ///< hidden layers: 20 × 3 invariants gives 1002 parameters, 19 × 3 extended 1030
  double prior_scale = 1.0; ///< s_θ
  uint64_t init_seed = 1;   ///< seed of initial parameters (RandomSequence stream Weights)
  NoiseModel noise = NoiseModel::Data;
  double sigma = 0.01;                ///< fixed σ in MPa
  double log_sigma_prior_mean = -2.3; ///< m_s (σ ≈ 0.1 MPa)
  double log_sigma_prior_scale = 2.0; ///< s_s

  /// Reads -icnn_inputs (invariants|extended), -icnn_width, -icnn_depth, -icnn_prior_scale,
  /// -icnn_init_seed, -hyper_sigma_mode (data|fixed|inferred), -hyper_sigma,
  /// -hyper_log_sigma_prior_mean, -hyper_log_sigma_prior_scale. Options only; not collective.
  static HyperelasticSettings configure(Options& options);

  /// The dense network: inputs (I1 − 3, I2 − 3) [and (√I1 − √3, √I2 − √3) if extended], all convex;
  /// `depth` layers of `width` neurons.
  IcnnStructure dense_structure() const;
};

/// The posterior of an ICNN potential (dense or reduced structure) given training stresses.
/// Evaluation is local and not collective. Not thread-safe: one evaluation at a time per object (it
/// reuses internal work space).
class HyperelasticModel : public NetworkModel {
public:
  /// Throws InputError if the noise model is Data and a point has no positive data-generating σ.
  HyperelasticModel(IcnnStructure structure, const StressPoints& train,
                    const HyperelasticSettings& settings);

  Index dim() const override { return n_network_parameters() + (infers_sigma() ? 1 : 0); }
  std::string name() const override { return "hyperelastic"; }
  /// Network parameter names ("layer1.W[3,7]", ...) and "log_sigma" last when σ is inferred.
  std::vector<std::string> parameter_names() const override;
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  /// Gradient of the log-likelihood alone (data term, including −n log σ when σ is inferred).
  void log_likelihood_gradient(const ConstMatrixRef& x, MatrixRef gradient) const override;
  bool has_likelihood_gradient() const override { return true; }

  Index n_network_parameters() const override { return response_.network().n_parameters(); }
  /// Stresses at `points` (coordinates "mode" and "stretch", as to_prediction_points writes them).
  Matrix predict(const ConstMatrixRef& x, const PredictionPoints& points) const override;
  Vector noise_std(const ConstVectorRef& x, const PredictionPoints& points) const override;
  /// `network` with log σ = the prior mean appended when σ is inferred.
  Vector with_noise_parameters(const ConstVectorRef& network) const override;
  bool infers_sigma() const { return settings_.noise == NoiseModel::Inferred; }
  const IcnnStructure& structure() const { return response_.network().structure(); }
  const HyperelasticResponse& response() const { return response_; }
  const StressPoints& train() const { return train_; }
  const HyperelasticSettings& settings() const { return settings_; }

  /// Stresses at `points` for each particle (row of `x`, log σ ignored): n_particles ×
  /// points.size().
  Matrix predict_stress(const ConstMatrixRef& x, const StressPoints& points) const;
  /// Noise σ of each training point for parameters `x` (one particle).
  Vector noise_std(const ConstVectorRef& x) const;
  using NetworkModel::noise_std;
  /// Start point for particle `index`: IcnnNetwork::initial_parameters(seed, index) with the output
  /// layer scaled to the training stresses (HyperelasticResponse::scale_to_data) and, if inferred,
  /// log σ = the prior mean.
  Vector initial_point(uint64_t seed, uint64_t index) const;

private:
  // log-likelihood of one particle and its gradient (size dim()).
  double likelihood(const ConstVectorRef& x, VectorRef gradient) const;

  HyperelasticResponse response_;
  StressPoints train_;
  HyperelasticSettings settings_;
  Vector sigma_; // σ per training point unless inferred
  mutable IcnnTape tape_;
  mutable Vector weights_, dweights_, stress_, residual_, weight_gradient_, particle_gradient_;
};

/// `-target_type hyperelastic`: the dense ICNN posterior on the data of `data_*` options.
class HyperelasticTargetBuilder : public TargetBuilder {
public:
  void configure(Options& options) override;
  /// Reads the data files (every rank reads them) and builds the dense model. Collective on `comm`
  /// only in that a data error on any rank is raised on all of them.
  std::unique_ptr<Model> build(MPI_Comm comm) const override;

private:
  HyperelasticDataOptions data_;
  HyperelasticSettings settings_;
};

/// Factory for the target registry.
std::unique_ptr<TargetBuilder> make_hyperelastic_builder();

} // namespace l0svgd
