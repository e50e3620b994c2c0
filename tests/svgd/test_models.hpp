#pragma once
// Small targets for the SVGD tests, independent of the models library.
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "l0svgd/models/model.hpp"

namespace l0svgd::test {

/// N(mean, precision⁻¹): log p = −½ (x − μ)ᵀ P (x − μ).
class GaussianTarget : public Model {
public:
  GaussianTarget(Vector mean, DenseMatrix precision)
      : mean_(std::move(mean)), precision_(std::move(precision)) {}
  Index dim() const override { return mean_.size(); }
  std::string name() const override { return "test_gaussian"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    const Matrix centred = x.rowwise() - mean_.transpose();
    gradient.noalias() = -centred * precision_;
    log_density = 0.5 * (centred.array() * gradient.array()).rowwise().sum();
  }

private:
  Vector mean_;
  DenseMatrix precision_;
};

/// Bayesian linear regression y = Φ w + e, e ~ N(0, 1/β), prior w ~ N(0, 1/α): a Gaussian posterior
/// with precision A = αI + βΦᵀΦ and mean β A⁻¹ Φᵀ y, evaluated from the data as a likelihood would
/// be.
class LinearRegressionPosterior : public Model {
public:
  LinearRegressionPosterior(DenseMatrix design, Vector y, double alpha, double beta)
      : design_(std::move(design)), y_(std::move(y)), alpha_(alpha), beta_(beta) {}
  Index dim() const override { return design_.cols(); }
  std::string name() const override { return "test_linear_regression"; }
  void evaluate(const ConstMatrixRef& w, VectorRef log_density, MatrixRef gradient) const override {
    const Matrix residual = (w * design_.transpose()).rowwise() - y_.transpose();
    log_density =
        -0.5 * beta_ * residual.rowwise().squaredNorm() - 0.5 * alpha_ * w.rowwise().squaredNorm();
    gradient.noalias() = -beta_ * residual * design_ - alpha_ * w;
  }
  DenseMatrix posterior_precision() const {
    return alpha_ * DenseMatrix::Identity(dim(), dim()) + beta_ * design_.transpose() * design_;
  }
  Vector posterior_mean() const {
    return posterior_precision().ldlt().solve(beta_ * design_.transpose() * y_);
  }

private:
  DenseMatrix design_;
  Vector y_;
  double alpha_, beta_;
};

/// One-dimensional Gaussian mixture Σ_k w_k N(m_k, s_k²).
class Mixture1d : public Model {
public:
  Mixture1d(std::vector<double> weights, std::vector<double> means, std::vector<double> sds)
      : w_(std::move(weights)), m_(std::move(means)), s_(std::move(sds)) {}
  Index dim() const override { return 1; }
  std::string name() const override { return "test_mixture"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    for (Index i = 0; i < x.rows(); ++i) {
      // log-sum-exp over the components, with the responsibilities for the score.
      std::vector<double> log_terms(w_.size());
      double top = -HUGE_VAL;
      for (size_t k = 0; k < w_.size(); ++k) {
        const double z = (x(i, 0) - m_[k]) / s_[k];
        log_terms[k] = std::log(w_[k] / s_[k]) - 0.5 * z * z;
        top = std::max(top, log_terms[k]);
      }
      double total = 0.0, slope = 0.0;
      for (size_t k = 0; k < w_.size(); ++k) {
        const double r = std::exp(log_terms[k] - top);
        total += r;
        slope += r * (m_[k] - x(i, 0)) / (s_[k] * s_[k]);
      }
      log_density(i) = top + std::log(total);
      gradient(i, 0) = slope / total;
    }
  }

private:
  std::vector<double> w_, m_, s_;
};

/// A standard normal that returns NaN wherever the first coordinate exceeds `threshold`, to test
/// that a failure on one rank reaches all.
class PoisonedGaussian : public Model {
public:
  PoisonedGaussian(Index dim, double threshold) : dim_(dim), threshold_(threshold) {}
  Index dim() const override { return dim_; }
  std::string name() const override { return "poisoned"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    gradient = -x;
    log_density = -0.5 * x.rowwise().squaredNorm();
    for (Index i = 0; i < x.rows(); ++i)
      if (x(i, 0) > threshold_)
        log_density(i) = std::nan("");
  }

private:
  Index dim_;
  double threshold_;
};

} // namespace l0svgd::test
