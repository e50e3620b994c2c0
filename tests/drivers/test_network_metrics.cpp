// Posterior-predictive metrics of a network push-forward (here a hyperelastic one) against known
// answers.
#include <catch2/catch.hpp>

#include <cmath>

#include "l0svgd/apps/hyperelastic/model.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/drivers/network_metrics.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/io/network_output.hpp"
#include "l0svgd/mcmc/diagnostics.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {

// Uniaxial points at λ = 1.5, 2, …, 5 with truth 0.3 (λ − 1) and data-generating σ = 0.1: four in
// the training range (λ ≤ 3), four beyond it; or m points from `first` to 5.
StressPoints grid(Index m = 8, double first = 1.5) {
  StressPoints g;
  g.stretch = Vector::LinSpaced(m, first, 5.0);
  g.truth = 0.3 * (g.stretch.array() - 1.0);
  g.stress = g.truth;
  g.noise_std = Vector::Constant(m, 0.1);
  g.mode.assign(m, LoadingMode::Uniaxial);
  return g;
}

} // namespace

TEST_CASE("a push-forward at the truth has the data's own predictive distribution",
          "[network_metrics]") {
  const StressPoints g = grid();
  HyperelasticSettings settings; // σ of the likelihood = the data-generating σ
  const HyperelasticModel model(IcnnStructure::dense({true, true}, 2, 1), g, settings);
  const Index n = 50;
  const Matrix theta = Matrix::Zero(n, model.dim());
  const Matrix stress = g.truth.transpose().replicate(n, 1);
  const PredictiveMetrics m = predictive_metrics(model, to_prediction_points(g), theta, stress, 40,
                                                 7, stress, MPI_COMM_WORLD);
  CHECK(m.group == "training_range");
  CHECK(m.train_range.n_points == 4);
  CHECK(m.extrapolation.n_points == 4);
  // 2000 draws of N(truth, σ²) against N(truth, σ²): W1 is sampling error only, a few % of σ.
  for (const MetricAverages* a : {&m.train_range, &m.extrapolation}) {
    CHECK(a->w1 < 0.1 * 0.1);
    CHECK(a->w1 <= a->w2);
    CHECK(a->rmse < 0.01); // the predictive mean is the truth up to the mean of 2000 draws
    CHECK(a->coverage == 1.0);
  }
  // A reference identical to the push-forward is at distance 0.
  REQUIRE(m.reference.size() == 2);
  CHECK(m.reference[0].group == "training_range");
  CHECK(m.reference[1].group == "extrapolation");
  CHECK(m.reference[0].w1 == 0.0);
  CHECK(m.reference[1].w2 == 0.0);
}

TEST_CASE("a shifted push-forward is as far off as its shift", "[network_metrics]") {
  const StressPoints g = grid();
  HyperelasticSettings settings;
  const HyperelasticModel model(IcnnStructure::dense({true, true}, 2, 1), g, settings);
  const Index n = 50;
  const Matrix theta = Matrix::Zero(n, model.dim());
  const Matrix truth = g.truth.transpose().replicate(n, 1);
  const Matrix shifted = truth.array() + 0.3;
  const PredictiveMetrics m = predictive_metrics(model, to_prediction_points(g), theta, shifted, 40,
                                                 7, truth, MPI_COMM_WORLD);
  // N(truth + 0.3, σ²) against N(truth, σ²): W1 = W2 = 0.3; the 95% band starts 0.3 − 1.96σ
  // above the truth, so it never holds it.
  CHECK(m.train_range.w1 == Approx(0.3).margin(0.01));
  CHECK(m.extrapolation.w2 == Approx(0.3).margin(0.01));
  CHECK(m.train_range.rmse == Approx(0.3).margin(0.01));
  CHECK(m.train_range.coverage == 0.0);
  CHECK(m.reference[0].w1 == Approx(0.3).epsilon(1e-12)); // push-forwards without noise
  CHECK(m.reference[1].w2 == Approx(0.3).epsilon(1e-12));
  CHECK_THAT(describe(m), Catch::Contains("; extrapolation W1 ") &&
                              Catch::Contains("W1 to reference push-forward (extrapolation) 0.3"));
}

TEST_CASE("the points split over ranks give the numbers of one pass over all of them",
          "[network_metrics][mpi]") {
  // 75 points (more than one block of 32 per rank, and a remainder) and noisy push-forwards.
  const Index m = 75, n = 30;
  const StressPoints g = grid(m, 1.1);
  HyperelasticSettings settings;
  const HyperelasticModel model(IcnnStructure::dense({true, true}, 2, 1), g, settings);
  const Matrix theta = Matrix::Zero(n, model.dim());
  const Matrix stress =
      add_observation_noise(g.truth.transpose().replicate(n, 1), Vector::Constant(m, 0.05), 1, 11);
  const Matrix reference = add_observation_noise(g.truth.transpose().replicate(n + 5, 1),
                                                 Vector::Constant(m, 0.05), 1, 12);
  const PredictionPoints points = to_prediction_points(g);
  const PredictiveMetrics split =
      predictive_metrics(model, points, theta, stress, 6, 5, reference, MPI_COMM_WORLD);
  // One pass over the whole predictive, as a single process would make it.
  const Matrix unit = add_observation_noise(Matrix::Zero(n, m), Vector::Ones(m), 6, 5);
  Matrix predictive(n * 6, m);
  for (Index r = 0; r < n * 6; ++r)
    predictive.row(r) = stress.row(r / 6) + unit.row(r).cwiseProduct(g.noise_std.transpose());
  const PointMetrics whole = compare_with_normals(predictive, g.truth, g.noise_std);
  std::vector<Index> inside, outside;
  for (Index j = 0; j < m; ++j)
    (points.extrapolation[static_cast<size_t>(j)] ? outside : inside).push_back(j);
  const MetricAverages a = average_over(whole, g.truth, inside);
  const MetricAverages b = average_over(whole, g.truth, outside);
  CHECK(split.train_range.w1 == a.w1); // bitwise: the same draws and the same order of sums
  CHECK(split.train_range.w2 == a.w2);
  CHECK(split.train_range.rmse == a.rmse);
  CHECK(split.train_range.coverage == a.coverage);
  CHECK(split.extrapolation.w1 == b.w1);
  CHECK(split.extrapolation.coverage == b.coverage);
  const Vector w1 = wasserstein_columns(stress, reference, 1.0);
  CHECK(split.reference[0].w1 == column_average(w1, inside));
  CHECK(split.reference[1].w1 == column_average(w1, outside));
}

