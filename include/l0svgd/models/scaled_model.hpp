#pragma once
/// A model in rescaled coordinates z = x / s (elementwise, s > 0): the density q(z) ∝ p(s ∘ z).
/// Sampling q and mapping back with x = s ∘ z samples p exactly, and with s the posterior scales
/// of p every coordinate of q has a comparable width. SVGD needs that: one kernel bandwidth for
/// all coordinates lets the score average over neighbours far apart along narrow directions
/// (biasing their means) and repels too weakly there (shrinking their spread).
#include "l0svgd/models/model.hpp"

namespace l0svgd {

/// Forwards every evaluation to `inner` (which must outlive it) at x = s ∘ z; the gradient is
/// s ∘ ∇_x log p and the Hessian diag(s) H diag(s). Not thread-safe (it reuses a work block).
class ScaledModel : public Model {
public:
  /// Throws InputError unless `scale` has the inner model's dimension and only finite entries > 0.
  ScaledModel(const Model& inner, Vector scale);

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

  const Vector& scale() const { return scale_; }
  /// x = s ∘ z for every row.
  Matrix to_original(const ConstMatrixRef& z) const;
  /// z = x / s for every row.
  Matrix to_scaled(const ConstMatrixRef& x) const;

private:
  void set_work_block(const ConstMatrixRef& z) const;

  const Model& inner_;
  Vector scale_;
  mutable Matrix x_; // work block of evaluate, resized only when the block size changes
};

} // namespace l0svgd
