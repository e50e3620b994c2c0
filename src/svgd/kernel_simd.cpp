#include "kernel_simd.hpp"

#include <cmath>

#include "../core/simd_math.hpp"

namespace l0svgd::simd {

L0SVGD_CLONES
void rbf_tile(const double* d, double* k, Index rows, Index cols, Index ld, double inv_h,
              double* row_sum, double* row_trace) {
  const double minus = -inv_h;
  double* __restrict sum = row_sum;
  for (Index j = 0; j < cols; ++j) {
    const double* __restrict dc = d + j * ld;
    double* __restrict kc = k + j * ld;
    if (row_trace) {
      double* __restrict trace = row_trace;
      for (Index i = 0; i < rows; ++i) {
        const double r2 = dc[i];
        const double kv = exp_le0(r2 * minus);
        kc[i] = kv;
        sum[i] += kv;
        trace[i] += r2 * kv;
      }
    } else {
      for (Index i = 0; i < rows; ++i) {
        const double kv = exp_le0(dc[i] * minus);
        kc[i] = kv;
        sum[i] += kv;
      }
    }
  }
}

L0SVGD_CLONES
void imq_tile(const double* d, double* k, double* w, Index rows, Index cols, Index ld, double inv_h,
              double* row_weight, double* row_trace) {
  double* __restrict wsum = row_weight;
  for (Index j = 0; j < cols; ++j) {
    const double* __restrict dc = d + j * ld;
    double* __restrict kc = k + j * ld;
    double* __restrict wc = w + j * ld;
    if (row_trace) {
      double* __restrict trace = row_trace;
      for (Index i = 0; i < rows; ++i) {
        const double r2 = dc[i];
        const double kv = 1.0 / std::sqrt(1.0 + r2 * inv_h);
        const double k2 = kv * kv;
        const double wk = k2 * kv * inv_h;
        kc[i] = kv;
        wc[i] = wk;
        wsum[i] += wk;
        trace[i] += r2 * k2 * k2 * kv;
      }
    } else {
      for (Index i = 0; i < rows; ++i) {
        const double kv = 1.0 / std::sqrt(1.0 + dc[i] * inv_h);
        const double wk = kv * kv * kv * inv_h;
        kc[i] = kv;
        wc[i] = wk;
        wsum[i] += wk;
      }
    }
  }
}

L0SVGD_CLONES
void coordinate_rbf_sums(const double* x_rows, Index rows, const double* x_cols,
                         const double* s_cols, Index cols, double inv_h, double* sums, Index ld,
                         bool with_discrepancy) {
  const double minus = -inv_h;
  const double* __restrict x = x_rows;
  double* __restrict a0 = sums;
  double* __restrict a1 = sums + ld;
  double* __restrict b = sums + 2 * ld;
  double* __restrict c = sums + 3 * ld;
  double* __restrict q = sums + 4 * ld;
  for (Index j = 0; j < cols; ++j) {
    const double xj = x_cols[j], sj = s_cols[j];
    if (with_discrepancy) {
      for (Index i = 0; i < rows; ++i) {
        const double delta = x[i] - xj, delta2 = delta * delta;
        const double e = exp_le0(delta2 * minus), ed = e * delta;
        a0[i] += e;
        a1[i] += e * sj;
        b[i] += ed;
        c[i] += ed * sj;
        q[i] += ed * delta;
      }
    } else {
      for (Index i = 0; i < rows; ++i) {
        const double delta = x[i] - xj;
        const double e = exp_le0(delta * delta * minus);
        a0[i] += e;
        a1[i] += e * sj;
        b[i] += e * delta;
      }
    }
  }
}

L0SVGD_CLONES
void exp_nonpositive(const double* x, double* y, Index n) {
  for (Index i = 0; i < n; ++i)
    y[i] = exp_le0(x[i]);
}

} // namespace l0svgd::simd
