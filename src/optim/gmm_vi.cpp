#include "l0svgd/optim/gmm_vi.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/core/progress.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace l0svgd {
namespace {

// Draws per chunk: the unit of work split over ranks and of the ordered gradient sum. Small enough
// to balance K·S draws over a few ranks, large enough that the gathered chunk sums stay small.
constexpr Index kDrawsPerChunk = 4;
// Floor on warm-start weights, so every logit is finite and a dropped component can come back.
constexpr double kMinimumWeight = 1e-8;
constexpr double kAdamBeta1 = 0.9, kAdamBeta2 = 0.999, kAdamEpsilon = 1e-8;

// Packing of the variational parameters θ = [logits | ν_k | lower triangles of M_k with
// log-diagonal], where μ_k = μ_k⁰ + L_k⁰ ν_k and L_k = L_k⁰ M_k in the frame of the initial
// component (μ_k⁰, L_k⁰).
struct Layout {
  Layout(Index k_count, Index d) : k(k_count), d(d), tri(d * (d + 1) / 2) {}
  Index size() const { return k + k * d + k * tri; }
  Index logit(Index c) const { return c; }
  Index mean(Index c) const { return k + c * d; }
  Index factor(Index c) const { return k + k * d + c * tri; }
  Index k, d, tri;
};

// Columns of one chunk's sums: Σf, Σg (d), Σ g εᵀ (d × d, row a = component a of g).
struct ChunkRow {
  explicit ChunkRow(Index d) : d(d) {}
  Index width() const { return 1 + d + d * d; }
  Index d;
};

} // namespace

void ViSettings::configure(Options& options) {
  iterations = options.get_int("vi_iterations", iterations, 0, 100000000, "Adam steps of the VI");
  samples = options.get_int("vi_samples", samples, 1, 10000000,
                            "Monte Carlo draws per mixture component per iteration");
  step = options.get_real("vi_step", step, 0.0, 10.0,
                          "Adam learning rate, in units of the initial component widths", true);
  seed = static_cast<uint64_t>(options.get_int("vi_seed", static_cast<PetscInt>(seed), 0,
                                               PETSC_MAX_INT, "seed of the VI Monte Carlo draws"));
  monitor_every = options.get_int("vi_monitor_every", monitor_every, 1, 100000000,
                                  "iterations between history records");
  cold_scale =
      options.get_real("vi_cold_scale", cold_scale, 0.0, 100.0,
                       "cold-start component standard deviation / mean prior-box width", true);
}

namespace {

// The work of one iteration, with its buffers: the mixture from θ, the Monte Carlo expectations
// (draws split in chunks over the ranks, the chunk sums gathered and added in chunk order) and the
// ELBO gradient.
class ViStepper {
public:
  ViStepper(const Model& target, const ViSettings& settings, const GaussianMixture& initial,
            MPI_Comm comm)
      : target_(target), settings_(settings), comm_(comm), k_(initial.n_components()),
        d_(initial.dim()), layout_(k_, d_), row_(d_),
        chunks_per_component_((settings.samples + kDrawsPerChunk - 1) / kDrawsPerChunk),
        partition_(k_ * chunks_per_component_, comm), gather_(partition_, row_.width(), comm),
        reference_means_(initial.means()), reference_factors_(initial.cholesky_factors()),
        q_(initial) {
    // Local draws: the rows of this rank's chunks, in chunk order.
    const Index local_chunks = partition_.n_local();
    chunk_begin_.assign(local_chunks + 1, 0);
    for (Index c = 0; c < local_chunks; ++c) {
      const Index within = (partition_.local_begin() + c) % chunks_per_component_;
      chunk_begin_[c + 1] =
          chunk_begin_[c] + std::min(kDrawsPerChunk, settings.samples - within * kDrawsPerChunk);
    }
    const Index n = chunk_begin_[local_chunks];
    weights_.resize(k_);
    means_.resize(k_, d_);
    factors_.assign(k_, DenseMatrix::Zero(d_, d_));
    relative_.assign(k_, DenseMatrix::Zero(d_, d_));
    factor_gradient_.resize(d_, d_);
    eps_.resize(n, d_);
    z_.resize(n, d_);
    grad_p_.resize(n, d_);
    grad_q_.resize(n, d_);
    log_p_.resize(n);
    log_q_.resize(n);
    local_.resize(local_chunks, row_.width());
    all_.resize(partition_.n_global(), row_.width());
    e_f_.resize(k_);
    e_g_.resize(k_, d_);
    e_g_eps_.resize(k_, d_ * d_);
  }

