#pragma once
/// Full-covariance Gaussian mixture q(x) = Σ_k w_k N(x; μ_k, L_k L_kᵀ): density, gradient and
/// sampler, batched over blocks of points (one per row).
#include <vector>

#include "l0svgd/core/types.hpp"
#include "l0svgd/metrics/density.hpp"

namespace l0svgd {

/// Evaluations reuse internal workspaces (no allocation per call at a fixed block size), so one
/// object must not be evaluated from several threads at once.
class GaussianMixture : public NormalisedDensity {
public:
  /// `weights` (K, ≥ 0, not all zero; normalised here), `means` (K × d), `cholesky` (K
  /// lower-triangular d × d factors with a positive diagonal; the strict upper triangle is
  /// ignored). Throws InputError on inconsistent shapes or invalid values.
  GaussianMixture(const Vector& weights, const Matrix& means,
                  const std::vector<DenseMatrix>& cholesky);

  /// Replaces all parameters (same rules as the constructor). Reuses storage when K and d are
  /// unchanged.
  void set(const Vector& weights, const Matrix& means, const std::vector<DenseMatrix>& cholesky);

  Index dim() const override { return means_.cols(); }
  Index n_components() const { return means_.rows(); }
  /// Normalised weights.
  const Vector& weights() const { return weights_; }
  const Matrix& means() const { return means_; }
  const DenseMatrix& cholesky(Index k) const { return cholesky_[k]; }
  const std::vector<DenseMatrix>& cholesky_factors() const { return cholesky_; }
  DenseMatrix covariance(Index k) const { return cholesky_[k] * cholesky_[k].transpose(); }

  /// log q(x) for each row of `x`. Not collective.
  void log_density(const ConstMatrixRef& x, VectorRef log_density) const override;
  /// log q(x) and ∇_x log q(x) for each row. Not collective.
  void log_density_and_gradient(const ConstMatrixRef& x, VectorRef log_density,
                                MatrixRef gradient) const;
  /// log N(x_i; μ_k, Σ_k) without the weights (n × K). Not collective.
  void component_log_densities(const ConstMatrixRef& x, MatrixRef out) const;
  /// Draw i picks its component from one uniform and its point from d normals of
  /// RandomSequence(seed, stream, i). Not collective.
  void sample(uint64_t seed, RngStream stream, Index first, MatrixRef out) const override;

private:
  // Per-component whitened residuals Y_k = (x − μ_k) L_k^{-T} of the last evaluation.
  void whiten(const ConstMatrixRef& x, Index k, Matrix& y) const;
  void logsumexp_rows(const Matrix& log_components, VectorRef out) const;

  Vector weights_, log_weights_;
  Matrix means_;
  std::vector<DenseMatrix> cholesky_, inverse_cholesky_;
  Vector log_normaliser_; // −Σ log diag L_k − d/2 log 2π
  // Workspaces of the batched evaluations, reused across calls of the same block size.
  mutable Matrix log_components_, responsibilities_;
  mutable std::vector<Matrix> whitened_;
};

class GaussianMixtureModel;
/// The target `gmm` as a GaussianMixture (its covariances Cholesky-factored): its exact density and
/// sampler for the divergence estimators. Not collective.
GaussianMixture to_gaussian_mixture(const GaussianMixtureModel& target);

} // namespace l0svgd
