// The matrix-valued mixture kernel (Wang et al. 2019) against its definition, pair by pair: K and
// the Gaussian-mixture weights written out directly, and the divergence ∇_y·K(x, y) by central
// differences, so the derivation of the weights' gradients is checked too.
#include <catch2/catch.hpp>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <cmath>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"
#include "l0svgd/svgd/mixture_kernel.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {

// A smooth SPD precision that varies with x: A + diag(1 + x²).
DenseMatrix precision_at(const ConstVectorRef& x) {
  DenseMatrix a(3, 3);
  a << 2.0, 0.6, -0.3, 0.6, 1.5, 0.2, -0.3, 0.2, 1.0;
  a.diagonal() += (1.0 + x.array().square()).matrix();
  return a;
}

struct Mixture {
  std::vector<Vector> anchor;
  std::vector<DenseMatrix> q;
  Vector h;
  // w_l(x) ∝ N(x; a_l, Q_l⁻¹).
  Vector weights(const Vector& x) const {
    Vector w(anchor.size());
    for (std::size_t l = 0; l < anchor.size(); ++l) {
      const Vector r = x - anchor[l];
      w(l) = std::sqrt(q[l].determinant()) * std::exp(-0.5 * r.dot(q[l] * r));
    }
    return w / w.sum();
  }
  DenseMatrix k(const Vector& x, const Vector& y) const {
    const Vector wx = weights(x), wy = weights(y);
    DenseMatrix total = DenseMatrix::Zero(x.size(), x.size());
    for (std::size_t l = 0; l < anchor.size(); ++l) {
      const Vector r = x - y;
      total += wx(l) * wy(l) * std::exp(-r.dot(q[l] * r) / h(l)) * q[l].inverse();
    }
    return total;
  }
};

} // namespace

TEST_CASE("hessian_mixture direction matches K s + div_y K pair by pair on every rank count",
          "[kernel][mixture]") {
  const Index n = 12, d = 3, m = 3;
  const Matrix x = test::normal_matrix(n, d, 71), s = test::normal_matrix(n, d, 72);
  Partition part(n, MPI_COMM_WORLD);
  MixtureKernel kernel(m, part, d, 5, MPI_COMM_WORLD);
  Matrix local(part.n_local(), 2 * d);
  local << s.middleRows(part.local_begin(), part.n_local()),
      x.middleRows(part.local_begin(), part.n_local());
  Matrix phi_local(part.n_local(), d);
  const Index iteration = 3;
  kernel.direction(local, iteration, precision_at, phi_local);
  Matrix phi(n, d);
  RowGather(part, d, MPI_COMM_WORLD).gather(phi_local, phi);

  const std::vector<Index> anchors = kernel.anchor_indices(iteration);
  REQUIRE(anchors.size() == static_cast<std::size_t>(m));
  for (Index a : anchors)
    CHECK((a >= 0 && a < n));
  CHECK(anchors[0] != anchors[1]);
  Mixture mix;
  for (Index a : anchors) {
    mix.anchor.push_back(x.row(a).transpose());
    mix.q.push_back(precision_at(x.row(a).transpose()));
  }
  mix.h = kernel.anchor_bandwidths();
  CHECK(kernel.bandwidth() == Approx(mix.h.mean()).epsilon(1e-14));

  const double e = 1e-5;
  Matrix expected = Matrix::Zero(n, d);
  for (Index i = 0; i < n; ++i) {
    const Vector xi = x.row(i).transpose();
    for (Index j = 0; j < n; ++j) {
      const Vector xj = x.row(j).transpose();
      Vector term = mix.k(xi, xj) * s.row(j).transpose();
      for (Index b = 0; b < d; ++b) { // (∇_y·K)_a = Σ_b ∂K_ab/∂y_b
        Vector yp = xj, ym = xj;
        yp(b) += e;
        ym(b) -= e;
        term += (mix.k(xi, yp).col(b) - mix.k(xi, ym).col(b)) / (2 * e);
      }
      expected.row(i) += term.transpose();
    }
  }
  expected /= static_cast<double>(n);
  INFO("largest |phi| " << expected.cwiseAbs().maxCoeff());
  CHECK((phi - expected).cwiseAbs().maxCoeff() <= 1e-7 * expected.cwiseAbs().maxCoeff());
}

TEST_CASE("hessian_mixture refuses a precision that is not positive definite",
          "[kernel][mixture]") {
  const Index n = 8, d = 3;
  Partition part(n, MPI_COMM_WORLD);
  MixtureKernel kernel(2, part, d, 5, MPI_COMM_WORLD);
  const Matrix all = test::normal_matrix(n, 2 * d, 73);
  Matrix phi(part.n_local(), d);
  const auto indefinite = [](const ConstVectorRef&) {
    DenseMatrix q = DenseMatrix::Identity(3, 3);
    q(1, 1) = -1.0;
    return q;
  };
  CHECK_THROWS_WITH(
      kernel.direction(all.middleRows(part.local_begin(), part.n_local()), 0, indefinite, phi),
      Catch::Contains("not positive definite"));
}
