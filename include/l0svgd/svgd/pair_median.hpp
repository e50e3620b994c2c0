#pragma once
/// Exact median of the pairwise squared distances of N particles distributed by rows over the
/// ranks, for the median-heuristic bandwidth.
#include <cstdint>
#include <mpi.h>
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// Median (numpy semantics: the mean of the two middle values for an even count) of D(i, j) over
/// all pairs i < j, when each rank holds the rows [local_begin, local_begin + n_local) of the
/// symmetric N × N matrix D. The result is exact and identical on every rank and for every rank
/// count.
///
/// Radix selection on the IEEE bit patterns (order-preserving for non-negative doubles; negative
/// round-off values count as 0) in five passes of at most 13 bits, each an MPI_Allreduce of a
/// histogram of at most 8192 counts instead of a gather of N²/2 values. The selection stops early,
/// with one MPI_Allreduce of the value, once the wanted value is alone in its bin.
class PairMedian {
public:
  /// Allocates the histogram. Keeps `comm` (not duplicated).
  explicit PairMedian(MPI_Comm comm);

  /// Collective on the communicator. `distances` is n_local × N (N ≥ 2), its row i being global row
  /// local_begin + i; only the entries right of the diagonal are read.
  double operator()(const ConstMatrixRef& distances, Index local_begin);

private:
  MPI_Comm comm_;
  std::vector<uint64_t> histogram_;
};

/// The kernel bandwidth of one SVGD iteration: `fixed` if positive, else the median heuristic
/// med²/log(N+1) over all pairs of the gathered `distances` (see PairMedian). Collective. Throws
/// Error on every rank if at least half of the pairs coincide (the median is 0).
double select_bandwidth(double fixed, PairMedian& median, const ConstMatrixRef& distances,
                        Index local_begin, Index n_global);

} // namespace l0svgd
