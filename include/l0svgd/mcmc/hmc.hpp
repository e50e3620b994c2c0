#pragma once
/// Hamiltonian Monte Carlo (Neal 2011) with a fixed number of leapfrog steps or the No-U-Turn
/// Sampler (Hoffman & Gelman 2014, multinomial as in Stan), the dual-averaging step size of
/// Hoffman & Gelman and Stan's windowed diagonal mass-matrix adaptation during warm-up, on several
/// chains block-partitioned over the ranks of a communicator.
#include <cstdint>
#include <functional>
#include <memory>
#include <mpi.h>
#include <petsclog.h>
#include <string>
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/mcmc/adaptation.hpp"
#include "l0svgd/mcmc/nuts.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/parallel/partition.hpp"

namespace l0svgd {

/// identity: M = I. diagonal: M⁻¹ = the regularised variance of each chain's own warm-up draws.
enum class MassMatrixType { Identity, Diagonal };

/// static: every trajectory has `leapfrog_steps` steps and ends in a Metropolis test. nuts: each
/// trajectory grows until it turns back (NutsTrajectory), at most 2^max_depth − 1 steps.
enum class HmcAlgorithm { Static, Nuts };

/// Options of the sampler (section "hmc").
struct HmcSettings {
  Index n_chains = 4;   ///< chains, block-partitioned over the ranks (a rank may have none)
  Index warmup = 1000;  ///< warm-up (adaptation) iterations per chain, not kept
  Index samples = 1000; ///< kept draws per chain
  HmcAlgorithm algorithm = HmcAlgorithm::Static;
  Index leapfrog_steps = 16;  ///< leapfrog steps L per transition (static)
  Index max_depth = 10;       ///< NUTS: at most 2^max_depth − 1 leapfrog steps per transition
  double target_accept = 0.8; ///< dual-averaging target δ of the acceptance statistic
  double initial_step = 1.0;  ///< ε₀; warm-up refines it, -hmc_warmup 0 samples with it
  uint64_t seed = 1;          ///< chain c draws from RandomSequence(seed, RngStream::Hmc, c)
  MassMatrixType mass = MassMatrixType::Diagonal;
  /// j in [0, 1): each transition integrates with ε (1 + j U(−1, 1)), which breaks the periodicity
  /// of fixed-length trajectories on (nearly) Gaussian targets (Neal 2011 suggests randomising the
  /// step size for this); 0 = off.
  /// Measured on N(0, I) after warm-up, 4 × 500 draws: without jitter the smallest ESS was 3-17
  /// for several (d, L) in {3, 10, 50} × {8, 16, 32} (split-R̂ up to 1.57); with 0.5 it was
  /// 830-2200 for all of them. NUTS, whose trajectory lengths vary anyway, defaults to 0 (Stan's
  /// default too).
  double step_jitter = 0.5;
  Index monitor_every = 100; ///< monitor line every this many iterations; 0 = off
};

/// Reads -hmc_chains, -hmc_warmup, -hmc_samples, -hmc_algorithm (static|nuts),
/// -hmc_leapfrog_steps (static) or -hmc_max_depth (nuts), -hmc_target_accept, -hmc_initial_step,
/// -hmc_seed, -hmc_mass (diag|identity), -hmc_step_jitter and -hmc_monitor_every. Throws
/// InputError naming the option for a value out of range or an option the algorithm does not use.
/// Reads options only (no files); not collective, same result on every rank.
HmcSettings configure_hmc(Options& options);

/// "diag" or "identity", as the option spells it.
const char* mass_matrix_name(MassMatrixType type);
/// "static" or "nuts".
const char* hmc_algorithm_name(HmcAlgorithm algorithm);

/// The columns of HmcSampler::gather_draw_statistics: what the transition that produced a draw did.
enum HmcDrawStatistic : Index {
  kAcceptProbability, ///< static: min(1, exp(H₀ − H₁)), 0 when divergent; NUTS: its trajectory mean
  kDiverging,         ///< 1 if the trajectory diverged (static: and was rejected), else 0
  kStepSize,          ///< the leapfrog step of the transition (the jittered averaged step)
  kLeapfrogSteps, ///< leapfrog steps the transition took (model evaluations)
  kTreeDepth,     ///< NUTS: doublings of the trajectory; static HMC: 0
  kDrawStatistics
};

/// Per-chain results in chain order, identical on every rank.
struct HmcChainStats {
  Vector step_size;               ///< step size used for sampling
  Vector acceptance_rate;         ///< fraction of the sampling transitions that moved the chain
  Vector mean_accept_probability; ///< mean of min(1, exp(H₀ − H₁)) over the sampling transitions
  std::vector<Index> divergences;        ///< divergent sampling transitions
  std::vector<Index> warmup_divergences; ///< divergent warm-up transitions
  Matrix inverse_metric;                 ///< n_chains × d diagonal of M⁻¹ used for sampling
};

/// How a `run` ended. Every field is identical on every rank and for every rank count (the
/// timings aside).
struct HmcSummary {
  HmcChainStats chains;
  Vector rhat; ///< split-R̂ per parameter (diagnostics.hpp); NaN with fewer than 4 draws per chain
  Vector ess;  ///< bulk effective sample size per parameter (rank-normalised, split chains); NaN
               ///< with fewer than 8 draws per chain
  Vector
      tail_ess; ///< tail effective sample size per parameter (5 % and 95 % quantiles); NaN likewise
  Index divergences = 0;           ///< divergent sampling transitions over all chains
  double mean_leapfrog_steps = 0;  ///< leapfrog steps per sampling transition, over all chains
  Index max_depth_transitions = 0; ///< NUTS: sampling transitions stopped by -hmc_max_depth
  Index gradient_evaluations = 0;  ///< model evaluations (one per chain and point) over all chains
  double warmup_seconds = 0.0;
  double sampling_seconds = 0.0;
  Index iterations = 0; ///< transitions per chain done, warm-up included (fewer after a stop)
  int stop_signal = 0;  ///< the signal that stopped the run early (StopSignals), or 0
};

/// Everything that decides the rest of a run, for a checkpoint: with it, set_state continues the
/// chains exactly, on any rank count. Per-chain blocks hold this rank's chains (row l is global
/// chain partition().local_begin() + l); the scalars are the same on every rank.
struct HmcState {
  Index iteration = 0;          ///< transitions done by every chain (warm-up included)
  Index variance_count = 0;     ///< warm-up draws in the running variance (every chain alike)
  Index window_transitions = 0; ///< transitions since the last monitor line
  Index evaluations = 0;        ///< model evaluations over all chains so far
  double warmup_seconds = 0.0;
  /// The columns of `counters`; kAveraging is the first of DualAveraging::state's four.
  enum Counter : Index {
    kRngPosition,
    kLogDensity,
    kStep,
    kAveraging,
    kAcceptSum = kAveraging + 4,
    kWindowAcceptSum,
    kAccepted,
    kDivergences,
    kWarmupDivergences,
    kCounters
  };
  /// n_local × kCounters: per chain the generator position, log p, step size, dual averaging,
  /// acceptance sums (sampling, monitor window), accepted and divergent (sampling, warm-up) counts
  /// (doubles hold the counts exactly, below 2^53).
  Matrix counters;
  Matrix position, gradient, inverse_metric; ///< n_local × d
  Matrix variance_mean, variance_m2;         ///< BlockVariance's running sums, n_local × d
  /// The draws kept so far (n_local × samples·d, chain s's draws in row order; the rest zero),
  /// their log p (n_local × samples) and their transitions' statistics (n_local × samples·3, as
  /// HmcDrawStatistic orders them).
  Matrix draws, draw_log_density, draw_statistics;
};

class HmcSampler;
/// Called on every rank after each completed transition of all chains, with the number done; it
/// may be collective (e.g. write a checkpoint through HmcSampler::state).
using HmcObserver = std::function<void(const HmcSampler&, Index done)>;

/// HMC on `settings.n_chains` chains block-partitioned (Partition) over the ranks of `comm`.
///
/// Each rank advances all of its chains together: every leapfrog step evaluates the model once
/// for the block of the rank's chains still integrating (GEMM-shaped for models that batch).
/// Chain c draws its momenta, acceptance uniforms and everything else from RandomSequence(seed,
/// RngStream::Hmc, c), and every step-size and mass-matrix adaptation is per chain, so the draws do
/// not depend on the number of ranks. Ranks communicate only once per iteration (a collective
/// error check) and for monitor lines.
///
/// A model with a box (Model::lower_bounds/upper_bounds) is sampled inside it by reflection
/// (Neal 2011, "handling constraints"): a drift that crosses a bound is mirrored back and that
/// momentum component reversed, which keeps the leapfrog map reversible and volume-preserving for a
/// diagonal metric. A trajectory that produces a non-finite log density or gradient (or a
/// ModelError from the model) or gains more than 1000 in energy is a divergence: it stops, is
/// rejected and is counted. A starting point outside the box or with a non-finite value, or any
/// other error of the model, is raised on every rank together.
///
/// With `algorithm` nuts each chain's transition is one NutsTrajectory instead: a chain at a time,
/// one model evaluation per leapfrog step, its uniforms from its own sequence, so the draws again
/// do not depend on the number of ranks; the acceptance statistic that dual averaging adapts to is
/// the trajectory's mean min(1, exp(H₀ − H)), and a divergence ends the trajectory (the draw is
/// then chosen among the points before it, as in Stan).
///
/// Warm-up: Hoffman & Gelman's heuristic for a first step size (from `initial_step`), then dual
/// averaging towards `target_accept`; with a diagonal metric, Stan's windows (adaptation.hpp)
/// estimate M⁻¹ from each chain's own draws, followed by a new heuristic step size and a restart of
/// the averaging. Sampling uses the averaged step size.
///
/// PETSc log events: HMCLeapfrog (integration, model included), HMCGradient (model evaluations),
/// HMCAdapt (step-size heuristic and metric updates).
class HmcSampler {
public:
  /// Collective. Throws InputError for settings out of range (as configure_hmc checks them).
  /// `model` and `comm` must outlive the sampler. Chains start at 0 until a start is set.
  HmcSampler(const Model& model, const HmcSettings& settings, MPI_Comm comm);

