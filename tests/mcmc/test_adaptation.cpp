#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/mcmc/adaptation.hpp"

using namespace l0svgd;

TEST_CASE("Stan's warm-up windows", "[adaptation]") {
  // 75-iteration initial buffer, windows of 25, 50, 100, 200 and the stretched last one, 100
  // terminal iterations.
  const WarmupSchedule standard(1000, true);
  CHECK(standard.window_ends() == std::vector<Index>{99, 149, 249, 449, 899});
  CHECK(standard.first_collected() == 75);
  CHECK_FALSE(standard.collects(74));
  CHECK(standard.collects(75));
  CHECK(standard.collects(899));
  CHECK_FALSE(standard.collects(900));
  CHECK(standard.ends_window(449));
  CHECK_FALSE(standard.ends_window(450));
  // Too short for the defaults: 15% initial and 10% terminal buffer, one window between.
  const WarmupSchedule short_run(100, true);
  CHECK(short_run.window_ends() == std::vector<Index>{89});
  CHECK(short_run.first_collected() == 15);
  CHECK(WarmupSchedule(200, true).window_ends() == std::vector<Index>{99});
  CHECK(WarmupSchedule(300, true).window_ends() == std::vector<Index>{99, 199});
  // 199 is one short of the defaults: 29 initial, 19 terminal iterations.
  CHECK(WarmupSchedule(199, true).window_ends() == std::vector<Index>{179});
  CHECK(WarmupSchedule(19, true).window_ends().empty());
  CHECK(WarmupSchedule(1000, false).window_ends().empty());
  CHECK_FALSE(WarmupSchedule(1000, false).collects(500));
}

TEST_CASE("dual averaging finds the step size with the target acceptance", "[adaptation]") {
  // With acceptance exp(−ε) the step size that gives δ is −log δ.
  for (double target : {0.6, 0.8, 0.95}) {
    DualAveraging averaging(target);
    double step = 1.0;
    averaging.restart(step);
    for (int m = 0; m < 3000; ++m)
      step = averaging.update(std::exp(-step));
    // The acceptance at the averaged step is what the target is about.
    INFO("target " << target << ", step " << averaging.averaged_step());
    CHECK(std::exp(-averaging.averaged_step()) == Approx(target).margin(0.005));
  }
  // Statistics above 1 count as 1 and NaN as 0 (a divergence).
  DualAveraging a(0.8), b(0.8);
  a.restart(0.5);
  b.restart(0.5);
  CHECK(a.update(3.0) == b.update(1.0));
  CHECK(a.update(std::nan("")) == b.update(0.0));
  CHECK_THROWS_AS(DualAveraging(1.0), InputError);
  CHECK_THROWS_AS(DualAveraging(0.0), InputError);
}

TEST_CASE("block variance is the regularised sample variance per row", "[adaptation]") {
  const Index rows = 3, dim = 2, n = 50;
  std::vector<Matrix> draws;
  for (Index t = 0; t < n; ++t) {
    Matrix x(rows, dim);
    RandomSequence rng(4, RngStream::Test, static_cast<uint64_t>(t));
    for (Index i = 0; i < rows; ++i)
      for (Index j = 0; j < dim; ++j)
        x(i, j) = (i + 1.0) * rng.normal() + 10.0 * j;
    draws.push_back(x);
  }
  BlockVariance variance(rows, dim);
  for (const Matrix& x : draws)
    variance.add(x);
  CHECK(variance.count() == n);
  Matrix estimate(rows, dim);
  variance.regularised_variance(estimate);
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < dim; ++j) {
      double mean = 0.0, squares = 0.0;
      for (const Matrix& x : draws)
        mean += x(i, j) / n;
      for (const Matrix& x : draws)
        squares += (x(i, j) - mean) * (x(i, j) - mean);
      const double expected = (n / (n + 5.0)) * squares / (n - 1.0) + 1e-3 * 5.0 / (n + 5.0);
      CHECK(estimate(i, j) == Approx(expected).epsilon(1e-12));
    }
  variance.clear();
  CHECK(variance.count() == 0);
  CHECK_THROWS_AS(variance.regularised_variance(estimate), Error);
}
