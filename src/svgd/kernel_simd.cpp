#include "kernel_simd.hpp"

#include <algorithm>
#include <cmath>
#include <immintrin.h>
#include <string_view>

#include "../core/simd_math.hpp"

namespace l0svgd::simd {

// The exponential-bound loops (the coordinate-wise kernel's N² d terms, the RBF tiles, the
// exponential itself) have an AVX-512 version written with intrinsics, chosen at run time: an
// exponential with a 16-entry table in registers (one vpermt2pd) needs a polynomial of degree 5
// instead of 13, about a third fewer instructions than exp_le0, which the compiler's own
// vectorisation cannot reach (it would gather from the table). Other hosts run the target_clones
// loops below.
namespace {

#define L0SVGD_AVX512 __attribute__((target("avx512f,avx512dq")))

bool use_avx512() {
  static const bool avx512 = std::string_view(instruction_set()) == "avx512";
  return avx512;
}

// exp(x) for x ≤ 0: x = (16n + j) ln2/16 + r with |r| ≤ ln2/32 (16n + j by the 1.5·2⁵² rounding
// trick, ln 2/16 split in two for an exact product), exp(x) = 2ⁿ · 2^(j/16) · (1 + r g(r)) with g
// the degree-5 interpolant of (eʳ − 1)/r at the Chebyshev nodes of [−ln2/32, ln2/32] (relative
// error of 1 + r g(r) below 1.4e-17 with these rounded coefficients, checked in 60-digit
// arithmetic), 2^(j/16) (correctly rounded) from the table by the low four bits of the rounded
// value, 2ⁿ built in the exponent bits. Within two ulps of std::exp; 0 below −708, as exp_le0.
L0SVGD_AVX512 inline __m512d exp_le0_avx512(const __m512d x) {
  alignas(64) static const double table[16] = {
      0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
      0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
      0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
      0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};
  const __m512d lowest = _mm512_set1_pd(-708.0);
  // Lanes below −708 compute garbage (their n is out of range), zeroed at the end.
  const __mmask8 finite = _mm512_cmp_pd_mask(x, lowest, _CMP_GE_OQ);
  const __m512d shifter = _mm512_set1_pd(6755399441055744.0); // 1.5 · 2^52
  const __m512d t = _mm512_fmadd_pd(x, _mm512_set1_pd(0x1.71547652b82fep+4), shifter);
  const __m512d k = _mm512_sub_pd(t, shifter);
  __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(0x1.62e42fee00000p-5), x); // ln 2/16, high part
  r = _mm512_fnmadd_pd(k, _mm512_set1_pd(0x1.a39ef35793c76p-37), r);        // and the rest
  __m512d q = _mm512_set1_pd(0x1.6c17ed4cc4834p-10);
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.11123cf1dba3ap-7));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.55555554e9468p-5));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.555555547d378p-3));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.0000000000001p-1));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.0000000000003p+0));
  q = _mm512_mul_pd(q, r);
  const __m512i bits = _mm512_castpd_si512(t); // low bits: 16n + j in two's complement
  const __m512d entry = _mm512_permutex2var_pd(_mm512_load_pd(table), bits,
                                               _mm512_load_pd(table + 8)); // by j = bits mod 16
  // GCC's vector operators, not _mm512_s?li_epi64, whose GCC 12 definitions warn (-Wuninitialized).
  using Words = unsigned long long __attribute__((vector_size(64)));
  const Words exponent = ((reinterpret_cast<const Words&>(bits) >> 4) + 1023) << 52; // n ≥ −1022
  const __m512d value = _mm512_fmadd_pd(entry, q, entry);
  return _mm512_maskz_mul_pd(finite, value, reinterpret_cast<const __m512d&>(exponent));
}

// Loads the first `count` ≤ 8 doubles at p, zeros elsewhere.
L0SVGD_AVX512 inline __m512d load_head(const double* p, Index count) {
  return count >= 8 ? _mm512_loadu_pd(p)
                    : _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << count) - 1), p);
}

L0SVGD_AVX512 void exp_nonpositive_avx512(const double* x, double* y, Index n) {
  for (Index i = 0; i < n; i += 8) {
    const Index count = std::min<Index>(8, n - i);
    const __m512d e = exp_le0_avx512(load_head(x + i, count));
    _mm512_mask_storeu_pd(y + i, static_cast<__mmask8>((1u << count) - 1), e);
  }
}

// The RBF tile over rows in vector lanes, the columns in order (as the generic loop).
L0SVGD_AVX512 void rbf_tile_avx512(const double* d, double* k, Index rows, Index cols, Index ld,
                                   double inv_h, double* row_sum, double* row_trace) {
  const __m512d minus = _mm512_set1_pd(-inv_h);
  for (Index j = 0; j < cols; ++j) {
    const double* dc = d + j * ld;
    double* kc = k + j * ld;
    for (Index i = 0; i < rows; i += 8) {
      const Index count = std::min<Index>(8, rows - i);
      const __mmask8 lanes = static_cast<__mmask8>((1u << count) - 1);
      const __m512d r2 = load_head(dc + i, count);
      const __m512d kv = exp_le0_avx512(_mm512_mul_pd(r2, minus));
      _mm512_mask_storeu_pd(kc + i, lanes, kv);
      _mm512_mask_storeu_pd(row_sum + i, lanes, _mm512_add_pd(load_head(row_sum + i, count), kv));
      if (row_trace)
        _mm512_mask_storeu_pd(row_trace + i, lanes,
                              _mm512_fmadd_pd(r2, kv, load_head(row_trace + i, count)));
    }
  }
}