  Index n_parameters() const { return layout_.size(); }
  int n_ranks() const { return partition_.size(); }
  const GaussianMixture& mixture() const { return q_; }

  /// θ of the initial mixture: ν = 0, M = I, so that one Adam step moves a component by about
  /// `step` of its own initial width whatever the units of the target.
  Vector initial_parameters(const GaussianMixture& initial) const {
    Vector theta = Vector::Zero(layout_.size());
    for (Index k = 0; k < k_; ++k)
      theta(layout_.logit(k)) = std::log(std::max(initial.weights()(k), kMinimumWeight));
    return theta;
  }

  /// The mixture's weights and factors from θ (q itself is set in `estimate`, which catches its
  /// errors collectively).
  void set_parameters(const Vector& theta) {
    const double logit_max = theta.head(k_).maxCoeff();
    weights_ = (theta.head(k_).array() - logit_max).exp();
    weights_ /= weights_.sum();
    for (Index k = 0; k < k_; ++k) {
      means_.row(k) = reference_means_.row(k) +
                      (reference_factors_[k] * theta.segment(layout_.mean(k), d_)).transpose();
      Index p = layout_.factor(k);
      for (Index i = 0; i < d_; ++i)
        for (Index j = 0; j <= i; ++j, ++p)
          relative_[k](i, j) = i == j ? std::exp(theta(p)) : theta(p);
      factors_[k].noalias() = reference_factors_[k] * relative_[k];
    }
  }

  /// Collective: the expectations of iteration `t` for the parameters last set; returns the ELBO.
  /// A failure leaves NaN in this rank's chunk sums, so that after the gather every rank knows and
  /// throws together.
  double estimate(Index t) {
    bool failed = false;
    std::string message;
    try {
      q_.set(weights_, means_, factors_);
      draw(t);
      evaluate(t);
      sum_chunks();
    } catch (const Error& e) {
      failed = true;
      message = e.what();
      local_.setConstant(std::numeric_limits<double>::quiet_NaN());
    }
    gather_.gather(local_, all_);
    if (all_.hasNaN())
      raise_if_any(failed, message, comm_);
    add_chunks();
    return weights_.dot(e_f_);
  }

  /// ELBO gradient (REFERENCE.md §5) with the chain rule to (ν, M): ∇_ν = L⁰ᵀ ∇_μ and
  /// ∇_M = tril(L⁰ᵀ ∇_L) (L⁰ is lower triangular, so only the lower triangle of ∇_L enters).
  void elbo_gradient(double elbo, Vector& gradient) {
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    for (Index k = 0; k < k_; ++k) {
      gradient(layout_.logit(k)) = weights_(k) * (e_f_(k) - elbo);
      gradient.segment(layout_.mean(k), d_).noalias() =
          weights_(k) * reference_factors_[k].transpose() * e_g_.row(k).transpose();
      factor_gradient_.noalias() = weights_(k) * reference_factors_[k].transpose() *
                                   Eigen::Map<const RowMajor>(e_g_eps_.row(k).data(), d_, d_);
      Index p = layout_.factor(k);
      for (Index i = 0; i < d_; ++i)
        for (Index j = 0; j <= i; ++j, ++p)
          gradient(p) = factor_gradient_(i, j) * (i == j ? relative_[k](i, i) : 1.0);
    }
  }

private:
  // ε of draw s of component k at iteration t from RandomSequence(seed, VariationalDraws,
  // (t K + k) S + s); z = μ_k + L_k ε.
  void draw(Index t) {
    const Index s_count = settings_.samples;
    for (Index c = 0; c + 1 < static_cast<Index>(chunk_begin_.size()); ++c) {
      const Index chunk = partition_.local_begin() + c, k = chunk / chunks_per_component_;
      const Index first_draw = (chunk % chunks_per_component_) * kDrawsPerChunk;
      for (Index r = chunk_begin_[c]; r < chunk_begin_[c + 1]; ++r) {
        const uint64_t index =
            static_cast<uint64_t>((t * k_ + k) * s_count + first_draw + (r - chunk_begin_[c]));
        RandomSequence sequence(settings_.seed, RngStream::VariationalDraws, index);
        for (Index j = 0; j < d_; ++j)
          eps_(r, j) = sequence.normal();
      }
      const Index rows = chunk_begin_[c + 1] - chunk_begin_[c];
      z_.middleRows(chunk_begin_[c], rows).noalias() =
          eps_.middleRows(chunk_begin_[c], rows) * factors_[k].transpose();
      z_.middleRows(chunk_begin_[c], rows).rowwise() += means_.row(k);
    }
  }

