#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "l0svgd/core/error.hpp"
#include "l0svgd/svgd/engine.hpp"
#include "l0svgd/svgd/initialization.hpp"
#include "test_models.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {

test::GaussianTarget correlated_gaussian() {
  Vector mean(3);
  mean << 1.0, -0.5, 2.0;
  DenseMatrix cov(3, 3);
  cov << 1.0, 0.6, 0.0, 0.6, 2.0, -0.3, 0.0, -0.3, 0.5;
  return test::GaussianTarget(mean, cov.inverse());
}

SvgdSettings small_settings(KernelType kernel, StepRuleType rule) {
  SvgdSettings s;
  s.n_particles = 23;
  s.iterations = 40;
  s.kernel.type = kernel;
  s.step_rule.type = rule;
  s.step_rule.step = 0.05;
  s.monitor_every = 0;
  s.ksd_every = 10;
  return s;
}

void start(SvgdEngine& engine, uint64_t seed) {
  InitConfig init;
  init.scale = {1.5};
  engine.set_local_particles(draw_initial_particles(init, engine.partition(), engine.dim(), seed));
}

struct Trajectory {
  Matrix particles;
  std::vector<IterationInfo> history;
};

Trajectory run_on(const Model& model, const SvgdSettings& s, MPI_Comm comm) {
  SvgdEngine engine(model, s, comm);
  start(engine, 3);
  Trajectory t;
  engine.run([&](const SvgdEngine&, const IterationInfo& info) { t.history.push_back(info); });
  t.particles = engine.gather_particles();
  return t;
}

double relative_difference(double a, double b) {
  return std::abs(a - b) / std::max({std::abs(a), std::abs(b), 1e-300});
}

} // namespace

TEST_CASE("SVGD options: defaults, KSD cadence following the monitor, validation", "[engine]") {
  {
    test::ScopedOptions scoped("");
    Options options;
    const SvgdSettings s = configure_svgd(options);
    CHECK(s.n_particles == 100);
    CHECK(s.iterations == 1000);
    CHECK(s.step_rule.step == 1e-2);
    CHECK(s.step_rule.type == StepRuleType::Adagrad);
    CHECK(s.step_rule.alpha == 0.9);
    CHECK(s.kernel.type == KernelType::Rbf);
    CHECK(s.kernel.bandwidth == 0.0);
    CHECK(s.tolerance == 0.0);
    CHECK(s.monitor_every == 100);
    CHECK(s.ksd_every == 100);
  }
  {
    test::ScopedOptions scoped("-svgd_particles 8 -svgd_kernel imq -svgd_bandwidth 0.5 "
                               "-svgd_monitor_every 7 -svgd_step_rule plain -svgd_tol 1e-4");
    Options options;
    const SvgdSettings s = configure_svgd(options);
    CHECK(s.n_particles == 8);
    CHECK(s.kernel.type == KernelType::Imq);
    CHECK(s.kernel.bandwidth == 0.5);
    CHECK(s.ksd_every == 7);
    CHECK(s.step_rule.type == StepRuleType::Plain);
    CHECK(s.tolerance == 1e-4);
  }
  for (const char* bad : {"-svgd_particles 1", "-svgd_step -1", "-svgd_bandwidth -1",
                          "-svgd_kernel gauss", "-svgd_iterations -3"}) {
    INFO(bad);
    test::ScopedOptions scoped(bad);
    Options options;
    CHECK_THROWS_AS(configure_svgd(options), InputError);
  }
}

TEST_CASE("fewer particles than ranks is an input error on every rank", "[engine]") {
  const auto model = correlated_gaussian();
  SvgdSettings s = small_settings(KernelType::Rbf, StepRuleType::Adagrad);
  s.n_particles = std::max(1, test::size() - 1);
  CHECK_THROWS_AS(SvgdEngine(model, s, MPI_COMM_WORLD), InputError);
  if (test::size() >= 3)
    CHECK_THROWS_WITH(SvgdEngine(model, s, MPI_COMM_WORLD),
                      Catch::Contains("smaller than the number of MPI ranks"));
  s.n_particles = test::size() + 1;
  SvgdEngine engine(model, s, MPI_COMM_WORLD);
  CHECK_THROWS_AS(engine.set_local_particles(Matrix::Zero(engine.partition().n_local() + 1, 3)),
                  InputError);
}

