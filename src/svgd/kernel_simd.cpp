#include "kernel_simd.hpp"

#include <algorithm>
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
  // One row at a time, the columns in vector lanes: the sums stay in registers (an OpenMP SIMD
  // reduction, whose lane order is fixed by the column index, so every rank adds a row's terms in
  // the same order whatever rows it holds).
  const double minus = -inv_h;
  const double* __restrict xc = x_cols;
  const double* __restrict sc = s_cols;
  for (Index i = 0; i < rows; ++i) {
    const double xi = x_rows[i];
    double a0 = 0.0, a1 = 0.0, b = 0.0, c = 0.0, q = 0.0;
    if (with_discrepancy) {
#pragma omp simd reduction(+ : a0, a1, b, c, q) simdlen(32)
      for (Index j = 0; j < cols; ++j) {
        const double delta = xi - xc[j], delta2 = delta * delta;
        const double e = exp_le0(delta2 * minus), ed = e * delta;
        a0 += e;
        a1 += e * sc[j];
        b += ed;
        c += ed * sc[j];
        q += ed * delta;
      }
    } else {
#pragma omp simd reduction(+ : a0, a1, b) simdlen(32)
      for (Index j = 0; j < cols; ++j) {
        const double delta = xi - xc[j];
        const double e = exp_le0(delta * delta * minus);
        a0 += e;
        a1 += e * sc[j];
        b += e * delta;
      }
    }
    sums[i] += a0;
    sums[ld + i] += a1;
    sums[2 * ld + i] += b;
    if (with_discrepancy) {
      sums[3 * ld + i] += c;
      sums[4 * ld + i] += q;
    }
  }
}

L0SVGD_CLONES
void exp_nonpositive(const double* x, double* y, Index n) {
  for (Index i = 0; i < n; ++i)
    y[i] = exp_le0(x[i]);
}

} // namespace l0svgd::simd
