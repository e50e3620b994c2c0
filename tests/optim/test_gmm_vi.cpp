#include <catch2/catch.hpp>

#include <csignal>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/metrics/jsd.hpp"
#include "l0svgd/optim/gaussian_mixture.hpp"
#include "l0svgd/optim/gmm_vi.hpp"
#include "test_support.hpp"
#include "test_targets.hpp"

#include <mpi.h>

using namespace l0svgd;

namespace {
Vector target_weights() {
  return Vector::Map(std::vector<double>{0.35, 0.65}.data(), 2);
}
Matrix target_means() {
  Matrix means(2, 2);
  means << -1.5, 0.0, 1.5, 0.5;
  return means;
}
std::vector<DenseMatrix> target_covariances() {
  return {test::covariance_2d(0.5, 0.3, 0.6), test::covariance_2d(0.4, 0.6, -0.3)};
}
std::vector<DenseMatrix> choleskys(const std::vector<DenseMatrix>& covariances) {
  std::vector<DenseMatrix> factors;
  for (const auto& c : covariances)
    factors.push_back(c.llt().matrixL());
  return factors;
}
GaussianMixture target_mixture() {
  return GaussianMixture(target_weights(), target_means(), choleskys(target_covariances()));
}
// log p̃ = 2 + log(mixture): the VI target, unnormalised on purpose.
test::MixtureTarget target_model() {
  return test::MixtureTarget(target_weights(), target_means(), target_covariances(),
                             Vector::Constant(2, -5.0), Vector::Constant(2, 5.0), 2.0);
}
// A deliberately wrong start: equal weights, shifted means, isotropic covariances.
GaussianMixture perturbed_start() {
  Matrix means = target_means();
  means.row(0) += Eigen::RowVector2d(0.3, -0.2);
  means.row(1) += Eigen::RowVector2d(-0.25, 0.3);
  return GaussianMixture(Vector::Ones(2), means,
                         std::vector<DenseMatrix>(2, 0.6 * DenseMatrix::Identity(2, 2)));
}
} // namespace

TEST_CASE("Gaussian mixture density is normalised, with the right gradient and sampler",
          "[mixture]") {
  const GaussianMixture q = target_mixture();
  const test::MixtureTarget reference = target_model();
  Matrix x(3, 2);
  x << 0.1, 0.2, -1.0, 0.4, 2.0, -0.5;
  Vector log_q(3), log_ref(3);
  Matrix grad_q(3, 2), grad_ref(3, 2);
  q.log_density_and_gradient(x, log_q, grad_q);
  reference.evaluate(x, log_ref, grad_ref);
  CHECK((log_q.array() + 2.0 - log_ref.array()).abs().maxCoeff() < 1e-12);
  CHECK((grad_q - grad_ref).norm() < 1e-12);
  Vector only_density(3);
  q.log_density(x, only_density);
  CHECK((only_density - log_q).norm() == 0.0);

  const Index n = 20000;
  Matrix samples(n, 2);
  q.sample(3, RngStream::Test, 0, samples);
  const Eigen::RowVector2d mean = samples.colwise().mean();
  const Eigen::RowVector2d expected = target_weights().transpose() * target_means();
  CHECK((mean - expected).norm() < 0.03);
  // Fraction of draws nearer the second component ≈ its weight.
  const double second = ((samples.col(0).array() > 0).cast<double>()).mean();
  CHECK(second == Approx(0.65).margin(0.015));
  Matrix part(5, 2);
  q.sample(3, RngStream::Test, 100, part);
  CHECK((part - samples.middleRows(100, 5)).norm() == 0.0);

  CHECK_THROWS_AS(GaussianMixture(Vector::Zero(2), target_means(), choleskys(target_covariances())),
                  InputError);
  CHECK_THROWS_AS(GaussianMixture(Vector::Ones(2), target_means(),
                                  std::vector<DenseMatrix>(2, -DenseMatrix::Identity(2, 2))),
                  InputError);
}