constexpr int kUnroll = 4; // independent accumulators per sum: 4 × 8 columns in flight

// The terms of 8 columns (those in `lanes`) added to the accumulators acc[m · kUnroll + u].
template <bool kDiscrepancy>
L0SVGD_AVX512 inline void add_coordinate_terms(__m512d* acc, int u, __m512d x, __m512d xj,
                                               __m512d sj, __m512d minus, __mmask8 lanes) {
  const __m512d delta = _mm512_sub_pd(x, xj);
  const __m512d arg = _mm512_mul_pd(_mm512_mul_pd(delta, delta), minus);
  const __m512d e = _mm512_maskz_mov_pd(lanes, exp_le0_avx512(arg));
  const __m512d ed = _mm512_mul_pd(e, delta);
  acc[u] = _mm512_add_pd(acc[u], e);
  acc[kUnroll + u] = _mm512_fmadd_pd(e, sj, acc[kUnroll + u]);
  acc[2 * kUnroll + u] = _mm512_add_pd(acc[2 * kUnroll + u], ed);
  if constexpr (kDiscrepancy) {
    acc[3 * kUnroll + u] = _mm512_fmadd_pd(ed, sj, acc[3 * kUnroll + u]);
    acc[4 * kUnroll + u] = _mm512_fmadd_pd(ed, delta, acc[4 * kUnroll + u]);
  }
}

// One row's coordinate-wise sums over the columns (see coordinate_rbf_sums), 8·kUnroll columns per
// step, the tail masked; summed in an order fixed by the column count alone.
template <bool kDiscrepancy>
L0SVGD_AVX512 void coordinate_row_avx512(double xi, const double* xc, const double* sc, Index cols,
                                         __m512d minus, double* out) {
  constexpr int kSums = kDiscrepancy ? 5 : 3;
  __m512d acc[kSums * kUnroll];
  for (auto& a : acc)
    a = _mm512_setzero_pd();
  const __m512d x = _mm512_set1_pd(xi);
  Index j = 0;
  for (; j + 8 * kUnroll <= cols; j += 8 * kUnroll)
    for (int u = 0; u < kUnroll; ++u)
      add_coordinate_terms<kDiscrepancy>(acc, u, x, _mm512_loadu_pd(xc + j + 8 * u),
                                         _mm512_loadu_pd(sc + j + 8 * u), minus, 0xff);
  for (int u = 0; j < cols; j += 8, ++u) {
    const Index count = std::min<Index>(8, cols - j);
    add_coordinate_terms<kDiscrepancy>(acc, u, x, load_head(xc + j, count),
                                       load_head(sc + j, count), minus,
                                       static_cast<__mmask8>((1u << count) - 1));
  }
  for (int m = 0; m < kSums; ++m) {
    const __m512d* a = acc + m * kUnroll;
    alignas(64) double lanes[8];
    _mm512_store_pd(lanes, _mm512_add_pd(_mm512_add_pd(a[0], a[1]), _mm512_add_pd(a[2], a[3])));
    out[m] = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
             ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  }
}

L0SVGD_AVX512 void coordinate_rbf_sums_avx512(const double* x_rows, Index rows,
                                              const double* x_cols, const double* s_cols,
                                              Index cols, double inv_h, double* sums, Index ld,
                                              bool with_discrepancy) {
  const __m512d minus = _mm512_set1_pd(-inv_h);
  for (Index i = 0; i < rows; ++i) {
    double row[5];
    if (with_discrepancy)
      coordinate_row_avx512<true>(x_rows[i], x_cols, s_cols, cols, minus, row);
    else
      coordinate_row_avx512<false>(x_rows[i], x_cols, s_cols, cols, minus, row);
    for (int m = 0; m < (with_discrepancy ? 5 : 3); ++m)
      sums[m * ld + i] += row[m];
  }
}

} // namespace

L0SVGD_CLONES
static void rbf_tile_generic(const double* d, double* k, Index rows, Index cols, Index ld,
                             double inv_h, double* row_sum, double* row_trace) {
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
static void coordinate_rbf_sums_generic(const double* x_rows, Index rows, const double* x_cols,
                                        const double* s_cols, Index cols, double inv_h,
                                        double* sums, Index ld, bool with_discrepancy) {
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
static void exp_nonpositive_generic(const double* x, double* y, Index n) {
  for (Index i = 0; i < n; ++i)
    y[i] = exp_le0(x[i]);
}

void rbf_tile(const double* d, double* k, Index rows, Index cols, Index ld, double inv_h,
              double* row_sum, double* row_trace) {
  (use_avx512() ? rbf_tile_avx512 : rbf_tile_generic)(d, k, rows, cols, ld, inv_h, row_sum,
                                                      row_trace);
}

void coordinate_rbf_sums(const double* x_rows, Index rows, const double* x_cols,
                         const double* s_cols, Index cols, double inv_h, double* sums, Index ld,
                         bool with_discrepancy) {
  (use_avx512() ? coordinate_rbf_sums_avx512 : coordinate_rbf_sums_generic)(
      x_rows, rows, x_cols, s_cols, cols, inv_h, sums, ld, with_discrepancy);
}

void exp_nonpositive(const double* x, double* y, Index n) {
  (use_avx512() ? exp_nonpositive_avx512 : exp_nonpositive_generic)(x, y, n);
}

} // namespace l0svgd::simd
