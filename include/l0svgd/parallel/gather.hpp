#pragma once
/// Allgather of row blocks (one particle per row) in units of rows, so counts stay far below 2^31
/// even when N·d does not.
#include <mpi.h>
#include <vector>

#include "l0svgd/core/types.hpp"
#include "l0svgd/parallel/partition.hpp"

namespace l0svgd {

/// Reusable allgather of an n_local × width row-major block into the full N × width matrix.
/// Construct once (collective), then call `gather` every iteration without allocating.
class RowGather {
public:
  /// Collective on `comm`: commits a contiguous datatype of `width` doubles.
  RowGather(const Partition& partition, Index width, MPI_Comm comm);
  ~RowGather();
  RowGather(const RowGather&) = delete;
  RowGather& operator=(const RowGather&) = delete;

  /// Collective: `local` (n_local × width) from every rank into `global` (N × width), ordered by
  /// global row. `global` must already have the right shape.
  void gather(const ConstMatrixRef& local, MatrixRef global) const;

  Index width() const { return width_; }

private:
  MPI_Comm comm_;
  Index width_;
  MPI_Datatype row_type_;
  std::vector<int> counts_, displs_;
};

/// Collective sum of a vector over ranks in rank order (gather to all, then add rank by rank), so
/// the result is bitwise independent of how MPI implements the reduction. For a result independent
/// of the rank count too, gather per-row values with RowGather and add them in global row order
/// instead.
void ordered_sum(const ConstVectorRef& local, VectorRef global, MPI_Comm comm);

} // namespace l0svgd
