#pragma once
/// A normalised probability density that can also be sampled: what the Monte Carlo divergence
/// estimators need from each side (a Gaussian mixture, a reference posterior, ...).
#include <cstdint>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/types.hpp"

namespace l0svgd {

class NormalisedDensity {
public:
  virtual ~NormalisedDensity() = default;
  virtual Index dim() const = 0;
  /// log density (normalised) of each row of `x`. Not collective.
  virtual void log_density(const ConstMatrixRef& x, VectorRef log_density) const = 0;
  /// Draws rows `first` … `first + out.rows() − 1` of the sample sequence keyed by (seed, stream):
  /// draw i uses RandomSequence(seed, stream, i) only, so any split of the rows over ranks gives
  /// the same draws. Not collective.
  virtual void sample(uint64_t seed, RngStream stream, Index first, MatrixRef out) const = 0;
};

} // namespace l0svgd
