#pragma once
/// Tasks of the multimodal Laplace initialisation of VI (Bridgman, Jones & Khalil):
///   `-task map`      MAP point of the target by TAO;
///   `-task laplace`  multistart (MLSL) modes, a Laplace component at each, NNLS weights;
///   `-task vi`       full-covariance Gaussian-mixture VI, warm-started from the Laplace mixture
///                    (`-vi_init warm`, the time to find it included) or cold (`-vi_init cold`).
#include <memory>
#include <mpi.h>

#include "l0svgd/drivers/task.hpp"

namespace l0svgd {
/// Each is collective on `comm` for every Task method.
std::unique_ptr<Task> make_map_task(MPI_Comm comm);
std::unique_ptr<Task> make_laplace_task(MPI_Comm comm);
std::unique_ptr<Task> make_vi_task(MPI_Comm comm);
} // namespace l0svgd
