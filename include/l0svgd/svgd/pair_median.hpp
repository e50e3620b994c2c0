#pragma once
/// Exact median of the pairwise squared distances of N particles distributed by rows over the
/// ranks, for the median-heuristic bandwidth.
#include <cstdint>
#include <functional>
#include <mpi.h>
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// One column tile of a rank's rows of the distance matrix: the column-major n_local × cols block
/// `data` (leading dimension `ld`) holds D(local_begin + i, col_begin + j).
struct DistanceTile {
  const double* data;
  Index ld, cols, col_begin;
};

/// Calls its argument once for every tile of this rank's rows, the tiles covering columns 0 … N−1
/// (each once, in any order). The Stein kernel passes either its stored distance matrix as one tile
/// or a function that recomputes the tiles, so the median never needs the whole matrix in memory.
using DistanceTiles = std::function<void(const std::function<void(const DistanceTile&)>&)>;

/// Median (numpy semantics: the mean of the two middle values for an even count) of D(i, j) over
/// all pairs i < j, when each rank holds the rows [local_begin, local_begin + n_local) of the
/// symmetric N × N matrix D. The result is exact and identical on every rank and for every rank
/// count.
///
/// Radix selection on the IEEE bit patterns (order-preserving for non-negative doubles; negative
/// round-off values count as 0). The first pass histograms the top 20 bits (exponent and 9 mantissa
/// bits; only the occupied range of bins is reduced); a second pass over the tiles copies the keys
/// of the median's bin, typically a few per cent of the pairs, and the selection ends on that copy
/// in at most three more histogram reductions. So the tiles are visited twice, or, when the copy
/// would exceed `candidate_bytes` on some rank, once more per further digit. Every rank visits the
/// tiles the same number of times, so a visit may itself be collective.
class PairMedian {
public:
  /// Keeps `comm` (not duplicated). `candidate_bytes` bounds the copied keys on this rank.
  explicit PairMedian(MPI_Comm comm, std::size_t candidate_bytes = std::size_t{256} << 20);

  /// Collective on the communicator. `tiles` visits this rank's rows (n_local of them, global rows
  /// local_begin …) of the N × N distance matrix, N ≥ 2; only entries right of the diagonal are
  /// read.
  double operator()(const DistanceTiles& tiles, Index n_local, Index local_begin, Index n_global);

  /// Convenience form: `distances` is n_local × N (row i being global row local_begin + i).
  double operator()(const ConstMatrixRef& distances, Index local_begin);

  /// The same selection with its first pass fused into the caller's own pass over the tiles (while
  /// each tile is still in cache): `begin`, then `add_tile` for every tile, then `finish`, which is
  /// collective and visits `tiles` for the remaining passes.
  void begin(Index n_local, Index local_begin, Index n_global);
  void add_tile(const DistanceTile& tile);
  double finish(const DistanceTiles& tiles);

private:
  struct Digit;
  void histogram_tiles(const DistanceTiles& tiles, const Digit& digit);
  void histogram_candidates(const Digit& digit);
  template <class Visit> void count_digit(const Digit& digit, Visit&& visit);
  void collect(const DistanceTiles& tiles, uint64_t prefix, uint64_t mask, uint64_t count);
  void clear_range();
  /// This rank's smallest key above `top` (kNone if none).
  uint64_t lowest_above(const DistanceTiles& tiles, uint64_t top);

  MPI_Comm comm_;
  std::size_t candidate_bytes_;
  std::vector<uint64_t> local_, global_;               // histograms
  std::vector<uint64_t> candidates_;                   // keys of the current bin (after `collect`)
  uint64_t collected_prefix_ = 0, collected_mask_ = 0; // the bin `candidates_` copies
  int64_t bin_lo_ = INT64_MAX, bin_hi_ = -1;           // occupied range of `local_`, this rank
  Index n_global_ = 0, n_local_ = 0, local_begin_ = 0;
};

/// Median (numpy semantics, as PairMedian) of (v_i − v_j)² over the pairs i < j of the `n` ≥ 2
/// values `v`, exact: the values are sorted in `work` (resized to n + max(n, 1024)); the k-th
/// smallest difference is bracketed by interpolation safeguarded by bisection, each step counting
/// the pairs at most a trial difference apart with two pointers, until at most max(n, 1024) pairs
/// lie in the bracket, and those are selected from. O(n log n) for the sort and O(n) per step,
/// about six steps at n = 1024. Not collective.
double pair_median_1d(const double* v, Index n, std::vector<double>& work);

/// The median-heuristic bandwidth med²/log(N+1) from the median squared distance over all pairs.
/// Not collective, but the median is identical on every rank, so every rank throws Error together
/// when at least half of the pairs coincide (the median is 0).
double median_bandwidth(double median_squared_distance, Index n_global);

} // namespace l0svgd
