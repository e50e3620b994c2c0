#pragma once
/// Laplace whitening of a target for SVGD: its MAP by TAO, the Laplace approximation there, and the
/// affine coordinates in which that approximation is N(0, I) (full) or has unit marginal standard
/// deviations (diagonal). The one mechanism behind -svgd_precondition and the Laplace start and
/// reference of the SVGD task.
#include <string>

#include "l0svgd/core/options.hpp"
#include "l0svgd/models/affine_model.hpp"
#include "l0svgd/optim/laplace.hpp"
#include "l0svgd/optim/map.hpp"

namespace l0svgd {

/// none: SVGD in the target's own coordinates; laplace_diag: x = m + s ∘ z with s the Laplace
/// marginal standard deviations; laplace_full: x = m + L z with L Lᵀ the Laplace covariance.
enum class Whitening { None, LaplaceDiag, LaplaceFull };

/// "none", "laplace_diag" or "laplace_full".
const char* whitening_name(Whitening type);

/// Reads -<option> (none|laplace_diag|laplace_full, default `default_type`). Not collective.
Whitening configure_whitening(Options& options, const std::string& option, Whitening default_type);

/// The MAP and the Laplace approximation at it.
struct LaplaceFit {
  MapResult map;
  LaplaceComponent laplace; ///< mean = the MAP, covariance = inverse of the repaired Hessian
  Vector sd;                ///< marginal standard deviations sqrt(diag Σ)
};

/// Maximises log p from `x0` with `solver` (its TAO options as configured), then the Laplace
/// approximation at the result (model Hessian or finite differences, eigenvalues repaired as in
/// `repair_hessian`). Not collective and deterministic: every rank calling it gets the same fit.
/// Throws ModelError if the Laplace covariance does not exist.
LaplaceFit fit_laplace(MapSolver& solver, const ConstVectorRef& x0,
                       const LaplaceSettings& settings);

/// The affine map of `type` for `fit` (identity for none: shift 0, scale 1).
AffineMap whitening_map(const LaplaceFit& fit, Whitening type);

} // namespace l0svgd
