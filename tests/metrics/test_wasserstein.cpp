#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/metrics/wasserstein.hpp"

using namespace l0svgd;

namespace {

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}
double normal_pdf(double z) {
  return std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
}

Vector values(std::initializer_list<double> list) {
  Vector v(static_cast<Index>(list.size()));
  Index i = 0;
  for (double x : list)
    v(i++) = x;
  return v;
}

// n evenly spread quantiles of N(mean, sd²): m + s Φ⁻¹((i + ½)/n).
Vector normal_grid(Index n, double mean, double sd) {
  Vector v(n);
  for (Index i = 0; i < n; ++i)
    v(i) = mean + sd * normal_quantile((i + 0.5) / static_cast<double>(n));
  return v;
}

Vector random_sample(Index n, uint64_t key) {
  Vector v(n);
  RandomSequence rng(17, RngStream::Test, key);
  for (Index i = 0; i < n; ++i)
    v(i) = 0.3 + 1.7 * rng.normal();
  return v;
}

} // namespace

TEST_CASE("normal quantile", "[wasserstein]") {
  CHECK(normal_quantile(0.5) == 0.0);
  CHECK(normal_quantile(0.975) == Approx(1.959963984540054).epsilon(1e-15));
  CHECK(normal_quantile(0.025) == Approx(-1.959963984540054).epsilon(1e-15));
  CHECK(normal_quantile(1e-10) == Approx(-6.361340902404056).epsilon(1e-14));
  CHECK(normal_quantile(0.0) == -HUGE_VAL);
  CHECK(normal_quantile(1.0) == HUGE_VAL);
  for (double u : {1e-300, 1e-12, 0.001, 0.02425, 0.1, 0.3, 0.49, 0.51, 0.8, 0.99})
    CHECK(normal_cdf(normal_quantile(u)) == Approx(u).epsilon(1e-13));
  CHECK_THROWS_AS(normal_quantile(1.5), InputError);
}

TEST_CASE("Wasserstein distance between samples", "[wasserstein]") {
  const Vector a = random_sample(200, 1);
  // A shift by c moves every quantile by c: W_p = |c| for every p.
  for (double p : {1.0, 2.0, 3.5})
    CHECK(wasserstein_distance(a, (a.array() - 0.7).matrix(), p) == Approx(0.7).epsilon(1e-13));
  // Equal sizes: sorted matching, whatever the order of the samples.
  CHECK(wasserstein_distance(values({0, 1, 3}), values({2, 0, 1}), 1.0) ==
        Approx(1.0 / 3.0).epsilon(1e-15));
  CHECK(wasserstein_distance(values({3, 0, 1}), values({1, 2, 0}), 2.0) ==
        Approx(std::sqrt(1.0 / 3.0)).epsilon(1e-15));
  // Unequal sizes, by hand: the quantile functions of {0, 1} and {0, ½, 1} differ by ½ on
  // (1/3, 2/3] and agree elsewhere: W1 = 1/6, W2² = 1/12.
  CHECK(wasserstein_distance(values({0, 1}), values({0, 0.5, 1}), 1.0) ==
        Approx(1.0 / 6.0).epsilon(1e-15));
  CHECK(wasserstein_distance(values({1, 0}), values({0.5, 1, 0}), 2.0) ==
        Approx(std::sqrt(1.0 / 12.0)).epsilon(1e-15));
  // Repeating every draw does not change the distribution.
  Vector twice(400);
  twice << a, a;
  CHECK(wasserstein_distance(a, twice, 2.0) == 0.0);
  // W1 between U(0, 1) and U(0, 2) is ∫|u − 2u| du = ½; evenly spread samples of sizes 1000 and
  // 1500 get it to O(1/n).
  Vector u1(1000), u2(1500);
  for (Index i = 0; i < 1000; ++i)
    u1(i) = (i + 0.5) / 1000.0;
  for (Index i = 0; i < 1500; ++i)
    u2(i) = 2.0 * (i + 0.5) / 1500.0;
  CHECK(wasserstein_distance(u1, u2, 1.0) == Approx(0.5).epsilon(1e-3));
  // Two Gaussians: W2² = (m1 − m2)² + (s1 − s2)².
  const double w2 =
      wasserstein_distance(normal_grid(20000, 1.0, 2.0), normal_grid(30000, -0.5, 0.5), 2.0);
  CHECK(w2 * w2 == Approx(1.5 * 1.5 + 1.5 * 1.5).epsilon(2e-3));
  CHECK_THROWS_AS(wasserstein_distance(a, a, 0.5), InputError);
  CHECK_THROWS_AS(wasserstein_distance(Vector(), a, 1.0), InputError);
  CHECK_THROWS_AS(wasserstein_distance(values({1, std::nan("")}), a, 1.0), InputError);
}

