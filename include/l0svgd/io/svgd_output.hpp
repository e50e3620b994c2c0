#pragma once
/// The HDF5 layout of an SVGD run:
///   /particles (N×d final), /log_density (N), /parameter_names (d),
///   /history/{iteration,time,step_norm,bandwidth,mean_log_density,ksd} (one entry per recorded
///   iteration), /history/particles (T×N×d, every `output_every` iterations, extendible), /timing
///   (attributes: wall time, time per iteration, per-phase seconds, kernel GFLOP/s, peak memory),
///   attributes of "/" and "/options" (effective options, ranks, seed, git revision; see
///   write_run_metadata).
#include <string>
#include <vector>

#include "l0svgd/io/output_file.hpp"
#include "l0svgd/models/affine_model.hpp"
#include "l0svgd/svgd/engine.hpp"

namespace l0svgd {

/// Writes one SVGD run into an OutputFile. Every method is collective on the engine's communicator.
class SvgdOutput {
public:
  /// Creates the history series. `output_every` = 0 stores no particle history. With
  /// `coordinates` (which must outlive the writer) the engine samples z and the particles are
  /// stored as x = coordinates(z), in the target's own coordinates.
  SvgdOutput(OutputFile& file, const SvgdEngine& engine, Index output_every,
             const AffineMap* coordinates = nullptr);

  /// Records one iteration: scalars always, particles when the iteration is a multiple of
  /// `output_every` (and `force_particles`).
  void record(const SvgdEngine& engine, const IterationInfo& info, double elapsed_seconds,
              bool force_particles = false);

  /// Final particles, log density (evaluated at the final particles), parameter names and timing.
  void finish(SvgdEngine& engine, const SvgdRunSummary& summary, double wall_seconds,
              uint64_t seed);

  /// The history so far (scalars and particle snapshots) into a checkpoint, so that a restarted
  /// run's file holds the whole history, as an uninterrupted run's does.
  void save_history(H5File& checkpoint) const;
  /// The history a checkpoint holds, before this run's own (call before the first record()).
  void restore_history(const H5File& checkpoint);

private:
  Matrix original(const SvgdEngine& engine) const;

  H5File& h5_;
  const SvgdEngine& engine_;
  const AffineMap* coordinates_;
  Index output_every_;
  Index first_iteration_;       // where this run started (after a restart, the checkpoint's)
  Index n_snapshots_ = 0;       // slices of /history/particles written
  std::vector<double> history_; // row-major: one row of scalars per iteration
};

} // namespace l0svgd
