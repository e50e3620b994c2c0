#pragma once
// Small targets with known moments for the HMC tests.
#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Dense>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/model.hpp"

namespace l0svgd::test {

/// N(mean, cov), evaluated for a block with one GEMM.
class NormalTarget : public Model {
public:
  NormalTarget(Vector mean, const DenseMatrix& cov)
      : mean_(std::move(mean)), cov_(cov), precision_(cov.inverse()) {}
  Index dim() const override { return mean_.size(); }
  std::string name() const override { return "test_normal"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    const Matrix centred = x.rowwise() - mean_.transpose();
    gradient.noalias() = -centred * precision_;
    log_density = 0.5 * (centred.array() * gradient.array()).rowwise().sum();
  }
  const Vector& mean() const { return mean_; }
  const DenseMatrix& cov() const { return cov_; }

private:
  Vector mean_;
  DenseMatrix cov_, precision_;
};

/// Banana: x₀ ~ N(0, 1), x₁ | x₀ ~ N(b x₀², 1); mean (0, b), var(x₁) = 1 + 2b².
class BananaTarget : public Model {
public:
  explicit BananaTarget(double b) : b_(b) {}
  Index dim() const override { return 2; }
  std::string name() const override { return "test_banana"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    const auto x0 = x.col(0).array();
    const Eigen::ArrayXd r = x.col(1).array() - b_ * x0.square();
    log_density = -0.5 * x0.square() - 0.5 * r.square();
    gradient.col(0) = -x0 + 2.0 * b_ * x0 * r;
    gradient.col(1) = -r;
  }
  double b() const { return b_; }

private:
  double b_;
};

/// ½ N(−c, 1) + ½ N(c, 1) in one dimension: modes far apart for c large.
class TwoModes : public Model {
public:
  explicit TwoModes(double c) : c_(c) {}
  Index dim() const override { return 1; }
  std::string name() const override { return "test_two_modes"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    for (Index i = 0; i < x.rows(); ++i) {
      const double a = -0.5 * (x(i, 0) + c_) * (x(i, 0) + c_);
      const double b = -0.5 * (x(i, 0) - c_) * (x(i, 0) - c_);
      const double top = std::max(a, b);
      const double wa = std::exp(a - top), wb = std::exp(b - top);
      log_density(i) = top + std::log(wa + wb);
      gradient(i, 0) = (wa * (-(x(i, 0) + c_)) + wb * (-(x(i, 0) - c_))) / (wa + wb);
    }
  }

private:
  double c_;
};

/// Standard normal in d dimensions that cannot be evaluated where x₀ > `edge`: it returns NaN
/// there, or (`throws`) throws ModelError for the whole block when any row lies there. Either way
/// the density it samples is the normal truncated to x₀ ≤ edge.
class TruncatedByFailure : public Model {
public:
  TruncatedByFailure(Index dim, double edge, bool throws)
      : dim_(dim), edge_(edge), throws_(throws) {}
  Index dim() const override { return dim_; }
  std::string name() const override { return throws_ ? "test_throwing" : "test_nan"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    if (throws_ && (x.col(0).array() > edge_).any())
      throw ModelError("test model: cannot evaluate beyond the edge");
    gradient = -x;
    log_density = -0.5 * x.rowwise().squaredNorm();
    for (Index i = 0; i < x.rows(); ++i)
      if (x(i, 0) > edge_)
        log_density(i) = std::numeric_limits<double>::quiet_NaN();
  }

private:
  Index dim_;
  double edge_;
  bool throws_;
};

/// Standard normal restricted to the box x₀ ≥ 0 (a half-normal in x₀).
class HalfNormal : public Model {
public:
  Index dim() const override { return 2; }
  std::string name() const override { return "test_half_normal"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    gradient = -x;
    log_density = -0.5 * x.rowwise().squaredNorm();
  }
  Vector lower_bounds() const override {
    Vector lower = Model::lower_bounds();
    lower(0) = 0.0;
    return lower;
  }
};

} // namespace l0svgd::test
