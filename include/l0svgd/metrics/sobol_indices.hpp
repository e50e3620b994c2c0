#pragma once
/// Variance-based global sensitivity analysis: Saltelli's design and the first-order and total
/// Sobol' indices of a quantity of interest, with bootstrap confidence intervals (Saltelli et al.,
/// "Variance based sensitivity analysis of model output", Comput. Phys. Commun. 181, 2010).
#include <cstdint>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// Saltelli's design for `n_factors` = k factors from `n_base` = N base points, in the unit cube:
/// A and B (N × k each) are the first and the last k coordinates of the first N points of the
/// 2k-dimensional Sobol' sequence (core/sobol_sequence.hpp), and AB_i is A with its column i taken
/// from B. Returns the N (k + 2) × k rows [A; B; AB_0; …; AB_{k−1}]. N a power of two keeps the
/// Sobol' points balanced. Throws InputError for k outside 1 … 20 or N < 2. Not collective.
Matrix saltelli_design(Index n_factors, Index n_base);

/// How the confidence intervals are drawn: `n_bootstrap` resamples of the N base rows (with
/// replacement; resample r from RandomSequence(seed, RngStream::Bootstrap, r)), and the
/// equal-tailed percentile interval of level `confidence`.
struct SobolBootstrap {
  Index n_bootstrap = 1000;
  double confidence = 0.95;
  uint64_t seed = 1;
};

/// First-order indices S_i = V[E(Y | X_i)] / V(Y) and total indices S_Ti = E[V(Y | X_~i)] / V(Y),
/// each with the lower and upper end of its bootstrap interval.
struct SobolIndices {
  Vector first_order, first_lower, first_upper;
  Vector total_order, total_lower, total_upper;
  double mean = 0.0;     ///< of Y over A and B
  double variance = 0.0; ///< V(Y), estimated over A and B
};

/// The indices from the quantity of interest at the rows of saltelli_design (same order, N (k + 2)
/// values): S_i = (1/N) Σ_j f_B(j) (f_ABi(j) − f_A(j)) / V (Saltelli 2010, table 2 (b)) and
/// S_Ti = (1/2N) Σ_j (f_A(j) − f_ABi(j))² / V (Jansen 1999, table 2 (f)), V the variance of
/// f over A and B. A constant quantity gives NaN indices. Throws InputError when the size is not
/// a multiple of k + 2 of at least 2 (k + 2), or a value is not finite. Not collective;
/// deterministic in its arguments.
SobolIndices sobol_indices(const ConstVectorRef& qoi, Index n_factors,
                           const SobolBootstrap& bootstrap = {});

} // namespace l0svgd
