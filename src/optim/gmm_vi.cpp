#include "l0svgd/optim/gmm_vi.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"

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

GaussianMixtureVi::GaussianMixtureVi(const Model& target, const ViSettings& settings, MPI_Comm comm)
    : target_(target), settings_(settings), comm_(comm) {}

ViResult GaussianMixtureVi::run(const GaussianMixture& initial, double time_offset) {
  const double start_time = MPI_Wtime();
  double metric_time = 0;
  const Index k_count = initial.n_components(), d = initial.dim(), s_count = settings_.samples;
  require_input(d == target_.dim(), "VI: the initial mixture has dimension " + std::to_string(d) +
                                        ", target '" + target_.name() + "' has " +
                                        std::to_string(target_.dim()));
  const Layout layout(k_count, d);
  const ChunkRow chunk_row(d);
  const Index chunks_per_component = (s_count + kDrawsPerChunk - 1) / kDrawsPerChunk;
  const Index n_chunks = k_count * chunks_per_component;
  const Partition partition(n_chunks, comm_);
  const Index first_chunk = partition.local_begin(), local_chunks = partition.n_local();
  RowGather gather(partition, chunk_row.width(), comm_);

  // Local draws: the rows of this rank's chunks, in chunk order.
  std::vector<Index> chunk_begin(local_chunks + 1, 0);
  for (Index c = 0; c < local_chunks; ++c) {
    const Index within = (first_chunk + c) % chunks_per_component;
    chunk_begin[c + 1] =
        chunk_begin[c] + std::min(kDrawsPerChunk, s_count - within * kDrawsPerChunk);
  }
  const Index n_local = chunk_begin[local_chunks];

  // Parameters relative to the initial mixture: ν = 0, M = I, so that one Adam step moves a
  // component by about `step` of its own initial width whatever the units of the target.
  Vector theta = Vector::Zero(layout.size());
  for (Index k = 0; k < k_count; ++k)
    theta(layout.logit(k)) = std::log(std::max(initial.weights()(k), kMinimumWeight));
  const Matrix& reference_means = initial.means();
  const std::vector<DenseMatrix>& reference_factors = initial.cholesky_factors();

  GaussianMixture q = initial;
  Vector weights(k_count), gradient(layout.size()), adam_m = Vector::Zero(layout.size()),
                                                    adam_v = Vector::Zero(layout.size());
  Matrix means(k_count, d);
  std::vector<DenseMatrix> factors(k_count, DenseMatrix::Zero(d, d)),
      relative(k_count, DenseMatrix::Zero(d, d));
  DenseMatrix factor_gradient(d, d);
  Matrix eps(n_local, d), z(n_local, d), grad_p(n_local, d), grad_q(n_local, d);
  Vector log_p(n_local), log_q(n_local);
  Matrix local(local_chunks, chunk_row.width()), all(n_chunks, chunk_row.width());
  Vector e_f(k_count);
  Matrix e_g(k_count, d), e_g_eps(k_count, d * d);
  ViResult result{initial, 0.0, 0, {}};

  const PetscLogEvent iteration_event = log_event("L0ViIteration");
  for (Index t = 0;; ++t) {
    LogEventScope scope(iteration_event);
    // Current mixture from θ.
    const double logit_max = theta.head(k_count).maxCoeff();
    weights = (theta.head(k_count).array() - logit_max).exp();
    weights /= weights.sum();
    for (Index k = 0; k < k_count; ++k) {
      means.row(k) = reference_means.row(k) +
                     (reference_factors[k] * theta.segment(layout.mean(k), d)).transpose();
      Index p = layout.factor(k);
      for (Index i = 0; i < d; ++i)
        for (Index j = 0; j <= i; ++j, ++p)
          relative[k](i, j) = i == j ? std::exp(theta(p)) : theta(p);
      factors[k].noalias() = reference_factors[k] * relative[k];
    }

    // Local draws and their chunk sums. A failure leaves NaN in this rank's rows, so that after the
    // gather every rank knows and throws together.
    bool failed = false;
    std::string message;
    try {
      q.set(weights, means, factors);
      for (Index c = 0; c < local_chunks; ++c) {
        const Index chunk = first_chunk + c, k = chunk / chunks_per_component;
        const Index first_draw = (chunk % chunks_per_component) * kDrawsPerChunk;
        for (Index r = chunk_begin[c]; r < chunk_begin[c + 1]; ++r) {
          const uint64_t index = static_cast<uint64_t>((t * k_count + k) * s_count + first_draw +
                                                       (r - chunk_begin[c]));
          RandomSequence sequence(settings_.seed, RngStream::VariationalDraws, index);
          for (Index j = 0; j < d; ++j)
            eps(r, j) = sequence.normal();
        }
        const Index rows = chunk_begin[c + 1] - chunk_begin[c];
        z.middleRows(chunk_begin[c], rows).noalias() =
            eps.middleRows(chunk_begin[c], rows) * factors[k].transpose();
        z.middleRows(chunk_begin[c], rows).rowwise() += means.row(k);
      }
      target_.evaluate(z, log_p, grad_p);
      for (Index r = 0; r < n_local; ++r)
        if (!std::isfinite(log_p(r)) || !grad_p.row(r).allFinite()) {
          std::ostringstream s;
          s << "VI: target '" << target_.name()
            << "' returned a non-finite log density or gradient at (" << z.row(r)
            << ") in iteration " << t;
          throw ModelError(s.str());
        }
      q.log_density_and_gradient(z, log_q, grad_q);
      grad_p -= grad_q; // g = ∇ log p̃ − ∇ log q
      log_p -= log_q;   // f = log p̃ − log q
      for (Index c = 0; c < local_chunks; ++c) {
        const Index b = chunk_begin[c], rows = chunk_begin[c + 1] - b;
        local(c, 0) = log_p.segment(b, rows).sum();
        local.row(c).segment(1, d) = grad_p.middleRows(b, rows).colwise().sum();
        Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            local.row(c).data() + 1 + d, d, d)
            .noalias() = grad_p.middleRows(b, rows).transpose() * eps.middleRows(b, rows);
      }
    } catch (const Error& e) {
      failed = true;
      message = e.what();
      local.setConstant(std::numeric_limits<double>::quiet_NaN());
    }
    gather.gather(local, all);
    if (all.hasNaN())
      raise_if_any(failed, message, comm_);

    // Expectations per component, adding the chunks in global order.
    e_f.setZero();
    e_g.setZero();
    e_g_eps.setZero();
    for (Index chunk = 0; chunk < n_chunks; ++chunk) {
      const Index k = chunk / chunks_per_component;
      e_f(k) += all(chunk, 0);
      e_g.row(k) += all.row(chunk).segment(1, d);
      e_g_eps.row(k) += all.row(chunk).tail(d * d);
    }
    e_f /= static_cast<double>(s_count);
    e_g /= static_cast<double>(s_count);
    e_g_eps /= static_cast<double>(s_count);
    const double elbo = weights.dot(e_f);

    if (t % settings_.monitor_every == 0 || t == settings_.iterations) {
      ViRecord record;
      record.iteration = t;
      record.elbo = elbo;
      if (reference_) {
        const double before = MPI_Wtime();
        const JsdEstimate jsd = reference_(q);
        metric_time += MPI_Wtime() - before;
        record.jsd = jsd.value;
        record.jsd_error = jsd.standard_error;
      }
      record.time = time_offset + (MPI_Wtime() - start_time) - metric_time;
      result.history.push_back(record);
      if (monitor_)
        monitor_(record);
    }
    if (t == settings_.iterations) {
      result.elbo = elbo;
      result.iterations = t;
      break;
    }

    // ELBO gradient (REFERENCE.md §5) with the chain rule to (ν, M): ∇_ν = L⁰ᵀ ∇_μ and
    // ∇_M = tril(L⁰ᵀ ∇_L) (L⁰ is lower triangular, so only the lower triangle of ∇_L enters); then
    // an Adam ascent step.
    for (Index k = 0; k < k_count; ++k) {
      gradient(layout.logit(k)) = weights(k) * (e_f(k) - elbo);
      gradient.segment(layout.mean(k), d).noalias() =
          weights(k) * reference_factors[k].transpose() * e_g.row(k).transpose();
      factor_gradient.noalias() =
          weights(k) * reference_factors[k].transpose() *
          Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
              e_g_eps.row(k).data(), d, d);
      Index p = layout.factor(k);
      for (Index i = 0; i < d; ++i)
        for (Index j = 0; j <= i; ++j, ++p)
          gradient(p) = factor_gradient(i, j) * (i == j ? relative[k](i, i) : 1.0);
    }
    adam_m = kAdamBeta1 * adam_m + (1 - kAdamBeta1) * gradient;
    adam_v = kAdamBeta2 * adam_v + (1 - kAdamBeta2) * gradient.cwiseAbs2();
    const double correction1 = 1 - std::pow(kAdamBeta1, static_cast<double>(t + 1));
    const double correction2 = 1 - std::pow(kAdamBeta2, static_cast<double>(t + 1));
    theta.array() += settings_.step * (adam_m.array() / correction1) /
                     ((adam_v.array() / correction2).sqrt() + kAdamEpsilon);
  }
  result.mixture = q;
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
