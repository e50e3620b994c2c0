#pragma once
/// A target whose log density (Model::evaluate) is normalised and which can be sampled exactly:
/// a synthetic benchmark against which an approximation is measured (e.g. its JSD by Monte Carlo
/// from both sides).
#include <cstdint>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/types.hpp"

namespace l0svgd {

class ExactTarget {
public:
  virtual ~ExactTarget() = default;
  /// Draws rows `first` … `first + out.rows() − 1` of the sample sequence keyed by (seed, stream):
  /// draw i uses RandomSequence(seed, stream, i) only, so any split of the rows over ranks gives
  /// the same draws. Not collective.
  virtual void sample_exact(uint64_t seed, RngStream stream, Index first, MatrixRef out) const = 0;
};

} // namespace l0svgd
