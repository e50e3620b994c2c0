// Accuracy of SVGD against targets with known moments. Tolerances are stated per test; the
// iteration counts and steps were tuned (with a NumPy copy of the same algorithm) to keep a clear
// margin while running in a few seconds at 4 oversubscribed ranks.
#include <catch2/catch.hpp>

#include <cmath>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/svgd/engine.hpp"
#include "l0svgd/svgd/initialization.hpp"
#include "test_models.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {

struct SvgdResult {
  Matrix particles;
  double initial_ksd_squared, final_ksd_squared;
};

SvgdResult run_svgd(const Model& model, Index iterations, double step, const InitConfig& init,
                    uint64_t seed) {
  SvgdSettings s;
  s.n_particles = 200;
  s.iterations = iterations;
  s.step_rule.step = step;
  s.monitor_every = 0;
  s.ksd_every = 0;
  SvgdEngine engine(model, s, MPI_COMM_WORLD);
  engine.set_local_particles(draw_initial_particles(init, engine.partition(), model.dim(), seed));
  SvgdResult result;
  result.initial_ksd_squared = engine.stein_discrepancy_squared();
  engine.run();
  result.final_ksd_squared = engine.stein_discrepancy_squared();
  result.particles = engine.gather_particles();
  return result;
}

Vector sample_mean(const Matrix& x) {
  return x.colwise().mean().transpose();
}

DenseMatrix sample_covariance(const Matrix& x) {
  const Matrix centred = x.rowwise() - x.colwise().mean();
  return centred.transpose() * centred / static_cast<double>(x.rows());
}

// Largest |mean error| in units of the true marginal standard deviation.
double scaled_mean_error(const Matrix& x, const Vector& mean, const DenseMatrix& cov) {
  return ((sample_mean(x) - mean).array() / cov.diagonal().array().sqrt()).abs().maxCoeff();
}

} // namespace

TEST_CASE("2-D correlated Gaussian: mean within 0.05 sd, covariance within 10%", "[accuracy]") {
  Vector mean(2);
  mean << 1.0, -1.0;
  DenseMatrix cov(2, 2);
  cov << 1.0, 0.5, 0.5, 2.0;
  const test::GaussianTarget model(mean, cov.inverse());
  const SvgdResult r = run_svgd(model, 600, 0.05, InitConfig{}, 11);
  const double mean_error = scaled_mean_error(r.particles, mean, cov);
  const double cov_error = (sample_covariance(r.particles) - cov).norm() / cov.norm();
  INFO("mean error " << mean_error << " sd, covariance relative error " << cov_error);
  CHECK(mean_error < 0.05);
  CHECK(cov_error < 0.1);
  // The KSD is a usable convergence diagnostic: it drops by far from the N(0, I) start.
  CHECK(r.final_ksd_squared < 0.05 * r.initial_ksd_squared);
}

TEST_CASE("10-D Gaussian with N = 200, plain RBF in the target's coordinates: means, correlations, "
          "and the known variance collapse",
          "[accuracy]") {
  const Index d = 10;
  const Vector mean = Vector::LinSpaced(d, -1.0, 1.0);
  const Vector sd = Vector::LinSpaced(d, 0.8, 1.25);
  DenseMatrix corr(d, d), cov(d, d);
  for (Index i = 0; i < d; ++i)
    for (Index j = 0; j < d; ++j) {
      corr(i, j) = std::pow(0.3, std::abs(static_cast<double>(i - j)));
      cov(i, j) = sd(i) * corr(i, j) * sd(j);
    }
  const test::GaussianTarget model(mean, cov.inverse());
  const SvgdResult r = run_svgd(model, 500, 0.03, InitConfig{}, 12);
  const DenseMatrix c = sample_covariance(r.particles);
  const Vector v = c.diagonal();
  const DenseMatrix sample_corr =
      v.cwiseSqrt().cwiseInverse().asDiagonal() * c * v.cwiseSqrt().cwiseInverse().asDiagonal();
  const Vector variance_ratio = v.cwiseQuotient(sd.cwiseAbs2());
  const double mean_error = scaled_mean_error(r.particles, mean, cov);
  const double corr_error = (sample_corr - corr).cwiseAbs().maxCoeff();
  INFO("mean error " << mean_error << " sd, correlation error " << corr_error
                     << ", variance ratios " << variance_ratio.transpose());
  CHECK(mean_error < 0.05);
  CHECK(corr_error < 0.1);
  // RBF SVGD with the median heuristic under-disperses when d is not small against N (REFERENCE §1,
  // "variance collapse"). The bounds are the spread of the numpy reference over 200 initial
  // ensembles in this configuration, mean -/+ 4 sd rounded outwards (bench/variance_collapse.py,
  // bench/results/variance_collapse.md: smallest ratio 0.518 +- 0.002, largest 0.579 +- 0.001), so
  // a change in the dynamics that moves the collapse by more than the initial ensemble can fails.
  CHECK(variance_ratio.minCoeff() > 0.51);
  CHECK(variance_ratio.maxCoeff() < 0.59);
}

TEST_CASE("1-D two-component mixture: particle fraction per mode within 0.1 of its weight",
          "[accuracy]") {
  // Bimodal (the modes are 4.3 sd apart) but not so separated that SVGD's deterministic flow just
  // keeps the split of the initial particles, which it does for modes with a deep valley between.
  const test::Mixture1d model({0.3, 0.7}, {-1.5, 1.5}, {0.7, 0.7});
  InitConfig init;
  init.scale = {3.0};
  const SvgdResult r = run_svgd(model, 400, 0.05, init, 13);
  const double left = (r.particles.col(0).array() < 0.0).cast<double>().mean();
  INFO("fraction in the left mode " << left);
  CHECK(std::abs(left - 0.3) < 0.1);
  CHECK(std::abs((1.0 - left) - 0.7) < 0.1);
}

TEST_CASE("Bayesian linear regression posterior (d = 3): mean within 0.1 sd, covariance within 15%",
          "[accuracy]") {
  // y = w0 + w1 t + w2 (t² − mean t²) + e, 20 points on [-1, 1], noise sd 0.3, prior N(0, I).
  const Index n = 20;
  DenseMatrix design(n, 3);
  Vector y(n);
  const Vector t = Vector::LinSpaced(n, -1.0, 1.0);
  const double mean_t2 = t.squaredNorm() / n;
  for (Index i = 0; i < n; ++i) {
    design.row(i) << 1.0, t(i), t(i) * t(i) - mean_t2;
    RandomSequence noise(5, RngStream::Test, static_cast<uint64_t>(i));
    y(i) = design.row(i).dot(Eigen::Vector3d(0.5, -1.0, 2.0)) + 0.3 * noise.normal();
  }
  const test::LinearRegressionPosterior model(design, y, 1.0, 1.0 / 0.09);
  const Vector mean = model.posterior_mean();
  const DenseMatrix cov = model.posterior_precision().inverse();
  // The posterior sd is about 0.1, so the AdaGrad step (which moves every coordinate by about ε)
  // must be small against it.
  const SvgdResult r = run_svgd(model, 1000, 0.005, InitConfig{}, 14);
  const double mean_error = scaled_mean_error(r.particles, mean, cov);
  const double cov_error = (sample_covariance(r.particles) - cov).norm() / cov.norm();
  INFO("mean error " << mean_error << " sd, covariance relative error " << cov_error);
  CHECK(mean_error < 0.1);
  CHECK(cov_error < 0.15);
}
