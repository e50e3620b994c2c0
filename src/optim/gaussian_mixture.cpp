#include "l0svgd/optim/gaussian_mixture.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/gmm.hpp"

#include <Eigen/Cholesky>
#include <cmath>

namespace l0svgd {

GaussianMixture::GaussianMixture(const Vector& weights, const Matrix& means,
                                 const std::vector<DenseMatrix>& cholesky) {
  set(weights, means, cholesky);
}

void GaussianMixture::set(const Vector& weights, const Matrix& means,
                          const std::vector<DenseMatrix>& cholesky) {
  // Checks build their messages only on failure: VI calls this every iteration.
  const Index k_count = means.rows(), d = means.cols();
  if (k_count == 0 || d == 0)
    throw InputError("Gaussian mixture: needs at least one component and dimension");
  if (weights.size() != k_count || static_cast<Index>(cholesky.size()) != k_count)
    throw InputError("Gaussian mixture: " + std::to_string(weights.size()) + " weights and " +
                     std::to_string(cholesky.size()) + " Cholesky factors for " +
                     std::to_string(k_count) + " means");
  if (!weights.allFinite() || (weights.array() < 0).any() || !(weights.sum() > 0))
    throw InputError("Gaussian mixture: weights must be finite, non-negative and not all zero");
  if (!means.allFinite())
    throw InputError("Gaussian mixture: means must be finite");
  weights_ = weights / weights.sum();
  log_weights_ = weights_.array().log();
  means_ = means;
  cholesky_.resize(k_count);
  inverse_cholesky_.resize(k_count);
  log_normaliser_.resize(k_count);
  for (Index k = 0; k < k_count; ++k) {
    if (cholesky[k].rows() != d || cholesky[k].cols() != d)
      throw InputError("Gaussian mixture: Cholesky factor " + std::to_string(k) + " is not " +
                       std::to_string(d) + " x " + std::to_string(d));
    cholesky_[k] = cholesky[k].triangularView<Eigen::Lower>();
    if (!cholesky_[k].allFinite() || (cholesky_[k].diagonal().array() <= 0).any())
      throw InputError("Gaussian mixture: Cholesky factor " + std::to_string(k) +
                       " must be finite with a positive diagonal");
    inverse_cholesky_[k].setIdentity(d, d);
    cholesky_[k].triangularView<Eigen::Lower>().solveInPlace(inverse_cholesky_[k]);
    log_normaliser_(k) =
        -cholesky_[k].diagonal().array().log().sum() - 0.5 * d * std::log(2 * M_PI);
  }
}

void GaussianMixture::whiten(const ConstMatrixRef& x, Index k, Matrix& y) const {
  y.noalias() = (x.rowwise() - means_.row(k)) * inverse_cholesky_[k].transpose();
}

void GaussianMixture::component_log_densities(const ConstMatrixRef& x, MatrixRef out) const {
  if (x.cols() != dim() || out.rows() != x.rows() || out.cols() != n_components())
    throw Error("GaussianMixture: block shapes do not match the mixture");
  whitened_.resize(n_components());
  for (Index k = 0; k < n_components(); ++k) {
    whiten(x, k, whitened_[k]);
    out.col(k) = (log_normaliser_(k) - 0.5 * whitened_[k].rowwise().squaredNorm().array()).matrix();
  }
}

void GaussianMixture::logsumexp_rows(const Matrix& log_components, VectorRef out) const {
  // Rows of log w_k + log N_k; the maximum is finite because some weight is positive.
  responsibilities_ = log_components.rowwise() + log_weights_.transpose();
  const Vector row_max = responsibilities_.rowwise().maxCoeff();
  responsibilities_ = (responsibilities_.colwise() - row_max).array().exp();
  const Vector sums = responsibilities_.rowwise().sum();
  out = row_max.array() + sums.array().log();
  responsibilities_ = sums.cwiseInverse().asDiagonal() * responsibilities_;
}

void GaussianMixture::log_density(const ConstMatrixRef& x, VectorRef log_density) const {
  log_components_.resize(x.rows(), n_components());
  component_log_densities(x, log_components_);
  logsumexp_rows(log_components_, log_density);
}

void GaussianMixture::log_density_and_gradient(const ConstMatrixRef& x, VectorRef log_density,
                                               MatrixRef gradient) const {
  if (gradient.rows() != x.rows() || gradient.cols() != dim())
    throw Error("GaussianMixture: gradient block has the wrong shape");
  log_components_.resize(x.rows(), n_components());
  component_log_densities(x, log_components_);
  logsumexp_rows(log_components_, log_density);
  // ∇ log q = −Σ_k r_k Σ_k^{-1}(x − μ_k) = −Σ_k r_k Y_k L_k^{-1} (row form).
  gradient.setZero();
  for (Index k = 0; k < n_components(); ++k)
    gradient.noalias() -=
        responsibilities_.col(k).asDiagonal() * (whitened_[k] * inverse_cholesky_[k]);
}

void GaussianMixture::sample(uint64_t seed, RngStream stream, Index first, MatrixRef out) const {
  if (out.cols() != dim())
    throw Error("GaussianMixture: sample block has the wrong width");
  const Index d = dim();
  Vector cumulative(n_components());
  double total = 0;
  for (Index k = 0; k < n_components(); ++k)
    cumulative(k) = (total += weights_(k));
  Vector eps(d);
  for (Index i = 0; i < out.rows(); ++i) {
    RandomSequence sequence(seed, stream, static_cast<uint64_t>(first + i));
    const double u = sequence.uniform() * total;
    Index k = 0;
    while (k + 1 < n_components() && (u > cumulative(k) || weights_(k) == 0))
      ++k;
    while (weights_(k) == 0) // u rounded past the last positive weight
      --k;
    for (Index j = 0; j < d; ++j)
      eps(j) = sequence.normal();
    out.row(i) = means_.row(k) + (cholesky_[k] * eps).transpose();
  }
}

GaussianMixture to_gaussian_mixture(const GaussianMixtureModel& target) {
  std::vector<DenseMatrix> factors;
  for (const auto& c : target.covariances())
    factors.push_back(Eigen::LLT<DenseMatrix>(c).matrixL());
  return GaussianMixture(target.weights(), target.means(), factors);
}

} // namespace l0svgd
