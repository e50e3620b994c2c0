#pragma once
/// Laplace approximation at the modes of a density: Hessian of −log p, covariance, Cholesky factor
/// and Laplace mass per mode.
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/models/model.hpp"

namespace l0svgd {

struct LaplaceSettings {
  /// Relative central-difference step h_i = fd_step · max(1, |x_i|) for models without an exact
  /// Hessian.
  double fd_step = 1e-5;
  /// Eigenvalues of the Hessian of −log p below eigenvalue_floor · (largest eigenvalue) are clipped
  /// up to that value (see `repair_hessian`).
  double eigenvalue_floor = 1e-8;

  /// Reads -laplace_fd_step and -laplace_eigenvalue_floor (defaults: the current values). Not
  /// collective.
  void configure(Options& options);
};

/// Hessian of −log p at `x` (d × d, symmetric): the model's own where has_hessian(), else central
/// finite differences of the gradient (2d gradient evaluations in one batched call), symmetrised.
/// Throws ModelError if the model returns non-finite values. Not collective.
DenseMatrix negative_log_hessian(const Model& model, const ConstVectorRef& x, double fd_step);

/// A symmetric positive-definite stand-in for a Hessian of −log p.
struct RepairedHessian {
  DenseMatrix precision; ///< V max(Λ, floor) Vᵀ
  Index n_clipped = 0;   ///< eigenvalues that were below the floor
  double floor = 0.0;    ///< the floor used
};

/// How `repair_hessian` treats eigenvalues besides the relative floor.
struct RepairOptions {
  /// Replace every eigenvalue by its absolute value first (the saddle-free Newton metric), so that
  /// a negative curvature direction keeps its scale instead of being clipped to the floor.
  bool absolute_values = false;
  double absolute_floor = 0.0; ///< a floor of its own, in the units of the Hessian
};

/// Eigenvalue clipping: eigenvalues below floor = max(relative_floor · λ_max, 1/D², absolute
/// floor) are raised to the floor, where D is the diameter of the support box `lower`…`upper` (no
/// such term when the box is unbounded), so that a clipped direction is never wider than the prior
/// box. Throws ModelError if no floor exists (no positive eigenvalue on an unbounded support and no
/// absolute floor). Not collective.
RepairedHessian repair_hessian(const DenseMatrix& hessian, double relative_floor,
                               const ConstVectorRef& lower, const ConstVectorRef& upper,
                               const RepairOptions& options = {});

/// Gaussian N(mean, covariance) at one mode, with its Laplace mass.
struct LaplaceComponent {
  Vector mean;
  double log_density = 0.0; ///< log p̃ at the mode
  DenseMatrix precision;    ///< (repaired) Hessian of −log p̃ at the mode
  DenseMatrix covariance;   ///< inverse of `precision`
  DenseMatrix cholesky;     ///< lower-triangular L with L Lᵀ = covariance
  /// log a = log p̃(μ) + d/2 log 2π + ½ log|Σ|: the mass of p̃ if it were exactly this Gaussian.
  double log_mass = 0.0;
  Index n_clipped = 0; ///< eigenvalues clipped by the repair (0 for a proper maximum)
};

/// Laplace approximation at each row of `modes` (K × d) with log p̃ values `log_density`. A Hessian
/// that is not positive definite is repaired and a warning names the mode. Not collective,
/// deterministic: call it on every rank with the same modes (the warning is printed once, by rank
/// 0).
std::vector<LaplaceComponent> laplace_components(const Model& model, const ConstMatrixRef& modes,
                                                 const ConstVectorRef& log_density,
                                                 const LaplaceSettings& settings);

} // namespace l0svgd
