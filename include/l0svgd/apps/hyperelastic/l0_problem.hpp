#pragma once
/// L0 sparsification of a hyperelastic ICNN (optim/l0_sparsifier.hpp) on training stresses. The MAP
/// of the dense or reduced HyperelasticModel is MapSolver's (optim/map.hpp, prefix "map_").
#include "l0svgd/apps/hyperelastic/response.hpp"
#include "l0svgd/models/l0_problem.hpp"

namespace l0svgd {

/// Data loss of an ICNN on training stresses P̂: the normalised mean squared error
///     loss(w) = Σ_i (P_i(w) − P̂_i)² / Σ_i (P̂_i − mean P̂)² = 1 − R²,
/// i.e. the MSE divided by the variance of the data, so that λ means the same for every data set (a
/// weight is worth keeping if it raises R² by more than λ). Not thread-safe (reuses work space).
class HyperelasticL0Problem : public L0Problem {
public:
  /// Throws InputError if the training stresses have zero variance.
  HyperelasticL0Problem(IcnnStructure structure, const StressPoints& train);

  Index n_weights() const override { return response_.network().n_parameters(); }
  Index n_data() const override { return observed_.size(); }
  /// softplus for weights on a path from a convex input, identity otherwise (IcnnNetwork).
  void reparameterise(const ConstVectorRef& theta, VectorRef g,
                      VectorRef derivative) const override;
  /// softplus⁻¹(w) (w clamped to the smallest positive double) or w.
  double unconstrained(Index k, double w) const override;
  double loss(const ConstVectorRef& weights, VectorRef gradient) const override;
  double r_squared(const ConstVectorRef& weights) const override;
  /// IcnnStructure::reduce(support).kept.
  std::vector<Index> surviving(const std::vector<bool>& support) const override;

  /// Mean squared stress error (MPa²) at effective weights `weights`.
  double mse(const ConstVectorRef& weights) const;
  const HyperelasticResponse& response() const { return response_; }

private:
  HyperelasticResponse response_;
  Vector observed_;
  double total_sum_of_squares_;
  mutable IcnnTape tape_;
  mutable Vector stress_;
};

} // namespace l0svgd
