#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <mpi.h>

#include "l0svgd/apps/hyperelastic/l0_problem.hpp"
#include "l0svgd/apps/hyperelastic/model.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/optim/l0_gates.hpp"
#include "l0svgd/optim/l0_path_exchange.hpp"
#include "l0svgd/optim/l0_sparsifier.hpp"
#include "l0svgd/optim/map.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {

// Every field of two path points is equal, bit for bit.
void check_identical(const L0PathPoint& a, const L0PathPoint& b) {
  CHECK(a.lambda == b.lambda);
  CHECK(a.active == b.active);
  CHECK(a.loss == b.loss);
  CHECK(a.r_squared == b.r_squared);
  CHECK(a.bic == b.bic);
  CHECK(a.objective == b.objective);
  CHECK(a.iterations == b.iterations);
  CHECK(a.reason == b.reason);
  CHECK(a.surviving == b.surviving);
  CHECK(a.theta == b.theta);
  CHECK(a.log_alpha == b.log_alpha);
  CHECK(a.surviving_theta == b.surviving_theta);
}

// A path point whose sizes and values depend on `seed`.
L0PathPoint sample_point(int seed) {
  L0PathPoint p;
  p.lambda = 1e-3 * (seed + 1);
  p.active = seed + 2;
  p.loss = 0.25 / (seed + 1);
  p.r_squared = 1 - p.loss;
  p.bic = -3.5 * seed;
  p.objective = p.loss + p.lambda;
  p.iterations = 10 * seed + 7;
  p.reason = std::string(static_cast<size_t>(seed), 'x') + "CONVERGED_GATOL";
  p.theta = Vector::LinSpaced(5 + seed, -1.0, 1.0 + seed);
  p.log_alpha = Vector::Constant(5 + seed, -6.0 + seed);
  for (Index k = 0; k < p.active; ++k)
    p.surviving.push_back(2 * k + seed);
  p.surviving_theta = Vector::LinSpaced(p.active, 0.1, 0.2 * seed);
  return p;
}

// The noise-free Mooney–Rivlin problem of the first test on a smaller network.
struct SmallProblem {
  SmallProblem() : dense(IcnnStructure::dense({true, true}, 3, 2)), problem(dense, train()) {}
  static StressPoints train() {
    StressPoints points;
    for (LoadingMode mode : all_loading_modes())
      points.append(synthetic_points("mooney_rivlin", mode, 10, training_max_stretch(mode)));
    return points;
  }
  Vector start() const {
    return problem.response().scale_to_data(IcnnNetwork(dense).initial_parameters(1, 0),
                                            train().stress);
  }
  IcnnStructure dense;
  HyperelasticL0Problem problem;
};

// Forwards to another problem but fails in the data loss on the last rank of MPI_COMM_WORLD.
class FailingOnLastRank : public L0Problem {
public:
  explicit FailingOnLastRank(const L0Problem& inner) : inner_(inner) {}
  Index n_weights() const override { return inner_.n_weights(); }
  Index n_data() const override { return inner_.n_data(); }
  void reparameterise(const ConstVectorRef& theta, VectorRef g,
                      VectorRef derivative) const override {
    inner_.reparameterise(theta, g, derivative);
  }
  double unconstrained(Index k, double w) const override { return inner_.unconstrained(k, w); }
  double loss(const ConstVectorRef& weights, VectorRef gradient) const override {
    if (test::rank() == test::size() - 1)
      throw ModelError("loss failed on rank " + std::to_string(test::rank()));
    return inner_.loss(weights, gradient);
  }
  double r_squared(const ConstVectorRef& weights) const override {
    return inner_.r_squared(weights);
  }
  std::vector<Index> surviving(const std::vector<bool>& support) const override {
    return inner_.surviving(support);
  }

private:
  const L0Problem& inner_;
};

} // namespace

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
  L0Sparsifier sparsifier(problem, settings, MPI_COMM_WORLD);
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