TEST_CASE("Gaussian-mixture VI recovers a 2-component mixture, same on any rank count", "[vi]") {
  const test::MixtureTarget model = target_model();
  const GaussianMixture truth = target_mixture();
  ViSettings settings;
  settings.iterations = 1500;
  settings.samples = 16;
  settings.step = 0.02;
  settings.monitor_every = 500;
  GaussianMixtureVi vi(model, settings, MPI_COMM_WORLD);
  std::vector<ViRecord> seen;
  vi.set_monitor([&](const ViRecord& r) { seen.push_back(r); });
  vi.set_reference(
      [&](const GaussianMixture& q) { return jsd_monte_carlo(truth, q, 2000, 5, MPI_COMM_WORLD); });
  const ViResult result = vi.run(perturbed_start(), 1.5);

  const GaussianMixture& q = result.mixture;
  INFO("weights " << q.weights().transpose() << "\nmeans\n" << q.means());
  CHECK((q.weights() - target_weights()).cwiseAbs().maxCoeff() < 0.05);
  for (Index k = 0; k < 2; ++k) {
    const Vector delta = (q.means().row(k) - target_means().row(k)).transpose();
    const double mahalanobis = std::sqrt(delta.dot(target_covariances()[k].inverse() * delta));
    CHECK(mahalanobis < 0.1);
  }
  // The ELBO of the exact fit is log ∫p̃ = 2.
  CHECK(result.elbo == Approx(2.0).margin(0.02));
  CHECK(result.iterations == 1500);

  REQUIRE(result.history.size() == 4); // iterations 0, 500, 1000, 1500
  CHECK(seen.size() == 4);
  CHECK(result.history.back().iteration == 1500);
  CHECK(result.history.front().time >= 1.5);
  CHECK(result.history.back().time > result.history.front().time);
  CHECK(result.history.front().jsd > 0.01);
  CHECK(result.history.back().jsd < 0.01);
  CHECK(result.history.back().elbo > result.history.front().elbo);

  GaussianMixtureVi serial(model, settings, MPI_COMM_SELF);
  const ViResult alone = serial.run(perturbed_start());
  CHECK((alone.mixture.weights() - q.weights()).norm() < 1e-9);
  CHECK((alone.mixture.means() - q.means()).norm() < 1e-9);
  CHECK((alone.mixture.cholesky(1) - q.cholesky(1)).norm() < 1e-9);
}

TEST_CASE("VI stopped by a signal and resumed from its state equals an uninterrupted run", "[vi]") {
  const test::MixtureTarget model = target_model();
  ViSettings settings;
  settings.iterations = 60;
  settings.samples = 9; // chunks of 4, 4 and 1 draws: uneven over the ranks
  settings.step = 0.02;
  settings.monitor_every = 7;
  GaussianMixtureVi vi(model, settings, MPI_COMM_WORLD);
  const ViResult straight = vi.run(perturbed_start());
  ViState state;
  {
    const StopSignals signals;
    const ViResult stopped = vi.run(perturbed_start(), 0.0, nullptr, [](const ViState& s) {
      if (s.iteration == 25)
        std::raise(SIGUSR1);
    });
    CHECK(stopped.stop_signal == SIGUSR1);
    CHECK(stopped.iterations == 25);
    state = stopped.state;
  }
  CHECK(state.iteration == 25);
  CHECK(state.history.size() == 4); // iterations 0, 7, 14, 21
  const ViResult resumed = vi.run(perturbed_start(), 0.0, &state);
  CHECK(resumed.stop_signal == 0);
  CHECK(resumed.iterations == 60);
  CHECK(resumed.elbo == straight.elbo);
  CHECK(resumed.mixture.weights() == straight.mixture.weights());
  CHECK(resumed.mixture.means() == straight.mixture.means());
  CHECK(resumed.mixture.cholesky(0) == straight.mixture.cholesky(0));
  CHECK(resumed.mixture.cholesky(1) == straight.mixture.cholesky(1));
  REQUIRE(resumed.history.size() == straight.history.size());
  for (size_t i = 0; i < straight.history.size(); ++i) {
    CHECK(resumed.history[i].iteration == straight.history[i].iteration);
    CHECK(resumed.history[i].elbo == straight.history[i].elbo);
  }
  // A state of another shape, or past the iteration limit, is refused.
  ViState wrong = state;
  wrong.theta.resize(3);
  CHECK_THROWS_WITH(vi.run(perturbed_start(), 0.0, &wrong),
                    Catch::Contains("the state to resume has 3 parameters"));
  wrong = state;
  wrong.iteration = 61;
  CHECK_THROWS_WITH(vi.run(perturbed_start(), 0.0, &wrong),
                    Catch::Contains("at iteration 61, -vi_iterations is 60"));
}

TEST_CASE("VI cold start and failures", "[vi][errors]") {
  const GaussianMixture cold =
      cold_start_mixture(3, Vector::Constant(2, 0.0), Vector::Constant(2, 2.0), 0.1, 4);
  CHECK(cold.n_components() == 3);
  CHECK((cold.weights().array() == 1.0 / 3).all());
  CHECK((cold.means().array() >= 0).all());
  CHECK((cold.means().array() <= 2).all());
  CHECK((cold.cholesky(2) - 0.2 * DenseMatrix::Identity(2, 2)).norm() < 1e-15);
  const Vector inf = Vector::Constant(2, std::numeric_limits<double>::infinity());
  CHECK_THROWS_AS(cold_start_mixture(2, -inf, inf, 0.1, 1), InputError);

  const test::NanTarget nan_model(0.0);
  ViSettings settings;
  settings.iterations = 5;
  settings.samples = 4;
  GaussianMixtureVi vi(nan_model, settings, MPI_COMM_WORLD);
  CHECK_THROWS_WITH(
      vi.run(cold_start_mixture(2, Vector::Constant(2, -1.0), Vector::Constant(2, 1.0), 0.5, 1)),
      Catch::Contains("non-finite log density"));
}
