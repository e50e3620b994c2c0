#pragma once
/// Two-dimensional banana-shaped target (`-target_type banana`), a curved density with known
/// moments.
#include <cstdint>
#include <memory>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

/// p(x) ∝ exp(−(x1²/a² + t²)/2) with t = x2 − b x1² + a² b. The map (x1, x2) → (x1, t) has unit
/// Jacobian, so the normalised log density is −(x1²/a² + t²)/2 − log(2π a), the mean is 0 and the
/// covariance is diag(a², 1 + 2 a⁴ b²). Values and gradients are finite (never NaN) for finite x
/// whose square does not overflow.
class BananaModel : public Model {
public:
  /// Throws InputError unless a > 0 and a, b are finite.
  BananaModel(double a, double b);

  Index dim() const override { return 2; }
  std::string name() const override { return "banana"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  bool has_hessian() const override { return true; }
  DenseMatrix hessian(const ConstVectorRef& x) const override;

  double a() const { return a_; }
  double b() const { return b_; }
  Vector mean() const { return Vector::Zero(2); }
  DenseMatrix covariance() const;
  /// Exact draws x1 = a z1, x2 = z2 + b x1² − a² b, row i from RandomSequence(seed, stream,
  /// first_index + i).
  Matrix sample(Index n, uint64_t seed, RngStream stream, Index first_index = 0) const;

private:
  double a_, b_;
};

/// Builder of `-target_type banana`: options -target_a, -target_b.
std::unique_ptr<TargetBuilder> make_banana_builder();

} // namespace l0svgd
