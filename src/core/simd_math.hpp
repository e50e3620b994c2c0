#pragma once
// Branch-free elementwise functions that GCC vectorises, for loops compiled once per instruction
// set (target_clones) and dispatched at load time: the kernel's exponentials
// (src/svgd/kernel_simd.cpp) and the ICNN's softplus activations (src/models/icnn_activation.cpp).
// Internal to the library. Files that use them are built with -ffp-contract=fast -fno-math-errno
// (src/CMakeLists.txt).
#include <cstdint>
#include <cstring>

/// The instruction-set levels of every dispatched loop: AVX-512, AVX2 + FMA, baseline x86-64.
#define L0SVGD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace l0svgd::simd {

/// The level L0SVGD_CLONES dispatches to on this host: "avx512", "avx2" or "baseline" (the same
/// tests, in the same order, as GCC's resolver for those targets).
inline const char* instruction_set() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return "avx512";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return "avx2";
  return "baseline";
}

// exp(x) for x ≤ 0 without a library call: x = k ln 2 + r with |r| ≤ ln 2 / 2 (k by the 1.5·2⁵²
// rounding trick, ln 2 split in two for an exact k ln 2), exp(r) by its Taylor polynomial of degree
// 13 (truncation below 2⁻⁵³ relative), times 2^k built in the exponent bits. Below −708 the result
// is 0 instead of a subnormal.
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

// log(1 + e) for 0 ≤ e ≤ 1: u = 1 + e in [1, 2] is halved above √2, so that u ∈ [1/√2, √2], then
// log u = 2 atanh(s) with s = (u − 1)/(u + 1), |s| ≤ 0.172, by its series to s²¹ (truncation below
// 1e-17). u − 1 is formed as e (or (e − 1)/2), exactly, so small e keep their relative accuracy.
inline double log1p_01(double e) {
  const bool high = e > 0.41421356237309503;
  const double num = high ? (e - 1.0) * 0.5 : e;       // u − 1 after the halving
  const double den = high ? (e + 3.0) * 0.5 : e + 2.0; // u + 1 after the halving
  const double s = num / den, s2 = s * s;
  double p = 1.0 / 21.0;
  p = p * s2 + 1.0 / 19.0;
  p = p * s2 + 1.0 / 17.0;
  p = p * s2 + 1.0 / 15.0;
  p = p * s2 + 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  const double log_u = 2.0 * s + 2.0 * s * s2 * p;
  return high ? log_u + 0.69314718055994530942 : log_u;
}

} // namespace l0svgd::simd
