#pragma once
/// Projected SVGD (pSVGD; Chen & Ghattas, NeurIPS 2020; REFERENCE §2): SVGD on the coefficients w
/// of the particles in the subspace where the likelihood is informative, x = Ψ_r w + x_⊥, with the
/// complement x_⊥ frozen.
#include <functional>
#include <memory>
#include <mpi.h>
#include <petsclog.h>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"
#include "l0svgd/svgd/engine.hpp"
#include "l0svgd/svgd/kernel.hpp"
#include "l0svgd/svgd/pair_median.hpp"
#include "l0svgd/svgd/step_rule.hpp"

namespace l0svgd {

/// Options of the projection (section "psvgd"); the SVGD part keeps the -svgd_* options.
struct ProjectionSettings {
  double eigenvalue_tolerance = 0.1; ///< keep eigenvectors of H with eigenvalue ≥ this
  Index initial_rank = 10;           ///< starting rank budget r (capped at d)
  Index rank_step = 2;               ///< budget growth when converged in the subspace
  Index update_every = 100;          ///< recompute the basis every this many iterations; 0 = never
  Index max_rank = 0;                ///< largest rank; 0 = d
  /// Converged in the subspace: ‖Φ‖_F of the Stein directions (w-space, all particles) below this
  /// fraction of its value at the first iteration on the current rank.
  double subspace_tolerance = 1e-2;
};

/// Reads -psvgd_tol, -psvgd_rank, -psvgd_rank_step, -psvgd_update_every, -psvgd_max_rank and
/// -psvgd_subspace_tol. Not collective; same result on every rank.
ProjectionSettings configure_projection(Options& options);

/// The projected SVGD iteration, with the particle layout, iteration semantics and IterationInfo of
/// SvgdEngine (engine.hpp), so output code written for the engine carries over.
///
/// Basis: with G the N × d matrix of log-likelihood gradients ∇ℓ(x_n) of all particles (gathered
/// in global order, so the same on every rank and for every rank count), H = GᵀG / N; its
/// eigenpairs come from the thin SVD of G/√N. Ψ holds the eigenvectors with eigenvalue ≥ the
/// tolerance, at most the rank budget (at least one), each signed so that its largest-magnitude
/// entry is positive. The budget starts at min(initial_rank, max_rank, d) and grows by rank_step
/// when the iteration has converged in the subspace while more eigenvalues pass the tolerance.
/// The basis is computed before the first step, every update_every iterations and after a growth;
/// each time x_⊥ = x − ΨΨᵀx is frozen anew (the particles themselves do not move) and the step
/// rule starts afresh. A model without a separate likelihood gradient uses the full score ∇log p
/// instead (with a warning): H then includes the prior.
///
/// One step: the scores s_n = ∇log p(x_n) on the own rows; the coefficients w_n = Ψᵀx_n and
/// projected scores Ψᵀs_n of all particles gathered; the Stein direction in w-space (SteinKernel,
/// bandwidth by PairMedian on w-distances or fixed); the step rule moves w, and x = Ψw + x_⊥.
/// IterationInfo: step_norm is ‖ΔX‖_F = ‖ΔW‖_F, relative to the spread of W about its mean;
/// bandwidth, KSD and mean log p as in SvgdEngine, the KSD being that of the coefficient ensemble
/// against the projected score.
///
/// PETSc log events: PSVGDGradient (model), PSVGDBasis (likelihood gradients, gather, SVD),
/// PSVGDGather, PSVGDKernel, PSVGDKSD, PSVGDUpdate.
/// Everything a pSVGD run carries from one iteration to the next beyond its particles, so that a
/// restarted run continues exactly: the subspace (basis, eigenvalues, x_⊥, w), its rank budget and
/// convergence yardstick, the counters, the step rule's history in w.
struct ProjectedState {
  Index iteration = 0, budget = 0, basis_updates = 0, steps_on_basis = 0;
  bool basis_due = true, has_reference = false;
  double reference_direction_norm = 0.0;
  DenseMatrix basis;               ///< d × r (replicated)
  Vector eigenvalues;              ///< replicated
  Matrix complement, coefficients; ///< this rank's rows: n_local × d, n_local × r
  StepRuleState step_rule;         ///< empty before the first basis
};

class ProjectedSvgdEngine {
public:
  /// Collective. Throws InputError if N < 2 or N is smaller than the number of ranks. `model` and
  /// `comm` must outlive the engine. The particles start at 0 until `set_local_particles`.
  ProjectedSvgdEngine(const Model& model, const SvgdSettings& settings,
                      const ProjectionSettings& projection, MPI_Comm comm);
  ~ProjectedSvgdEngine();
  ProjectedSvgdEngine(const ProjectedSvgdEngine&) = delete;
  ProjectedSvgdEngine& operator=(const ProjectedSvgdEngine&) = delete;

