#pragma once
/// The log density and gradient of a mixture Σ_k exp(l_k(x)) from its components one at a time:
/// a streaming log-sum-exp that never forms exp(l_k) unscaled, shared by the mixture targets.
#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// Running sums for a block of rows. After add() of every component (l_k and ∇l_k per row),
/// finish() leaves log Σ_k exp(l_k) and Σ_k r_k ∇l_k with r_k = exp(l_k) / Σ_j exp(l_j). A
/// component that underflows to −inf at a row contributes nothing there. Not collective.
class MixtureSum {
public:
  /// Starts a block of `rows` rows; `log_density` (rows) and `gradient` (rows × d) receive the
  /// running maximum and the scaled gradient sum until finish().
  void start(Index rows);
  void add(const ConstVectorRef& value, const ConstMatrixRef& component_gradient,
           VectorRef log_density, MatrixRef gradient);
  void finish(VectorRef log_density, MatrixRef gradient) const;

private:
  Vector sums_; // Σ_k exp(l_k − running maximum) per row
  bool first_ = true;
};

/// The component a uniform u in [0, 1) picks from normalised `weights`: the first k whose
/// cumulative weight exceeds u (the last one if rounding leaves u above them all).
Index pick_component(const Vector& weights, double u);

} // namespace l0svgd
