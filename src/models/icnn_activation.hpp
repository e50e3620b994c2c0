#pragma once
// The ICNN's activation, vectorised and dispatched at load time (internal to the library).
#include "l0svgd/core/types.hpp"

namespace l0svgd::simd {

/// Shifted softplus σ(h) = softplus(h) − log 2 elementwise over n values: z = σ(h), s1 = σ'(h) =
/// sigmoid(h), s2 = σ''(h) = s1 (1 − s1), from one exp(−|h|).
void shifted_softplus(const double* h, double* z, double* s1, double* s2, Index n);

} // namespace l0svgd::simd
