#pragma once
/// Checkpoint and restart of Gaussian-mixture VI: ViState (θ, Adam's moments, the iteration, the
/// history so far) with what identifies the run. The initial mixture is not stored: the restarted
/// run recomputes it (multistart and Laplace, or the cold start), identically.
#include <mpi.h>
#include <string>

#include "l0svgd/io/svgd_checkpoint.hpp"
#include "l0svgd/optim/gmm_vi.hpp"

namespace l0svgd {

/// Collective: writes `state` to `path` atomically (a temporary renamed into place), so a run
/// killed while checkpointing keeps its previous checkpoint.
void write_vi_checkpoint(const std::string& path, const ViState& state, const RunIdentity& identity,
                         MPI_Comm comm);

/// Collective: throws InputError, with the first difference, unless `path` is a VI checkpoint
/// that a run with `identity` can resume; then returns its state.
ViState read_vi_checkpoint(const std::string& path, const RunIdentity& identity, MPI_Comm comm);

} // namespace l0svgd
