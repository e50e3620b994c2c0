#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/banana.hpp"
#include "model_checks.hpp"

using namespace l0svgd;

TEST_CASE("banana log density matches the formula, gradient and Hessian match differences",
          "[banana]") {
  const BananaModel banana(1.5, 0.7);
  const Matrix x = test::test_points(25, 2, 8, 2.0);
  Vector values(x.rows());
  Matrix gradient(x.rows(), 2);
  banana.evaluate(x, values, gradient);
  for (Index i = 0; i < x.rows(); ++i) {
    const double x1 = x(i, 0), t = x(i, 1) - 0.7 * x1 * x1 + 1.5 * 1.5 * 0.7;
    CHECK(values(i) ==
          Approx(-0.5 * (x1 * x1 / 2.25 + t * t) - std::log(2 * M_PI * 1.5)).epsilon(1e-12));
  }
  CHECK(test::max_scaled_error(gradient, test::fd_gradient(banana, x, 1e-5)) < 1e-6);
  for (Index i = 0; i < 4; ++i) {
    const Vector point = x.row(i).transpose();
    CHECK(test::max_scaled_error(banana.hessian(point), test::fd_hessian(banana, point, 1e-5)) <
          1e-6);
  }
}

TEST_CASE("banana is normalised with mean zero and the stated covariance (2-D quadrature)",
          "[banana]") {
  const double a = 1.0, b = 0.5;
  const BananaModel banana(a, b);
  // The density lives near x2 = b x1² − a² b: integrate over (x1, t) cells mapped to x2 so the grid
  // follows the ridge; the map has unit Jacobian.
  const Index n1 = 801, n2 = 801;
  const Vector x1 = Vector::LinSpaced(n1, -9.0, 9.0), t = Vector::LinSpaced(n2, -9.0, 9.0);
  const double h1 = 18.0 / (n1 - 1), h2 = 18.0 / (n2 - 1);
  Matrix grid(n1 * n2, 2);
  for (Index i = 0; i < n1; ++i)
    for (Index j = 0; j < n2; ++j)
      grid.row(i * n2 + j) << x1(i), t(j) + b * x1(i) * x1(i) - a * a * b;
  const Vector p = test::log_densities(banana, grid).array().exp();
  const double cell = h1 * h2;
  const double mass = p.sum() * cell;
  const Vector mean = grid.transpose() * p * cell;
  const Matrix weighted = grid.array().colwise() * p.array();
  const DenseMatrix second = grid.transpose() * weighted * cell;
  CHECK(mass == Approx(1.0).epsilon(1e-9));
  CHECK(mean.norm() < 1e-9);
  CHECK(test::max_scaled_error(second, banana.covariance()) < 1e-8);
  CHECK(banana.covariance()(1, 1) == Approx(1.0 + 2.0 * b * b));
}

TEST_CASE("banana samples have the stated moments and are keyed by global row", "[banana]") {
  const BananaModel banana(1.0, 0.5);
  const Matrix all = banana.sample(20, 3, RngStream::Test);
  CHECK(banana.sample(5, 3, RngStream::Test, 15) == all.bottomRows(5));
  const Index n = 40000;
  const Matrix x = banana.sample(n, 4, RngStream::Test);
  const Vector mean = x.colwise().mean();
  CHECK(std::abs(mean(0)) < 5 * 1.0 / std::sqrt(double(n)));
  CHECK(std::abs(mean(1)) < 5 * std::sqrt(1.5) / std::sqrt(double(n)));
  CHECK(x.col(0).squaredNorm() / n == Approx(1.0).epsilon(0.03));
  // var(x2) = 1 + 2 a⁴ b² = 1.5. With x2 = z2 + b (z1² − 1): E x2⁴ = 3 + 6·0.5 + 0.0625·60 = 9.75,
  // so the sample variance's standard error is sqrt((9.75 − 1.5²)/n) = 0.0137; 5 of them: 0.07.
  CHECK(x.col(1).squaredNorm() / n == Approx(1.5).margin(0.07));
  // cov(x1, x2) = b E z1³ = 0, standard error sqrt(E x1² x2² / n) = sqrt(3.5/n) = 0.0094.
  CHECK(std::abs(x.col(0).dot(x.col(1)) / n) < 5 * 0.0094);
}

TEST_CASE("banana is never NaN for finite points, however extreme", "[banana]") {
  const double big = 1e200, huge = std::numeric_limits<double>::max();
  for (double b : {-2.0, 0.0, 3.0}) {
    const BananaModel banana(0.5, b);
    Matrix x(6, 2);
    x << big, 0.0, -big, big, 0.0, -huge, huge, huge, -huge, -huge, 1e-300, 1e300;
    Vector values(6);
    Matrix gradient(6, 2);
    banana.evaluate(x, values, gradient);
    CHECK_FALSE(values.array().isNaN().any());
    CHECK_FALSE(gradient.array().isNaN().any());
    CHECK((values.array() < 0).all());
  }
  CHECK_THROWS_AS(BananaModel(0.0, 1.0), InputError);
}
