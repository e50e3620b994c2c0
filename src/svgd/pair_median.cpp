#include "l0svgd/svgd/pair_median.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/svgd/kernel.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace l0svgd {

// A digit of the 63-bit key (the sign bit is always 0), most significant first.
struct PairMedian::Digit {
  int shift, width;
  uint64_t prefix, mask; // entries whose key matches prefix on mask take part
};

namespace {

// The first digit holds the exponent and 9 mantissa bits: the median's bin then holds about
// 2⁻⁹ / (relative spread of the distances) of the pairs, a few per cent in high dimension.
constexpr int kDigits = 4;
constexpr int kShift[kDigits] = {43, 28, 14, 0};
constexpr int kWidth[kDigits] = {20, 15, 14, 14};
constexpr uint64_t kKeyBits = (uint64_t{1} << 63) - 1;
constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();

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

// Each unordered pair {r, c} is read at exactly one of its two entries, chosen cyclically so that
// every row reads about N/2 entries: row r reads column c when 0 < (c − r) mod N < N/2, and the
// tie (c − r = N/2, N even) at the smaller row. This balances the ranks, which the upper triangle
// would not (rank 0 would read 3/4 of the pairs on 2 ranks). Calls f(key) for the pairs this
// rank's tile holds.
template <class F>
void for_each_pair(const DistanceTile& t, Index n_local, Index local_begin, Index n, F&& f) {
  const Index m = (n - 1) / 2;
  const Index end = local_begin + n_local;
  auto visit = [&](const double* col, Index lo, Index hi) { // global rows [lo, hi)
    lo = std::max(lo, local_begin);
    hi = std::min(hi, end);
    for (Index r = lo; r < hi; ++r)
      f(key_of(col[r - local_begin]));
  };
  for (Index j = 0; j < t.cols; ++j) {
    const Index c = t.col_begin + j;
    const double* col = t.data + j * t.ld;
    const Index lo = c - m - ((n % 2 == 0 && c >= m + 1) ? 1 : 0);
    if (lo >= 0) {
      visit(col, lo, c);
    } else {
      visit(col, 0, c);
      visit(col, n + lo, n);
    }
  }
}

} // namespace

PairMedian::PairMedian(MPI_Comm comm, std::size_t candidate_bytes)
    : comm_(comm), candidate_bytes_(candidate_bytes), local_(uint64_t{1} << kWidth[0], 0),
      global_(uint64_t{1} << kWidth[0]) {}

// Counts the keys `visit` passes that match the digit's prefix, widening the occupied range of bins
// [bin_lo_, bin_hi_] (so that only it is reduced and cleared; empty while bin_hi_ < 0).
template <class Visit> void PairMedian::count_digit(const Digit& digit, Visit&& visit) {
  const uint64_t bins_mask = (uint64_t{1} << digit.width) - 1;
  int64_t lo = bin_lo_, hi = bin_hi_;
  uint64_t* h = local_.data();
  visit([&](uint64_t key) {
    if ((key & digit.mask) == digit.prefix) {
      const int64_t b = static_cast<int64_t>((key >> digit.shift) & bins_mask);
      ++h[b];
      lo = std::min(lo, b);
      hi = std::max(hi, b);
    }
  });
  bin_lo_ = lo;
  bin_hi_ = hi;
}

void PairMedian::clear_range() {
  if (bin_hi_ >= 0)
    std::fill(local_.begin() + bin_lo_, local_.begin() + bin_hi_ + 1, 0);
  bin_lo_ = std::numeric_limits<int64_t>::max();
  bin_hi_ = -1;
}

void PairMedian::histogram_tiles(const DistanceTiles& tiles, const Digit& digit) {
  count_digit(digit, [&](auto&& count) {
    tiles(
        [&](const DistanceTile& t) { for_each_pair(t, n_local_, local_begin_, n_global_, count); });
  });
}

void PairMedian::histogram_candidates(const Digit& digit) {
  count_digit(digit, [&](auto&& count) {
    for (uint64_t key : candidates_)
      count(key);
  });
}

