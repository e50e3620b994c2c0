#include "kernel_simd.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

// Built with -ffp-contract=fast -fno-math-errno (src/CMakeLists.txt): FMA in the AVX2 and AVX-512
// clones, and sqrt without the errno branch that stops GCC from vectorising it.
#define L0SVGD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace l0svgd::simd {
namespace {

// exp(x) for x ≤ 0 without a library call, so that GCC vectorises the loops around it: x = k ln 2 +
// r with |r| ≤ ln 2 / 2 (k by the 1.5·2⁵² rounding trick, ln 2 split in two for an exact k ln 2),
// exp(r) by its Taylor polynomial of degree 13 (truncation below 2⁻⁵³ relative), times 2^k built in
// the exponent bits. Below −708 the result is 0 instead of a subnormal (the kernel is then
// negligible against the self term 1).
inline double exp_le0(double x) {
  const double lowest = -708.0;
  const bool underflow = x < lowest;
  x = underflow ? lowest : x;
  const double shifter = 6755399441055744.0; // 1.5 · 2^52
  const double t = x * 1.4426950408889634 + shifter;
  const double k = t - shifter;
  const double r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  uint64_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  bits = (bits + 1023) << 52; // k + 1023 in the exponent field; k ≥ −1022 here
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return underflow ? 0.0 : p * scale;
}

} // namespace

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
void imq_tile(const double* d, double* k, double* w, Index rows, Index cols, Index ld,
              double inv_h, double* row_weight, double* row_trace) {
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
void exp_nonpositive(const double* x, double* y, Index n) {
  for (Index i = 0; i < n; ++i)
    y[i] = exp_le0(x[i]);
}

const char* instruction_set() {
  __builtin_cpu_init();
  // The same tests, in the same order, as the target_clones resolver above.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return "avx512";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return "avx2";
  return "baseline";
}

} // namespace l0svgd::simd
