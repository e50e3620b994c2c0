#pragma once
/// The variance-collapse diagnostic of an SVGD ensemble: its marginal standard deviations against
/// reference ones (the Laplace approximation's, or those of a reference run).
#include <string>

#include "l0svgd/core/types.hpp"
#include "l0svgd/models/affine_model.hpp"
#include "l0svgd/svgd/engine.hpp"

namespace l0svgd {

/// Standard deviation (divisor n − 1) of every column of x (n × d, n ≥ 2). Not collective.
Vector column_sd(const ConstMatrixRef& x);

/// Marginal standard deviations (divisor N − 1) of x = map(z) over all N particles z of `engine`,
/// in global row order, so identical on every rank and for every rank count. Collective.
Vector ensemble_sd(const SvgdEngine& engine, const AffineMap& map);

/// sd / reference, elementwise, with its median (numpy semantics), smallest and largest entry.
struct SpreadRatio {
  Vector ratio;
  double median = 0.0, min = 0.0, max = 0.0;
};

/// Throws Error unless both have the same length ≥ 1 and the reference is positive. Not collective.
SpreadRatio spread_ratio(const ConstVectorRef& sd, const ConstVectorRef& reference);

/// "median 0.91 (0.78 to 1.10)".
std::string describe(const SpreadRatio& ratio);

} // namespace l0svgd
