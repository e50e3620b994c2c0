#include "icnn_activation.hpp"

#include <cmath>

#include "../core/simd_math.hpp"

namespace l0svgd::simd {

L0SVGD_CLONES
void shifted_softplus(const double* h, double* z, double* s1, double* s2, Index n) {
  const double* __restrict in = h;
  double* __restrict value = z;
  double* __restrict first = s1;
  double* __restrict second = s2;
  for (Index i = 0; i < n; ++i) {
    const double a = in[i];
    const double e = exp_le0(-std::fabs(a));
    const double inv = 1.0 / (1.0 + e);
    const double sig = a >= 0.0 ? inv : e * inv;
    value[i] = (a > 0.0 ? a : 0.0) + log1p_01(e) - 0.69314718055994530942;
    first[i] = sig;
    second[i] = sig * (1.0 - sig);
  }
}

} // namespace l0svgd::simd
