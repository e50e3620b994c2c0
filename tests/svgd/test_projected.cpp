#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Dense>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/svgd/engine.hpp"
#include "l0svgd/svgd/initialization.hpp"
#include "l0svgd/svgd/projected.hpp"
#include "test_models.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {

/// Linear-Gaussian inverse problem: prior x ~ N(0, I_d), data y = A x + e, e ~ N(0, σ² I_k), with
/// k < d, so the likelihood informs only the k directions spanned by the rows of A. Posterior
/// precision P = I + AᵀA/σ², mean P⁻¹Aᵀy/σ².
class LowRankInverseProblem : public Model {
public:
  LowRankInverseProblem(Index dim, Index informed, double sigma, bool separable = true)
      : design_(informed, dim), data_(informed), sigma2_(sigma * sigma), separable_(separable) {
    RandomSequence rng(31, RngStream::Test, 0);
    for (Index i = 0; i < informed; ++i)
      for (Index j = 0; j < dim; ++j)
        design_(i, j) = rng.normal() / std::sqrt(static_cast<double>(dim));
    for (Index i = 0; i < informed; ++i)
      data_(i) = 1.0 + 0.5 * i;
  }
  Index dim() const override { return design_.cols(); }
  std::string name() const override { return "test_low_rank_inverse"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    const Matrix residual = (x * design_.transpose()).rowwise() - data_.transpose();
    log_density =
        -0.5 * residual.rowwise().squaredNorm() / sigma2_ - 0.5 * x.rowwise().squaredNorm();
    gradient.noalias() = -residual * design_ / sigma2_ - x;
  }
  bool has_likelihood_gradient() const override { return separable_; }
  void log_likelihood_gradient(const ConstMatrixRef& x, MatrixRef gradient) const override {
    if (!separable_)
      Model::log_likelihood_gradient(x, gradient);
    const Matrix residual = (x * design_.transpose()).rowwise() - data_.transpose();
    gradient.noalias() = -residual * design_ / sigma2_;
  }

  DenseMatrix posterior_covariance() const {
    const DenseMatrix precision =
        DenseMatrix::Identity(dim(), dim()) + design_.transpose() * design_ / sigma2_;
    return precision.inverse();
  }
  Vector posterior_mean() const {
    return posterior_covariance() * design_.transpose() * data_ / sigma2_;
  }
  /// Orthonormal basis of the informed subspace, the row space of A.
  DenseMatrix informed_basis() const {
    Eigen::HouseholderQR<DenseMatrix> qr(design_.transpose());
    return qr.householderQ() * DenseMatrix::Identity(dim(), design_.rows());
  }

private:
  DenseMatrix design_;
  Vector data_;
  double sigma2_;
  bool separable_;
};

SvgdSettings svgd_settings(Index particles, Index iterations, double step = 0.05) {
  SvgdSettings s;
  s.n_particles = particles;
  s.iterations = iterations;
  s.step_rule.type = StepRuleType::Adagrad;
  s.step_rule.step = step;
  s.monitor_every = 0;
  s.ksd_every = 0;
  return s;
}

// Prior draws N(0, I), keyed by particle.
Matrix prior_particles(const Partition& partition, Index dim) {
  InitConfig init;
  return draw_initial_particles(init, partition, dim, 8);
}

struct History {
  Matrix initial, particles;
  std::vector<IterationInfo> info;
  std::vector<Index> ranks;
  Vector eigenvalues;
  DenseMatrix basis;
};

History run_psvgd(const Model& model, const SvgdSettings& s, const ProjectionSettings& p,
                  MPI_Comm comm) {
  ProjectedSvgdEngine engine(model, s, p, comm);
  engine.set_local_particles(prior_particles(engine.partition(), model.dim()));
  History h;
  h.initial = engine.gather_particles();
  engine.run([&](const ProjectedSvgdEngine& e, const IterationInfo& info) {
    h.info.push_back(info);
    h.ranks.push_back(e.subspace_rank());
  });
  h.particles = engine.gather_particles();
  h.eigenvalues = engine.eigenvalues();
  h.basis = engine.basis();
  return h;
}

DenseMatrix sample_covariance(const DenseMatrix& x) {
  const DenseMatrix centred = x.rowwise() - x.colwise().mean();
  return centred.transpose() * centred / static_cast<double>(x.rows() - 1);
}

} // namespace