  // f = log p̃ − log q into log_p_, g = ∇ log p̃ − ∇ log q into grad_p_.
  void evaluate(Index t) {
    target_.evaluate(z_, log_p_, grad_p_);
    for (Index r = 0; r < z_.rows(); ++r)
      if (!std::isfinite(log_p_(r)) || !grad_p_.row(r).allFinite()) {
        std::ostringstream s;
        s << "VI: target '" << target_.name()
          << "' returned a non-finite log density or gradient at (" << z_.row(r)
          << ") in iteration " << t;
        throw ModelError(s.str());
      }
    q_.log_density_and_gradient(z_, log_q_, grad_q_);
    grad_p_ -= grad_q_;
    log_p_ -= log_q_;
  }

  // This rank's chunk sums: Σf, Σg, Σ g εᵀ.
  void sum_chunks() {
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    for (Index c = 0; c < local_.rows(); ++c) {
      const Index b = chunk_begin_[c], rows = chunk_begin_[c + 1] - b;
      local_(c, 0) = log_p_.segment(b, rows).sum();
      local_.row(c).segment(1, d_) = grad_p_.middleRows(b, rows).colwise().sum();
      Eigen::Map<RowMajor>(local_.row(c).data() + 1 + d_, d_, d_).noalias() =
          grad_p_.middleRows(b, rows).transpose() * eps_.middleRows(b, rows);
    }
  }

  // Expectations per component, adding the gathered chunks in global order.
  void add_chunks() {
    e_f_.setZero();
    e_g_.setZero();
    e_g_eps_.setZero();
    for (Index chunk = 0; chunk < all_.rows(); ++chunk) {
      const Index k = chunk / chunks_per_component_;
      e_f_(k) += all_(chunk, 0);
      e_g_.row(k) += all_.row(chunk).segment(1, d_);
      e_g_eps_.row(k) += all_.row(chunk).tail(d_ * d_);
    }
    const double s_count = static_cast<double>(settings_.samples);
    e_f_ /= s_count;
    e_g_ /= s_count;
    e_g_eps_ /= s_count;
  }

  const Model& target_;
  const ViSettings& settings_;
  MPI_Comm comm_;
  Index k_, d_;
  Layout layout_;
  ChunkRow row_;
  Index chunks_per_component_;
  Partition partition_;
  RowGather gather_;
  std::vector<Index> chunk_begin_;
  Matrix reference_means_;
  std::vector<DenseMatrix> reference_factors_;
  GaussianMixture q_;
  Vector weights_;
  Matrix means_;
  std::vector<DenseMatrix> factors_, relative_;
  DenseMatrix factor_gradient_;
  Matrix eps_, z_, grad_p_, grad_q_;
  Vector log_p_, log_q_;
  Matrix local_, all_;
  Vector e_f_;
  Matrix e_g_, e_g_eps_;
};

// One Adam ascent step t (0-based) on θ.
void adam_step(ViState& state, const Vector& gradient, double step) {
  state.adam_m = kAdamBeta1 * state.adam_m + (1 - kAdamBeta1) * gradient;
  state.adam_v = kAdamBeta2 * state.adam_v + (1 - kAdamBeta2) * gradient.cwiseAbs2();
  const double t = static_cast<double>(state.iteration + 1);
  const double correction1 = 1 - std::pow(kAdamBeta1, t);
  const double correction2 = 1 - std::pow(kAdamBeta2, t);
  state.theta.array() += step * (state.adam_m.array() / correction1) /
                         ((state.adam_v.array() / correction2).sqrt() + kAdamEpsilon);
  ++state.iteration;
}

} // namespace

GaussianMixtureVi::GaussianMixtureVi(const Model& target, const ViSettings& settings, MPI_Comm comm)
    : target_(target), settings_(settings), comm_(comm) {}

