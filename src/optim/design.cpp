#include "l0svgd/optim/design.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/sobol_sequence.hpp"

#include <cmath>
#include <string>
#include <vector>

namespace l0svgd {
namespace {

std::vector<uint64_t> first_primes(Index count) {
  std::vector<uint64_t> primes;
  for (uint64_t candidate = 2; static_cast<Index>(primes.size()) < count; ++candidate) {
    bool prime = true;
    for (uint64_t p : primes) {
      if (p * p > candidate)
        break;
      if (candidate % p == 0) {
        prime = false;
        break;
      }
    }
    if (prime)
      primes.push_back(candidate);
  }
  return primes;
}

double radical_inverse(uint64_t index, uint64_t base) {
  double result = 0.0, scale = 1.0 / static_cast<double>(base);
  for (; index > 0; index /= base, scale /= static_cast<double>(base))
    result += static_cast<double>(index % base) * scale;
  return result;
}

} // namespace

DesignType parse_design(const std::string& name) {
  if (name == "halton")
    return DesignType::Halton;
  if (name == "uniform")
    return DesignType::Uniform;
  if (name == "sobol")
    return DesignType::Sobol;
  throw InputError("unknown start design '" + name + "' (halton, uniform or sobol)");
}

Matrix unit_design(DesignType type, Index d, uint64_t seed, Index first, Index n) {
  Matrix points(n, d);
  if (type == DesignType::Uniform) {
    for (Index i = 0; i < n; ++i) {
      RandomSequence sequence(seed, RngStream::Multistart, static_cast<uint64_t>(first + i));
      for (Index j = 0; j < d; ++j)
        points(i, j) = sequence.uniform();
    }
    return points;
  }
  if (type == DesignType::Sobol) {
    if (d > SobolSequence::kMaxDim)
      throw InputError("-multistart_design sobol: GSL's Sobol' sequence has at most " +
                       std::to_string(SobolSequence::kMaxDim) + " dimensions, the target has " +
                       std::to_string(d) + " (use halton)");
    SobolSequence sequence(d);
    sequence.next(first); // the points before `first`
    points = sequence.next(n);
  } else {
    const std::vector<uint64_t> bases = first_primes(d);
    for (Index i = 0; i < n; ++i) // index 0 is the origin for every base; start at 1
      for (Index j = 0; j < d; ++j)
        points(i, j) = radical_inverse(static_cast<uint64_t>(first + i + 1), bases[j]);
  }
  // Both low-discrepancy designs are shifted by one draw per coordinate, keyed past the end of any
  // uniform design index range.
  RandomSequence shift_sequence(seed, RngStream::Multistart, ~uint64_t{0});
  for (Index j = 0; j < d; ++j) {
    const double shift = shift_sequence.uniform();
    for (Index i = 0; i < n; ++i) {
      const double u = points(i, j) + shift;
      points(i, j) = u - std::floor(u);
    }
  }
  return points;
}

} // namespace l0svgd
