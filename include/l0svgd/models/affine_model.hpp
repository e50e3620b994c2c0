#pragma once
/// A model in affine coordinates z with x = m + L z: the density q(z) ∝ p(m + L z). Sampling q and
/// mapping back samples p exactly, and with m a mode and L L^T its Laplace covariance the posterior
/// is close to N(0, I) in z, so that one kernel bandwidth suits every coordinate. SVGD needs that:
/// with one bandwidth for all coordinates the score averages over neighbours far apart along
/// narrow directions (biasing their means) and repels too weakly there (shrinking their spread).
#include "l0svgd/models/model.hpp"

namespace l0svgd {

/// x = shift + factor · z. `factor` is d × d lower triangular (full) or, when `diagonal` is set,
/// the d scales s of x = shift + s ∘ z held in `scale` (factor then empty).
struct AffineMap {
  Vector shift;
  Vector scale;       ///< diagonal map: the scales s (finite, > 0)
  DenseMatrix factor; ///< full map: lower-triangular L with a positive diagonal
  bool diagonal() const { return factor.size() == 0; }
  Index dim() const { return diagonal() ? scale.size() : factor.rows(); }

  /// The identity map of dimension d.
  static AffineMap identity(Index dim);
  /// x = shift + s ∘ z.
  static AffineMap scaling(Vector scale, Vector shift);
  /// x = shift + L z.
  static AffineMap triangular(DenseMatrix lower, Vector shift);

  /// x for every row z of `z` (n × d).
  Matrix to_original(const ConstMatrixRef& z) const;
  /// The same into `x` (n × d), without allocating.
  void to_original(const ConstMatrixRef& z, MatrixRef x) const;
  /// A Hessian in x as one in z: Lᵀ H L (diagonal map: diag(s) H diag(s)).
  DenseMatrix pull_back_hessian(const DenseMatrix& h) const;
  /// z = L⁻¹ (x − shift) for every row.
  Matrix to_whitened(const ConstMatrixRef& x) const;
  /// Standard deviations of x when z has covariance `z_covariance` (sqrt of diag(L C Lᵀ)).
  Vector original_sd(const DenseMatrix& z_covariance) const;
};

/// Forwards every evaluation to `inner` (which must outlive it) at x = m + L z; the gradient is
/// Lᵀ ∇_x log p and the Hessian Lᵀ H L. Not thread-safe (it reuses a work block). A diagonal map
/// keeps the inner model's box (mapped); a full one has no box in z (±∞), the inner model still
/// rejecting points outside its support.
class AffineModel : public Model {
public:
  /// Throws InputError unless the map has the inner model's dimension, finite entries and a
  /// positive (diagonal) scale.
  AffineModel(const Model& inner, AffineMap map);

  Index dim() const override { return inner_.dim(); }
  std::string name() const override { return inner_.name(); }
  std::vector<std::string> parameter_names() const override { return inner_.parameter_names(); }
  void evaluate(const ConstMatrixRef& z, VectorRef log_density, MatrixRef gradient) const override;
  void log_likelihood_gradient(const ConstMatrixRef& z, MatrixRef gradient) const override;
  bool has_likelihood_gradient() const override { return inner_.has_likelihood_gradient(); }
  bool has_hessian() const override { return inner_.has_hessian(); }
  DenseMatrix hessian(const ConstVectorRef& z) const override;
  Vector lower_bounds() const override;
  Vector upper_bounds() const override;

  const AffineMap& map() const { return map_; }
  Matrix to_original(const ConstMatrixRef& z) const { return map_.to_original(z); }
  Matrix to_whitened(const ConstMatrixRef& x) const { return map_.to_whitened(x); }

private:
  void set_work_block(const ConstMatrixRef& z) const;
  void pull_back(MatrixRef gradient) const;

  const Model& inner_;
  AffineMap map_;
  // work block of evaluate (the positions x, then the full map's gradient product), resized only
  // when the block size changes
  mutable Matrix x_;
};

} // namespace l0svgd
