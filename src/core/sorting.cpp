#include "l0svgd/core/sorting.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace l0svgd {
namespace {

constexpr int kDigitBits = 11;
constexpr int kDigits = (64 + kDigitBits - 1) / kDigitBits;
constexpr uint64_t kDigitMask = (uint64_t{1} << kDigitBits) - 1;
// Below this length the histograms cost more than std::sort's comparisons.
constexpr size_t kShortest = 512;

// An unsigned key ordered as the doubles are: the sign bit flipped for non-negative values, every
// bit flipped for negative ones.
uint64_t key_of(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

double value_of(uint64_t key) {
  const uint64_t bits = (key >> 63) != 0 ? key & ~(uint64_t{1} << 63) : ~key;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

} // namespace

void sort_values(std::vector<double>& values) {
  const size_t n = values.size();
  if (n < kShortest) {
    std::sort(values.begin(), values.end());
    return;
  }
  std::vector<uint64_t> keys(n), other(n);
  std::array<std::array<size_t, kDigitMask + 1>, kDigits> counts{};
  for (size_t i = 0; i < n; ++i) {
    keys[i] = key_of(values[i]);
    for (int d = 0; d < kDigits; ++d)
      ++counts[static_cast<size_t>(d)][(keys[i] >> (d * kDigitBits)) & kDigitMask];
  }
  for (int d = 0; d < kDigits; ++d) {
    auto& count = counts[static_cast<size_t>(d)];
    const int shift = d * kDigitBits;
    if (count[(keys[0] >> shift) & kDigitMask] == n)
      continue; // every key has this digit: the pass would not move anything
    size_t offset = 0;
    for (auto& c : count) {
      const size_t here = c;
      c = offset;
      offset += here;
    }
    for (size_t i = 0; i < n; ++i)
      other[count[(keys[i] >> shift) & kDigitMask]++] = keys[i];
    keys.swap(other);
  }
  for (size_t i = 0; i < n; ++i)
    values[i] = value_of(keys[i]);
}

} // namespace l0svgd