void PairMedian::collect(const DistanceTiles& tiles, uint64_t prefix, uint64_t mask,
                         uint64_t count) {
  // The histogram gave this rank's count, so the copy is sized first and the loop makes no call
  // and has one well-predicted branch.
  candidates_.resize(count);
  uint64_t* out = candidates_.data();
  uint64_t found = 0;
  tiles([&](const DistanceTile& t) {
    for_each_pair(t, n_local_, local_begin_, n_global_, [&](uint64_t key) {
      if ((key & mask) == prefix) {
        if (found < count)
          out[found] = key;
        ++found;
      }
    });
  });
  if (found != count)
    throw Error("median of pairwise distances: the distances changed between two passes "
                "(internal error)");
  collected_prefix_ = prefix;
  collected_mask_ = mask;
}

uint64_t PairMedian::lowest_above(const DistanceTiles& tiles, uint64_t top) {
  uint64_t above = kNone;
  tiles([&](const DistanceTile& t) {
    for_each_pair(t, n_local_, local_begin_, n_global_,
                  [&](uint64_t key) { above = std::min(above, key > top ? key : kNone); });
  });
  return above;
}

void PairMedian::begin(Index n_local, Index local_begin, Index n_global) {
  if (n_global < 2)
    throw Error("median of pairwise distances: needs at least two particles");
  n_global_ = n_global;
  n_local_ = n_local;
  local_begin_ = local_begin;
  clear_range();
}

void PairMedian::add_tile(const DistanceTile& tile) {
  count_digit(Digit{kShift[0], kWidth[0], 0, 0},
              [&](auto&& count) { for_each_pair(tile, n_local_, local_begin_, n_global_, count); });
}

double PairMedian::operator()(const DistanceTiles& tiles, Index n_local, Index local_begin,
                              Index n_global) {
  begin(n_local, local_begin, n_global);
  tiles([this](const DistanceTile& t) { add_tile(t); });
  return finish(tiles);
}

