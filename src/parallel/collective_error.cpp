#include "l0svgd/parallel/collective_error.hpp"

#include "l0svgd/core/error.hpp"

#include <vector>

namespace l0svgd {

void raise_if_any(bool failed, const std::string& message, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int mine = failed ? rank : size;
  int first = size;
  L0_MPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first == size)
    return;
  throw ModelError(broadcast_string(rank == first ? message : std::string(), first, comm));
}

} // namespace l0svgd