ViResult GaussianMixtureVi::run(const GaussianMixture& initial, double time_offset,
                                const ViState* resume, const ViObserver& observer) {
  const Index d = initial.dim();
  require_input(d == target_.dim(), "VI: the initial mixture has dimension " + std::to_string(d) +
                                        ", target '" + target_.name() + "' has " +
                                        std::to_string(target_.dim()));
  ViStepper stepper(target_, settings_, initial, comm_);
  ViState state;
  if (resume) {
    require_input(resume->theta.size() == stepper.n_parameters() &&
                      resume->adam_m.size() == stepper.n_parameters() &&
                      resume->adam_v.size() == stepper.n_parameters(),
                  "VI: the state to resume has " + std::to_string(resume->theta.size()) +
                      " parameters, this mixture has " + std::to_string(stepper.n_parameters()));
    require_input(resume->iteration >= 0 && resume->iteration <= settings_.iterations,
                  "VI: the state to resume is at iteration " + std::to_string(resume->iteration) +
                      ", -vi_iterations is " + std::to_string(settings_.iterations));
    state = *resume;
    // The resumed run's clock continues from the checkpoint's.
    time_offset = state.seconds;
  } else {
    state.theta = stepper.initial_parameters(initial);
    state.adam_m = state.adam_v = Vector::Zero(stepper.n_parameters());
  }
  logger().info("VI: ", initial.n_components(), " mixture components in ", d, " dimensions on ",
                stepper.n_ranks(), stepper.n_ranks() == 1 ? " rank" : " ranks", "; ",
                settings_.iterations, " Adam steps of ", settings_.samples, " draws per component",
                resume ? ", resumed at iteration " + std::to_string(state.iteration) : "");
  const double start_time = MPI_Wtime();
  double metric_time = 0;
  const auto clock = [&] { return time_offset + (MPI_Wtime() - start_time) - metric_time; };
  // Silent between records otherwise: a line every Progress::kDefaultInterval seconds.
  Progress progress(state.iteration, settings_.iterations);
  ViResult result{initial, 0.0, 0, {}, 0, {}};
  Vector gradient(stepper.n_parameters());
  const PetscLogEvent iteration_event = log_event("L0ViIteration");
  for (;;) {
    LogEventScope scope(iteration_event);
    const Index t = state.iteration;
    stepper.set_parameters(state.theta);
    const double elbo = stepper.estimate(t);
    if (t % settings_.monitor_every == 0 || t == settings_.iterations) {
      ViRecord record;
      record.iteration = t;
      record.elbo = elbo;
      if (reference_) {
        const double before = MPI_Wtime();
        const JsdEstimate jsd = reference_(stepper.mixture());
        metric_time += MPI_Wtime() - before;
        record.jsd = jsd.value;
        record.jsd_error = jsd.standard_error;
      }
      record.time = clock();
      state.history.push_back(record);
      if (monitor_)
        monitor_(record);
    }
    if (t == settings_.iterations) {
      result.elbo = elbo;
      result.iterations = t;
      break;
    }
    if (progress.due()) {
      logger().info("  VI ", t, "/", settings_.iterations, " ", progress.time_eta(t), " ELBO ",
                    format("%.6e", elbo));
      progress.printed();
    }
    stepper.elbo_gradient(elbo, gradient);
    adam_step(state, gradient, settings_.step);
    state.seconds = clock();
    if (observer)
      observer(state);
    // A stop signal (StopSignals) on any rank ends the run here, on every rank at this iteration.
    result.stop_signal = stop_requested(comm_);
    if (result.stop_signal) {
      result.iterations = state.iteration;
      result.state = state;
      return result;
    }
  }
  result.mixture = stepper.mixture();
  result.history = std::move(state.history);
  return result;
}

GaussianMixture cold_start_mixture(Index k_count, const ConstVectorRef& lower,
                                   const ConstVectorRef& upper, double scale, uint64_t seed) {
  require_input(k_count >= 1, "VI cold start: needs at least one component");
  require_input(lower.allFinite() && upper.allFinite() && (lower.array() < upper.array()).all(),
                "VI cold start: needs a finite prior box with lower < upper");
  const Index d = lower.size();
  Matrix means(k_count, d);
  for (Index k = 0; k < k_count; ++k) {
    RandomSequence sequence(seed, RngStream::ParticleInit, static_cast<uint64_t>(k));
    for (Index j = 0; j < d; ++j)
      means(k, j) = lower(j) + (upper(j) - lower(j)) * sequence.uniform();
  }
  const double sd = scale * (upper - lower).mean();
  return GaussianMixture(Vector::Ones(k_count), means,
                         std::vector<DenseMatrix>(k_count, sd * DenseMatrix::Identity(d, d)));
}

} // namespace l0svgd
