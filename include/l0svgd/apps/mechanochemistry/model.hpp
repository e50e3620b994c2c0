#pragma once
/// The posterior of a mechanochemistry free-energy network (network.hpp) given noisy stresses and
/// chemical potentials (data.hpp), as a NetworkModel:
///
///     log p(θ | data) = −½ Σ_i ((q_i(θ) − q̂_i)/σ_i)² − Σ_i log σ_i − ‖θ‖²/(2 s_θ²),
///
/// q_i the network's σ or μ at point i (its "quantity" coordinate) and σ_i the data-generating
/// noise of that output. And the network's L0 problem: the data loss ½ (SSE_σ/SST_σ + SSE_μ/SST_μ),
/// each output's squared error over its own variance, so that 1 − loss is the mean of the two
/// outputs' R².
#include <cstdint>
#include <memory>

#include "l0svgd/apps/mechanochemistry/data.hpp"
#include "l0svgd/apps/mechanochemistry/network.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/models/l0_problem.hpp"
#include "l0svgd/models/network_application.hpp"

namespace l0svgd {

/// Network and prior settings, from options with prefix `mech_`.
struct MechanoSettings {
  Index width = 7, depth = 2; ///< the ICNN part: 7 × 2 on four inputs has 130 parameters
  Index free_width = 6;       ///< free tanh units: 18 parameters, 148 in all (the paper's count)
  bool strain_squared = true; ///< the input x₄ = (ε/ε_s)² (network.hpp)
  double prior_scale = 1.0;   ///< s_θ
  uint64_t init_seed = 1;

  /// Reads -mech_width, -mech_depth, -mech_free_width, -mech_strain_squared, -mech_prior_scale,
  /// -mech_init_seed.
  /// Options only; not collective.
  static MechanoSettings configure(Options& options);
  MechanoStructure dense_structure() const;
};

/// σ and μ at prediction points for one parameter vector, reusing its tape (not thread-safe).
class MechanoResponse {
public:
  MechanoResponse(MechanoStructure structure, const PredictionPoints& points);
  const MechanoNetwork& network() const { return network_; }
  /// The network's value of each point's quantity for effective weights `weights`.
  void predict(const ConstVectorRef& weights, VectorRef out) const;
  /// Gradient of Σ_i cotangent_i q_i with respect to the effective weights, at the last predict.
  void gradient(const ConstVectorRef& cotangent, VectorRef weight_gradient) const;
  /// Rows of unconstrained parameters θ → their predictions (rows × points).
  Matrix predict_rows(const ConstMatrixRef& theta) const;

private:
  MechanoNetwork network_;
  Vector strain_, concentration_;
  std::vector<bool> is_stress_;
  mutable MechanoTape tape_;
  mutable Vector stress_cotangent_, potential_cotangent_;
};

class MechanoModel : public NetworkModel {
public:
  /// Throws InputError without training points or with a non-positive noise σ.
  MechanoModel(MechanoStructure structure, const PredictionPoints& train,
               const MechanoSettings& settings);

  Index dim() const override { return response_.network().n_parameters(); }
  std::string name() const override { return "mechanochemistry"; }
  std::vector<std::string> parameter_names() const override;
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  void log_likelihood_gradient(const ConstMatrixRef& x, MatrixRef gradient) const override;
  bool has_likelihood_gradient() const override { return true; }

  Index n_network_parameters() const override { return dim(); }
  Matrix predict(const ConstMatrixRef& x, const PredictionPoints& points) const override;
  /// The data-generating σ of each point's output.
  Vector noise_std(const ConstVectorRef& x, const PredictionPoints& points) const override;
  Vector with_noise_parameters(const ConstVectorRef& network) const override { return network; }

private:
  double likelihood(const ConstVectorRef& theta, VectorRef gradient) const;

  MechanoResponse response_;
  PredictionPoints train_;
  MechanoSettings settings_;
  mutable Vector weights_, dweights_, prediction_, residual_, weight_gradient_, particle_gradient_;
};

class MechanoL0Problem : public L0Problem {
public:
  /// Throws InputError if an output has no variance on the training points.
  MechanoL0Problem(MechanoStructure structure, const PredictionPoints& train);
  Index n_weights() const override { return response_.network().n_parameters(); }
  Index n_data() const override { return observed_.size(); }
  void reparameterise(const ConstVectorRef& theta, VectorRef g,
                      VectorRef derivative) const override;
  double unconstrained(Index k, double w) const override;
  double loss(const ConstVectorRef& weights, VectorRef gradient) const override;
  double r_squared(const ConstVectorRef& weights) const override;
  std::vector<Index> surviving(const std::vector<bool>& support) const override;

private:
  MechanoResponse response_;
  Vector observed_, inverse_total_; // per point: 1/(2 SST of its output)
  std::vector<bool> positive_;
  mutable Vector prediction_;
};

} // namespace l0svgd
