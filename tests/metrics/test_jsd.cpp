#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/metrics/jsd.hpp"
#include "l0svgd/optim/gaussian_mixture.hpp"
#include "test_support.hpp"

#include <cmath>
#include <mpi.h>

using namespace l0svgd;

namespace {
// ½ N(−a, I) + ½ N(a, I) with a = (4, 0): the modes are 8 standard deviations apart.
GaussianMixture two_modes() {
  Matrix means(2, 2);
  means << -4.0, 0.0, 4.0, 0.0;
  return GaussianMixture(Vector::Ones(2), means,
                         std::vector<DenseMatrix>(2, DenseMatrix::Identity(2, 2)));
}
GaussianMixture right_mode() {
  Matrix means(1, 2);
  means << 4.0, 0.0;
  return GaussianMixture(Vector::Ones(1), means, {DenseMatrix::Identity(2, 2)});
}

// Unnormalised target Model wrapping a mixture (log p̃ = log q + c).
class MixtureModel : public Model {
public:
  MixtureModel(GaussianMixture q, double c) : q_(std::move(q)), c_(c) {}
  Index dim() const override { return q_.dim(); }
  std::string name() const override { return "test_mixture_model"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    q_.log_density_and_gradient(x, log_density, gradient);
    log_density.array() += c_;
  }

private:
  GaussianMixture q_;
  double c_;
};

// Missing one of two equal, separated modes: P = ½(φ₁ + φ₂), Q = φ₂, M = ¼φ₁ + ¾φ₂, so
// KL(P‖M) = ½ log(2) + ½ log(2/3) and KL(Q‖M) = log(4/3): JSD = ¾ log(4/3) ≈ 0.2158 nats.
const double kMissingMode = 0.75 * std::log(4.0 / 3.0);
} // namespace

TEST_CASE("Monte Carlo JSD of identical densities is zero", "[jsd]") {
  const JsdEstimate e = jsd_monte_carlo(two_modes(), two_modes(), 1000, 1, MPI_COMM_WORLD);
  CHECK(std::abs(e.value) < 1e-12);
  CHECK(std::abs(e.value) <= 3 * e.standard_error + 1e-12);
}

TEST_CASE("Monte Carlo JSD of a missing mode is 3/4 log(4/3), same on any rank count", "[jsd]") {
  REQUIRE(kMissingMode == Approx(0.2158).margin(1e-4));
  const JsdEstimate e = jsd_monte_carlo(two_modes(), right_mode(), 4000, 2, MPI_COMM_WORLD);
  INFO(e.value << " +- " << e.standard_error);
  CHECK(e.standard_error > 0);
  CHECK(e.standard_error < 0.01);
  CHECK(std::abs(e.value - kMissingMode) < 3 * e.standard_error);
  const JsdEstimate symmetric = jsd_monte_carlo(right_mode(), two_modes(), 4000, 3, MPI_COMM_WORLD);
  CHECK(std::abs(symmetric.value - kMissingMode) < 3 * symmetric.standard_error);

  const JsdEstimate alone = jsd_monte_carlo(two_modes(), right_mode(), 4000, 2, MPI_COMM_SELF);
  CHECK(alone.value == e.value);
  CHECK(alone.standard_error == e.standard_error);
}

TEST_CASE("grid JSD of a 2-D unnormalised target against mixtures", "[jsd]") {
  const MixtureModel target(two_modes(), 12.0);
  const GridPosterior grid(target, Vector::Map(std::vector<double>{-10, -6}.data(), 2),
                           Vector::Map(std::vector<double>{10, 6}.data(), 2), 200, MPI_COMM_WORLD);
  CHECK(grid.log_normaliser() == Approx(12.0).margin(1e-6));
  CHECK(grid.nodes().rows() == 201 * 201);

  const JsdEstimate same = grid.jsd(two_modes());
  CHECK(std::abs(same.value) < 1e-6);
  const JsdEstimate missing = grid.jsd(right_mode());
  INFO(missing.value << " +- " << missing.standard_error);
  CHECK(missing.value == Approx(kMissingMode).margin(1e-4));
  CHECK(missing.standard_error < 1e-3);

  // Mass outside the box is unmatched (the target is zero there): a density disjoint from the
  // target has JSD log 2 even with half of its mass outside the box.
  Matrix edge(1, 2);
  edge << 0.0, 6.0; // on the top edge, 7.2 standard deviations from both target modes
  const GaussianMixture outside(Vector::Ones(1), edge, {DenseMatrix::Identity(2, 2)});
  CHECK(grid.jsd(outside).value == Approx(M_LN2).margin(1e-3));

  const GridPosterior alone(target, Vector::Map(std::vector<double>{-10, -6}.data(), 2),
                            Vector::Map(std::vector<double>{10, 6}.data(), 2), 200, MPI_COMM_SELF);
  CHECK(alone.jsd(right_mode()).value == missing.value);
}

