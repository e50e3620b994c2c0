#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/affine_model.hpp"
#include "l0svgd/models/gaussian.hpp"
#include "model_checks.hpp"

using namespace l0svgd;

namespace {

// log q and ∇_z log q at the rows z, and log p and ∇_x log p at x = map(z).
struct BothEvaluated {
  Vector lp, lp_inner;
  Matrix g, g_inner;
};
BothEvaluated evaluate_both(const AffineModel& q, const Model& p, const Matrix& z,
                            const Matrix& x) {
  BothEvaluated e{Vector(z.rows()), Vector(z.rows()), Matrix(z.rows(), z.cols()),
                  Matrix(z.rows(), z.cols())};
  q.evaluate(z, e.lp, e.g);
  p.evaluate(x, e.lp_inner, e.g_inner);
  return e;
}

} // namespace

TEST_CASE("a diagonal affine model is the same density in coordinates z = x / s", "[affine]") {
  Vector mean(3);
  mean << 1.0, -2.0, 0.5;
  DenseMatrix cov(3, 3);
  cov << 4.0, 0.01, 0.0, 0.01, 0.0004, 0.0, 0.0, 0.0, 1.0;
  const GaussianModel inner(mean, cov);
  Vector s(3);
  s << 2.0, 0.02, 1.0; // the marginal standard deviations
  const AffineModel scaled(inner, AffineMap::scaling(s, Vector::Zero(3)));
  CHECK(scaled.dim() == 3);

  Matrix z(2, 3);
  z << 0.3, -90.0, 0.2, 0.7, -110.0, -0.4;
  const Matrix x = scaled.to_original(z);
  CHECK((scaled.to_whitened(x) - z).norm() < 1e-12);
  const auto [lp, lp_inner, g, g_inner] = evaluate_both(scaled, inner, z, x);
  // log q(z) = log p(s ∘ z), ∇_z = s ∘ ∇_x.
  CHECK((lp - lp_inner).norm() < 1e-12);
  for (Index p = 0; p < 2; ++p)
    for (Index i = 0; i < 3; ++i)
      CHECK(g(p, i) == Approx(s(i) * g_inner(p, i)).epsilon(1e-14));
  // Central differences of log q along each z coordinate, to 1e-6 relative.
  CHECK(test::max_scaled_error(test::fd_gradient(scaled, z, 1e-5), g) < 1e-6);
  // The scaled Gaussian has covariance diag(s)⁻¹ Σ diag(s)⁻¹: a correlation matrix here.
  const DenseMatrix h = scaled.hessian(z.row(0).transpose());
  const DenseMatrix expected =
      s.asDiagonal() * inner.hessian(x.row(0).transpose()) * s.asDiagonal();
  CHECK((h - expected).norm() < 1e-10);
  const DenseMatrix correlation = DenseMatrix(-h).inverse();
  for (Index i = 0; i < 3; ++i)
    CHECK(correlation(i, i) == Approx(1.0).epsilon(1e-10));
}

TEST_CASE("an affine model rejects maps that are not finite and invertible", "[affine][errors]") {
  const GaussianModel inner(Vector::Zero(2), DenseMatrix::Identity(2, 2));
  CHECK_THROWS_AS(AffineModel(inner, AffineMap::scaling(Vector::Ones(3), Vector::Zero(3))),
                  InputError);
  Vector bad(2);
  bad << 1.0, 0.0;
  CHECK_THROWS_WITH(AffineModel(inner, AffineMap::scaling(bad, Vector::Zero(2))),
                    Catch::Contains("not a finite positive number"));
  bad << 1.0, std::nan("");
  CHECK_THROWS_AS(AffineModel(inner, AffineMap::scaling(bad, Vector::Zero(2))), InputError);
  DenseMatrix singular = DenseMatrix::Identity(2, 2);
  singular(1, 1) = 0.0;
  CHECK_THROWS_WITH(AffineModel(inner, AffineMap::triangular(singular, Vector::Zero(2))),
                    Catch::Contains("positive diagonal"));
}

TEST_CASE("a full affine model x = m + L z: density, gradient, Hessian, round trip", "[affine]") {
  Vector mean(3);
  mean << 1.0, -2.0, 0.5;
  DenseMatrix cov(3, 3);
  cov << 4.0, 0.9, 0.2, 0.9, 0.5, 0.1, 0.2, 0.1, 1.0;
  const GaussianModel inner(mean, cov);
  const DenseMatrix lower = cov.llt().matrixL();
  const AffineModel whitened(inner, AffineMap::triangular(lower, mean));
  Matrix z(2, 3);
  z << 0.3, -0.9, 0.2, 0.7, 1.1, -0.4;
  const Matrix x = whitened.to_original(z);
  CHECK((x.row(0).transpose() - (mean + lower * z.row(0).transpose())).norm() < 1e-13);
  CHECK((whitened.to_whitened(x) - z).norm() < 1e-13);
  const auto [lp, lp_inner, g, g_inner] = evaluate_both(whitened, inner, z, x);
  CHECK((lp - lp_inner).norm() < 1e-12);
  // Whitened by its own covariance, the Gaussian is N(0, I): ∇_z log q = −z, Hessian −I.
  CHECK((g + z).norm() < 1e-12);
  CHECK((whitened.hessian(z.row(1).transpose()) + DenseMatrix::Identity(3, 3)).norm() < 1e-12);
  CHECK(test::max_scaled_error(test::fd_gradient(whitened, z, 1e-5), g) < 1e-6);
  // sds of x for z with covariance I are sqrt(diag Σ); a full map has no box in z.
  CHECK((whitened.map().original_sd(DenseMatrix::Identity(3, 3)) - cov.diagonal().cwiseSqrt())
            .norm() < 1e-13);
  CHECK(std::isinf(whitened.lower_bounds()(0)));
  CHECK(std::isinf(whitened.upper_bounds()(2)));
}