  /// Not collective: sets this rank's rows (partition().n_local() × d). The basis is recomputed
  /// at the next step.
  void set_local_particles(const ConstMatrixRef& x);

  /// Collective: one iteration (recomputing the basis first when due), see the class comment.
  IterationInfo step();
  /// Collective: iterates as SvgdEngine::run does (same stopping rule, observer and monitor line,
  /// which also shows the subspace rank).
  SvgdRunSummary
  run(const std::function<void(const ProjectedSvgdEngine&, const IterationInfo&)>& observer = {});

  /// Collective: recomputes H, the basis and x_⊥ from the current particles now.
  void update_basis();
  /// Collective: evaluates log p and the scores at the current particles (step() reuses them).
  void evaluate();
  /// Collective: KSD² (U-statistic) of the current coefficients against the projected scores.
  double stein_discrepancy_squared();
  /// Collective: all N particles in global row order (allocates; for output and tests).
  Matrix gather_particles() const;

  const Matrix& local_particles() const { return particles_; }
  const Vector& local_log_density() const { return log_density_; }
  bool log_density_is_current() const { return evaluated_; }

  /// d × r orthonormal basis Ψ of the current subspace (empty before the first basis update).
  const DenseMatrix& basis() const { return basis_; }
  /// Eigenvalues of H at the last basis update, decreasing (min(N, d) of them; the rest are 0).
  const Vector& eigenvalues() const { return eigenvalues_; }
  /// r, the dimension of the current subspace (0 before the first basis update).
  Index subspace_rank() const { return basis_.cols(); }
  /// The rank budget the basis is currently capped at.
  Index rank_budget() const { return budget_; }
  /// Number of basis computations so far.
  Index basis_updates() const { return basis_updates_; }

  const Partition& partition() const { return partition_; }
  const SvgdSettings& settings() const { return settings_; }
  const ProjectionSettings& projection() const { return projection_; }
  const Model& model() const { return model_; }
  MPI_Comm comm() const { return comm_; }
  Index dim() const { return dim_; }
  Index iteration() const { return iteration_; }
  void set_iteration(Index iteration);
  /// Not collective: the state beyond the particles (see ProjectedState).
  ProjectedState state() const;
  /// Collective (the kernel of the subspace is rebuilt): restores a state saved by state(), after
  /// set_local_particles. Throws InputError when its shapes do not fit this engine.
  void set_state(const ProjectedState& state);
  /// Bandwidth of the last kernel evaluation (0 before the first).
  double bandwidth() const { return kernel_ ? kernel_->bandwidth() : 0.0; }

private:
  double prepare_kernel(bool with_discrepancy);
  void gather_statistics();

  const Model& model_;
  SvgdSettings settings_;
  ProjectionSettings projection_;
  MPI_Comm comm_;
  Partition partition_;
  Index dim_;
  Index iteration_ = 0;
  bool evaluated_ = false;
  bool basis_due_ = true;
  bool warned_no_likelihood_ = false;
  Index budget_ = 0;
  Index basis_updates_ = 0;
  // ‖Φ‖_F at the first step on the current rank, the yardstick of convergence in the subspace.
  double reference_direction_norm_ = 0.0;
  bool has_reference_ = false;
  Index steps_on_basis_ = 0; // steps since the last basis computation

  Matrix particles_, complement_; // n_local × d: x and the frozen x_⊥
  Matrix coefficients_;           // n_local × r: w, with x = w Ψᵀ + x_⊥
  Matrix scores_;                 // n_local × d
  Vector log_density_;            // n_local
  DenseMatrix basis_;             // d × r
  Vector eigenvalues_;
  Matrix local_projected_;               // n_local × 2r: [Ψᵀs  w]
  Matrix direction_, displacement_;      // n_local × r
  Matrix local_statistics_, statistics_; // n_local × 4, N × 4: log p, ‖Δw‖², KSD row, ‖φ‖²
  Vector discrepancy_rows_;              // n_local
  Matrix likelihood_gradients_, all_gradients_; // n_local × d, N × d
  RowGather gather_gradients_, gather_statistics_;
  std::unique_ptr<SteinKernel> kernel_;
  std::unique_ptr<StepRule> step_rule_;
  struct {
    PetscLogEvent gradient, basis, gather, kernel, ksd, update;
  } events_;
};

} // namespace l0svgd