TEST_CASE("the memory estimate covers what the engine allocates, and a run too large is refused",
          "[engine]") {
  const auto model = correlated_gaussian(); // d = 3
  for (KernelType type : {KernelType::Rbf, KernelType::Imq, KernelType::RbfCoordinate}) {
    SvgdSettings s = small_settings(type, StepRuleType::Adam);
    s.n_particles = 300;
    const SvgdEngine engine(model, s, MPI_COMM_WORLD);
    const double n_local = static_cast<double>(engine.partition().n_local());
    // The kernel's buffers plus the engine's own n_local x d blocks (particles, [S X], direction,
    // displacement, Adam's two moments), as allocated.
    const double allocated = engine.kernel().buffer_bytes() + 8.0 * 8.0 * n_local * 3.0;
    const double estimate = svgd_memory_bytes(s, test::size(), 3);
    INFO(kernel_name(type) << ": estimate " << estimate << " B, allocated " << allocated << " B");
    CHECK(estimate >= allocated);
    // The median's sample (at most N n_local values) is the only term allocated on demand.
    CHECK(estimate <= 1.5 * allocated + 8.0 * 300.0 * n_local);
  }
  SvgdSettings huge = small_settings(KernelType::Rbf, StepRuleType::Adagrad);
  huge.n_particles = 2000000000;
  CHECK_THROWS_WITH(check_svgd_memory(huge, 3, MPI_COMM_WORLD),
                    Catch::Contains("GiB per rank are available"));
  huge.n_particles = 100;
  CHECK_NOTHROW(check_svgd_memory(huge, 3, MPI_COMM_WORLD));
}

TEST_CASE("final particles agree for every rank count (1e-12) with a serial run", "[engine]") {
  const auto model = correlated_gaussian();
  for (KernelType kernel : {KernelType::Rbf, KernelType::Imq})
    for (StepRuleType rule : {StepRuleType::Adagrad, StepRuleType::Adam, StepRuleType::Plain}) {
      const SvgdSettings s = small_settings(kernel, rule);
      const Trajectory serial = run_on(model, s, MPI_COMM_SELF);
      // Every group size 1..P of the world's ranks: at 4 ranks this covers P = 1, 2, 3 and 4.
      for (int group = 1; group <= test::size(); ++group) {
        MPI_Comm comm;
        MPI_Comm_split(MPI_COMM_WORLD, test::rank() < group ? 0 : 1, test::rank(), &comm);
        const Trajectory parallel = run_on(model, s, comm);
        MPI_Comm_free(&comm);
        const double diff = (parallel.particles - serial.particles).cwiseAbs().maxCoeff();
        INFO(kernel_name(kernel) << " " << step_rule_name(rule) << ", group of " << group
                                 << ": max difference " << diff);
        CHECK(diff <= 1e-12 * serial.particles.cwiseAbs().maxCoeff());
        CHECK(parallel.history.size() == serial.history.size());
        for (size_t k = 0; k < std::min(serial.history.size(), parallel.history.size()); ++k) {
          const IterationInfo &a = parallel.history[k], &b = serial.history[k];
          CHECK(a.iteration == b.iteration);
          CHECK(relative_difference(a.bandwidth, b.bandwidth) < 1e-12);
          CHECK(relative_difference(a.mean_log_density, b.mean_log_density) < 1e-12);
          CHECK(relative_difference(a.step_norm, b.step_norm) < 1e-12);
          CHECK(a.has_ksd == b.has_ksd);
          if (a.has_ksd)
            CHECK(std::abs(a.ksd_squared - b.ksd_squared) < 1e-12 * (1 + std::abs(b.ksd_squared)));
        }
      }
    }
}

