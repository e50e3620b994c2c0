#include "l0svgd/parallel/gather.hpp"

#include "l0svgd/core/error.hpp"

#include <limits>

namespace l0svgd {

RowGather::RowGather(const Partition& partition, Index width, MPI_Comm comm)
    : comm_(comm), width_(width), counts_(partition.size()), displs_(partition.size()) {
  if (width > std::numeric_limits<int>::max())
    throw Error("row width exceeds the MPI count range");
  if (partition.n_global() > std::numeric_limits<int>::max())
    throw Error("number of rows exceeds the MPI count range");
  L0_MPI(MPI_Type_contiguous(static_cast<int>(std::max<Index>(width, 1)), MPI_DOUBLE, &row_type_));
  L0_MPI(MPI_Type_commit(&row_type_));
  for (int r = 0; r < partition.size(); ++r) {
    counts_[r] = static_cast<int>(partition.count(r));
    displs_[r] = static_cast<int>(partition.begin(r));
  }
}

RowGather::~RowGather() {
  MPI_Type_free(&row_type_);
}

void RowGather::gather(const ConstMatrixRef& local, MatrixRef global) const {
  int rank = 0;
  MPI_Comm_rank(comm_, &rank);
  if (local.rows() != counts_[rank] || local.cols() != width_ || global.cols() != width_)
    throw Error("RowGather: block shape does not match the partition");
  if (width_ == 0)
    return;
  L0_MPI(MPI_Allgatherv(local.data(), counts_[rank], row_type_, global.data(), counts_.data(),
                        displs_.data(), row_type_, comm_));
}

void ordered_sum(const ConstVectorRef& local, VectorRef global, MPI_Comm comm) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  const Index n = local.size();
  Matrix all(size, n);
  Vector copy = local;
  L0_MPI(MPI_Allgather(copy.data(), static_cast<int>(n), MPI_DOUBLE, all.data(),
                       static_cast<int>(n), MPI_DOUBLE, comm));
  global = all.row(0).transpose();
  for (int r = 1; r < size; ++r)
    global += all.row(r).transpose();
}

} // namespace l0svgd