TEST_CASE("an L0 stage ends once its support has settled, with the same outcome", "[l0]") {
  // Noisy data: the loss levels off at the noise, where the gates of pruned weights keep drifting.
  test::ScopedOptions scoped("-l0_tao_max_it 2000");
  HyperelasticDataOptions data_options;
  data_options.noise = 0.05;
  data_options.points = 10;
  const auto data = load_hyperelastic_data(data_options);
  const auto dense = IcnnStructure::dense({true, true}, 4, 2);
  const HyperelasticL0Problem problem(dense, data.train);
  const Vector theta0 = problem.response().scale_to_data(
      IcnnNetwork(dense).initial_parameters(1, 0), data.train.stress);
  L0Settings settings;
  settings.lambdas = {1e-4, 1e-3, 1e-2};
  settings.settle_iterations = 0;
  const L0Result full = L0Sparsifier(problem, settings, MPI_COMM_WORLD).run(theta0);
  settings.settle_iterations = 100;
  const L0Result settled = L0Sparsifier(problem, settings, MPI_COMM_WORLD).run(theta0);
  REQUIRE(settled.path.size() == full.path.size());
  CHECK(settled.best().surviving == full.best().surviving);
  CHECK(settled.best().loss == Approx(full.best().loss).epsilon(1e-2));
  PetscInt settled_iterations = 0, full_iterations = 0;
  bool any_settled = false;
  for (size_t i = 0; i < full.path.size(); ++i) {
    settled_iterations += settled.path[i].iterations;
    full_iterations += full.path[i].iterations;
    CHECK(full.path[i].reason != "CONVERGED_USER");
    any_settled = any_settled || settled.path[i].reason == "CONVERGED_USER";
  }
  CHECK(any_settled);
  CHECK(settled_iterations < full_iterations);
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
  const Vector theta0 = problem.response().scale_to_data(
      IcnnNetwork(dense).initial_parameters(2, 0), data.train.stress);
  const L0Result result = L0Sparsifier(problem, settings, MPI_COMM_WORLD).run(theta0);
  REQUIRE(result.path.size() == 4);
  // Every rank runs the whole chain, as a rank alone would.
  const L0Result alone = L0Sparsifier(problem, settings, MPI_COMM_SELF).run(theta0);
  for (size_t i = 0; i < result.path.size(); ++i)
    check_identical(result.path[i], alone.path[i]);
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
  L0Sparsifier sparsifier(problem, settings, MPI_COMM_WORLD);
  const L0Result result = sparsifier.run(problem.response().scale_to_data(
      IcnnNetwork(dense).initial_parameters(3, 0), data.train.stress));
  CHECK_FALSE(result.threshold_met);
  for (const auto& p : result.path)
    CHECK(result.best().bic <= p.bic);
}

TEST_CASE("an L0 path point is broadcast field by field", "[l0]") {
  for (int root = 0; root < test::size(); ++root) {
    L0PathPoint point = sample_point(test::rank());
    broadcast_path_point(point, root, MPI_COMM_WORLD);
    check_identical(point, sample_point(root));
  }
}

TEST_CASE("the L0 path split over ranks equals each rank's own whole path, bit for bit", "[l0]") {
  test::ScopedOptions scoped("-l0_tao_max_it 300");
  const SmallProblem small;
  // More stages than ranks and (on 4 ranks) fewer.
  for (std::vector<double> lambdas :
       {std::vector<double>{1e-4, 1e-3, 1e-2, 0.1, 1.0}, std::vector<double>{1e-3, 0.1, 1.0}}) {
    L0Settings settings;
    settings.lambdas = lambdas;
    const L0Result alone = L0Sparsifier(small.problem, settings, MPI_COMM_SELF).run(small.start());
    const L0Result shared =
        L0Sparsifier(small.problem, settings, MPI_COMM_WORLD).run(small.start());
    CHECK(shared.pretrain_r_squared == alone.pretrain_r_squared);
    CHECK(shared.pretrain_iterations == alone.pretrain_iterations);
    CHECK(shared.selected == alone.selected);
    CHECK(shared.threshold_met == alone.threshold_met);
    REQUIRE(shared.path.size() == lambdas.size());
    REQUIRE(alone.path.size() == lambdas.size());
    for (size_t i = 0; i < lambdas.size(); ++i) {
      INFO("stage " << i << " of " << lambdas.size() << " on " << test::size() << " ranks");
      check_identical(shared.path[i], alone.path[i]);
    }
    // The stages are not all alike, so a stage sent from the wrong rank or slot would be noticed.
    CHECK(shared.path.front().active > shared.path.back().active);
  }
}

TEST_CASE("a failing L0 stage fails on every rank", "[l0]") {
  // Without pretraining the loss is only evaluated inside the stages, and the last rank owns one
  // as long as there are at least as many stages as ranks.
  test::ScopedOptions scoped("-l0_tao_max_it 20");
  const SmallProblem small;
  const FailingOnLastRank failing(small.problem);
  L0Settings settings;
  settings.pretrain = false;
  settings.lambdas = {1e-4, 1e-3, 1e-2, 1e-1};
  L0Sparsifier sparsifier(failing, settings, MPI_COMM_WORLD);
  CHECK_THROWS_WITH(sparsifier.run(small.start()),
                    "loss failed on rank " + std::to_string(test::size() - 1));
}
