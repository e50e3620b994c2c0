#include "l0svgd/parallel/partition.hpp"

#include "l0svgd/core/error.hpp"

namespace l0svgd {

Partition::Partition(Index n_global, MPI_Comm comm) : n_global_(n_global) {
  L0_MPI(MPI_Comm_rank(comm, &rank_));
  L0_MPI(MPI_Comm_size(comm, &size_));
}

Partition::Partition(Index n_global, int rank, int size)
    : n_global_(n_global), rank_(rank), size_(size) {}

Index Partition::begin(int r) const {
  const Index base = n_global_ / size_, extra = n_global_ % size_;
  return r * base + std::min<Index>(r, extra);
}

Index Partition::count(int r) const {
  const Index base = n_global_ / size_, extra = n_global_ % size_;
  return base + (r < extra ? 1 : 0);
}

int Partition::owner(Index i) const {
  const Index base = n_global_ / size_, extra = n_global_ % size_;
  const Index split = extra * (base + 1);
  if (i < split)
    return static_cast<int>(i / (base + 1));
  return static_cast<int>(extra + (i - split) / base);
}

} // namespace l0svgd
