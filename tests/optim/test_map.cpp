#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/optim/map.hpp"
#include "test_support.hpp"
#include "test_targets.hpp"

using namespace l0svgd;

TEST_CASE("MAP finds the maximum of a Rosenbrock-type density inside its box", "[map]") {
  test::ScopedOptions scoped("-map_tao_gatol 1e-10 -map_tao_grtol 0 -map_tao_max_it 5000");
  const test::RosenbrockTarget model;
  MapSolver solver(model);
  CHECK(solver.tao_type() == "blmvm");
  const MapResult r = solver.solve(Vector::Constant(2, -1.2));
  INFO(r.reason);
  CHECK(r.converged);
  CHECK(r.x(0) == Approx(1.0).margin(1e-5));
  CHECK(r.x(1) == Approx(1.0).margin(1e-5));
  CHECK(r.log_density == Approx(0.0).margin(1e-9));
  CHECK(r.evaluations >= r.iterations);
}

TEST_CASE("MAP of a correlated Gaussian is its mean, with any TAO type", "[map]") {
  test::ScopedOptions scoped("-m_tao_gatol 1e-12 -m_tao_grtol 0");
  Vector mean(3);
  mean << 1.0, -2.0, 0.5;
  DenseMatrix cov(3, 3);
  cov << 2.0, 0.6, 0.1, 0.6, 1.0, -0.3, 0.1, -0.3, 0.5;
  const test::GaussianTarget model(mean, cov, 3.0);
  for (const char* type : {"blmvm", "bqnls", "lmvm"}) {
    MapSolver solver(model, "m_", type);
    const MapResult r = solver.solve(Vector::Zero(3));
    INFO(type << " " << r.reason);
    CHECK(r.converged);
    CHECK((r.x - mean).norm() < 1e-7);
    CHECK(r.log_density ==
          Approx(3.0 - 1.5 * std::log(2 * M_PI) - 0.5 * std::log(cov.determinant())));
  }
}

TEST_CASE("a bound that is active at the MAP point is honoured", "[map]") {
  test::ScopedOptions scoped("-map_tao_gatol 1e-10");
  test::GaussianTarget model(Vector::Constant(2, 2.0), DenseMatrix::Identity(2, 2));
  model.set_box(Vector::Constant(2, -1.0), Vector::Constant(2, 1.0));
  MapSolver solver(model);
  const MapResult r = solver.solve(Vector::Zero(2));
  CHECK((r.x - Vector::Constant(2, 1.0)).norm() < 1e-8);
}

TEST_CASE("non-convergence is reported with TAO's reason, not hidden", "[map]") {
  test::ScopedOptions scoped("-map_tao_max_it 2 -map_tao_gatol 1e-14 -map_tao_grtol 0");
  const test::RosenbrockTarget model;
  MapSolver solver(model);
  const MapResult r = solver.solve(Vector::Constant(2, -1.2));
  CHECK_FALSE(r.converged);
  CHECK(r.reason == "DIVERGED_MAXITS");
  CHECK(tao_reason_name(r.reason_code) == r.reason);
}

TEST_CASE("MAP rejects bad starts, inverted bounds and NaN models clearly", "[map][errors]") {
  test::ScopedOptions scoped("");
  const test::RosenbrockTarget model;
  MapSolver solver(model);
  CHECK_THROWS_WITH(solver.solve(Vector::Constant(2, 3.0)),
                    Catch::Contains("outside the support of model 'test_rosenbrock'"));
  CHECK_THROWS_AS(solver.solve(Vector::Constant(2, 3.0)), InputError);
  Vector bad = Vector::Zero(2);
  bad(1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(solver.solve(bad), InputError);

  const test::BoxedNormal inverted(Vector::Constant(2, 1.0), Vector::Constant(2, -1.0));
  CHECK_THROWS_WITH(MapSolver(inverted), Catch::Contains("is not below upper bound"));

  const test::NanTarget nan_model(0.5);
  MapSolver nan_solver(nan_model);
  Vector start = Vector::Zero(2);
  start(0) = 1.0;
  CHECK_THROWS_AS(nan_solver.solve(start), ModelError);
  CHECK_THROWS_WITH(nan_solver.solve(start), Catch::Contains("non-finite log density"));
}

namespace {
// A pseudo-Huber density (bounded gradient, so line searches from far away extrapolate) that is NaN
// for x0 > 0.5, just beyond its maximum: the search overshoots into the NaN region.
class NanWallHuber : public Model {
public:
  Index dim() const override { return 2; }
  std::string name() const override { return "test_nan_wall"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    for (Index i = 0; i < x.rows(); ++i) {
      const double a = x(i, 0) - 0.49, b = x(i, 1);
      const double r = std::sqrt(1.0 + a * a);
      log_density(i) = 1.0 - r - 12.5 * b * b;
      gradient(i, 0) = -a / r;
      gradient(i, 1) = -25.0 * b;
      if (x(i, 0) > 0.5) {
        log_density(i) = std::numeric_limits<double>::quiet_NaN();
        ++nan_calls;
      }
    }
  }
  mutable Index nan_calls = 0;
};
} // namespace

TEST_CASE("MAP backs off from trial points where the model is not finite", "[map][errors]") {
  test::ScopedOptions scoped("-map_tao_gatol 1e-7 -map_tao_grtol 0");
  const NanWallHuber model;
  MapSolver solver(model);
  Vector start(2);
  start << -10.0, 0.0;
  const MapResult r = solver.solve(start);
  INFO(r.reason);
  CHECK(model.nan_calls > 0); // the search did probe the NaN region
  CHECK(r.non_finite_trials == model.nan_calls);
  CHECK(r.converged);
  CHECK(r.x(0) == Approx(0.49).margin(1e-6));
  CHECK(r.x(1) == Approx(0.0).margin(1e-6));
}