double PairMedian::finish(const DistanceTiles& tiles) {
  const uint64_t n = static_cast<uint64_t>(n_global_);
  const uint64_t pairs = n * (n - 1) / 2;
  const uint64_t lower_rank = (pairs - 1) / 2, upper_rank = pairs / 2;

  // Invariant: the wanted value is the `target`-th smallest (0-based) of the values whose key
  // matches `prefix` on the bits of `mask`; `below` values are smaller than all of them.
  uint64_t prefix = 0, mask = 0, target = lower_rank, below = 0, in_bin = 0;
  bool collected = false;
  for (int pass = 0; pass < kDigits; ++pass) {
    const Digit digit{kShift[pass], kWidth[pass], prefix, mask};
    if (pass > 0 && collected) // the first digit was added tile by tile
      histogram_candidates(digit);
    else if (pass > 0)
      histogram_tiles(tiles, digit);
    // Reduce only the occupied range of bins.
    int64_t range[2] = {bin_lo_, -bin_hi_}; // an empty range is {max, 1}
    L0_MPI(MPI_Allreduce(MPI_IN_PLACE, range, 2, MPI_INT64_T, MPI_MIN, comm_));
    const int64_t lo = range[0], count = -range[1] - range[0] + 1;
    L0_MPI(MPI_Allreduce(local_.data() + lo, global_.data(), static_cast<int>(count), MPI_UINT64_T,
                         MPI_SUM, comm_));
    int64_t bin = 0;
    uint64_t skipped = 0;
    while (skipped + global_[bin] <= target)
      skipped += global_[bin++];
    const uint64_t local_in_bin = local_[lo + bin];
    clear_range();
    target -= skipped;
    below += skipped;
    in_bin = global_[bin];
    prefix |= static_cast<uint64_t>(lo + bin) << digit.shift;
    mask |= ((uint64_t{1} << digit.width) - 1) << digit.shift;
    if (in_bin == 1)
      break;
    // Every rank copies, or none: the tiles may be visited collectively (the ring exchange).
    if (!collected && pass + 1 < kDigits) {
      int fits = local_in_bin * sizeof(uint64_t) <= candidate_bytes_ ? 1 : 0;
      L0_MPI(MPI_Allreduce(MPI_IN_PLACE, &fits, 1, MPI_INT, MPI_MIN, comm_));
      if (fits) {
        collect(tiles, prefix, mask, local_in_bin);
        collected = true;
      }
    }
  }

  // Either every bit is known (all values of the bin are equal) or the bin holds one value, which
  // its owner contributes. The upper middle value, when it differs, is the smallest value above the
  // bin.
  const bool known = mask == kKeyBits;
  const bool need_next = upper_rank != lower_rank && upper_rank >= below + in_bin;
  const uint64_t bin_top = prefix | (~mask & kKeyBits);
  uint64_t lower = known ? prefix : 0, upper = lower;
  if (!known || need_next) {
    uint64_t found[2] = {kNone, kNone};
    auto consider = [&](uint64_t key) {
      if (!known && (key & mask) == prefix)
        found[0] = key;
      if (need_next && key > bin_top && key < found[1])
        found[1] = key;
    };
    if (collected) {
      for (uint64_t key : candidates_)
        consider(key);
    } else {
      tiles([&](const DistanceTile& t) {
        for_each_pair(t, n_local_, local_begin_, n_global_, consider);
      });
    }
    L0_MPI(MPI_Allreduce(MPI_IN_PLACE, found, 2, MPI_UINT64_T, MPI_MIN, comm_));
    // Rarely, the lower middle value is the largest of the copied bin, so the upper one lies
    // above the copy: one more pass finds it (every rank sees the same found[1] and takes part).
    if (collected && need_next && found[1] == kNone) {
      found[1] = lowest_above(tiles, collected_prefix_ | (~collected_mask_ & kKeyBits));
      L0_MPI(MPI_Allreduce(MPI_IN_PLACE, &found[1], 1, MPI_UINT64_T, MPI_MIN, comm_));
    }
    if (!known)
      lower = upper = found[0];
    if (need_next)
      upper = found[1];
  }
  candidates_.clear();
  return lower == upper ? value_of(lower) : 0.5 * (value_of(lower) + value_of(upper));
}

double PairMedian::operator()(const ConstMatrixRef& distances, Index local_begin) {
  const Eigen::MatrixXd columns = distances; // column-major copy; tests and small uses only
  const Index n_local = distances.rows();
  DistanceTiles tiles = [&](const std::function<void(const DistanceTile&)>& f) {
    f(DistanceTile{columns.data(), std::max<Index>(n_local, 1), columns.cols(), 0});
  };
  return (*this)(tiles, n_local, local_begin, distances.cols());
}

