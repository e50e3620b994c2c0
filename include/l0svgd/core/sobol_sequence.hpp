#pragma once
/// Sobol' low-discrepancy points from GSL (gsl_qrng_sobol: Bratley & Fox's direction numbers,
/// dimension 1 to 40), for designs whose points should fill the unit cube more evenly than random
/// ones (Saltelli's sensitivity design).
#include <memory>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

class SobolSequence {
public:
  static constexpr Index kMaxDim = 40; ///< GSL's limit

  /// The sequence in `dim` dimensions, from its first point (0.5, …, 0.5). Throws InputError for a
  /// dimension outside 1 … kMaxDim. Not collective; the same points on every rank.
  explicit SobolSequence(Index dim);
  ~SobolSequence();
  SobolSequence(const SobolSequence&) = delete;
  SobolSequence& operator=(const SobolSequence&) = delete;

  Index dim() const { return dim_; }
  /// The next `n` points as the rows of an n × dim matrix, each coordinate in [0, 1).
  Matrix next(Index n);

private:
  struct Generator; // GSL's generator (its type is an anonymous struct: no forward declaration)
  Index dim_;
  std::unique_ptr<Generator> generator_;
};

} // namespace l0svgd