TEST_CASE("Wasserstein distance between a sample and a normal", "[wasserstein]") {
  const double m = 0.4, s = 1.3;
  // One point c: W2² = (c − m)² + s², W1 = E|c − m − sZ| = s (δ(2Φ(δ) − 1) + 2φ(δ)), δ = (c−m)/s.
  for (double c : {-2.0, 0.4, 1.0, 5.0}) {
    const double delta = (c - m) / s;
    CHECK(wasserstein_to_normal(values({c}), m, s, 2) ==
          Approx(std::sqrt((c - m) * (c - m) + s * s)).epsilon(1e-14));
    CHECK(wasserstein_to_normal(values({c}), m, s, 1) ==
          Approx(s * (delta * (2.0 * normal_cdf(delta) - 1.0) + 2.0 * normal_pdf(delta)))
              .epsilon(1e-13));
  }
  // A small sample against a midpoint rule over u on a fine grid.
  const Vector small = random_sample(7, 2);
  std::vector<double> sorted(small.data(), small.data() + 7);
  std::sort(sorted.begin(), sorted.end());
  const Index nodes = 2000000;
  double w1 = 0.0, w2 = 0.0;
  for (Index k = 0; k < nodes; ++k) {
    const double u = (k + 0.5) / nodes;
    const double diff = sorted[static_cast<size_t>(u * 7)] - m - s * normal_quantile(u);
    w1 += std::abs(diff) / nodes;
    w2 += diff * diff / nodes;
  }
  CHECK(wasserstein_to_normal(small, m, s, 1) == Approx(w1).epsilon(1e-5));
  CHECK(wasserstein_to_normal(small, m, s, 2) == Approx(std::sqrt(w2)).epsilon(1e-5));
  // A fine quantile grid of N(m1, s1²) against N(m2, s2²): W2² → (m1 − m2)² + (s1 − s2)².
  const double w = wasserstein_to_normal(normal_grid(50000, 1.0, 2.0), -0.5, 0.5, 2);
  CHECK(w * w == Approx(4.5).epsilon(1e-3));
  CHECK(wasserstein_to_normal(normal_grid(50000, m, s), m, s, 1) < 1e-3);
  // sd = 0 is the point mass.
  CHECK(wasserstein_to_normal(values({1, 3}), 2.0, 0.0, 1) == Approx(1.0));
  CHECK(wasserstein_to_normal(values({1, 4}), 2.0, 0.0, 2) == Approx(std::sqrt(2.5)));
  CHECK_THROWS_AS(wasserstein_to_normal(small, m, s, 3), InputError);
  CHECK_THROWS_AS(wasserstein_to_normal(small, m, -1.0, 1), InputError);
}

TEST_CASE("quantiles, central intervals and RMSE", "[wasserstein]") {
  const Vector x = values({50, 10, 40, 20, 30});
  // numpy: positions (n − 1) q in the sorted sample, linearly interpolated.
  CHECK(sample_quantile(x, 0.25) == Approx(20.0));
  CHECK(sample_quantile(x, 0.1) == Approx(14.0));
  CHECK(sample_quantile(x, 1.0) == 50.0);
  CHECK(sample_quantile(x, 0.0) == 10.0);
  const Interval band = central_interval(x, 0.8);
  CHECK(band.lower == Approx(14.0));
  CHECK(band.upper == Approx(46.0));
  CHECK(band.contains(14.0));
  CHECK_FALSE(band.contains(47.0));
  CHECK(rmse(values({1, 2, 3}), values({1, 4, 3})) == Approx(std::sqrt(4.0 / 3.0)));
  CHECK_THROWS_AS(rmse(values({1}), values({1, 2})), InputError);
  CHECK_THROWS_AS(central_interval(x, 1.0), InputError);
  CHECK_THROWS_AS(sample_quantile(Vector(), 0.5), InputError);
}

