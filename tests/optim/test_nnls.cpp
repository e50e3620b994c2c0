#include <catch2/catch.hpp>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/optim/nnls.hpp"

#include <Eigen/QR>

#include "test_support.hpp"

using namespace l0svgd;

namespace {

// Reference by enumeration: the best feasible unconstrained least-squares solution over all
// supports.
Vector brute_force_nnls(const DenseMatrix& a, const Vector& b) {
  const Index n = a.cols();
  Vector best = Vector::Zero(n);
  double best_residual = b.norm();
  for (unsigned mask = 1; mask < (1u << n); ++mask) {
    std::vector<Index> columns;
    for (Index j = 0; j < n; ++j)
      if (mask & (1u << j))
        columns.push_back(j);
    DenseMatrix sub(a.rows(), static_cast<Index>(columns.size()));
    for (size_t c = 0; c < columns.size(); ++c)
      sub.col(c) = a.col(columns[c]);
    const Vector z = sub.colPivHouseholderQr().solve(b);
    if ((z.array() < 0).any())
      continue;
    Vector x = Vector::Zero(n);
    for (size_t c = 0; c < columns.size(); ++c)
      x(columns[c]) = z(c);
    const double residual = (a * x - b).norm();
    if (residual < best_residual) {
      best_residual = residual;
      best = x;
    }
  }
  return best;
}
} // namespace

TEST_CASE("NNLS reproduces an interior solution exactly", "[nnls]") {
  const DenseMatrix a = test::normal_matrix<DenseMatrix>(10, 4, 1);
  Vector x_true(4);
  x_true << 0.5, 1.0, 2.0, 0.25;
  const NnlsResult r = nnls(a, a * x_true);
  CHECK(r.converged);
  CHECK((r.x - x_true).norm() < 1e-12);
  CHECK(r.residual_norm < 1e-12);
}

TEST_CASE("NNLS with an active constraint", "[nnls]") {
  // min ‖x − (1, −1)‖ over x ≥ 0 is (1, 0): the second constraint is active.
  Vector b(2);
  b << 1.0, -1.0;
  const NnlsResult simple = nnls(DenseMatrix::Identity(2, 2), b);
  CHECK(simple.x(0) == Approx(1.0));
  CHECK(simple.x(1) == 0.0);
  CHECK(simple.residual_norm == Approx(1.0));

  // Lawson & Hanson's KKT conditions and the enumerated optimum on random problems with active
  // bounds.
  int with_active = 0;
  for (uint64_t seed = 2; seed < 22; ++seed) {
    const DenseMatrix a = test::normal_matrix<DenseMatrix>(8, 5, seed);
    const Vector b = test::normal_matrix<DenseMatrix>(8, 1, seed + 1000).col(0);
    const NnlsResult r = nnls(a, b);
    REQUIRE(r.converged);
    const Vector reference = brute_force_nnls(a, b);
    CHECK((r.x - reference).norm() < 1e-10);
    const Vector w = a.transpose() * (b - a * r.x);
    for (Index j = 0; j < 5; ++j) {
      CHECK(r.x(j) >= 0);
      if (r.x(j) > 0)
        CHECK(std::abs(w(j)) < 1e-10);
      else
        CHECK(w(j) < 1e-10);
    }
    with_active += (r.x.array() == 0).any() ? 1 : 0;
  }
  CHECK(with_active > 5); // the cases really exercise the constraints
}

TEST_CASE("NNLS handles duplicate columns and a zero right-hand side", "[nnls]") {
  DenseMatrix a = test::normal_matrix<DenseMatrix>(6, 3, 7);
  a.col(2) = a.col(1);
  Vector x_true(3);
  x_true << 1.0, 2.0, 0.0;
  const NnlsResult r = nnls(a, a * x_true);
  CHECK(r.converged);
  CHECK(r.residual_norm < 1e-12);
  CHECK((r.x.array() >= 0).all());
  CHECK(r.x(1) + r.x(2) == Approx(2.0));

  const NnlsResult zero = nnls(a, Vector::Zero(6));
  CHECK(zero.x.isZero(0));
}
