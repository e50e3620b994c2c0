#pragma once
/// Space-filling designs of start points in a box.
#include <cstdint>
#include <string>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

enum class DesignType {
  /// Halton sequence (bases 2, 3, 5, ...) with a Cranley–Patterson random shift per coordinate
  /// drawn
  /// from the seed: low discrepancy, and different seeds give different (equally good) designs.
  Halton,
  /// Independent uniform points keyed by (seed, point index).
  Uniform,
  /// GSL's Sobol' sequence (core/sobol_sequence.hpp) with the same random shift as Halton's; more
  /// even than Halton's in many dimensions, where Halton's large prime bases correlate coordinates.
  /// d ≤ 40.
  Sobol
};

/// "halton", "uniform" or "sobol" → DesignType; throws InputError otherwise.
DesignType parse_design(const std::string& name);

/// Points `first` … `first + n − 1` of the design in the unit cube [0, 1)^d, one per row. Point i
/// depends only on (type, seed, i), never on how the points are split between ranks. Not
/// collective. Throws InputError for a Sobol' design of more than 40 dimensions.
Matrix unit_design(DesignType type, Index d, uint64_t seed, Index first, Index n);

} // namespace l0svgd
