#pragma once
/// Non-negative least squares, min ‖A x − b‖₂ subject to x ≥ 0 (Lawson & Hanson 1974, ch. 23).
#include "l0svgd/core/types.hpp"

namespace l0svgd {

struct NnlsResult {
  Vector x;                   ///< the solution, x ≥ 0
  double residual_norm = 0.0; ///< ‖A x − b‖₂
  Index iterations = 0;       ///< outer (active-set) iterations
  bool converged = false;     ///< the KKT conditions hold to the tolerance
};

/// Lawson–Hanson active-set NNLS for a dense A (m × n) and b (m). The passive-set subproblems are
/// solved by column-pivoted Householder QR, so rank-deficient A (duplicate columns) is handled.
/// `tolerance` is the KKT tolerance on the dual vector wᵀ = (b − A x)ᵀ A; 0 means 10 ε max(m, n)
/// ‖A‖₁ ‖b‖∞. `max_iterations` 0 means 3n. Not collective.
NnlsResult nnls(const DenseMatrix& a, const Vector& b, double tolerance = 0.0,
                Index max_iterations = 0);

} // namespace l0svgd
