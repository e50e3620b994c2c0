#pragma once
/// The distributed SVGD iteration: particles block-partitioned over the ranks of a communicator,
/// each rank evaluating the model for its own rows and moving them with the Stein direction
/// computed against all gathered particles.
#include <functional>
#include <limits>
#include <memory>
#include <mpi.h>
#include <petsclog.h>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"
#include "l0svgd/svgd/kernel.hpp"
#include "l0svgd/svgd/mixture_kernel.hpp"
#include "l0svgd/svgd/pair_median.hpp"
#include "l0svgd/svgd/step_rule.hpp"

namespace l0svgd {

/// Options of the SVGD iteration (section "svgd").
struct SvgdSettings {
  Index n_particles = 100;    ///< N, at least 2 and at least the number of ranks
  Index iterations = 1000;    ///< total iteration count (a restarted run continues up to it)
  KernelSettings kernel;      ///< -svgd_kernel, -svgd_bandwidth
  StepRuleSettings step_rule; ///< -svgd_step_rule, -svgd_step, -svgd_alpha, -svgd_adam_*
  double tolerance = 0.0;     ///< stop when the relative step norm falls below it; 0 = off
  Index monitor_every = 100;  ///< monitor line every this many iterations; 0 = off
  Index ksd_every = 100;      ///< KSD every this many iterations (and at the last); 0 = never
};

/// Collective (reads the rank count): the block partition of N particles over `comm`. Throws
/// InputError if N < 2 or N is smaller than the number of ranks.
Partition particle_partition(Index n_particles, MPI_Comm comm);

/// Bytes one rank of an SVGD engine with these settings allocates for its largest particle block
/// (particles, scores, step-rule state, the exchanged [S X] rows, the kernel's tiles or kept
/// distances, the median's sample; not the model's own data). Not collective.
double svgd_memory_bytes(const SvgdSettings& settings, Index n_ranks, Index dim);

/// Collective: throws InputError, with the estimate and what to change, when svgd_memory_bytes
/// times the ranks sharing a node exceeds the memory available on it (MemAvailable, or the
/// cgroup's limit when lower), so that a run too large fails at once instead of by bad_alloc or
/// the OOM killer.
void check_svgd_memory(const SvgdSettings& settings, Index dim, MPI_Comm comm);

/// Throws InputError unless `x` is this rank's n_local × dim block of particles. Not collective.
void check_particle_block(const ConstMatrixRef& x, const Partition& partition, Index dim);

/// Reads every -svgd_* option (the kernel's and the step rule's defaults from `defaults`):
/// -svgd_particles, -svgd_iterations, -svgd_step, -svgd_kernel, -svgd_bandwidth, -svgd_step_rule,
/// -svgd_alpha, -svgd_adam_beta1, -svgd_adam_beta2, -svgd_adam_epsilon, -svgd_tol,
/// -svgd_monitor_every, -svgd_ksd_every (default: monitor_every). Not collective; same result on
/// every rank.
SvgdSettings configure_svgd(Options& options, const SvgdSettings& defaults = {});

/// What one iteration did. Every field is identical on every rank and for every rank count.
struct IterationInfo {
  Index iteration = 0;    ///< iterations completed, this one included (1-based)
  double step_norm = 0.0; ///< ‖X_new − X_old‖_F over all particles
  /// step_norm / ‖X_old − x̄‖_F: the step relative to the spread of the ensemble about its mean
  double relative_step_norm = 0.0;
  double bandwidth = 0.0;        ///< kernel bandwidth h used
  double mean_log_density = 0.0; ///< mean log p at the positions the iteration started from
  bool has_ksd = false;          ///< whether the KSD was computed in this iteration
  /// U-statistic KSD² of the positions the iteration started from; NaN unless has_ksd. It can be
  /// negative: it is unbiased for independent draws, which SVGD particles near convergence are not.
  double ksd_squared = std::numeric_limits<double>::quiet_NaN();
  double ksd = std::numeric_limits<double>::quiet_NaN(); ///< sqrt(max(KSD², 0)); NaN unless has_ksd
};

/// How a `run` ended.
struct SvgdRunSummary {
  Index iterations = 0;         ///< iteration count at the end (a restarted run counts from before)
  bool converged = false;       ///< stopped because the relative step norm fell below -svgd_tol
  double elapsed_seconds = 0.0; ///< wall time of this run() call
  IterationInfo last;           ///< the last iteration (default-constructed if none ran)
  int stop_signal = 0;          ///< the signal that stopped the run early (StopSignals), or 0
};

class SvgdEngine;
/// Called on every rank after every iteration of `run`, e.g. to write history or checkpoints. May
/// call collective engine methods (every rank calls it at the same point).
using SvgdObserver = std::function<void(const SvgdEngine& engine, const IterationInfo& info)>;
/// Extra text for the monitor lines, called on every rank at each monitor line (so it may be
/// collective), e.g. the spread diagnostic of the SVGD task.
using SvgdMonitor = std::function<std::string()>;

/// SVGD on N particles block-partitioned (Partition) over the ranks of `comm`.
///
/// One iteration (`step`): (a) each rank evaluates log p and its score for its own rows, a
/// non-finite value on any rank raising ModelError on every rank; (b) [S X] is allgathered (or,
/// with -svgd_exchange ring, passed around the ranks during (c)); (c) the
/// Stein direction of the own rows is computed against all rows (SteinKernel; bandwidth from
/// PairMedian or fixed); (d) the step rule moves the own rows. Every sum over particles is formed
/// on gathered per-particle values in global row order, so the results do not depend on the number
/// of ranks (up to the rounding of the GEMM kernels, which may sum in a different register order
/// for different block shapes).
///
/// PETSc log events: SVGDGradient (model), SVGDGather, SVGDKernel (distances, median, kernel, φ;
/// with PetscLogFlops), SVGDKSD, SVGDUpdate.
class SvgdEngine {
public:
  /// Collective. Throws InputError if N < 2 or N is smaller than the number of ranks. `model` and
  /// `comm` must outlive the engine. The particles start at 0 until `set_local_particles`.
  SvgdEngine(const Model& model, const SvgdSettings& settings, MPI_Comm comm);
  ~SvgdEngine();
  SvgdEngine(const SvgdEngine&) = delete;
  SvgdEngine& operator=(const SvgdEngine&) = delete;

