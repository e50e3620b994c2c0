#pragma once
/// L0 sparsification of a network's weights with hard-concrete gates (REFERENCE.md §3), trained
/// with the deterministic mean gate jointly with the weights by TAO, for a path of increasing λ.
///
/// Each weight k has an unconstrained parameter θ_k, the model's reparameterisation g (e.g.
/// softplus for weights kept ≥ 0, identity otherwise) and a gate parameter log α_k; the model sees
/// the effective weight w_k = g(θ_k) z̄(log α_k). For each λ TAO minimises
///
///     data_loss(w) + λ Σ_k sigmoid(log α_k − β log(−γ/ζ))
///
/// over (θ, log α) with log α ∈ [−B, log 11] (default TAO type blmvm, options -<prefix>tao_*). The
/// upper bound is where the mean gate reaches 1: above it z̄ would be flat and the penalty's
/// gradient tiny, so open gates would hardly move. The mean gate is exactly 0 below log α = −log
/// 11, where its gradient vanishes, so a gate that closes stays closed: the penalty alone then
/// pushes log α down to −B. We therefore optimise, then prune: after each λ the support is {k :
/// |w_k| > tolerance} and neurons left without a path are removed with their weights
/// (L0Problem::surviving). Each λ starts from the pretrained network (below) by default; with
/// continuation it starts instead from the previous λ's pruned solution (removed gates set to −B),
/// which is cheaper but can never revive a weight, so on noisy data it keeps the larger support
/// chosen at small λ even for large λ.
///
/// Before the path the network is pretrained: the data loss alone is minimised over θ with every
/// gate open (TAO options -<prefix>pretrain_tao_*, default lmvm), and the gates are absorbed into
/// the weights (θ ← g⁻¹(g(θ)/z̄(log α₀))) so that the gated network starts as the pretrained one.
/// Without this, quasi-Newton steps along the weakly curved gate directions close gates for good
/// before the network has learned which weights matter.
///
/// Selection rule: the λ path records every stage (λ, surviving count, loss and R² of the pruned
/// model). The selected stage is the sparsest one whose training R² is at least the threshold
/// (ties: higher R²). If no stage reaches it — noisy data, where even the truth has R² < 1 and a
/// threshold on the training fit only rewards fitting the noise — `threshold_met` is false and the
/// selected stage is the one with the lowest Bayesian information criterion n log(loss) + k log n
/// (n data, k surviving weights; ties: fewer weights).
#include <cstdint>
#include <memory>
#include <mpi.h>
#include <string>
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/models/l0_problem.hpp"
#include "l0svgd/optim/tao_minimizer.hpp"

namespace l0svgd {

/// Settings, from options with prefix `l0_`.
struct L0Settings {
  std::vector<double> lambdas;     ///< increasing penalty weights
  double r2_threshold = 0.99;      ///< selection: sparsest stage with training R² ≥ this
  double gate_init_scale = 0.01;   ///< log α₀ ~ N(0, scale²) (Fuhg, Jones & Bouklas 2024)
  uint64_t seed = 1;               ///< seed of log α₀ (RandomSequence stream Gates)
  double log_alpha_bound = 6.0;    ///< B in log α ∈ [−B, log 11]
  double support_tolerance = 1e-8; ///< support: |w z̄| > tolerance
  bool pretrain = true;            ///< fit the ungated network before the path
  bool continuation = false;       ///< start each λ from the previous pruned solution
  /// A stage ends once its support and data loss (within settle_tolerance, relative) have not
  /// changed for this many TAO iterations; 0 leaves it to TAO's tolerances and iteration limit.
  Index settle_iterations = 200;
  double settle_tolerance = 1e-3;

  /// Reads -l0_lambda (list; if unset, -l0_lambda_count values log-spaced in [-l0_lambda_min,
  /// -l0_lambda_max]), -l0_r2_threshold, -l0_gate_init_scale, -l0_seed, -l0_log_alpha_bound,
  /// -l0_support_tolerance, -l0_pretrain, -l0_continuation, -l0_settle_iterations,
  /// -l0_settle_tolerance. Options only; not collective. Throws
  /// InputError for a negative λ or lambda_min > lambda_max.
  static L0Settings configure(Options& options);
};

/// One stage of the λ path.
struct L0PathPoint {
  double lambda = 0;
  Index active = 0;     ///< surviving weights (after dead-neuron removal)
  double loss = 0;      ///< data loss of the pruned model
  double r_squared = 0; ///< training R² of the pruned model
  double bic = 0;       ///< n log(loss) + active · log n
  double objective = 0; ///< TAO's final objective (loss + λ · expected L0)
  PetscInt iterations = 0;
  std::string reason;           ///< TAO's converged reason
  Vector theta, log_alpha;      ///< the solution (all weights)
  std::vector<Index> surviving; ///< indices of the surviving weights
  /// θ' of the surviving weights with the gate absorbed: g(θ'_k) = g(θ_k) z̄_k, the start point of
  /// the reduced model, which then reproduces this stage's pruned model.
  Vector surviving_theta;

  /// Mask over all `n` weights: true for surviving ones.
  std::vector<bool> support(Index n) const;
};

struct L0Result {
  double pretrain_r_squared = 0; ///< training R² of the pretrained ungated network (if pretrained)
  PetscInt pretrain_iterations = 0;
  std::vector<L0PathPoint> path;
  Index selected = -1;
  bool threshold_met = false;
  const L0PathPoint& best() const { return path.at(static_cast<size_t>(selected)); }
};

/// Runs the λ path on the ranks of a communicator; every TAO solve runs on PETSC_COMM_SELF. Every
/// rank pretrains (the same deterministic result everywhere). Without continuation the stages are
/// independent: stage i is solved on rank i mod P only and then broadcast from there. With
/// continuation each stage starts from the previous one, so every rank runs the whole path. Either
/// way every rank returns the same path, bitwise identical for any number of ranks.
class L0Sparsifier {
public:
  /// Creates the TAO solvers (reads -<prefix>tao_* and -<prefix>pretrain_tao_* options; call during
  /// setup) and registers the log events L0Pretrain, L0Solve and L0Exchange. Not collective, but
  /// every rank of `comm` must construct it at the same point, so that the events line up in
  /// -log_view.
  L0Sparsifier(const L0Problem& problem, L0Settings settings, MPI_Comm comm,
               const std::string& prefix = "l0_");

  /// Collective on the communicator. Sparsifies from the unconstrained weights `theta0` (the same
  /// on every rank); gates start at log α₀ ~ N(0, scale²). If a stage fails on its rank (an
  /// l0svgd::Error such as ModelError), every rank throws ModelError with its message.
  L0Result run(const ConstVectorRef& theta0);

private:
  /// Minimises the stage objective for penalty `lambda` from `x` (θ and log α stacked), leaves the
  /// pruned solution in `x` and describes the stage. Not collective.
  L0PathPoint solve_stage(double lambda, Vector& x);

  const L0Problem& problem_;
  L0Settings settings_;
  MPI_Comm comm_;
  TaoMinimizer tao_;
  std::unique_ptr<TaoMinimizer> pretrain_tao_;
};

} // namespace l0svgd
