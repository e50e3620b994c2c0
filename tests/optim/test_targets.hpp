#pragma once
// Small models with known answers for the optimisation tests (independent of the library's
// targets).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/model.hpp"

namespace l0svgd::test {

/// log p = c + log N(x; mean, covariance), optionally with its exact Hessian and a support box.
class GaussianTarget : public Model {
public:
  GaussianTarget(Vector mean, DenseMatrix covariance, double log_constant = 0.0,
                 bool exact_hessian = false)
      : mean_(std::move(mean)), precision_(covariance.inverse()), log_constant_(log_constant),
        exact_hessian_(exact_hessian), lower_(Vector::Constant(mean_.size(), -kInf)),
        upper_(Vector::Constant(mean_.size(), kInf)) {
    log_normaliser_ =
        -0.5 * mean_.size() * std::log(2 * M_PI) - 0.5 * std::log(covariance.determinant());
  }
  void set_box(Vector lower, Vector upper) {
    lower_ = std::move(lower);
    upper_ = std::move(upper);
  }
  Index dim() const override { return mean_.size(); }
  std::string name() const override { return "test_gaussian"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    const Matrix centred = x.rowwise() - mean_.transpose();
    gradient = -centred * precision_;
    log_density = (log_constant_ + log_normaliser_ -
                   0.5 * (centred * precision_).cwiseProduct(centred).rowwise().sum().array())
                      .matrix();
  }
  bool has_hessian() const override { return exact_hessian_; }
  DenseMatrix hessian(const ConstVectorRef&) const override { return -precision_; }
  Vector lower_bounds() const override { return lower_; }
  Vector upper_bounds() const override { return upper_; }

private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  Vector mean_;
  DenseMatrix precision_;
  double log_constant_, log_normaliser_ = 0;
  bool exact_hessian_;
  Vector lower_, upper_;
};

/// log p = log Σ_k w_k N(x; μ_k, Σ_k) + c (normalised when c = 0) on a box.
class MixtureTarget : public Model {
public:
  MixtureTarget(Vector weights, Matrix means, std::vector<DenseMatrix> covariances, Vector lower,
                Vector upper, double log_constant = 0.0)
      : weights_(weights / weights.sum()), means_(std::move(means)), lower_(std::move(lower)),
        upper_(std::move(upper)), log_constant_(log_constant) {
    for (const auto& c : covariances) {
      precision_.push_back(c.inverse());
      log_normaliser_.push_back(-0.5 * means_.cols() * std::log(2 * M_PI) -
                                0.5 * std::log(c.determinant()));
    }
  }
  Index dim() const override { return means_.cols(); }
  std::string name() const override { return "test_mixture"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    const Index n = x.rows(), k_count = means_.rows();
    Matrix log_terms(n, k_count);
    std::vector<Matrix> grads;
    for (Index k = 0; k < k_count; ++k) {
      const Matrix centred = x.rowwise() - means_.row(k);
      grads.push_back(-centred * precision_[k]);
      log_terms.col(k) =
          (std::log(weights_(k)) + log_normaliser_[k] -
           0.5 * (centred * precision_[k]).cwiseProduct(centred).rowwise().sum().array())
              .matrix();
    }
    const Vector top = log_terms.rowwise().maxCoeff();
    const Matrix r = (log_terms.colwise() - top).array().exp();
    const Vector sum = r.rowwise().sum();
    log_density = (top.array() + sum.array().log() + log_constant_).matrix();
    gradient.setZero();
    for (Index k = 0; k < k_count; ++k)
      gradient += (r.col(k).cwiseQuotient(sum)).asDiagonal() * grads[k];
  }
  Vector lower_bounds() const override { return lower_; }
  Vector upper_bounds() const override { return upper_; }

private:
  Vector weights_;
  Matrix means_;
  std::vector<DenseMatrix> precision_;
  std::vector<double> log_normaliser_;
  Vector lower_, upper_;
  double log_constant_;
};

/// Rosenbrock-type density log p = −[(1 − x)² + 100 (y − x²)²] / 10 on [−2, 2]², maximum at (1, 1).
class RosenbrockTarget : public Model {
public:
  Index dim() const override { return 2; }
  std::string name() const override { return "test_rosenbrock"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    for (Index i = 0; i < x.rows(); ++i) {
      const double a = 1 - x(i, 0), b = x(i, 1) - x(i, 0) * x(i, 0);
      log_density(i) = -(a * a + 100 * b * b) / 10;
      gradient(i, 0) = -(-2 * a - 400 * b * x(i, 0)) / 10;
      gradient(i, 1) = -(200 * b) / 10;
    }
  }
  Vector lower_bounds() const override { return Vector::Constant(2, -2.0); }
  Vector upper_bounds() const override { return Vector::Constant(2, 2.0); }
};

/// A standard normal that returns NaN wherever x0 > threshold.
class NanTarget : public Model {
public:
  explicit NanTarget(double threshold, Index d = 2) : threshold_(threshold), d_(d) {}
  Index dim() const override { return d_; }
  std::string name() const override { return "test_nan"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    gradient = -x;
    log_density = -0.5 * x.rowwise().squaredNorm();
    for (Index i = 0; i < x.rows(); ++i)
      if (x(i, 0) > threshold_)
        log_density(i) = std::numeric_limits<double>::quiet_NaN();
  }
  Vector lower_bounds() const override { return Vector::Constant(d_, -3.0); }
  Vector upper_bounds() const override { return Vector::Constant(d_, 3.0); }

private:
  double threshold_;
  Index d_;
};

/// Model with explicitly given (possibly inverted or unbounded) bounds around a standard normal.
class BoxedNormal : public Model {
public:
  BoxedNormal(Vector lower, Vector upper) : lower_(std::move(lower)), upper_(std::move(upper)) {}
  Index dim() const override { return lower_.size(); }
  std::string name() const override { return "test_boxed_normal"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    gradient = -x;
    log_density = -0.5 * x.rowwise().squaredNorm();
  }
  Vector lower_bounds() const override { return lower_; }
  Vector upper_bounds() const override { return upper_; }

private:
  Vector lower_, upper_;
};

inline DenseMatrix covariance_2d(double sx, double sy, double rho) {
  DenseMatrix c(2, 2);
  c << sx * sx, rho * sx * sy, rho * sx * sy, sy * sy;
  return c;
}

} // namespace l0svgd::test