  /// Not collective: the starting points of this rank's chains (partition().n_local() × d).
  void set_local_start(const ConstMatrixRef& x);
  /// Not collective: the starting points of all chains (n_chains × d, the same on every rank, e.g.
  /// draws around a MAP); this rank keeps its own rows.
  void set_start(const ConstMatrixRef& all_chains);

  /// Collective: warm-up then sampling of every chain (from where set_state left them), with a
  /// monitor line every `monitor_every` iterations and `observer` after every iteration; then
  /// gathers the chain statistics and computes the diagnostics on the gathered draws. Throws
  /// ModelError on every rank if a starting point cannot be evaluated. A stop signal (while a
  /// StopSignals guard lives) ends it after the current iteration on every rank, with
  /// summary.stop_signal set and no statistics: state() then holds what a restart needs. Call once.
  HmcSummary run(const HmcObserver& observer = {});

  /// Collective (the evaluation count is summed): the state a checkpoint saves.
  HmcState state() const;
  /// Not collective: continues from `state` (from state() of a run with the same model and
  /// settings, on any rank count: the per-chain blocks are this rank's rows of it). Replaces the
  /// start: run() then neither evaluates a start nor searches a first step size again.
  void set_state(const HmcState& state);

  /// This rank's draws: (n_local · samples) × d, chain after chain (row l·samples + s is draw s of
  /// the rank's l-th chain, global chain partition().local_begin() + l).
  const Matrix& local_draws() const { return draws_; }
  /// log p of each local draw, in the same order.
  const Vector& local_draw_log_density() const { return draw_log_density_; }
  /// Collective: the draws of all chains, (n_chains · samples) × d in chain order.
  Matrix gather_draws() const;
  /// Collective: log p of every draw, in the order of gather_draws.
  Vector gather_draw_log_density() const;
  /// Collective: (n_chains · samples) × kDrawStatistics, each draw's transition statistics
  /// (HmcDrawStatistic), in the order of gather_draws.
  Matrix gather_draw_statistics() const;
  /// Collective: per-chain statistics in chain order.
  HmcChainStats gather_chain_stats() const;

