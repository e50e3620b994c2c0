#include "l0svgd/svgd/projected.hpp"

#include "iteration_loop.hpp"
#include "step_statistics.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/parallel/collective_error.hpp"

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace l0svgd {
namespace {

const ProjectionSettings& checked(const ProjectionSettings& p) {
  require_input(p.eigenvalue_tolerance >= 0.0, "option -psvgd_tol: must not be negative");
  require_input(p.initial_rank >= 1, "option -psvgd_rank: must be at least 1");
  require_input(p.rank_step >= 0, "option -psvgd_rank_step: must not be negative");
  require_input(p.update_every >= 0, "option -psvgd_update_every: must not be negative");
  require_input(p.max_rank >= 0, "option -psvgd_max_rank: must not be negative");
  require_input(p.subspace_tolerance >= 0.0, "option -psvgd_subspace_tol: must not be negative");
  return p;
}

void require_finite(const Model& model, const ConstMatrixRef& values, Index first_row,
                    const char* what) {
  for (Index i = 0; i < values.rows(); ++i)
    if (!values.row(i).allFinite())
      throw ModelError("model '" + model.name() + "' returned a non-finite " + what +
                       " for particle " + std::to_string(first_row + i));
}

} // namespace

ProjectionSettings configure_projection(Options& options) {
  ProjectionSettings p;
  const PetscInt most = PETSC_MAX_INT;
  const double huge = std::numeric_limits<double>::max();
  p.eigenvalue_tolerance =
      options.get_real("psvgd_tol", p.eigenvalue_tolerance, 0.0, huge,
                       "keep eigenvectors of H = mean of grad(loglik) grad(loglik)^T with "
                       "eigenvalue at least this");
  p.initial_rank = options.get_int("psvgd_rank", p.initial_rank, 1, most,
                                   "initial subspace rank budget (capped at the dimension)");
  p.rank_step = options.get_int("psvgd_rank_step", p.rank_step, 0, most,
                                "rank budget growth when SVGD has converged in the subspace");
  p.update_every = options.get_int("psvgd_update_every", p.update_every, 0, most,
                                   "recompute the basis every this many iterations; 0 = never");
  p.max_rank = options.get_int("psvgd_max_rank", p.max_rank, 0, most,
                               "largest subspace rank; 0 = the dimension");
  p.subspace_tolerance = options.get_real(
      "psvgd_subspace_tol", p.subspace_tolerance, 0.0, 1.0,
      "converged in the subspace when the Stein direction norm falls below this fraction of its "
      "first value on the basis; 0 = never grow the rank");
  return p;
}

ProjectedSvgdEngine::ProjectedSvgdEngine(const Model& model, const SvgdSettings& settings,
                                         const ProjectionSettings& projection, MPI_Comm comm)
    : model_(model), settings_(settings), projection_(checked(projection)), comm_(comm),
      partition_(particle_partition(settings.n_particles, comm)), dim_(model.dim()),
      particles_(Matrix::Zero(partition_.n_local(), dim_)), complement_(partition_.n_local(), dim_),
      scores_(partition_.n_local(), dim_), log_density_(partition_.n_local()),
      local_statistics_(partition_.n_local(), 4), statistics_(partition_.n_global(), 4),
      discrepancy_rows_(partition_.n_local()), likelihood_gradients_(partition_.n_local(), dim_),
      all_gradients_(partition_.n_global(), dim_), gather_gradients_(partition_, dim_, comm),
      gather_statistics_(partition_, 4, comm), events_{log_event("PSVGDGradient"),
                                                       log_event("PSVGDBasis"),
                                                       log_event("PSVGDGather"),
                                                       log_event("PSVGDKernel"),
                                                       log_event("PSVGDKSD"),
                                                       log_event("PSVGDUpdate")} {
  require_input(settings.kernel.type != KernelType::HessianMixture,
                "projected SVGD does not take -svgd_kernel hessian_mixture (its Hessians are of "
                "the full space)");
  const Index cap = projection_.max_rank > 0 ? std::min(projection_.max_rank, dim_) : dim_;
  budget_ = std::min(projection_.initial_rank, cap);
}

ProjectedSvgdEngine::~ProjectedSvgdEngine() = default;

void ProjectedSvgdEngine::set_local_particles(const ConstMatrixRef& x) {
  check_particle_block(x, partition_, dim_);
  particles_ = x;
  evaluated_ = false;
  basis_due_ = true;
  has_reference_ = false;
}

void ProjectedSvgdEngine::set_iteration(Index iteration) {
  require_input(iteration >= 0, "pSVGD iteration count must not be negative");
  iteration_ = iteration;
}

ProjectedState ProjectedSvgdEngine::state() const {
  ProjectedState st;
  st.iteration = iteration_;
  st.budget = budget_;
  st.basis_updates = basis_updates_;
  st.steps_on_basis = steps_on_basis_;
  st.basis_due = basis_due_;
  st.has_reference = has_reference_;
  st.reference_direction_norm = reference_direction_norm_;
  st.basis = basis_;
  st.eigenvalues = eigenvalues_;
  st.complement = complement_;
  st.coefficients = coefficients_;
  if (step_rule_)
    st.step_rule = step_rule_->state();
  return st;
}

void ProjectedSvgdEngine::set_state(const ProjectedState& st) {
  const Index n_local = partition_.n_local(), rank = st.basis.cols();
  const bool has_basis = rank > 0;
  require_input(!has_basis || (st.basis.rows() == dim_ && st.complement.rows() == n_local &&
                               st.complement.cols() == dim_ && st.coefficients.rows() == n_local &&
                               st.coefficients.cols() == rank),
                "pSVGD state: the subspace does not fit " + std::to_string(n_local) + " x " +
                    std::to_string(dim_) + " particles");
  set_iteration(st.iteration);
  budget_ = st.budget;
  basis_updates_ = st.basis_updates;
  steps_on_basis_ = st.steps_on_basis;
  basis_due_ = st.basis_due || !has_basis;
  has_reference_ = st.has_reference;
  reference_direction_norm_ = st.reference_direction_norm;
  basis_ = st.basis;
  eigenvalues_ = st.eigenvalues;
  complement_ = st.complement;
  coefficients_ = st.coefficients;
  evaluated_ = false;
  if (!has_basis)
    return;
  local_projected_.resize(n_local, 2 * rank);
  direction_.resize(n_local, rank);
  displacement_.resize(n_local, rank);
  kernel_ = std::make_unique<SteinKernel>(settings_.kernel, partition_, rank, comm_);
  step_rule_ = std::make_unique<StepRule>(settings_.step_rule, n_local, rank);
  step_rule_->set_state(st.step_rule);
}

void ProjectedSvgdEngine::evaluate() {
  LogEventScope event(events_.gradient);
  run_collectively(
      [&] {
        model_.evaluate(particles_, log_density_, scores_);
        check_finite(model_, log_density_, scores_, partition_.local_begin(),
                     "in pSVGD iteration " + std::to_string(iteration_ + 1));
      },
      comm_);
  evaluated_ = true;
}

void ProjectedSvgdEngine::update_basis() {
  LogEventScope event(events_.basis);
  const Index n = partition_.n_global();
  const Matrix* gradients = &likelihood_gradients_;
  if (model_.has_likelihood_gradient()) {
    run_collectively(
        [&] {
          model_.log_likelihood_gradient(particles_, likelihood_gradients_);
          require_finite(model_, likelihood_gradients_, partition_.local_begin(),
                         "log-likelihood gradient");
        },
        comm_);
  } else {
    if (!warned_no_likelihood_)
      logger().warning("pSVGD: model '", model_.name(),
                       "' has no separate log-likelihood gradient; the basis uses the full score "
                       "(prior included)");
    warned_no_likelihood_ = true;
    if (!evaluated_)
      evaluate();
    gradients = &scores_;
  }
  gather_gradients_.gather(*gradients, all_gradients_);

  // The right singular vectors of G/√N are the eigenvectors of H = GᵀG/N, the squared singular
  // values its eigenvalues. Every rank decomposes the same gathered matrix.
  const DenseMatrix scaled = all_gradients_ / std::sqrt(static_cast<double>(n));
  Eigen::BDCSVD<DenseMatrix> svd(scaled, Eigen::ComputeThinV);
  eigenvalues_ = svd.singularValues().array().square();
  Index passing = 0;
  while (passing < eigenvalues_.size() && eigenvalues_(passing) >= projection_.eigenvalue_tolerance)
    ++passing;
  const Index rank = std::max<Index>(1, std::min(passing, budget_));
  const bool reshaped = rank != basis_.cols();
  basis_ = svd.matrixV().leftCols(rank);
  for (Index k = 0; k < rank; ++k) {
    Index top = 0;
    basis_.col(k).cwiseAbs().maxCoeff(&top);
    if (basis_(top, k) < 0.0)
      basis_.col(k) *= -1.0;
  }

  const Index n_local = partition_.n_local();
  coefficients_.noalias() = particles_ * basis_;
  complement_ = particles_ - coefficients_ * basis_.transpose();
  if (reshaped) {
    local_projected_.resize(n_local, 2 * rank);
    direction_.resize(n_local, rank);
    displacement_.resize(n_local, rank);
    kernel_ = std::make_unique<SteinKernel>(settings_.kernel, partition_, rank, comm_);
  }
  // The coordinates of w changed meaning: the step rule's per-coordinate history restarts.
  step_rule_ = std::make_unique<StepRule>(settings_.step_rule, n_local, rank);
  // A refreshed basis of the same rank spans nearly the same subspace, so convergence keeps
  // being measured against the first direction norm on this rank.
  if (reshaped)
    has_reference_ = false;
  ++basis_updates_;
  basis_due_ = false;
  steps_on_basis_ = 0;
}

double ProjectedSvgdEngine::prepare_kernel(bool with_discrepancy) {
  if (basis_due_)
    update_basis();
  if (!evaluated_)
    evaluate();
  const Index rank = basis_.cols();
  {
    LogEventScope event(events_.gather);
    local_projected_.leftCols(rank).noalias() = scores_ * basis_;
    local_projected_.rightCols(rank) = coefficients_;
    kernel_->exchange(local_projected_);
  }
  LogEventScope event(events_.kernel);
  const double h = kernel_->compute(with_discrepancy);
  L0_PETSC(PetscLogFlops(kernel_->flops()));
  return h;
}

void ProjectedSvgdEngine::gather_statistics() {
  LogEventScope event(events_.gather);
  gather_statistics_.gather(local_statistics_, statistics_);
}

IterationInfo ProjectedSvgdEngine::step() {
  const Index every = projection_.update_every;
  if (every > 0 && iteration_ > 0 && iteration_ % every == 0 && steps_on_basis_ > 0)
    basis_due_ = true;
  IterationInfo info;
  info.iteration = iteration_ + 1;
  info.has_ksd = ksd_due(settings_, info.iteration);
  info.bandwidth = prepare_kernel(info.has_ksd);
  const double spread = std::sqrt(kernel_->centred_positions_squared_norm());
  {
    LogEventScope event(events_.kernel);
    kernel_->direction(direction_);
  }
  if (info.has_ksd) {
    LogEventScope event(events_.ksd);
    kernel_->discrepancy_row_sums(discrepancy_rows_);
  }
  {
    LogEventScope event(events_.update);
    step_rule_->update(direction_, displacement_);
    coefficients_ += displacement_;
    particles_ = complement_;
    particles_.noalias() += coefficients_ * basis_.transpose();
  }
  evaluated_ = false;
  iteration_ = info.iteration;
  ++steps_on_basis_;

  fill_local_statistics(local_statistics_, log_density_, displacement_,
                        info.has_ksd ? &discrepancy_rows_ : nullptr);
  local_statistics_.col(3) = direction_.rowwise().squaredNorm();
  gather_statistics();
  const Eigen::RowVectorXd sums = summarise_statistics(statistics_, spread, info);

  // Converged in the subspace while more directions pass the eigenvalue tolerance: widen it.
  const double direction_norm = std::sqrt(sums(3));
  if (!has_reference_) {
    reference_direction_norm_ = direction_norm;
    has_reference_ = true;
  } else {
    const Index cap = projection_.max_rank > 0 ? std::min(projection_.max_rank, dim_) : dim_;
    Index passing = 0;
    while (passing < eigenvalues_.size() &&
           eigenvalues_(passing) >= projection_.eigenvalue_tolerance)
      ++passing;
    const bool converged =
        direction_norm < projection_.subspace_tolerance * reference_direction_norm_;
    if (converged && projection_.rank_step > 0 && subspace_rank() == budget_ && budget_ < cap &&
        passing > budget_) {
      budget_ = std::min(budget_ + projection_.rank_step, cap);
      basis_due_ = true;
    }
  }
  return info;
}

double ProjectedSvgdEngine::stein_discrepancy_squared() {
  prepare_kernel(true);
  {
    LogEventScope event(events_.ksd);
    kernel_->discrepancy_row_sums(discrepancy_rows_);
  }
  local_statistics_.setZero();
  local_statistics_.col(2) = discrepancy_rows_;
  gather_statistics();
  return ksd_squared(statistics_);
}

Matrix ProjectedSvgdEngine::gather_particles() const {
  Matrix all(partition_.n_global(), dim_);
  gather_gradients_.gather(particles_, all);
  return all;
}

SvgdRunSummary ProjectedSvgdEngine::run(
    const std::function<void(const ProjectedSvgdEngine&, const IterationInfo&)>& observer) {
  const Index first = iteration_;
  const Index total = settings_.iterations;
  const KernelSettings& k = settings_.kernel;
  logger().info(
      "pSVGD: ", partition_.n_global(), " particles in ", dim_, " dimensions on ",
      partition_.size(), partition_.size() == 1 ? " rank" : " ranks", "; kernel ",
      kernel_name(k.type),
      k.bandwidth > 0.0 ? " h = " + format("%g", k.bandwidth) : std::string(" (median heuristic)"),
      "; step rule ", step_rule_name(settings_.step_rule.type), " step ",
      format("%g", settings_.step_rule.step), "; eigenvalue tolerance ",
      format("%g", projection_.eigenvalue_tolerance), ", rank budget ", budget_, ", basis every ",
      projection_.update_every, " iterations; iterations ", first, " -> ", total);
  const SvgdRunSummary summary = run_iterations(*this, settings_, "pSVGD", observer, [this] {
    return " rank " + std::to_string(subspace_rank());
  });
  logger().info("pSVGD: ", stop_reason(summary), " after ", summary.iterations, " iterations, ",
                format("%.2f", summary.elapsed_seconds), " s; subspace rank ", subspace_rank(),
                " after ", basis_updates_, " basis updates");
  return summary;
}

} // namespace l0svgd
