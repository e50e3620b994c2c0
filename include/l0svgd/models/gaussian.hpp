#pragma once
/// Multivariate Gaussian target N(μ, Σ) (`-target_type gaussian`), the reference every sampler is
/// checked against, and the Gaussian helpers other families share.
#include <cstdint>
#include <memory>
#include <string>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

/// Lower Cholesky factor L (A = L Lᵀ) of a symmetric positive-definite matrix. Throws InputError
/// whose message starts with `what` if `a` is not square, not symmetric (to 1e-10 relative to its
/// largest entry) or not numerically positive definite. Not collective.
DenseMatrix spd_cholesky(const DenseMatrix& a, const std::string& what);

/// A random d × d SPD matrix Q diag(λ) Qᵀ: Q Haar-distributed orthogonal, eigenvalues geometrically
/// spaced from cond^(-1/2) to cond^(1/2), so the condition number is `cond` and the determinant
/// is 1. Row i of the Gaussian matrix behind Q comes from RandomSequence(seed, RngStream::Data, i).
DenseMatrix random_spd_matrix(Index d, double cond, uint64_t seed);

/// n × d standard-normal block whose row i is drawn from RandomSequence(seed, stream, first_index +
/// i), so each rank can draw its own rows of one global sample.
Matrix standard_normal_rows(Index n, Index d, uint64_t seed, RngStream stream,
                            Index first_index = 0);

/// N(μ, Σ) with its exact normalised log density: log p(x) = −½ (x−μ)ᵀ P (x−μ) − ½ log det(2πΣ),
/// P = Σ⁻¹. A block is evaluated with one GEMM: gradient G = −(X − 1μᵀ) P, log p_i = ½ (x_i −
/// μ)·g_i plus the constant.
class GaussianModel : public Model {
public:
  /// Throws InputError if the sizes differ or `covariance` is not symmetric positive definite.
  GaussianModel(const Vector& mean, const DenseMatrix& covariance);

  Index dim() const override { return mean_.size(); }
  std::string name() const override { return "gaussian"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  bool has_hessian() const override { return true; }
  /// −Σ⁻¹, whatever x.
  DenseMatrix hessian(const ConstVectorRef& x) const override;

  const Vector& mean() const { return mean_; }
  const DenseMatrix& covariance() const { return covariance_; }
  const DenseMatrix& precision() const { return precision_; }
  /// Lower Cholesky factor L of the covariance (Σ = L Lᵀ).
  const DenseMatrix& cholesky() const { return cholesky_; }
  /// Exact draws μ + L z, row i from the normals of RandomSequence(seed, stream, first_index + i).
  Matrix sample(Index n, uint64_t seed, RngStream stream, Index first_index = 0) const;

private:
  Vector mean_;
  DenseMatrix covariance_, cholesky_, precision_;
  Eigen::RowVectorXd mean_row_, precision_mean_row_;
  double log_normaliser_;
};

/// Builder of `-target_type gaussian`: options -target_dim, -target_mean, and one of -target_cov
/// (d² values, row-major), -target_var (d values or one) or -target_random_cov with -target_cond
/// and -target_seed (identity covariance when none is given).
std::unique_ptr<TargetBuilder> make_gaussian_builder();

} // namespace l0svgd
