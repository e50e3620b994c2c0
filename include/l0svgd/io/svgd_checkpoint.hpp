#pragma once
/// Checkpoint and restart of an SVGD run: particles, step-rule state, iteration and what identifies
/// the run, so that a restarted run reaches the same final particles as an uninterrupted one.
#include <cstdint>
#include <string>

#include "l0svgd/svgd/engine.hpp"

namespace l0svgd {

/// What a checkpoint must match to be resumed by a run.
struct RunIdentity {
  std::string target; ///< model name
  Index dim = 0;
  Index n_particles = 0;
  std::string step_rule;
  uint64_t seed = 0;
  /// The coordinates the engine samples in (-svgd_precondition: none, laplace_diag, laplace_full);
  /// the Laplace fit is recomputed, identically, by the restarted run.
  std::string coordinates = "none";
};

/// Collective: writes the engine's state to `path` atomically (a temporary file renamed into
/// place), so a run killed while checkpointing keeps its previous checkpoint.
void write_svgd_checkpoint(const std::string& path, const SvgdEngine& engine,
                           const RunIdentity& identity);

/// Collective: throws InputError unless `path` is a checkpoint that a run with `identity` can
/// resume.
void check_svgd_checkpoint(const std::string& path, const RunIdentity& identity, MPI_Comm comm);

/// Collective: restores particles, step-rule state and iteration count of `engine` from `path`.
/// Throws InputError with a clear message if the file is missing or was written by a run with a
/// different target, dimension, particle count or step rule. The rank count may differ.
void read_svgd_checkpoint(const std::string& path, SvgdEngine& engine, const RunIdentity& identity);

} // namespace l0svgd
