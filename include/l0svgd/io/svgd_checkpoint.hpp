#pragma once
/// Checkpoint and restart of an SVGD run: particles, step-rule state, iteration and what identifies
/// the run, so that a restarted run reaches the same final particles as an uninterrupted one.
#include <cstdint>
#include <map>
#include <string>

#include "l0svgd/svgd/engine.hpp"
#include "l0svgd/svgd/projected.hpp"

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
  /// Every option that defines the target and the run, with the value it took (explicit or
  /// default); a restart must match each (run_defining_options).
  std::map<std::string, std::string> options;
  /// What n_particles counts, for messages: particles, chains (HMC), mixture components (VI).
  std::string count_name = "particles";
};

/// The options read so far (Options::values_read) less those that do not change the trajectory:
/// the iteration limit and stopping tolerance, output, checkpoint and restart names, logging,
/// monitors and the kernel's memory layout and exchange (the particles are the same for any).
std::map<std::string, std::string> run_defining_options();

class SvgdOutput;
class Options;
class H5File;

/// Collective: writes `id` as the root attributes and /identity/options of a checkpoint.
void write_run_identity(H5File& f, const RunIdentity& id);
/// Collective: throws InputError, naming the first difference, unless `f` is a checkpoint written
/// by a run with identity `id`.
void check_run_identity(const H5File& f, const RunIdentity& id);

/// Where a run checkpoints and what it resumes: -checkpoint_every, -checkpoint_file (default
/// <output_file>.ckpt.h5, also where a stop signal's checkpoint goes) and -restart.
struct CheckpointSettings {
  Index every = 0;
  std::string file, restart;
  /// Whether the periodic checkpoint falls on `iteration`.
  bool due(Index iteration) const { return every > 0 && iteration % every == 0; }
};

/// Reads -checkpoint_every, -checkpoint_file and -restart. Not collective.
CheckpointSettings configure_checkpoints(Options& options, const std::string& output_file);

/// Collective: throws InputError when the checkpoint would replace the result or an input (the
/// file being resumed aside: checkpointing into it is the requeue pattern) or cannot be written.
void check_checkpoint_paths(const CheckpointSettings& settings, const std::string& output_file,
                            MPI_Comm comm);

/// Throws the Interrupted error that says how to resume a phase that `signal` stopped after
/// `iteration` of `iteration_limit`, once its checkpoint is written.
[[noreturn]] void stop_after_checkpoint(const CheckpointSettings& settings, int signal,
                                        Index iteration, Index iteration_limit);
/// The same from a phase's summary (SvgdRunSummary, HmcSummary, ViResult: its stop_signal and
/// iterations).
template <class Summary>
[[noreturn]] void stop_after_checkpoint(const CheckpointSettings& settings, const Summary& summary,
                                        Index iteration_limit) {
  stop_after_checkpoint(settings, summary.stop_signal, summary.iterations, iteration_limit);
}

/// Collective: after a stop signal ended `summary`'s run, writes the checkpoint and throws the
/// Interrupted error that says how to resume.
[[noreturn]] void checkpoint_and_stop(const CheckpointSettings& settings, const SvgdEngine& engine,
                                      const RunIdentity& identity, const SvgdRunSummary& summary,
                                      Index iteration_limit, const SvgdOutput* output = nullptr);

/// Collective: writes the engine's state to `path` atomically (a temporary file renamed into
/// place), so a run killed while checkpointing keeps its previous checkpoint.
/// With `output`, the history so far goes into the checkpoint too.
void write_svgd_checkpoint(const std::string& path, const SvgdEngine& engine,
                           const RunIdentity& identity, const SvgdOutput* output = nullptr);

/// Collective: the same for projected SVGD: particles, iteration and the subspace state
/// (ProjectedState), so that a restarted pSVGD run continues exactly.
void write_svgd_checkpoint(const std::string& path, const ProjectedSvgdEngine& engine,
                           const RunIdentity& identity);
void read_svgd_checkpoint(const std::string& path, ProjectedSvgdEngine& engine,
                          const RunIdentity& identity);

/// Collective: throws InputError unless `path` is a checkpoint that a run with `identity` can
/// resume, naming the first option that differs, and unless its iteration is at most
/// `iteration_limit`.
void check_svgd_checkpoint(const std::string& path, const RunIdentity& identity,
                           Index iteration_limit, MPI_Comm comm);

/// Collective: the history the checkpoint holds into `output` (SvgdOutput::restore_history).
void read_svgd_history(const std::string& path, SvgdOutput& output, MPI_Comm comm);

/// Collective: restores particles, step-rule state and iteration count of `engine` from `path`.
/// Throws InputError with a clear message if the file is missing or was written by a run with a
/// different target, dimension, particle count or step rule. The rank count may differ.
void read_svgd_checkpoint(const std::string& path, SvgdEngine& engine, const RunIdentity& identity);

} // namespace l0svgd
