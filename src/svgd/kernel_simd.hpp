#pragma once
// Elementwise work of the Stein kernel on column-major tiles (n_rows × n_cols, leading dimension
// ld): the distance completion, the RBF and IMQ kernel values and their per-row sums. Each function
// is compiled once per instruction-set level (AVX-512, AVX2 + FMA, baseline x86-64) and the widest
// one the host supports is chosen when the program is loaded (GCC target_clones), so one portable
// binary uses the vector units of whatever node it runs on. Rows are the vector lanes and columns
// are summed in order, so each row's sums do not depend on how many rows a rank holds.
#include "l0svgd/core/types.hpp"

namespace l0svgd::simd {

/// RBF: k(i, j) = exp(−d(i, j)·inv_h) (k and d both with leading dimension ld); row_sum[i] +=
/// Σ_j k; when `row_trace` is not null, row_trace[i] += Σ_j d(i, j)·k.
void rbf_tile(const double* d, double* k, Index rows, Index cols, Index ld, double inv_h,
              double* row_sum, double* row_trace);

/// IMQ: k(i, j) = (1 + d·inv_h)^(−1/2) and w(i, j) = k³·inv_h (all with leading dimension ld);
/// row_weight[i] += Σ_j w; when `row_trace` is not null, row_trace[i] += Σ_j d·k⁵.
void imq_tile(const double* d, double* k, double* w, Index rows, Index cols, Index ld, double inv_h,
              double* row_weight, double* row_trace);

/// Coordinate-wise RBF for one coordinate: with δ_ij = x_rows[i] − x_cols[j] and
/// e_ij = exp(−δ_ij²·inv_h), adds Σ_j e, Σ_j e·s_j and Σ_j e·δ to the columns 0, 1, 2 of `sums`
/// (column-major, leading dimension ld ≥ rows) and, with `with_discrepancy`, Σ_j e·δ·s_j and
/// Σ_j e·δ² to the columns 3 and 4.
void coordinate_rbf_sums(const double* x_rows, Index rows, const double* x_cols,
                         const double* s_cols, Index cols, double inv_h, double* sums, Index ld,
                         bool with_discrepancy);

/// exp(x) for x ≤ 0 elementwise, the same polynomial as rbf_tile (tests compare it with std::exp).
void exp_nonpositive(const double* x, double* y, Index n);

} // namespace l0svgd::simd
