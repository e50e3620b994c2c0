#include "l0svgd/core/rng.hpp"

#include <cmath>

namespace l0svgd {
namespace {
constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;

inline void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(p >> 32);
  lo = static_cast<uint32_t>(p);
}

inline double to_unit(uint32_t hi, uint32_t lo) {
  // 53 random bits, shifted by half an ulp so the result is never 0 or 1.
  const uint64_t bits = ((static_cast<uint64_t>(hi) << 32) | lo) >> 11;
  return (static_cast<double>(bits) + 0.5) * 0x1.0p-53;
}
} // namespace

std::array<uint32_t, 4> philox4x32(uint64_t key, const std::array<uint32_t, 4>& counter) {
  std::array<uint32_t, 4> c = counter;
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kMul0, c[0], hi0, lo0);
    mulhilo(kMul1, c[2], hi1, lo1);
    c = {hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0};
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  return c;
}

std::array<uint32_t, 4> RandomSequence::next_block() {
  const std::array<uint32_t, 4> counter = {
      static_cast<uint32_t>(index_), static_cast<uint32_t>(index_ >> 32),
      static_cast<uint32_t>(position_) ^ (stream_ << 24), static_cast<uint32_t>(position_ >> 32)};
  ++position_;
  // Mix the stream into the key too so that streams with huge positions cannot collide.
  return philox4x32(seed_ ^ (static_cast<uint64_t>(stream_) * 0x9E3779B97F4A7C15ull), counter);
}

double RandomSequence::uniform() {
  const auto b = next_block();
  return to_unit(b[0], b[1]);
}

double RandomSequence::normal() {
  const auto b = next_block();
  const double u1 = to_unit(b[0], b[1]), u2 = to_unit(b[2], b[3]);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

} // namespace l0svgd