  /// Not collective: sets this rank's rows (partition().n_local() × d).
  void set_local_particles(const ConstMatrixRef& x);

  /// Collective: one iteration, see the class comment.
  IterationInfo step();

  /// Collective: iterates until `settings().iterations` iterations are done in total or the
  /// relative step norm falls below the tolerance, calling `observer` after every iteration and
  /// logging a monitor line every `monitor_every` iterations (and at the end).
  SvgdRunSummary run(const SvgdObserver& observer = {}, const SvgdMonitor& monitor = {});

  /// Collective: evaluates log p and the scores at the current particles (step() reuses them).
  /// Throws ModelError on every rank if any value on any rank is not finite.
  void evaluate();
  /// Collective: KSD² (U-statistic) of the current particles with the bandwidth rule of the
  /// settings.
  double stein_discrepancy_squared();
  /// Collective: all N particles in global row order (allocates; for output and tests).
  Matrix gather_particles() const;

  const Matrix& local_particles() const { return particles_; }
  /// log p of the own rows at the last evaluation (see `log_density_is_current`).
  const Vector& local_log_density() const { return log_density_; }
  /// Whether `local_log_density` belongs to the current particles.
  bool log_density_is_current() const { return evaluated_; }

  const Partition& partition() const { return partition_; }
  const SvgdSettings& settings() const { return settings_; }
  const Model& model() const { return model_; }
  MPI_Comm comm() const { return comm_; }
  Index dim() const { return dim_; }
  /// Iterations done so far (restored by `set_iteration` on restart).
  Index iteration() const { return iteration_; }
  void set_iteration(Index iteration);
  /// Bandwidth of the last kernel evaluation (0 before the first).
  double bandwidth() const { return kernel_.bandwidth(); }
  /// The Stein kernel (its memory mode and buffers, for the timing output; with hessian_mixture
  /// the scalar RBF that measures the KSD).
  const SteinKernel& kernel() const { return kernel_; }

  /// Not collective: the precision Q(x) of the hessian_mixture kernel at an anchor (e.g. the
  /// repaired Hessian of −log p), which must give the same result on every rank. Required before
  /// `step` with that kernel; ignored by the others.
  void set_precision(PrecisionFunction precision) { precision_ = std::move(precision); }

  /// Step-rule state of the own rows, for a checkpoint, and its restoration.
  StepRuleState step_rule_state() const { return step_rule_.state(); }
  void set_step_rule_state(const StepRuleState& state) { step_rule_.set_state(state); }

private:
  double prepare_kernel(bool with_discrepancy);
  void gather_statistics();

  const Model& model_;
  SvgdSettings settings_;
  MPI_Comm comm_;
  Partition partition_;
  Index dim_;
  Index iteration_ = 0;
  bool evaluated_ = false;

  Matrix particles_;                     // n_local × d
  Vector log_density_;                   // n_local
  Matrix local_scores_positions_;        // n_local × 2d [S X]
  Matrix direction_, displacement_;      // n_local × d
  Matrix local_statistics_, statistics_; // n_local × 3, N × 3: log p, ‖Δx‖², KSD row sum
  Vector discrepancy_rows_;              // n_local
  RowGather gather_statistics_;
  SteinKernel kernel_;
  std::unique_ptr<MixtureKernel> mixture_; // hessian_mixture only
  PrecisionFunction precision_;
  StepRule step_rule_;
  struct {
    PetscLogEvent gradient, gather, kernel, ksd, update;
  } events_;
};

} // namespace l0svgd
