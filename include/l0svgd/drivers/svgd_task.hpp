#pragma once
/// `-task svgd`: SVGD on any target, with HDF5 ensemble output, history and checkpoint/restart.
#include <memory>
#include <mpi.h>

#include "l0svgd/drivers/task.hpp"

namespace l0svgd {
/// Collective on `comm` for every Task method.
std::unique_ptr<Task> make_svgd_task(MPI_Comm comm);
} // namespace l0svgd
