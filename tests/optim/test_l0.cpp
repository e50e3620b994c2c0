#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <mpi.h>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/hyperelastic/l0_problem.hpp"
#include "l0svgd/models/hyperelastic/model.hpp"
#include "l0svgd/optim/l0_gates.hpp"
#include "l0svgd/optim/l0_sparsifier.hpp"
#include "l0svgd/optim/map.hpp"
#include "test_support.hpp"

using namespace l0svgd;

TEST_CASE("the mean hard-concrete gate is clipped to [0, 1] with zero slope where clipped",
          "[l0]") {
  double d = 1;
  CHECK(mean_gate(-3.0, &d) == 0.0);
  CHECK(d == 0.0);
  CHECK(mean_gate(3.0, &d) == 1.0);
  CHECK(d == 0.0);
  // Exactly 0 at sigmoid(log α) = 1/12, i.e. log α = −log 11; 0.5 at log α = 0.
  CHECK(mean_gate(-std::log(11.0) - 1e-9) == 0.0);
  CHECK(mean_gate(-std::log(11.0) + 1e-3) > 0.0);
  CHECK(mean_gate(0.0) == Approx(0.5));
  for (double a : {-2.0, -0.5, 0.3, 2.0}) {
    const double h = 1e-6;
    mean_gate(a, &d);
    CHECK(d == Approx((mean_gate(a + h) - mean_gate(a - h)) / (2 * h)).epsilon(1e-7));
    gate_open_probability(a, &d);
    CHECK(d == Approx((gate_open_probability(a + h) - gate_open_probability(a - h)) / (2 * h))
                   .epsilon(1e-7));
  }
  // β log(−γ/ζ) = (2/3) log(1/11): at log α = that value half the mass is non-zero.
  CHECK(gate_open_probability(2.0 / 3.0 * std::log(1.0 / 11.0)) == Approx(0.5));
}

TEST_CASE("L0 settings: log-spaced path, explicit lists and bad values", "[l0]") {
  {
    test::ScopedOptions scoped("-l0_lambda_min 1e-4 -l0_lambda_max 1e-2 -l0_lambda_count 3");
    Options options;
    const auto s = L0Settings::configure(options);
    REQUIRE(s.lambdas.size() == 3);
    CHECK(s.lambdas[1] == Approx(1e-3));
    CHECK(s.r2_threshold == 0.99);
  }
  {
    test::ScopedOptions scoped("-l0_lambda 0.1,0.001,0.01");
    Options options;
    CHECK(L0Settings::configure(options).lambdas == std::vector<double>{0.001, 0.01, 0.1});
  }
  for (const char* bad :
       {"-l0_lambda 0.1,-1", "-l0_lambda_min 1 -l0_lambda_max 0.1", "-l0_r2_threshold 1.5"}) {
    test::ScopedOptions scoped(bad);
    Options options;
    CHECK_THROWS_AS(L0Settings::configure(options), InputError);
  }
}

