#pragma once
/// A normalised probability density that can also be sampled: what the Monte Carlo divergence
/// estimators need from each side (a Gaussian mixture, a reference posterior, ...).
#include <cstdint>
#include <utility>

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

/// Draws of the default search box of -task laplace, vi and sensitivity.
constexpr Index kSearchBoxDraws = 10000;

/// The search box of a multistart over a target with an exact sampler: the range of `n_draws` draws
/// of `density` (rows 0 … n_draws − 1 of the (seed, SearchBox) sequence) widened by half of it on
/// each side, so that every mode's basin lies well inside (a coarse design in a box many times
/// wider than the modes' spread misses modes). Returns (lower, upper). Not collective: every rank
/// draws the same rows, so the box is the same everywhere without communication.
std::pair<Vector, Vector> sampled_search_box(const NormalisedDensity& density, Index n_draws,
                                             uint64_t seed);

} // namespace l0svgd