TEST_CASE("pSVGD options: defaults, values and validation", "[projected]") {
  {
    test::ScopedOptions scoped("");
    Options options;
    const ProjectionSettings p = configure_projection(options);
    CHECK(p.eigenvalue_tolerance == 0.1);
    CHECK(p.initial_rank == 10);
    CHECK(p.rank_step == 2);
    CHECK(p.update_every == 100);
    CHECK(p.max_rank == 0);
  }
  {
    test::ScopedOptions scoped("-psvgd_tol 0.5 -psvgd_rank 3 -psvgd_rank_step 1 "
                               "-psvgd_update_every 20 -psvgd_max_rank 6 -psvgd_subspace_tol 0.1");
    Options options;
    const ProjectionSettings p = configure_projection(options);
    CHECK(p.eigenvalue_tolerance == 0.5);
    CHECK(p.initial_rank == 3);
    CHECK(p.rank_step == 1);
    CHECK(p.update_every == 20);
    CHECK(p.max_rank == 6);
    CHECK(p.subspace_tolerance == 0.1);
  }
  for (const char* bad : {"-psvgd_tol -1", "-psvgd_rank 0", "-psvgd_rank_step -1",
                          "-psvgd_update_every -5", "-psvgd_max_rank -1"}) {
    INFO(bad);
    test::ScopedOptions scoped(bad);
    Options options;
    CHECK_THROWS_AS(configure_projection(options), InputError);
  }
  const LowRankInverseProblem model(6, 2, 0.3);
  ProjectionSettings p;
  p.initial_rank = 0;
  CHECK_THROWS_WITH(ProjectedSvgdEngine(model, svgd_settings(8, 1), p, MPI_COMM_WORLD),
                    Catch::Contains("-psvgd_rank"));
  CHECK_THROWS_AS(
      ProjectedSvgdEngine(model, svgd_settings(1, 1), ProjectionSettings(), MPI_COMM_WORLD),
      InputError);
}

TEST_CASE("pSVGD recovers the posterior in the informed subspace", "[projected]") {
  // d = 30 with 2 informed directions (posterior sd about 0.18 there, against 1 for the prior);
  // 200 particles from the prior. The AdaGrad step of 0.01 is small against that sd: the rule moves
  // every coordinate by about the step even at the fixed point.
  const LowRankInverseProblem model(30, 2, 0.2);
  const History h =
      run_psvgd(model, svgd_settings(200, 800, 0.01), ProjectionSettings(), MPI_COMM_WORLD);
  const DenseMatrix basis = h.basis;
  REQUIRE(basis.cols() == 2);
  // The basis spans the informed subspace.
  const DenseMatrix informed = model.informed_basis();
  CHECK((basis * basis.transpose() - informed * informed.transpose()).norm() < 1e-10);
  // The complement never moves.
  const DenseMatrix moved = h.particles - h.initial;
  CHECK((moved - moved * basis * basis.transpose()).cwiseAbs().maxCoeff() < 1e-12);

  const DenseMatrix w = h.particles * informed;
  const Vector mean = w.colwise().mean().transpose();
  const DenseMatrix cov = sample_covariance(w);
  const Vector true_mean = informed.transpose() * model.posterior_mean();
  const DenseMatrix true_cov = informed.transpose() * model.posterior_covariance() * informed;
  // In the posterior's own metric (whitened by its Cholesky factor): mean within 0.05 sd, the
  // covariance within 0.15 of the identity in Frobenius norm. SVGD's finite-N under-dispersion
  // is part of that (0.075 measured; plain SVGD on the 2-D posterior gives the same).
  const Eigen::LLT<DenseMatrix> chol(true_cov);
  const DenseMatrix l_inv = chol.matrixL().solve(DenseMatrix::Identity(2, 2));
  const double mean_error = (l_inv * (mean - true_mean)).norm();
  const double cov_error = (l_inv * cov * l_inv.transpose() - DenseMatrix::Identity(2, 2)).norm();
  INFO("mean " << mean.transpose() << " vs " << true_mean.transpose() << "\ncov\n"
               << cov << "\nvs\n"
               << true_cov << "\nwhitened errors: mean " << mean_error << ", cov " << cov_error);
  CHECK(mean_error < 0.05);
  CHECK(cov_error < 0.15);
}

TEST_CASE("pSVGD is SVGD on the coefficients in the informed subspace", "[projected]") {
  // With the plain step rule SVGD commutes with rotations, so pSVGD in the basis Ψ (which the
  // updates every 25 iterations may rotate within the subspace) must move the coefficients
  // Qᵀx, Q any orthonormal basis of the subspace, exactly as SVGD on the 2-D posterior of Qᵀx.
  const LowRankInverseProblem model(30, 2, 0.2);
  SvgdSettings s = svgd_settings(24, 150, 0.004);
  s.step_rule.type = StepRuleType::Plain;
  ProjectionSettings p;
  p.update_every = 25;
  const History projected = run_psvgd(model, s, p, MPI_COMM_WORLD);

  const DenseMatrix q = model.informed_basis();
  const Vector mean = q.transpose() * model.posterior_mean();
  const DenseMatrix precision = (q.transpose() * model.posterior_covariance() * q).inverse();
  const test::GaussianTarget coefficients(mean, precision);
  SvgdEngine engine(coefficients, s, MPI_COMM_WORLD);
  const Matrix start = projected.initial * q;
  engine.set_local_particles(
      start.middleRows(engine.partition().local_begin(), engine.partition().n_local()));
  engine.run();
  const Matrix expected = engine.gather_particles();
  const double diff = (projected.particles * q - expected).cwiseAbs().maxCoeff();
  INFO("max difference " << diff);
  CHECK(diff < 1e-9);
  CHECK((expected - start).cwiseAbs().maxCoeff() > 0.1); // the particles did move
}

