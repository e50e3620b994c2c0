#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <cmath>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/gaussian.hpp"
#include "model_checks.hpp"

using namespace l0svgd;
using Catch::Contains;

namespace {

// log N(x; μ, Σ) from the textbook formula, through an LU factorisation (independent of the model's
// Cholesky and precision).
double explicit_log_density(const Vector& x, const Vector& mean, const DenseMatrix& cov) {
  const Eigen::FullPivLU<DenseMatrix> lu(cov);
  const Vector r = x - mean;
  return -0.5 * r.dot(lu.solve(r)) -
         0.5 * std::log(std::pow(2.0 * M_PI, static_cast<double>(x.size())) * lu.determinant());
}

GaussianModel correlated_gaussian() {
  Vector mean(5);
  mean << 1.0, -2.0, 0.5, 3.0, 0.0;
  return GaussianModel(mean, random_spd_matrix(5, 1e3, 7));
}

} // namespace

TEST_CASE("Gaussian log density matches the explicit formula with the determinant", "[gaussian]") {
  const GaussianModel model = correlated_gaussian();
  const Matrix x = test::test_points(20, 5, 1, 2.0);
  const Vector values = test::log_densities(model, x);
  for (Index i = 0; i < x.rows(); ++i)
    CHECK(values(i) ==
          Approx(explicit_log_density(x.row(i).transpose(), model.mean(), model.covariance()))
              .epsilon(1e-10));
}

TEST_CASE("Gaussian gradient matches central differences and the Hessian is minus the precision",
          "[gaussian]") {
  const GaussianModel model = correlated_gaussian();
  const Matrix x = test::test_points(10, 5, 2);
  Vector values(10);
  Matrix gradient(10, 5);
  model.evaluate(x, values, gradient);
  // Central differences of a quadratic are exact up to rounding: tolerance 1e-6 relative.
  CHECK(test::max_scaled_error(gradient, test::fd_gradient(model, x, 1e-4)) < 1e-6);
  CHECK(test::max_scaled_error(gradient, -(x.rowwise() - model.mean().transpose()) *
                                             model.covariance().inverse()) < 1e-9);
  CHECK(test::max_scaled_error(model.hessian(x.row(0).transpose()),
                               -DenseMatrix(model.covariance().inverse())) < 1e-9);
  CHECK(test::max_scaled_error(model.precision() * model.covariance(),
                               DenseMatrix::Identity(5, 5)) < 1e-10);
}

TEST_CASE("random SPD covariances have the requested condition number and unit determinant",
          "[gaussian]") {
  const DenseMatrix a = random_spd_matrix(6, 1e4, 3);
  const Eigen::SelfAdjointEigenSolver<DenseMatrix> eig(a);
  CHECK(eig.eigenvalues().maxCoeff() / eig.eigenvalues().minCoeff() == Approx(1e4).epsilon(1e-8));
  CHECK(a.determinant() == Approx(1.0).epsilon(1e-8));
  CHECK((a - a.transpose()).norm() == 0.0);
  CHECK(random_spd_matrix(6, 1e4, 3) == a);
  CHECK((random_spd_matrix(6, 1e4, 4) - a).norm() > 1e-3);
  CHECK(random_spd_matrix(1, 50.0, 3)(0, 0) == Approx(1.0));
}

TEST_CASE("Gaussian samples are keyed by global row and have the right moments", "[gaussian]") {
  const GaussianModel model = correlated_gaussian();
  const Matrix all = model.sample(20, 11, RngStream::Test);
  CHECK(model.sample(10, 11, RngStream::Test, 5) == all.middleRows(5, 10));

  const Index n = 40000;
  const Matrix x = model.sample(n, 12, RngStream::Test);
  const Vector mean = x.colwise().mean().transpose();
  const Matrix centred = x.rowwise() - mean.transpose();
  const DenseMatrix cov = centred.transpose() * centred / static_cast<double>(n - 1);
  const Vector sd = model.covariance().diagonal().cwiseSqrt();
  // Standard errors: sd/√n for the mean, about sd_i sd_j √(2/n) for covariance entries; allow 5 of
  // them.
  for (Index j = 0; j < 5; ++j)
    CHECK(std::abs(mean(j) - model.mean()(j)) < 5 * sd(j) / std::sqrt(double(n)));
  for (Index i = 0; i < 5; ++i)
    for (Index j = 0; j < 5; ++j)
      CHECK(std::abs(cov(i, j) - model.covariance()(i, j)) <
            5 * sd(i) * sd(j) * std::sqrt(2.0 / double(n)));
}

TEST_CASE("Gaussian constructor rejects bad covariances", "[gaussian]") {
  DenseMatrix indefinite(2, 2);
  indefinite << 1, 2, 2, 1;
  CHECK_THROWS_WITH(GaussianModel(Vector::Zero(2), indefinite), Contains("not positive definite"));
  DenseMatrix singular(2, 2);
  singular << 1, 1, 1, 1;
  CHECK_THROWS_WITH(GaussianModel(Vector::Zero(2), singular), Contains("not positive definite"));
  DenseMatrix asymmetric(2, 2);
  asymmetric << 1, 0.5, 0.4, 1;
  CHECK_THROWS_WITH(GaussianModel(Vector::Zero(2), asymmetric), Contains("not symmetric"));
  CHECK_THROWS_WITH(GaussianModel(Vector::Zero(3), DenseMatrix::Identity(2, 2)),
                    Contains("mean has 3 entries"));
}