  const Partition& partition() const { return partition_; }
  const HmcSettings& settings() const { return settings_; }
  const Model& model() const { return model_; }
  MPI_Comm comm() const { return comm_; }
  Index dim() const { return dim_; }

private:
  /// Collective (the summary is the same on every rank): throws ModelError when the chains never
  /// moved; warns, with the numbers, when they have not mixed (split-R̂, ESS, divergences).
  void judge(const HmcSummary& summary) const;
  void evaluate_start();
  void draw_momenta(const std::vector<char>& chains);
  void leapfrog(Index steps);
  void reflect_into_box();
  /// Reflects one chain's position row `x` (momentum row `p`) into the box; false if it cannot.
  bool reflect_row(double* x, double* p) const;
  /// The fixed-length trajectories of every chain and their Metropolis tests.
  void static_trajectories();
  /// One NUTS transition per chain, chain after chain.
  void nuts_trajectories();
  /// One leapfrog step of chain nuts_chain_ for NutsTrajectory.
  bool nuts_leapfrog(PhasePoint& z, double step);
  /// Adaptation and bookkeeping of a transition from transition_accept_, moved_, diverged_, ...
  void record_transition(Index iteration, bool warmup);
  void evaluate_proposals();
  /// Collective: every chain's rows of a per-draw array (n_local · samples × columns, row-major).
  Matrix gather_per_draw(const double* local_rows, Index columns) const;
  void evaluate_chain(Index l); ///< proposal l into its log density and gradient; NaN if it fails
  void find_reasonable_steps();
  void transition(Index iteration, bool warmup);
  void update_metric();
  void monitor(Index iteration, Index first_iteration, double start_seconds);
  /// One iteration of every chain with the warm-up's adaptation after it. Collective.
  void iterate(double start_seconds);
  /// Collective: statistics and diagnostics of the finished run, then judge.
  void summarise(HmcSummary& summary);
  /// Collective: model evaluations over all ranks so far.
  Index total_evaluations() const;
  /// H = −log p + ½ Σ_j M⁻¹_jj p_j² per chain, with the current momenta.
  void hamiltonian(const Vector& log_density, VectorRef energy) const;