TEST_CASE("L0 on noise-free Mooney-Rivlin data finds a small support", "[l0]") {
  test::ScopedOptions scoped("-l0_tao_max_it 3000 -l0_tao_gatol 1e-9 -map_tao_max_it 5000");
  StressPoints train;
  for (LoadingMode mode : all_loading_modes())
    train.append(synthetic_points("mooney_rivlin", mode, 20, training_max_stretch(mode)));
  const auto dense = IcnnStructure::dense({true, true}, 4, 2);
  const HyperelasticL0Problem problem(dense, train);
  L0Settings settings;
  settings.lambdas = {1e-4, 1e-3, 1e-2};
  settings.r2_threshold = 0.999;
  L0Sparsifier sparsifier(problem, settings);
  const IcnnNetwork network(dense);
  const L0Result result = sparsifier.run(
      problem.response().scale_to_data(network.initial_parameters(1, 0), train.stress));
  CHECK(result.pretrain_r_squared > 0.999);

  REQUIRE(result.path.size() == 3);
  CHECK(result.threshold_met);
  const L0PathPoint& best = result.best();
  INFO("selected lambda " << best.lambda << ": " << best.active << " active, R^2 "
                          << best.r_squared);
  CHECK(best.active <= 10);
  CHECK(best.r_squared >= 0.999);
  for (const auto& p : result.path) {
    CHECK(p.loss == Approx(1 - p.r_squared).margin(1e-12));
    CHECK(p.bic == Approx(60 * std::log(p.loss) + p.active * std::log(60.0)));
  }

  // The reduced model built from the support reproduces the pruned L0 model.
  const auto reduction = dense.reduce(best.support(dense.n_parameters()));
  CHECK(reduction.kept == best.surviving);
  const HyperelasticResponse reduced(reduction.structure, train);
  const Matrix stress = reduced.predict(best.surviving_theta.transpose());
  const Vector residual = stress.row(0).transpose() - train.stress;
  const double ss_tot = (train.stress.array() - train.stress.mean()).square().sum();
  CHECK(1 - residual.squaredNorm() / ss_tot == Approx(best.r_squared).epsilon(1e-9));

  // Every rank computes the same path.
  double local[2] = {static_cast<double>(best.active), best.r_squared}, lo[2], hi[2];
  MPI_Allreduce(local, lo, 2, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(local, hi, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  CHECK(lo[0] == hi[0]);
  CHECK(lo[1] == hi[1]);

  // The support is the two output skip weights, the exact representation; the MAP of the reduced
  // model recovers the Mooney–Rivlin constants (a weak prior barely moves it).
  HyperelasticSettings model_settings;
  model_settings.noise = NoiseModel::Fixed;
  model_settings.sigma = 0.01;
  model_settings.prior_scale = 10.0;
  const HyperelasticModel reduced_model(reduction.structure, train, model_settings);
  MapSolver map(reduced_model, "map_");
  const MapResult m = map.solve(best.surviving_theta);
  CHECK(m.converged);
  // The dense L2 MAP (Gaussian prior on θ) fits the same data closely too.
  const HyperelasticModel dense_model(dense, train, model_settings);
  MapSolver dense_map(dense_model, "map_");
  const MapResult d = dense_map.solve(dense_model.initial_point(1, 0));
  const Vector fit = dense_model.predict_stress(d.x.transpose(), train).row(0).transpose();
  CHECK(1 - (fit - train.stress).squaredNorm() / ss_tot > 0.999);
  REQUIRE(best.active == 2);
  CHECK(softplus(m.x(0)) == Approx(MooneyRivlin{}.c10).epsilon(1e-4));
  CHECK(softplus(m.x(1)) == Approx(MooneyRivlin{}.c01).epsilon(1e-3));
}

TEST_CASE("L0 continuation never revives a pruned weight", "[l0]") {
  // Noisy data, where independent starts give supports that are not nested (checked when writing
  // this test), so the check below can fail.
  test::ScopedOptions scoped("-l0_tao_max_it 1000");
  HyperelasticDataOptions data_options;
  data_options.noise = 0.1;
  data_options.points = 10;
  const auto data = load_hyperelastic_data(data_options);
  const auto dense = IcnnStructure::dense({true, true, true, true}, 3, 2);
  const HyperelasticL0Problem problem(dense, data.train);
  L0Settings settings;
  settings.lambdas = {1e-5, 1e-4, 1e-3, 1e-2};
  settings.continuation = true;
  L0Sparsifier sparsifier(problem, settings);
  const L0Result result = sparsifier.run(problem.response().scale_to_data(
      IcnnNetwork(dense).initial_parameters(2, 0), data.train.stress));
  REQUIRE(result.path.size() == 4);
  for (size_t i = 0; i < result.path.size(); ++i) {
    const auto& point = result.path[i];
    const auto support = point.support(dense.n_parameters());
    for (Index k = 0; k < dense.n_parameters(); ++k)
      if (!support[k])
        CHECK(point.log_alpha(k) == -settings.log_alpha_bound);
    if (i == 0)
      continue;
    const auto& previous = result.path[i - 1].surviving;
    for (Index k : point.surviving)
      CHECK(std::find(previous.begin(), previous.end(), k) != previous.end());
  }
}

TEST_CASE("without a stage reaching the R^2 threshold, L0 selects by BIC", "[l0]") {
  test::ScopedOptions scoped("-l0_tao_max_it 500");
  HyperelasticDataOptions data_options;
  data_options.noise = 0.05;
  data_options.points = 10;
  const auto data = load_hyperelastic_data(data_options);
  const auto dense = IcnnStructure::dense({true, true}, 3, 2);
  const HyperelasticL0Problem problem(dense, data.train);
  L0Settings settings;
  settings.lambdas = {1e-4, 1e-3, 1e-2};
  settings.r2_threshold = 1.0; // unreachable with noisy data
  L0Sparsifier sparsifier(problem, settings);
  const L0Result result = sparsifier.run(problem.response().scale_to_data(
      IcnnNetwork(dense).initial_parameters(3, 0), data.train.stress));
  CHECK_FALSE(result.threshold_met);
  for (const auto& p : result.path)
    CHECK(result.best().bic <= p.bic);
}
