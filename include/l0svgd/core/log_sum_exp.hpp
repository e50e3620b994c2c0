#pragma once
/// log(e^a + e^b) without overflow, and exact when either side is −inf (a zero weight).
#include <algorithm>
#include <cmath>
#include <limits>

namespace l0svgd {

inline double log_sum_exp(double a, double b) {
  constexpr double minus_infinity = -std::numeric_limits<double>::infinity();
  if (a == minus_infinity)
    return b;
  if (b == minus_infinity)
    return a;
  return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
}

} // namespace l0svgd
