#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "l0svgd/core/error.hpp"
#include "l0svgd/optim/tao_minimizer.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {
// Rosenbrock in d dimensions, minimum 0 at (1, ..., 1).
double rosenbrock(const ConstVectorRef& x, VectorRef g) {
  double f = 0;
  g.setZero();
  for (Index i = 0; i + 1 < x.size(); ++i) {
    const double a = x(i + 1) - x(i) * x(i), b = 1 - x(i);
    f += 100 * a * a + b * b;
    g(i) += -400 * a * x(i) - 2 * b;
    g(i + 1) += 200 * a;
  }
  return f;
}
} // namespace

TEST_CASE("TAO finds the Rosenbrock minimum with bounded and unbounded quasi-Newton", "[tao]") {
  test::ScopedOptions scoped("-t_tao_gatol 1e-10 -t_tao_max_it 2000");
  for (const char* type : {"blmvm", "bqnls", "lmvm"}) {
    TaoMinimizer tao(4, "t_", type);
    CHECK(tao.type() == type);
    Vector x0 = Vector::Constant(4, -1.2);
    const TaoResult r = tao.minimize(rosenbrock, x0);
    INFO(type << " " << r.reason);
    CHECK(r.converged);
    CHECK((r.x - Vector::Ones(4)).norm() < 1e-5);
  }
}

TEST_CASE("bounds are honoured and the active bound is found", "[tao]") {
  test::ScopedOptions scoped("-b_tao_gatol 1e-10");
  TaoMinimizer tao(2, "b_", "blmvm");
  tao.set_bounds(Vector::Constant(2, -2.0), Vector::Constant(2, 0.5));
  const TaoResult r = tao.minimize(rosenbrock, Vector::Constant(2, -1.0));
  // With x ≤ 0.5 the constrained minimum is at x0 = 0.5, x1 = 0.25.
  CHECK(r.x(0) == Approx(0.5).margin(1e-6));
  CHECK(r.x(1) == Approx(0.25).margin(1e-5));
  CHECK_THROWS_AS(tao.set_bounds(Vector::Constant(2, 1.0), Vector::Constant(2, 0.0)), InputError);
}

TEST_CASE("an exception inside the objective reaches the caller unchanged", "[tao]") {
  test::ScopedOptions scoped("");
  TaoMinimizer tao(2, "e_");
  auto failing = [](const ConstVectorRef&, VectorRef) -> double {
    throw ModelError("NaN in model");
  };
  CHECK_THROWS_WITH(tao.minimize(failing, Vector::Zero(2)), "NaN in model");
}

TEST_CASE("a bad TAO type is an input error naming the prefix", "[tao]") {
  test::ScopedOptions scoped("-q_tao_type nosuchsolver");
  CHECK_THROWS_AS(TaoMinimizer(2, "q_"), InputError);
}

TEST_CASE("the caller's iterate check ends the solve, and only that solve", "[tao]") {
  test::ScopedOptions scoped("-c_tao_gatol 1e-10 -c_tao_max_it 2000");
  TaoMinimizer tao(4, "c_", "blmvm");
  const Vector x0 = Vector::Constant(4, -1.2);
  Vector g(4);
  double objective_error = 0.0;
  const IterateCheck stop_at_5 = [&](const ConstVectorRef& x, double f, PetscInt iteration) {
    objective_error = std::max(objective_error, std::abs(f - rosenbrock(x, g)));
    return iteration >= 5;
  };
  const TaoResult r = tao.minimize(rosenbrock, x0, stop_at_5);
  CHECK(r.reason == "CONVERGED_USER");
  CHECK(r.converged);
  CHECK(r.iterations == 5);
  CHECK(objective_error < 1e-12); // the check sees TAO's iterate and its objective
  const TaoResult full = tao.minimize(rosenbrock, x0);
  CHECK(full.reason != "CONVERGED_USER");
  CHECK((full.x - Vector::Ones(4)).norm() < 1e-5);

  const IterateCheck failing = [](const ConstVectorRef&, double, PetscInt) -> bool {
    throw ModelError("check failed");
  };
  CHECK_THROWS_WITH(tao.minimize(rosenbrock, x0, failing), "check failed");
}

TEST_CASE("a non-finite trial point is stepped back from; a non-finite start is an error",
          "[tao][errors]") {
  test::ScopedOptions scoped("-n_tao_gatol 1e-8 -n_tao_grtol 0");
  TaoMinimizer tao(1, "n_", "lmvm");
  // Pseudo-Huber around 0.49 (bounded slope: the line search extrapolates), NaN beyond 0.5.
  PetscInt nan_calls = 0;
  auto walled = [&](const ConstVectorRef& x, VectorRef g) {
    const double a = x(0) - 0.49, r = std::sqrt(1.0 + a * a);
    g(0) = a / r;
    if (x(0) > 0.5) {
      ++nan_calls;
      return std::numeric_limits<double>::quiet_NaN();
    }
    return r - 1.0;
  };
  const TaoResult r = tao.minimize(walled, Vector::Constant(1, -10.0));
  CHECK(nan_calls > 0);
  CHECK(r.non_finite_trials == nan_calls);
  CHECK(r.converged);
  CHECK(r.x(0) == Approx(0.49).margin(1e-6));
  CHECK_THROWS_AS(tao.minimize(walled, Vector::Constant(1, 0.7)), ModelError);
}
