#pragma once
/// Gaussian mixture target Σ_k w_k N(μ_k, Σ_k) (`-target_type gmm`): the multimodal benchmark with
/// an exact sampler and an exact normalised density, so sample quality can be measured (e.g. by
/// JSD).
#include <cstdint>
#include <memory>
#include <vector>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/models/mixture_sum.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

/// log p(x) = log Σ_k w_k N(x; μ_k, Σ_k), exactly normalised. A block is evaluated component by
/// component (one n × d GEMM each, or an elementwise product when every covariance is diagonal),
/// and the components are combined by a streaming log-sum-exp, so the gradient Σ_k r_k ∇log N_k
/// with responsibilities r_k needs one n × d workspace. Never NaN for finite x: far from every
/// component the log-sum-exp stays finite, and a component that underflows to −inf is skipped.
/// Evaluation reuses mutable workspace: one model must not be evaluated from several threads at
/// once.
class GaussianMixtureModel : public Model {
public:
  /// `weights`: K positive values, normalised here; `means`: K × d, row k is μ_k; `covariances`: K
  /// SPD d × d matrices. Throws InputError naming the component for a bad size or covariance.
  GaussianMixtureModel(const Vector& weights, const Matrix& means,
                       const std::vector<DenseMatrix>& covariances);

  Index dim() const override { return means_.cols(); }
  std::string name() const override { return "gmm"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  bool has_hessian() const override { return true; }
  /// Σ_k r_k (g_k g_kᵀ − Σ_k⁻¹) − g gᵀ, with g_k = ∇log N_k and g = Σ_k r_k g_k.
  DenseMatrix hessian(const ConstVectorRef& x) const override;

  Index n_components() const { return weights_.size(); }
  /// Normalised weights.
  const Vector& weights() const { return weights_; }
  /// K × d, row k is the mean of component k.
  const Matrix& means() const { return means_; }
  const std::vector<DenseMatrix>& covariances() const { return covariances_; }
  /// Exact draws: row i uses RandomSequence(seed, stream, first_index + i), one uniform to pick the
  /// component, then d normals.
  Matrix sample(Index n, uint64_t seed, RngStream stream, Index first_index = 0) const;

private:
  // ∇log N_k at every row of x, written to `out`.
  void component_gradient(Index k, const ConstMatrixRef& x, MatrixRef out) const;
  // log(w_k N_k) at every row of x, given that component's gradient.
  void component_log_density(Index k, const ConstMatrixRef& x, const ConstMatrixRef& gradient,
                             VectorRef out) const;

  Vector weights_;
  Matrix means_;
  std::vector<DenseMatrix> covariances_, cholesky_, neg_precision_;
  Matrix precision_mean_;         // row k: (Σ_k⁻¹ μ_k)ᵀ
  Matrix neg_precision_diagonal_; // row k: −diag(Σ_k⁻¹), used when `diagonal_`
  Vector log_constant_;           // log w_k − ½ log det(2π Σ_k)
  bool diagonal_ = false;
  mutable Matrix component_workspace_;
  mutable Vector value_workspace_;
  mutable MixtureSum sum_;
};

/// Builder of `-target_type gmm`: options -target_weights (K values), -target_means (K·d values,
/// component by component), and one of -target_covs (K·d·d), -target_vars (K·d) or the shared
/// isotropic -target_sigma.
std::unique_ptr<TargetBuilder> make_gmm_builder();

} // namespace l0svgd