TEST_CASE("batched metrics over points and column sets", "[wasserstein]") {
  // Five points; predictions are quantile grids of N(μ_j + bias_j, σ_j²).
  const Index n = 4000, points = 5;
  const Vector truth = values({0.0, 1.0, 2.0, 3.0, 4.0});
  const Vector sd = values({0.1, 0.2, 0.3, 0.4, 0.5});
  const Vector bias = values({0.0, 0.0, 0.0, 1.0, 2.0});
  Matrix predictions(n, points);
  for (Index j = 0; j < points; ++j)
    predictions.col(j) = normal_grid(n, truth(j) + bias(j), sd(j));
  const PointMetrics metrics = compare_with_normals(predictions, truth, sd, 0.95);
  // A grid of 4000 quantiles lies W2 ≈ 0.006σ from its own normal (the tails beyond the outermost
  // points), and its interpolated 2.5% quantile is off by about 1e-3 relative.
  for (Index j = 0; j < points; ++j) {
    const Vector column = predictions.col(j);
    CHECK(metrics.w1(j) == wasserstein_to_normal(column, truth(j), sd(j), 1));
    CHECK(metrics.w2(j) == Approx(bias(j)).margin(1e-2 * sd(j)));
    CHECK(metrics.mean(j) == Approx(truth(j) + bias(j)).margin(1e-9));
    CHECK(metrics.lower(j) == Approx(truth(j) + bias(j) - 1.959964 * sd(j)).epsilon(2e-3));
  }
  const std::vector<Index> training{0, 1, 2}, extrapolation{3, 4};
  const MetricAverages fit = average_over(metrics, truth, training);
  CHECK(fit.n_points == 3);
  CHECK(fit.w2 < 1e-2 * sd(2));
  CHECK(fit.rmse < 1e-9);
  CHECK(fit.coverage == 1.0);
  const MetricAverages far = average_over(metrics, truth, extrapolation);
  CHECK(far.w2 == Approx(1.5).epsilon(1e-3));
  CHECK(far.rmse == Approx(std::sqrt((1.0 + 4.0) / 2.0)).epsilon(1e-9));
  CHECK(far.coverage == 0.0); // biases of 2.5σ and 4σ put the truth outside the 95% band
  CHECK(column_average(metrics.w2, extrapolation) == Approx(far.w2));
  CHECK_THROWS_AS(average_over(metrics, truth, {}), InputError);
  CHECK_THROWS_AS(average_over(metrics, truth, {5}), InputError);
  CHECK_THROWS_AS(compare_with_normals(predictions, truth.head(4), sd, 0.95), InputError);

  // Column-wise distances between two prediction sets, and bands.
  const Vector between = wasserstein_columns(predictions, predictions.topRows(2000), 1.0);
  CHECK(between.size() == points);
  CHECK(wasserstein_columns(predictions, (predictions.array() + 0.25).matrix(), 2.0)
            .isApproxToConstant(0.25, 1e-12));
  const Vector upper = column_quantiles(predictions, 0.975);
  for (Index j = 0; j < points; ++j)
    CHECK(upper(j) == Approx(metrics.upper(j)));
}

TEST_CASE("observation noise is keyed by output row", "[wasserstein]") {
  Matrix pushforward(3, 2);
  pushforward << 1, 10, 2, 20, 3, 30;
  const Vector sd = values({0.5, 0.0});
  const Matrix noisy = add_observation_noise(pushforward, sd, 4, 7);
  REQUIRE(noisy.rows() == 12);
  CHECK((noisy.col(1).array() ==
         (Vector(12) << 10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30).finished().array())
            .all());
  // The last input row alone gives the same rows 8..11 with the same keys only if it keeps its
  // row numbers: draw row r uses RandomSequence(seed, Metrics, r).
  RandomSequence rng(7, RngStream::Metrics, 9);
  CHECK(noisy(9, 0) == Approx(3.0 + 0.5 * rng.normal()).epsilon(1e-15));
  // Many copies of one row: the noise has the requested spread.
  const Matrix many = add_observation_noise(pushforward.topRows(1), sd, 20000, 3);
  const double mean = many.col(0).mean();
  const double var = (many.col(0).array() - mean).square().sum() / (many.rows() - 1);
  CHECK(mean == Approx(1.0).margin(4.0 * 0.5 / std::sqrt(20000.0)));
  CHECK(std::sqrt(var) == Approx(0.5).epsilon(0.03));
  // A block of columns from first_column on is exactly that block of the whole.
  const Matrix block =
      add_observation_noise(pushforward.rightCols(1), sd.tail(1).array() + 1.0, 4, 7, 1);
  const Matrix whole = add_observation_noise(pushforward, sd.array() + 1.0, 4, 7);
  CHECK((block.col(0).array() == whole.col(1).array()).all());
  CHECK_THROWS_AS(add_observation_noise(pushforward, sd, 2, 1, -1), InputError);
  CHECK_THROWS_AS(add_observation_noise(pushforward, sd.head(1), 2, 1), InputError);
  CHECK_THROWS_AS(add_observation_noise(pushforward, sd, 0, 1), InputError);
  CHECK_THROWS_AS(add_observation_noise(pushforward, values({-1, 0}), 1, 1), InputError);
}
