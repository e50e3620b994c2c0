#include "l0svgd/models/gmm_synthetic.hpp"

#include <cmath>
#include <string>

#include <Eigen/Dense>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/log_sum_exp.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/models/gmm.hpp"
#include "target_options.hpp"

namespace l0svgd {
namespace {

double log_det_spd(const DenseMatrix& a) {
  const Eigen::LLT<DenseMatrix> llt(a);
  return 2.0 * llt.matrixLLT().diagonal().array().log().sum();
}

// log ∫ p² = −½ log |4π Σ|.
double log_self_overlap(const DenseMatrix& cov) {
  const double d = static_cast<double>(cov.rows());
  return -0.5 * (d * std::log(4.0 * M_PI) + log_det_spd(cov));
}

// Q of a uniformly random rotation: QR of a standard-normal matrix with R's diagonal made positive.
DenseMatrix random_rotation(Index d, RandomSequence& rng) {
  DenseMatrix g(d, d);
  for (Index i = 0; i < d; ++i)
    for (Index j = 0; j < d; ++j)
      g(i, j) = rng.normal();
  const Eigen::HouseholderQR<DenseMatrix> qr(g);
  DenseMatrix q = qr.householderQ();
  const DenseMatrix r = qr.matrixQR().triangularView<Eigen::Upper>();
  for (Index j = 0; j < d; ++j)
    if (r(j, j) < 0.0)
      q.col(j) = -q.col(j);
  return q;
}

void validate(const SyntheticMixtureSpec& s) {
  require_input(s.dim >= 1, "option -target_dim: must be at least 1");
  require_input(s.components >= 2,
                "option -target_components: at least 2 components are needed (the overlap is "
                "between pairs)");
  require_input(s.decay >= 0.0 && std::isfinite(s.decay),
                "option -target_decay: must be finite and not negative");
  const double lowest = s.dim > 1 ? -1.0 / static_cast<double>(s.dim - 1) : -1.0;
  require_input(s.correlation > lowest && s.correlation < 1.0,
                "option -target_correlation: must lie in (-1/(d-1), 1) for the covariance to be "
                "positive definite");
  require_input(s.overlap > 0.0 && s.overlap < 1.0, "option -target_overlap: must lie in (0, 1)");
}

// log Dice of two Gaussians whose means differ by `delta`: log 2 + log N(delta; 0, Σ_p + Σ_q)
// − log(∫p² + ∫q²).
double log_gaussian_dice(const Vector& delta, const DenseMatrix& cov_p, const DenseMatrix& cov_q) {
  const DenseMatrix sum = cov_p + cov_q;
  const Eigen::LLT<DenseMatrix> llt(sum);
  const double d = static_cast<double>(delta.size());
  const double log_cross =
      -0.5 * delta.dot(llt.solve(delta)) - 0.5 * (d * std::log(2.0 * M_PI) + log_det_spd(sum));
  return std::log(2.0) + log_cross - log_sum_exp(log_self_overlap(cov_p), log_self_overlap(cov_q));
}

} // namespace

double gaussian_dice(const ConstVectorRef& mean_p, const DenseMatrix& cov_p,
                     const ConstVectorRef& mean_q, const DenseMatrix& cov_q) {
  return std::exp(log_gaussian_dice(mean_p - mean_q, cov_p, cov_q));
}

SyntheticMixture synthetic_mixture(const SyntheticMixtureSpec& spec) {
  validate(spec);
  const Index d = spec.dim, k_count = spec.components;
  SyntheticMixture mix;
  mix.weights.resize(k_count);
  for (Index k = 0; k < k_count; ++k)
    mix.weights(k) = std::exp(-spec.decay * static_cast<double>(k));
  mix.weights /= mix.weights.sum();
  const DenseMatrix r = (1.0 - spec.correlation) * DenseMatrix::Identity(d, d) +
                        spec.correlation * DenseMatrix::Ones(d, d);
  Matrix directions(k_count, d);
  for (Index k = 0; k < k_count; ++k) {
    RandomSequence rng(spec.seed, RngStream::Data, static_cast<uint64_t>(k));
    const DenseMatrix q = random_rotation(d, rng);
    DenseMatrix cov = q * r * q.transpose();
    mix.covariances.push_back(0.5 * (cov + cov.transpose()));
    for (Index j = 0; j < d; ++j)
      directions(k, j) = rng.normal();
  }
  // log Dice_ij(s) = log Dice_ij(0) − ½ s² q_ij with q_ij = uᵀ(Σ_i + Σ_j)⁻¹u, u = u_i − u_j:
  // solve Dice_ij(s) = λ for each pair.
  double largest = 0.0, best_coincident = 0.0;
  const Vector coincident = Vector::Zero(d);
  for (Index i = 0; i < k_count; ++i)
    for (Index j = i + 1; j < k_count; ++j) {
      const DenseMatrix& ci = mix.covariances[i];
      const DenseMatrix& cj = mix.covariances[j];
      const Vector u = (directions.row(i) - directions.row(j)).transpose();
      const double q = u.dot(Eigen::LLT<DenseMatrix>(ci + cj).solve(u));
      const double log_at_zero = log_gaussian_dice(coincident, ci, cj);
      best_coincident = std::max(best_coincident, std::exp(log_at_zero));
      const double excess = log_at_zero - std::log(spec.overlap);
      if (excess > 0.0)
        largest = std::max(largest, std::sqrt(2.0 * excess / q));
    }
  if (!(largest > 0.0))
    throw InputError("option -target_overlap: " + format("%g", spec.overlap) +
                     " exceeds the overlap of even coincident components (at most " +
                     format("%.3g", best_coincident) + " for these covariances)");
  mix.means = largest * directions;
  return mix;
}

SyntheticMixtureSpec configure_synthetic_mixture(Options& options) {
  SyntheticMixtureSpec spec;
  spec.dim = detail::read_target_dim(options);
  spec.components = options.get_int("target_components", 3, 2, 1000,
                                    "gmm_synthetic, sas_mixture: number of mixture components K");
  spec.decay =
      options.get_real("target_decay", 1.5, 0.0, 1e3,
                       "gmm_synthetic, sas_mixture: weight decay rate, w_k proportional to "
                       "exp(-decay k)");
  spec.correlation = options.get_real(
      "target_correlation", 0.3, -1.0, 1.0,
      "gmm_synthetic, sas_mixture: equicorrelation c of every component, in (-1/(d-1), 1)", true);
  spec.overlap = options.get_real(
      "target_overlap", 1e-3, 0.0, 1.0,
      "gmm_synthetic, sas_mixture: largest pairwise Dice overlap, in (0, 1)", true);
  spec.seed = detail::read_target_seed(options);
  return spec;
}

namespace {

class GmmSyntheticBuilder : public TargetBuilder {
public:
  void configure(Options& options) override {
    spec_ = configure_synthetic_mixture(options);
    if (!options.help_mode())
      mixture_ = synthetic_mixture(spec_); // validates, so bad factors fail at setup
  }

  std::unique_ptr<Model> build(MPI_Comm) const override {
    return std::make_unique<GaussianMixtureModel>(mixture_.weights, mixture_.means,
                                                  mixture_.covariances);
  }

private:
  SyntheticMixtureSpec spec_;
  SyntheticMixture mixture_;
};

} // namespace

std::unique_ptr<TargetBuilder> make_gmm_synthetic_builder() {
  return std::make_unique<GmmSyntheticBuilder>();
}

} // namespace l0svgd
