#pragma once
// Helpers shared by the test executables.
#include <mpi.h>
#include <string>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/types.hpp"

namespace l0svgd::test {

inline int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
inline int size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}
/// Path inside the source tree (inputs, data).
inline std::string source_path(const std::string& relative) {
  return std::string(L0SVGD_SOURCE_DIR) + "/" + relative;
}
/// A scratch path unique to this test executable and rank count, identical on every rank.
inline std::string scratch_path(const std::string& name) {
  return std::string(L0SVGD_BINARY_DIR) + "/tests/scratch_np" + std::to_string(size()) + "_" + name;
}
/// A rows × cols matrix of standard normal draws, row i from RandomSequence(seed, Test, i): the
/// same on every rank.
template <class M = Matrix> M normal_matrix(Index rows, Index cols, uint64_t seed) {
  M m(rows, cols);
  for (Index i = 0; i < rows; ++i) {
    RandomSequence rng(seed, RngStream::Test, static_cast<uint64_t>(i));
    for (Index j = 0; j < cols; ++j)
      m(i, j) = rng.normal();
  }
  return m;
}
/// Sets PETSc options from a string for the duration of a test and clears them afterwards.
class ScopedOptions {
public:
  explicit ScopedOptions(const std::string& options);
  ~ScopedOptions();
};

} // namespace l0svgd::test