TEST_CASE("the pSVGD basis matches a direct eigendecomposition of H", "[projected]") {
  const LowRankInverseProblem model(12, 5, 0.5);
  ProjectionSettings p;
  p.initial_rank = 3;
  ProjectedSvgdEngine engine(model, svgd_settings(16, 0), p, MPI_COMM_WORLD);
  engine.set_local_particles(prior_particles(engine.partition(), 12));
  engine.update_basis();
  const Matrix x = engine.gather_particles();
  Matrix g(x.rows(), 12);
  model.log_likelihood_gradient(x, g);
  const DenseMatrix h = g.transpose() * g / static_cast<double>(x.rows());
  Eigen::SelfAdjointEigenSolver<DenseMatrix> eigen(h);
  const Vector direct = eigen.eigenvalues().reverse();
  const Vector& mine = engine.eigenvalues();
  REQUIRE(mine.size() == 12);
  CHECK((mine - direct).cwiseAbs().maxCoeff() < 1e-10 * direct(0));
  CHECK(direct(5) < 1e-10 * direct(0)); // rank 5 data misfit
  REQUIRE(engine.subspace_rank() == 3); // the budget binds
  const DenseMatrix top = eigen.eigenvectors().rightCols(3);
  CHECK((engine.basis() * engine.basis().transpose() - top * top.transpose()).norm() < 1e-10);
  CHECK((engine.basis().transpose() * engine.basis() - DenseMatrix::Identity(3, 3)).norm() < 1e-12);
}

TEST_CASE("pSVGD grows its rank to the informed dimension, the same for every rank count",
          "[projected]") {
  // 4 informed directions of 10, budget 1 growing by 2 (capped at 4 informed ones), basis every
  // 15 iterations; a loose subspace tolerance makes the growth happen early.
  const LowRankInverseProblem model(10, 4, 0.5);
  ProjectionSettings p;
  p.initial_rank = 1;
  p.rank_step = 2;
  p.update_every = 15;
  p.subspace_tolerance = 0.5;
  SvgdSettings s = svgd_settings(13, 80);
  s.ksd_every = 20;
  const History serial = run_psvgd(model, s, p, MPI_COMM_SELF);
  const History parallel = run_psvgd(model, s, p, MPI_COMM_WORLD);
  // Budget 1, then 3, then 5 of which only 4 directions pass the eigenvalue tolerance.
  std::vector<Index> distinct = serial.ranks;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  CHECK(distinct == std::vector<Index>{1, 3, 4});
  CHECK(serial.ranks == parallel.ranks);
  const double diff = (serial.particles - parallel.particles).cwiseAbs().maxCoeff();
  INFO("max particle difference " << diff);
  CHECK(diff <= 1e-12 * serial.particles.cwiseAbs().maxCoeff());
  REQUIRE(serial.info.size() == parallel.info.size());
  for (size_t k = 0; k < serial.info.size(); ++k) {
    const IterationInfo &a = serial.info[k], &b = parallel.info[k];
    CHECK(a.bandwidth == Approx(b.bandwidth).epsilon(1e-12));
    CHECK(a.step_norm == Approx(b.step_norm).epsilon(1e-12));
    CHECK(a.mean_log_density == Approx(b.mean_log_density).epsilon(1e-12));
    CHECK(a.has_ksd == b.has_ksd);
    if (a.has_ksd)
      CHECK(std::abs(a.ksd_squared - b.ksd_squared) < 1e-12 * (1.0 + std::abs(b.ksd_squared)));
  }
}

TEST_CASE("pSVGD without a separate likelihood gradient uses the full score", "[projected]") {
  // The prior's gradient −x makes H full rank, so the budget decides the rank.
  const LowRankInverseProblem model(8, 2, 0.5, false);
  ProjectionSettings p;
  p.initial_rank = 5;
  p.max_rank = 3;
  const History h = run_psvgd(model, svgd_settings(12, 5), p, MPI_COMM_WORLD);
  CHECK(h.basis.cols() == 3);
  CHECK((h.eigenvalues.array() > 0.0).all());
  CHECK(h.info.size() == 5);
}
