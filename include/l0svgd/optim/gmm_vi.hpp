#pragma once
/// Full-covariance Gaussian-mixture variational inference: maximise the ELBO E_q[log p̃ − log q]
/// over q = Σ_k w_k N(μ_k, L_k L_kᵀ) with per-component reparameterisation gradients and Adam.
#include <cstdint>
#include <functional>
#include <limits>
#include <mpi.h>
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/metrics/jsd.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/optim/gaussian_mixture.hpp"

namespace l0svgd {

struct ViSettings {
  Index iterations = 2000; ///< -vi_iterations: Adam steps
  Index samples = 32;      ///< -vi_samples: Monte Carlo draws per component per iteration
  double step = 0.02; ///< -vi_step: Adam learning rate (in units of the initial component widths)
  uint64_t seed = 1;  ///< -vi_seed
  Index monitor_every = 10; ///< -vi_monitor_every: history record every this many iterations
  /// -vi_cold_scale: standard deviation of the cold-start components as a fraction of the mean
  /// width of the prior box.
  double cold_scale = 0.1;

  /// Reads the -vi_* options above (defaults: the current values). Not collective.
  void configure(Options& options);
};

/// One history record.
struct ViRecord {
  Index iteration = 0; ///< Adam steps taken before this record (0: the initial mixture)
  /// Wall-clock seconds since the start of `run` plus its `time_offset` (e.g. the time spent
  /// finding the initialisation), not counting the time spent in the reference metric. Rank-local
  /// clock.
  double time = 0.0;
  double elbo = 0.0; ///< Monte Carlo ELBO estimate at this iteration's parameters (its own draws)
  double jsd = std::numeric_limits<double>::quiet_NaN();       ///< reference metric, NaN if none
  double jsd_error = std::numeric_limits<double>::quiet_NaN(); ///< its standard error
};

/// Distance of a mixture from the reference (e.g. a JSD against a grid posterior or a true
/// mixture). Called on every rank, so it may be collective.
using MixtureMetric = std::function<JsdEstimate(const GaussianMixture&)>;
/// Receives each history record on every rank (the driver writes it, e.g. from rank 0).
using ViMonitor = std::function<void(const ViRecord&)>;

/// Everything that decides the rest of a run, for a checkpoint (the same on every rank): with the
/// same initial mixture and settings, a run resumed from it continues exactly, on any rank count.
struct ViState {
  Index iteration = 0;           ///< Adam steps taken
  Vector theta;                  ///< variational parameters (the packing described below)
  Vector adam_m, adam_v;         ///< Adam's first and second moment estimates
  std::vector<ViRecord> history; ///< the records so far
  double seconds = 0.0;          ///< the history's clock after the last step
};

/// Called on every rank after each Adam step with the state it reached; it may be collective
/// (e.g. write a checkpoint).
using ViObserver = std::function<void(const ViState&)>;

struct ViResult {
  GaussianMixture mixture;       ///< final q
  double elbo = 0.0;             ///< ELBO estimate at the final parameters
  Index iterations = 0;          ///< Adam steps taken
  std::vector<ViRecord> history; ///< every record also passed to the monitor
  int stop_signal = 0;           ///< the signal that stopped the run early (StopSignals), or 0
  ViState state;                 ///< after a stop: what a checkpoint saves to resume
};

/// Gaussian-mixture VI for one target.
///
/// Parameters: logits of w, and each component's mean and Cholesky factor in the frame of its
/// initial state (μ_k⁰, L_k⁰): μ_k = μ_k⁰ + L_k⁰ ν_k, L_k = L_k⁰ M_k with M_k lower triangular, its
/// diagonal stored as log (so it stays positive); ν = 0, M = I at the start. In this frame an Adam
/// step of size `step` moves a component by about `step` times its own width whatever the units of
/// the target, so one step size serves narrow posteriors (the shear frame) and wide ones alike.
/// Gradients (REFERENCE.md §5) with f = log p̃ − log q, g = ∇_z f, z = μ_k + L_k ε:
/// ∇_{μ_k} = w_k E[g], ∇_{L_k} = w_k tril(E[g εᵀ]), ∂/∂logit_k = w_k (E_k[f] − ELBO), then the
/// chain rule ∇_ν = L⁰ᵀ ∇_μ, ∇_M = tril(L⁰ᵀ ∇_L) (times M_ii on the log-diagonal). Per iteration,
/// the K·S draws are cut into chunks of a few draws of one component; ε of draw s of component k at
/// iteration t comes from RandomSequence(seed, VariationalDraws, (t K + k) S + s). Chunks are split
/// over ranks, every rank sums its chunks, the chunk sums are gathered in one collective and added
/// in chunk order, so the result does not depend on the rank count. The target is evaluated
/// wherever the draws fall (also outside its support box; a model must return finite values there).
class GaussianMixtureVi {
public:
  GaussianMixtureVi(const Model& target, const ViSettings& settings, MPI_Comm comm);

  /// Reference metric evaluated at each history record (optional).
  void set_reference(MixtureMetric reference) { reference_ = std::move(reference); }
  /// Callback for each history record (optional).
  void set_monitor(ViMonitor monitor) { monitor_ = std::move(monitor); }

  /// Runs `settings.iterations` Adam steps from `initial` (weights below 1e-8 are raised to 1e-8 so
  /// that every logit is finite), or the rest of them from `resume` (a ViState of a run from the
  /// same `initial`; its clock replaces `time_offset`), calling `observer` after every step.
  /// Collective. Throws ModelError on every rank if the target returns a non-finite value at a
  /// draw, InputError for a `resume` of another shape or past the iteration limit. A stop signal
  /// (while a StopSignals guard lives) ends it after the current step on every rank, with
  /// stop_signal and state set (mixture and history are then not filled in).
  ViResult run(const GaussianMixture& initial, double time_offset = 0.0,
               const ViState* resume = nullptr, const ViObserver& observer = {});

private:
  const Model& target_;
  ViSettings settings_;
  MPI_Comm comm_;
  MixtureMetric reference_;
  ViMonitor monitor_;
};

/// Cold start: K equal-weight components with means uniform in the box (RandomSequence(seed,
/// ParticleInit, k)) and isotropic standard deviation scale · (mean box width). Throws InputError
/// if the box is not finite or K < 1. Not collective.
GaussianMixture cold_start_mixture(Index k_count, const ConstVectorRef& lower,
                                   const ConstVectorRef& upper, double scale, uint64_t seed);

} // namespace l0svgd
