#pragma once
/// `-task hmc`: HMC on any target, the reference sampler to validate SVGD against, with checkpoint
/// and restart, and its draws in ArviZ's InferenceData layout (io/hmc_output.hpp).
#include <memory>
#include <mpi.h>

#include "l0svgd/drivers/task.hpp"

namespace l0svgd {
/// Collective on `comm` for every Task method.
std::unique_ptr<Task> make_hmc_task(MPI_Comm comm);
} // namespace l0svgd