  const Model& model_;
  HmcSettings settings_;
  MPI_Comm comm_;
  Partition partition_;
  Index dim_;
  Vector lower_, upper_;
  bool has_box_ = false;

  std::vector<RandomSequence> rng_; // one per local chain
  Matrix position_, gradient_;      // current state, n_local × d
  Vector log_density_;
  Matrix proposal_, proposal_gradient_, momentum_; // trajectory state, n_local × d
  Vector proposal_log_density_, start_energy_, energy_, uniform_;
  Vector step_;            // adapted step size per chain
  Vector trajectory_step_; // the step of the current trajectory (step_, jittered if asked)
  Vector moving_step_;     // trajectory_step_ for chains still integrating, 0 for the others
  std::vector<char> all_chains_, integrating_, diverged_, moved_;
  Vector transition_accept_;               // acceptance statistic of the last transition
  std::vector<Index> steps_taken_, depth_; // its leapfrog steps and tree depth per chain
  std::unique_ptr<NutsTrajectory> nuts_;   // NUTS only
  PhasePoint nuts_point_;
  LeapfrogStep nuts_step_;
  Index nuts_chain_ = 0;
  Matrix inverse_metric_; // n_local × d
  std::vector<Index> active_rows_;

  std::vector<DualAveraging> averaging_;
  WarmupSchedule schedule_;
  BlockVariance variance_;
  Vector accept_sum_, window_accept_sum_;
  std::vector<Index> accepted_, divergences_, warmup_divergences_;
  Index evaluations_ = 0;
  Index window_transitions_ = 0;
  Index iteration_ = 0; // transitions done (set_state may start past 0)
  double warmup_seconds_ = 0.0;

  Matrix draws_;
  Vector draw_log_density_;
  Matrix draw_statistics_; // (n_local · samples) × kDrawStatistics
  struct {
    PetscLogEvent leapfrog, gradient, adapt;
  } events_;
};

} // namespace l0svgd
