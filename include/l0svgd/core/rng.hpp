#pragma once
/// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11).
///
/// A draw is a pure function of (seed, stream, index, counter), so a particle's random numbers
/// depend only on its global index and never on which rank owns it or in what order ranks run: the
/// same seed gives the same ensemble for any rank count.
#include <array>
#include <cstdint>

namespace l0svgd {

/// Philox4x32-10 block: four 32-bit words from a 64-bit key and a 128-bit counter.
std::array<uint32_t, 4> philox4x32(uint64_t key, const std::array<uint32_t, 4>& counter);

/// Well-known stream tags, so that different uses of one seed never share random numbers.
enum class RngStream : uint32_t {
  ParticleInit = 1,
  Data = 2,
  Multistart = 3,
  VariationalDraws = 4,
  Hmc = 5,
  Gates = 6,
  Weights = 7,
  Metrics = 8,
  KernelAnchors = 9,
  SearchBox = 10,
  Bootstrap = 11,
  Test = 99
};

/// A sequence of random numbers for one (seed, stream, index), e.g. one particle. Cheap to
/// construct; `position()` and `seek()` let a checkpoint store and restore the sequence exactly.
class RandomSequence {
public:
  RandomSequence(uint64_t seed, RngStream stream, uint64_t index, uint64_t position = 0)
      : seed_(seed), stream_(static_cast<uint32_t>(stream)), index_(index), position_(position) {}

  /// Uniform in the open interval (0, 1), 53-bit resolution. Consumes one Philox block.
  double uniform();
  /// Standard normal by Box–Muller. Consumes one Philox block, so that the state of the sequence is
  /// exactly its position (the second Box–Muller output is discarded on purpose).
  double normal();
  /// Number of draws made so far; with `seek` it checkpoints the sequence exactly.
  uint64_t position() const { return position_; }
  void seek(uint64_t position) { position_ = position; }

private:
  std::array<uint32_t, 4> next_block();

  uint64_t seed_;
  uint32_t stream_;
  uint64_t index_;
  uint64_t position_;
};

} // namespace l0svgd