TEST_CASE("a run resumed from saved state ends where an uninterrupted run ends", "[engine]") {
  const auto model = correlated_gaussian();
  SvgdSettings s = small_settings(KernelType::Rbf, StepRuleType::Adam);
  s.iterations = 30;
  SvgdEngine whole(model, s, MPI_COMM_WORLD);
  start(whole, 9);
  whole.run();

  SvgdSettings half_settings = s;
  half_settings.iterations = 12;
  SvgdEngine half(model, half_settings, MPI_COMM_WORLD);
  start(half, 9);
  half.run();
  SvgdEngine resumed(model, s, MPI_COMM_WORLD);
  resumed.set_local_particles(half.local_particles());
  resumed.set_step_rule_state(half.step_rule_state());
  resumed.set_iteration(half.iteration());
  int observed = 0;
  const SvgdRunSummary summary =
      resumed.run([&](const SvgdEngine&, const IterationInfo&) { ++observed; });
  CHECK(observed == 18);
  CHECK(summary.iterations == 30);
  CHECK(resumed.local_particles() == whole.local_particles());
}

TEST_CASE("the relative step-norm tolerance stops the run", "[engine]") {
  const auto model = correlated_gaussian();
  SvgdSettings s = small_settings(KernelType::Rbf, StepRuleType::Adagrad);
  s.iterations = 500;
  s.step_rule.step = 0.01;
  s.tolerance = 0.02;
  SvgdEngine engine(model, s, MPI_COMM_WORLD);
  start(engine, 4);
  std::vector<double> relative;
  const SvgdRunSummary summary = engine.run([&](const SvgdEngine&, const IterationInfo& info) {
    relative.push_back(info.relative_step_norm);
  });
  CHECK(summary.converged);
  CHECK(summary.iterations < 500);
  CHECK(summary.iterations == static_cast<Index>(relative.size()));
  CHECK(relative.back() < 0.02);
  for (size_t k = 0; k + 1 < relative.size(); ++k)
    CHECK(relative[k] >= 0.02);
}

TEST_CASE("evaluation, KSD and log density bookkeeping", "[engine]") {
  const auto model = correlated_gaussian();
  SvgdSettings s = small_settings(KernelType::Imq, StepRuleType::Adagrad);
  s.ksd_every = 1;
  SvgdEngine engine(model, s, MPI_COMM_WORLD);
  start(engine, 5);
  CHECK_FALSE(engine.log_density_is_current());
  const double ksd2 = engine.stein_discrepancy_squared();
  CHECK(engine.log_density_is_current());
  const IterationInfo info = engine.step();
  CHECK(info.has_ksd);
  CHECK(info.ksd_squared == ksd2);
  CHECK(info.ksd == Approx(std::sqrt(std::max(ksd2, 0.0))));
  CHECK_FALSE(engine.log_density_is_current());
  engine.evaluate();
  Vector expected(engine.partition().n_local());
  Matrix gradient(engine.partition().n_local(), 3);
  model.evaluate(engine.local_particles(), expected, gradient);
  CHECK(engine.local_log_density() == expected);
  CHECK(engine.iteration() == 1);
}

TEST_CASE("a non-finite model value on one rank raises ModelError on every rank", "[engine]") {
  const test::PoisonedGaussian model(2, 50.0);
  SvgdSettings s = small_settings(KernelType::Rbf, StepRuleType::Adagrad);
  SvgdEngine engine(model, s, MPI_COMM_WORLD);
  start(engine, 6);
  // Only the rank owning the last particle sees the NaN.
  Matrix x = engine.local_particles();
  const Partition& part = engine.partition();
  if (part.owner(s.n_particles - 1) == part.rank())
    x(x.rows() - 1, 0) = 100.0;
  engine.set_local_particles(x);
  CHECK_THROWS_AS(engine.step(), ModelError);
  CHECK_THROWS_WITH(engine.step(), Catch::Contains("'poisoned'") && Catch::Contains("particle 22"));
  CHECK(engine.iteration() == 0);
}

TEST_CASE("coinciding particles make the median heuristic fail on every rank", "[engine]") {
  const auto model = correlated_gaussian();
  SvgdSettings s = small_settings(KernelType::Rbf, StepRuleType::Adagrad);
  SvgdEngine engine(model, s, MPI_COMM_WORLD);
  engine.set_local_particles(Matrix::Ones(engine.partition().n_local(), 3));
  CHECK_THROWS_WITH(engine.step(), Catch::Contains("-svgd_bandwidth"));
  s.kernel.bandwidth = 1.0;
  SvgdEngine fixed(model, s, MPI_COMM_WORLD);
  fixed.set_local_particles(Matrix::Ones(fixed.partition().n_local(), 3));
  CHECK(fixed.step().bandwidth == 1.0);
}
