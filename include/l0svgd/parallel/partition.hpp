#pragma once
/// Block partition of N global rows (particles, chains, starts) over the ranks of a communicator.
#include <mpi.h>
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// Contiguous, nearly even blocks: the first N mod P ranks own one row more. Any N ≥ 0 works; a
/// rank may own no rows when N < P.
class Partition {
public:
  /// Collective only in that it reads the rank and size of `comm`.
  Partition(Index n_global, MPI_Comm comm);
  Partition(Index n_global, int rank, int size);

  Index n_global() const { return n_global_; }
  Index n_local() const { return count(rank_); }
  Index local_begin() const { return begin(rank_); }
  /// First global row owned by rank r.
  Index begin(int r) const;
  /// Number of rows owned by rank r.
  Index count(int r) const;
  int rank() const { return rank_; }
  int size() const { return size_; }
  /// Rank that owns global row i.
  int owner(Index i) const;

private:
  Index n_global_;
  int rank_, size_;
};

} // namespace l0svgd
