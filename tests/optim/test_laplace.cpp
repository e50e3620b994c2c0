#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/optim/laplace.hpp"
#include "test_support.hpp"
#include "test_targets.hpp"

using namespace l0svgd;

namespace {
DenseMatrix test_covariance() {
  DenseMatrix cov(3, 3);
  cov << 2.0, 0.6, 0.1, 0.6, 1.0, -0.3, 0.1, -0.3, 0.5;
  return cov;
}
} // namespace

TEST_CASE("Laplace on a Gaussian is that Gaussian, with its mass", "[laplace]") {
  Vector mean(3);
  mean << 1.0, -2.0, 0.5;
  const DenseMatrix cov = test_covariance();
  const double log_constant = 4.25; // p̃ = e^c N(mean, cov), so the Laplace mass is e^c
  for (bool exact : {false, true}) {
    const test::GaussianTarget model(mean, cov, log_constant, exact);
    Vector value(1);
    model.log_density(mean.transpose(), value);
    const auto components = laplace_components(model, mean.transpose(), value, LaplaceSettings{});
    REQUIRE(components.size() == 1);
    const LaplaceComponent& c = components[0];
    INFO("exact Hessian: " << exact);
    CHECK((c.mean - mean).norm() == 0.0);
    CHECK((c.covariance - cov).norm() < 1e-7 * cov.norm());
    CHECK((c.cholesky * c.cholesky.transpose() - cov).norm() < 1e-7 * cov.norm());
    CHECK(c.cholesky.isLowerTriangular());
    CHECK(c.log_mass == Approx(log_constant).margin(1e-7));
    CHECK(c.n_clipped == 0);
  }
}

TEST_CASE("finite-difference Hessian of -log p is symmetric and matches the exact one",
          "[laplace]") {
  Vector mean(3);
  mean << 0.3, 0.0, -1.0;
  const test::GaussianTarget model(mean, test_covariance());
  Vector x(3);
  x << 1.0, 2.0, -3.0;
  const DenseMatrix h = negative_log_hessian(model, x, 1e-5);
  CHECK((h - h.transpose()).norm() == 0.0);
  CHECK((h - test_covariance().inverse()).norm() < 1e-8);
}

TEST_CASE("an indefinite Hessian is repaired by eigenvalue clipping", "[laplace]") {
  DenseMatrix h(2, 2);
  h << 2.0, 0.0, 0.0, -1.0;
  const Vector lower = Vector::Constant(2, 0.0), upper = Vector::Constant(2, 1.0);
  const RepairedHessian r = repair_hessian(h, 1e-3, lower, upper);
  CHECK(r.n_clipped == 1);
  // Floor: max(1e-3 · 2, 1/diameter²) with diameter √2.
  CHECK(r.floor == Approx(0.5));
  CHECK(r.precision(0, 0) == Approx(2.0));
  CHECK(r.precision(1, 1) == Approx(0.5));
  CHECK(r.precision(0, 1) == Approx(0.0).margin(1e-15));

  const Vector inf = Vector::Constant(2, std::numeric_limits<double>::infinity());
  const RepairedHessian unbounded = repair_hessian(h, 1e-3, -inf, inf);
  CHECK(unbounded.floor == Approx(2e-3));
  CHECK_THROWS_AS(repair_hessian(-h.cwiseAbs(), 1e-3, -inf, inf), ModelError);
}

TEST_CASE("a saddle point's negative curvature is clipped to a positive-definite component",
          "[laplace]") {
  // Mixture of two close modes: the midpoint is a saddle of log p (Hessian of -log p indefinite).
  Matrix means(2, 2);
  means << -1.0, 0.0, 1.0, 0.0;
  const test::MixtureTarget model(
      Vector::Ones(2), means,
      {DenseMatrix::Identity(2, 2) * 0.25, DenseMatrix::Identity(2, 2) * 0.25},
      Vector::Constant(2, -3.0), Vector::Constant(2, 3.0));
  Matrix saddle = Matrix::Zero(1, 2);
  Vector value(1);
  model.log_density(saddle, value);
  const auto c = laplace_components(model, saddle, value, LaplaceSettings{});
  CHECK(c[0].n_clipped == 1);
  CHECK(c[0].covariance.llt().info() == Eigen::Success);
  CHECK(c[0].covariance(0, 0) <= 72.0 + 1e-9); // clipped to 1/diameter², diameter² = 72
}
