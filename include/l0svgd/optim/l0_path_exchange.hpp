#pragma once
/// Splitting the independent stages of an L0 λ path over the ranks of a communicator and sharing
/// the results, so that every rank ends up with the whole path.
#include <cstddef>
#include <functional>
#include <mpi.h>
#include <vector>

#include "l0svgd/optim/l0_sparsifier.hpp"

namespace l0svgd {

/// Collective: every rank's `point` becomes a copy of the one on rank `root` (every field).
void broadcast_path_point(L0PathPoint& point, int root, MPI_Comm comm);

/// Collective: stage i of `n_stages` is computed by `solve(i)` on rank i mod P only, then broadcast
/// from there, so every rank returns all stages in order. If `solve` throws an l0svgd::Error on
/// some rank, every rank throws ModelError with the message of the lowest failing rank (no rank is
/// left waiting).
std::vector<L0PathPoint>
solve_stages_round_robin(std::size_t n_stages, const std::function<L0PathPoint(std::size_t)>& solve,
                         MPI_Comm comm);

} // namespace l0svgd
