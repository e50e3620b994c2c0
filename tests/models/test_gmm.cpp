#include <catch2/catch.hpp>

#include <Eigen/LU>
#include <cmath>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/gmm.hpp"
#include "model_checks.hpp"

using namespace l0svgd;
using Catch::Contains;

namespace {

// log Σ_k w_k N(x; μ_k, Σ_k) term by term with the textbook density (LU determinant and solve),
// summed in long double so that components far in the tails do not underflow.
double explicit_log_density(const GaussianMixtureModel& gmm, const Vector& x) {
  long double sum = 0;
  for (Index k = 0; k < gmm.n_components(); ++k) {
    const Eigen::FullPivLU<DenseMatrix> lu(gmm.covariances()[k]);
    const Vector r = x - gmm.means().row(k).transpose();
    const double log_n =
        -0.5 * r.dot(lu.solve(r)) -
        0.5 * std::log(std::pow(2.0 * M_PI, static_cast<double>(x.size())) * lu.determinant());
    sum += static_cast<long double>(gmm.weights()(k)) * std::exp(static_cast<long double>(log_n));
  }
  return static_cast<double>(std::log(sum));
}

GaussianMixtureModel full_mixture() {
  Vector w(3);
  w << 2.0, 1.0, 1.0; // normalised by the model
  Matrix means(3, 2);
  means << -2.0, 0.0, 2.0, 1.0, 0.0, -3.0;
  std::vector<DenseMatrix> covs(3, DenseMatrix(2, 2));
  covs[0] << 1.0, 0.6, 0.6, 1.0;
  covs[1] << 0.5, -0.2, -0.2, 2.0;
  covs[2] << 0.3, 0.0, 0.0, 0.3;
  return GaussianMixtureModel(w, means, covs);
}

GaussianMixtureModel diagonal_mixture(Index d) {
  Vector w(2);
  w << 0.3, 0.7;
  Matrix means(2, d);
  means.row(0).setConstant(-1.0);
  means.row(1).setLinSpaced(0.0, 2.0);
  std::vector<DenseMatrix> covs;
  covs.push_back(Vector::LinSpaced(d, 0.5, 1.5).asDiagonal());
  covs.push_back(Vector::Constant(d, 0.8).asDiagonal());
  return GaussianMixtureModel(w, means, covs);
}

// Trapezoid weights on [lo, hi] with n points.
Vector trapezoid(double lo, double hi, Index n) {
  Vector w = Vector::Constant(n, (hi - lo) / double(n - 1));
  w(0) *= 0.5;
  w(n - 1) *= 0.5;
  return w;
}

} // namespace

TEST_CASE("GMM log density matches the explicit mixture formula, also far in the tails", "[gmm]") {
  for (const auto& gmm : {full_mixture(), diagonal_mixture(2)}) {
    Matrix x = test::test_points(20, 2, 3, 2.0);
    x.row(0) << 60.0, 0.0; // every component density underflows a double here
    x.row(1) << -40.0, 35.0;
    const Vector values = test::log_densities(gmm, x);
    for (Index i = 0; i < x.rows(); ++i)
      CHECK(values(i) == Approx(explicit_log_density(gmm, x.row(i).transpose())).epsilon(1e-10));
  }
  CHECK(full_mixture().weights().sum() == Approx(1.0));
  CHECK(full_mixture().weights()(0) == Approx(0.5));
}

TEST_CASE("GMM gradient matches central differences (full and diagonal covariances)", "[gmm]") {
  for (const auto& gmm : {full_mixture(), diagonal_mixture(2), diagonal_mixture(6)}) {
    const Matrix x = test::test_points(15, gmm.dim(), 4, 2.0);
    Vector values(x.rows());
    Matrix gradient(x.rows(), x.cols());
    gmm.evaluate(x, values, gradient);
    // h = 1e-5: truncation error ~1e-10 times third derivatives, rounding ~1e-11.
    CHECK(test::max_scaled_error(gradient, test::fd_gradient(gmm, x, 1e-5)) < 1e-6);
    for (Index i = 0; i < 3; ++i) {
      const Vector point = x.row(i).transpose();
      CHECK(test::max_scaled_error(gmm.hessian(point), test::fd_hessian(gmm, point, 1e-5)) < 1e-6);
    }
  }
}

