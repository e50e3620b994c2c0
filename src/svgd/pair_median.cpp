#include "l0svgd/svgd/pair_median.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/svgd/kernel.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace l0svgd {
namespace {

// Digits of the 63-bit key (the sign bit is always 0), most significant first. The first one holds
// the exponent and two mantissa bits, so that after two passes the median's bin usually holds one
// value and the selection ends early.
constexpr int kPasses = 5;
constexpr int kShift[kPasses] = {50, 37, 24, 11, 0};
constexpr int kWidth[kPasses] = {13, 13, 13, 13, 11};
constexpr uint64_t kKeyBits = (uint64_t{1} << 63) - 1;

// For non-negative doubles the bit pattern orders like the value; -0.0 and round-off below 0 map to
// 0.
inline uint64_t key_of(double v) {
  if (!(v > 0.0))
    return 0;
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

inline double value_of(uint64_t key) {
  double v;
  std::memcpy(&v, &key, sizeof v);
  return v;
}

// Calls f(key) for every entry of the local rows right of the global diagonal.
template <class F> void for_each_upper(const ConstMatrixRef& d, Index begin, F&& f) {
  const Index n = d.cols();
  for (Index i = 0; i < d.rows(); ++i) {
    const double* row = d.row(i).data();
    for (Index j = begin + i + 1; j < n; ++j)
      f(key_of(row[j]));
  }
}

} // namespace

PairMedian::PairMedian(MPI_Comm comm) : comm_(comm), histogram_(uint64_t{1} << 13) {}

double PairMedian::operator()(const ConstMatrixRef& distances, Index local_begin) {
  const uint64_t n = static_cast<uint64_t>(distances.cols());
  if (n < 2)
    throw Error("median of pairwise distances: needs at least two particles");
  const uint64_t pairs = n * (n - 1) / 2;
  const uint64_t lower_rank = (pairs - 1) / 2, upper_rank = pairs / 2;

  // Invariant: the wanted value is the `target`-th smallest (0-based) of the values whose key
  // matches `prefix` on the bits of `mask`; `below` values are smaller than all of them.
  uint64_t prefix = 0, mask = 0, target = lower_rank, below = 0, in_bin = 0;
  for (int pass = 0; pass < kPasses; ++pass) {
    const uint64_t bins = uint64_t{1} << kWidth[pass];
    const int shift = kShift[pass];
    std::fill(histogram_.begin(), histogram_.begin() + bins, 0);
    for_each_upper(distances, local_begin, [&](uint64_t key) {
      if ((key & mask) == prefix)
        ++histogram_[(key >> shift) & (bins - 1)];
    });
    L0_MPI(MPI_Allreduce(MPI_IN_PLACE, histogram_.data(), static_cast<int>(bins), MPI_UINT64_T,
                         MPI_SUM, comm_));
    uint64_t bin = 0, skipped = 0;
    while (skipped + histogram_[bin] <= target)
      skipped += histogram_[bin++];
    target -= skipped;
    below += skipped;
    in_bin = histogram_[bin];
    prefix |= bin << shift;
    mask |= (bins - 1) << shift;
    if (in_bin == 1)
      break;
  }

  // Either every bit is known (all values of the bin are equal) or the bin holds one value, which
  // its owner contributes. The upper middle value, when it differs, is the smallest value above the
  // bin.
  const bool known = mask == kKeyBits;
  const bool need_next = upper_rank != lower_rank && upper_rank >= below + in_bin;
  const uint64_t bin_top = prefix | (~mask & kKeyBits);
  double lower = known ? value_of(prefix) : 0.0;
  double upper = lower;
  if (!known || need_next) {
    double found[2] = {std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::infinity()};
    for_each_upper(distances, local_begin, [&](uint64_t key) {
      if (!known && (key & mask) == prefix)
        found[0] = value_of(key);
      if (need_next && key > bin_top && value_of(key) < found[1])
        found[1] = value_of(key);
    });
    L0_MPI(MPI_Allreduce(MPI_IN_PLACE, found, 2, MPI_DOUBLE, MPI_MIN, comm_));
    if (!known)
      lower = upper = found[0];
    if (need_next)
      upper = found[1];
  }
  return lower == upper ? lower : 0.5 * (lower + upper);
}

double select_bandwidth(double fixed, PairMedian& median, const ConstMatrixRef& distances,
                        Index local_begin, Index n_global) {
  if (fixed > 0.0)
    return fixed;
  // Identical on every rank, so every rank throws together.
  const double med2 = median(distances, local_begin);
  if (!(med2 > 0.0))
    throw Error("SVGD: at least half of the particle pairs coincide, so the median-heuristic "
                "bandwidth is 0; spread the initial particles or set -svgd_bandwidth");
  return median_heuristic_bandwidth(med2, n_global);
}

} // namespace l0svgd