TEST_CASE("grid posterior draws follow the grid density, on any split of the draws", "[jsd]") {
  // A correlated Gaussian well inside its box: the draws' moments are the Gaussian's to within the
  // Monte Carlo error and the O(h²) error of the piecewise-constant density (h = 0.05 here).
  Matrix mean(1, 2);
  mean << 0.5, -1.0;
  DenseMatrix factor(2, 2);
  factor << 0.6, 0.0, 0.3, 0.4;
  const MixtureModel target(GaussianMixture(Vector::Ones(1), mean, {factor}), 3.0);
  const Vector lo = Vector::Map(std::vector<double>{-3, -4}.data(), 2);
  const Vector hi = Vector::Map(std::vector<double>{4, 2}.data(), 2);
  const GridPosterior grid(target, lo, hi, 140, MPI_COMM_WORLD);
  const Index n = 40000;
  Matrix draws(n, 2);
  grid.sample(7, RngStream::Test, 0, draws);
  CHECK((draws.rowwise() - lo.transpose()).minCoeff() >= 0.0);
  CHECK((draws.rowwise() - hi.transpose()).maxCoeff() <= 0.0);
  const Eigen::RowVector2d m = draws.colwise().mean();
  const Matrix centred = draws.rowwise() - m;
  const DenseMatrix covariance = centred.transpose() * centred / static_cast<double>(n - 1);
  const DenseMatrix truth = factor * factor.transpose(); // [[0.36, 0.18], [0.18, 0.25]]
  INFO("mean " << m << "\ncovariance\n" << covariance);
  // Standard errors: sd/√n ≤ 0.003 for the means, about 0.0025 for the (co)variances.
  CHECK((m - mean).cwiseAbs().maxCoeff() < 0.012);
  CHECK((covariance - truth).cwiseAbs().maxCoeff() < 0.012);
  // Draw i depends on i alone: a block drawn from its own first index is the same.
  Matrix block(100, 2);
  grid.sample(7, RngStream::Test, 500, block);
  CHECK(block == draws.middleRows(500, 100));
  // At the edge a node owns half a cell: the draws in x ∈ [3.75, 4] of a box ending at x = 4 (h =
  // 0.5) come from the last column of nodes, as often as that column's trapezoid mass says.
  const MixtureModel corner(right_mode(), 0.0);
  const GridPosterior edge(corner, Vector::Constant(2, -1.0), Vector::Constant(2, 4.0), 10,
                           MPI_COMM_WORLD);
  double last_column = 0;
  for (Index j = 0; j <= 10; ++j)
    last_column +=
        0.5 * ((j == 0 || j == 10) ? 0.5 : 1.0) * 0.25 * std::exp(edge.log_density()(10 * 11 + j));
  Matrix at_edge(20000, 2);
  edge.sample(1, RngStream::Test, 0, at_edge);
  CHECK(at_edge.maxCoeff() <= 4.0);
  CHECK(at_edge.minCoeff() >= -1.0);
  const double share = (at_edge.col(0).array() >= 3.75).cast<double>().mean();
  INFO("share " << share << ", trapezoid mass " << last_column);
  CHECK(std::abs(share - last_column) < 4 * std::sqrt(last_column * (1 - last_column) / 20000));
}

TEST_CASE("JSD input errors", "[jsd][errors]") {
  const MixtureModel target(two_modes(), 0.0);
  const Vector lo = Vector::Constant(2, -1.0), hi = Vector::Constant(2, 1.0);
  CHECK_THROWS_AS(GridPosterior(target, hi, lo, 10, MPI_COMM_WORLD), InputError);
  CHECK_THROWS_AS(GridPosterior(target, lo, hi, 11, MPI_COMM_WORLD), InputError);
  CHECK_THROWS_AS(jsd_monte_carlo(two_modes(), right_mode(), 1, 1, MPI_COMM_WORLD), InputError);
}