TEST_CASE("GMM density integrates to one by quadrature in 1-D and 2-D", "[gmm]") {
  {
    Vector w(3);
    w << 0.2, 0.5, 0.3;
    Matrix means(3, 1);
    means << -3.0, 0.0, 4.0;
    std::vector<DenseMatrix> covs = {DenseMatrix::Constant(1, 1, 0.25), DenseMatrix::Ones(1, 1),
                                     DenseMatrix::Constant(1, 1, 4.0)};
    const GaussianMixtureModel gmm(w, means, covs);
    const Index n = 10001;
    const Matrix grid = Vector::LinSpaced(n, -25.0, 35.0);
    const double mass =
        trapezoid(-25.0, 35.0, n).dot(test::log_densities(gmm, grid).array().exp().matrix());
    CHECK(mass == Approx(1.0).epsilon(1e-9));
  }
  {
    const GaussianMixtureModel gmm = full_mixture();
    const Index n = 801;
    const Vector axis = Vector::LinSpaced(n, -12.0, 12.0), weights = trapezoid(-12.0, 12.0, n);
    Matrix grid(n * n, 2);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < n; ++j)
        grid.row(i * n + j) << axis(i), axis(j);
    const Vector density = test::log_densities(gmm, grid).array().exp();
    double mass = 0;
    for (Index i = 0; i < n; ++i)
      mass += weights(i) * weights.dot(density.segment(i * n, n));
    CHECK(mass == Approx(1.0).epsilon(1e-9));
  }
}

TEST_CASE("GMM samples are keyed by global row and have the mixture moments", "[gmm]") {
  const GaussianMixtureModel gmm = full_mixture();
  const Matrix all = gmm.sample(30, 5, RngStream::Test);
  CHECK(gmm.sample(12, 5, RngStream::Test, 9) == all.middleRows(9, 12));

  Vector mean = Vector::Zero(2);
  DenseMatrix second = DenseMatrix::Zero(2, 2);
  for (Index k = 0; k < 3; ++k) {
    const Vector mu = gmm.means().row(k).transpose();
    mean += gmm.weights()(k) * mu;
    second += gmm.weights()(k) * (gmm.covariances()[k] + mu * mu.transpose());
  }
  const DenseMatrix cov = second - mean * mean.transpose();

  const Index n = 40000;
  const Matrix x = gmm.sample(n, 6, RngStream::Test);
  const Vector sample_mean = x.colwise().mean().transpose();
  const Matrix centred = x.rowwise() - sample_mean.transpose();
  const DenseMatrix sample_cov = centred.transpose() * centred / double(n - 1);
  const Vector sd = cov.diagonal().cwiseSqrt();
  // 5 standard errors; a mixture's fourth moments are larger than a Gaussian's, so 3 √(1/n) per
  // sd².
  for (Index i = 0; i < 2; ++i) {
    CHECK(std::abs(sample_mean(i) - mean(i)) < 5 * sd(i) / std::sqrt(double(n)));
    for (Index j = 0; j < 2; ++j)
      CHECK(std::abs(sample_cov(i, j) - cov(i, j)) < 5 * 3 * sd(i) * sd(j) / std::sqrt(double(n)));
  }
}

TEST_CASE("GMM constructor rejects inconsistent or invalid components", "[gmm]") {
  Matrix means(2, 2);
  means.setZero();
  std::vector<DenseMatrix> covs(2, DenseMatrix::Identity(2, 2));
  CHECK_THROWS_WITH(GaussianMixtureModel(Vector::Ones(3), means, covs), Contains("must agree"));
  CHECK_THROWS_WITH(GaussianMixtureModel(Vector::Constant(2, -1.0), means, covs),
                    Contains("weights must be positive"));
  covs[1] = DenseMatrix::Identity(3, 3);
  CHECK_THROWS_WITH(GaussianMixtureModel(Vector::Ones(2), means, covs),
                    Contains("component 1") && Contains("expected 2 x 2"));
  covs[1] = -DenseMatrix::Identity(2, 2);
  CHECK_THROWS_WITH(GaussianMixtureModel(Vector::Ones(2), means, covs),
                    Contains("component 1") && Contains("not positive definite"));
}