TEST_CASE("measured data are compared as held-out points", "[network_metrics]") {
  StressPoints g = grid();
  g.truth.resize(0); // measured: no truth, the stresses are the measurements
  HyperelasticSettings settings;
  settings.noise = NoiseModel::Fixed;
  settings.sigma = 0.05;
  const HyperelasticModel model(IcnnStructure::dense({true, true}, 2, 1), g, settings);
  const Matrix theta = Matrix::Zero(20, model.dim());
  const Matrix stress = g.stress.transpose().replicate(20, 1);
  const PredictiveMetrics m = predictive_metrics(model, to_prediction_points(g), theta, stress, 10,
                                                 3, Matrix(), MPI_COMM_WORLD);
  CHECK(m.group == "held_out");
  CHECK(m.train_range.n_points == 8); // no training range split for measured data
  CHECK(m.extrapolation.n_points == 0);
  CHECK(m.reference.empty());
  // Against point masses W1 is E|σ z| = σ √(2/π) up to sampling error.
  CHECK(m.train_range.w1 == Approx(0.05 * std::sqrt(2.0 / M_PI)).epsilon(0.1));
}

TEST_CASE("a reference on another grid is refused, a missing one named",
          "[network_metrics][errors]") {
  const StressPoints g = grid();
  // A reference run on the grid without its last point, then one on this grid with one stretch
  // moved: both are another grid.
  const std::string path = "hyperelastic_metrics_other_grid.h5";
  for (const bool shorter : {true, false}) {
    StressPoints other = g;
    if (shorter) {
      other.stretch.conservativeResize(7);
      other.truth.conservativeResize(7);
      other.stress.conservativeResize(7);
      other.noise_std.conservativeResize(7);
      other.mode.resize(7);
    } else {
      other.stretch(3) += 1e-6;
    }
    {
      H5File file(path, H5File::Mode::Create, MPI_COMM_WORLD);
      write_prediction_points(file, "/data/test", to_prediction_points(other));
      file.write_matrix("/pushforward/test/samples", Matrix::Zero(4, other.size()));
    }
    CHECK_THROWS_WITH(
        read_reference_pushforward(path, to_prediction_points(g), MPI_COMM_WORLD),
        Catch::Contains("holds a push-forward on another test grid than this run's (" +
                        std::to_string(other.size()) + " points, this run has 8)"));
  }
  {
    H5File file(path, H5File::Mode::Create, MPI_COMM_WORLD);
    write_prediction_points(file, "/data/test", to_prediction_points(g));
    file.write_matrix("/pushforward/test/samples", Matrix::Constant(4, g.size(), 2.0));
  }
  CHECK(read_reference_pushforward(path, to_prediction_points(g), MPI_COMM_WORLD) ==
        Matrix::Constant(4, 8, 2.0));
  CHECK_THROWS_WITH(
      read_reference_pushforward("no/such/run.h5", to_prediction_points(g), MPI_COMM_WORLD),
      Catch::Contains("no/such/run.h5"));
}

TEST_CASE("the push-forward's mixing is split-R-hat and bulk ESS per point, on any rank count",
          "[network_metrics][mpi]") {
  // Three chains of 40 draws at 37 points: independent noise, and at point 5 a chain shifted.
  const Index chains = 3, draws = 40, m = 37;
  Matrix predictions =
      add_observation_noise(Matrix::Zero(chains * draws, m), Vector::Ones(m), 1, 9);
  predictions.block(draws, 5, draws, 1).array() += 5.0;
  predictions.col(7).setConstant(2.0); // a prediction no draw changes: R-hat undefined
  const PushForwardMixing mixing = pushforward_mixing(predictions, chains, draws, MPI_COMM_WORLD);
  const Vector rhat = split_rhat(predictions, chains);
  const Vector ess = bulk_effective_sample_size(predictions, chains);
  REQUIRE(mixing.rhat.size() == m);
  for (Index j = 0; j < m; ++j) {
    if (j == 7) {
      CHECK(std::isnan(mixing.rhat(j)));
      continue;
    }
    CHECK(mixing.rhat(j) == rhat(j)); // bitwise: each point is computed whole on one rank
    CHECK(mixing.ess(j) == ess(j));
  }
  CHECK(mixing.worst_rhat() == rhat(5)); // the shifted chain, NaN ignored
  CHECK(mixing.worst_rhat() > 2.0);
  CHECK(mixing.least_ess() < 10.0);
  // Too few draws per chain for the ESS: R-hat only.
  const PushForwardMixing short_run =
      pushforward_mixing(predictions.topRows(3 * 6), 3, 6, MPI_COMM_WORLD);
  CHECK(short_run.ess.size() == 0);
  CHECK(std::isnan(short_run.least_ess()));
}