namespace {

// Pairs i < j of the n sorted values whose difference (formed as v_j − v_i, monotone in both) is
// at most t ≥ 0. Two pointers merged into one branch-free loop of at most 2n steps: each step
// either moves i up (v_j − v_i > t) or counts the j − i pairs ending at j and moves j up.
uint64_t pairs_within(const double* v, std::size_t n, double t) {
  uint64_t count = 0;
  std::size_t i = 0, j = 1;
  while (j < n) {
    const std::size_t far = v[j] - v[i] > t;
    count += (j - i) & (far - 1);
    i += far;
    j += 1 - far;
  }
  return count;
}

// The next trial difference inside (a, b), a < 0 standing for "below every difference": where the
// pair count, interpolated linearly between the ends, reaches k ∓ budget/4 on the side that holds
// more pairs, so that one good guess leaves a bracket of about budget / 4 pairs; the midpoint
// after two steps that did not halve the bracket.
double next_trial(double a, double b, uint64_t count_a, uint64_t count_b, uint64_t k,
                  uint64_t budget, int slow_steps) {
  const double lo = std::max(a, 0.0);
  double fraction = 0.5;
  if (slow_steps < 2) {
    const double quarter = 0.25 * static_cast<double>(budget);
    const double target = k - count_a > count_b - k ? static_cast<double>(k) - quarter
                                                    : static_cast<double>(k) + quarter;
    fraction =
        std::clamp((target - static_cast<double>(count_a)) / static_cast<double>(count_b - count_a),
                   1.0 / 64.0, 63.0 / 64.0);
  }
  const double t = lo + fraction * (b - lo);
  return t > a && t < b ? t : lo + 0.5 * (b - lo);
}

// The k-th smallest (1-based) pair difference of the n sorted values. Interpolation safeguarded by
// bisection keeps count(a) < k ≤ count(b) for the pairs within a and b until at most `budget`
// pairs lie in (a, b]; those are listed in `band` and the k-th is found among them by selection:
// about six counting passes in place of one per bit of a double. If a and b become adjacent
// doubles first (many ties), every pair in (a, b] differs by exactly b.
double kth_pair_difference(const double* v, std::size_t n, uint64_t k, uint64_t budget,
                           double* band) {
  double a = -1.0, b = v[n - 1] - v[0]; // count(−1) = 0: every difference is ≥ 0
  uint64_t count_a = 0, count_b = static_cast<uint64_t>(n) * (n - 1) / 2;
  int slow_steps = 0;
  while (count_b - count_a > budget) {
    const double t = next_trial(a, b, count_a, count_b, k, budget, slow_steps);
    if (!(t > a && t < b))
      return b;
    const uint64_t before = count_b - count_a, c = pairs_within(v, n, t);
    (c >= k ? b : a) = t;
    (c >= k ? count_b : count_a) = c;
    slow_steps = 2 * (count_b - count_a) > before ? slow_steps + 1 : 0;
  }
  std::size_t size = 0, first = 1, last = 1; // row i: v_j − v_i > a from j = first, ≤ b below last
  for (std::size_t i = 0; i + 1 < n; ++i) {
    first = std::max(first, i + 1);
    while (first < n && !(v[first] - v[i] > a))
      ++first;
    last = std::max(last, first);
    while (last < n && v[last] - v[i] <= b)
      ++last;
    for (std::size_t j = first; j < last; ++j)
      band[size++] = v[j] - v[i];
  }
  double* nth = band + (k - count_a - 1);
  std::nth_element(band, nth, band + size);
  return *nth;
}

// The smallest pair difference above t (the next order statistic when fewer than k + 1 pairs lie
// within t): for each i the first j with v_j − v_i > t, by two pointers.
double smallest_difference_above(const double* v, std::size_t n, double t) {
  double best = std::numeric_limits<double>::infinity();
  std::size_t j = 1;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    j = std::max(j, i + 1);
    while (j < n && v[j] - v[i] <= t)
      ++j;
    if (j < n)
      best = std::min(best, v[j] - v[i]);
  }
  return best;
}

} // namespace

double pair_median_1d(const double* values, Index n, std::vector<double>& work) {
  if (n < 2)
    throw Error("pair_median_1d: at least two values are needed");
  const std::size_t size = static_cast<std::size_t>(n);
  const uint64_t budget = std::max<uint64_t>(size, 1024);
  work.resize(size + budget);
  double* v = work.data();
  std::copy(values, values + n, v);
  std::sort(v, v + n);
  const uint64_t pairs = static_cast<uint64_t>(n) * static_cast<uint64_t>(n - 1) / 2;
  const uint64_t k = (pairs + 1) / 2;
  const double lower = kth_pair_difference(v, size, k, budget, v + size);
  if (pairs % 2 == 1)
    return lower * lower;
  const double upper =
      pairs_within(v, size, lower) >= k + 1 ? lower : smallest_difference_above(v, size, lower);
  return 0.5 * (lower * lower + upper * upper);
}

double median_bandwidth(double median_squared_distance, Index n_global) {
  // Identical on every rank, so every rank throws together.
  if (!(median_squared_distance > 0.0))
    throw Error("SVGD: at least half of the particle pairs coincide, so the median-heuristic "
                "bandwidth is 0; spread the initial particles or set -svgd_bandwidth");
  return median_heuristic_bandwidth(median_squared_distance, n_global);
}

} // namespace l0svgd
