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
  int length = (rank == first) ? static_cast<int>(message.size()) : 0;
  L0_MPI(MPI_Bcast(&length, 1, MPI_INT, first, comm));
  std::vector<char> text(message.begin(), message.end());
  text.resize(length);
  L0_MPI(MPI_Bcast(text.data(), length, MPI_CHAR, first, comm));
  throw ModelError(std::string(text.begin(), text.end()));
}

} // namespace l0svgd
