#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/sobol_sequence.hpp"
#include "l0svgd/metrics/sobol_indices.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace l0svgd;

namespace {
constexpr double kPi = 3.14159265358979323846;

// Ishigami's function on [−π, π]³, a = 7, b = 0.1: the standard test of sensitivity estimators,
// whose indices are known in closed form (Saltelli et al. 2010, §5; Sobol' & Levitan 1999).
Vector ishigami(const Matrix& unit) {
  const double a = 7.0, b = 0.1;
  Vector f(unit.rows());
  for (Index j = 0; j < unit.rows(); ++j) {
    const double x1 = kPi * (2 * unit(j, 0) - 1), x2 = kPi * (2 * unit(j, 1) - 1),
                 x3 = kPi * (2 * unit(j, 2) - 1);
    f(j) = std::sin(x1) + a * std::sin(x2) * std::sin(x2) + b * std::pow(x3, 4) * std::sin(x1);
  }
  return f;
}

struct Exact {
  Vector first, total;
};
Exact ishigami_indices() {
  const double a = 7.0, b = 0.1, p4 = std::pow(kPi, 4), p8 = std::pow(kPi, 8);
  const double v1 = 0.5 * std::pow(1 + b * p4 / 5, 2), v2 = a * a / 8,
               v13 = b * b * p8 * (1.0 / 18 - 1.0 / 50);
  const double v = v1 + v2 + v13;
  Exact e{Vector(3), Vector(3)};
  e.first << v1 / v, v2 / v, 0.0;
  e.total << (v1 + v13) / v, v2 / v, v13 / v;
  return e;
}
} // namespace

TEST_CASE("GSL's Sobol' sequence starts at the cube's centre and stays in [0, 1)", "[sobol]") {
  SobolSequence sequence(2);
  const Matrix p = sequence.next(4);
  CHECK(p(0, 0) == 0.5);
  CHECK(p(0, 1) == 0.5);
  CHECK(p(1, 0) == 0.75);
  CHECK(p(1, 1) == 0.25);
  CHECK(p(2, 0) == 0.25);
  CHECK(p(2, 1) == 0.75);
  // The next call continues the sequence.
  CHECK(sequence.next(1)(0, 0) == 0.875);
  SobolSequence wide(40);
  const Matrix q = wide.next(1024);
  CHECK(q.minCoeff() >= 0.0);
  CHECK(q.maxCoeff() < 1.0);
  // Points 0 … 2^m − 1 of the sequence put one value of every coordinate in each of the 2^m cells
  // of [0, 1); GSL skips point 0 (the origin), so its first 2^m points leave the origin's cell
  // empty and put two in the cell of point 2^m.
  for (Index c = 0; c < 40; ++c) {
    std::vector<int> cells(1024, 0);
    for (Index j = 0; j < 1024; ++j)
      ++cells[static_cast<size_t>(q(j, c) * 1024)];
    CHECK(cells[0] == 0);
    CHECK(std::count(cells.begin(), cells.end(), 1) == 1022);
    CHECK(*std::max_element(cells.begin(), cells.end()) == 2);
  }
  CHECK_THROWS_WITH(SobolSequence(41), Catch::Contains("1 to 40 dimensions"));
  CHECK_THROWS_AS(SobolSequence(0), InputError);
}

TEST_CASE("Saltelli's design: A, B and A with one column of B", "[sobol]") {
  const Index k = 3, n = 16;
  const Matrix design = saltelli_design(k, n);
  REQUIRE(design.rows() == n * (k + 2));
  const Matrix a = design.topRows(n), b = design.middleRows(n, n);
  CHECK((a - b).cwiseAbs().maxCoeff() > 0.1);
  for (Index i = 0; i < k; ++i) {
    const Matrix ab = design.middleRows((2 + i) * n, n);
    for (Index c = 0; c < k; ++c)
      CHECK(ab.col(c) == (c == i ? b.col(c) : a.col(c)));
  }
  CHECK_THROWS_WITH(saltelli_design(21, 8), Catch::Contains("1 to 20 factors"));
  CHECK_THROWS_WITH(saltelli_design(2, 1), Catch::Contains("at least 2 base points"));
}

TEST_CASE("Sobol' indices of Ishigami's function match the closed form", "[sobol]") {
  const Index k = 3, n = 1 << 14;
  const Vector f = ishigami(saltelli_design(k, n));
  const SobolIndices s = sobol_indices(f, k, {300, 0.95, 7});
  const Exact exact = ishigami_indices();
  // With 2^14 Sobol' base points the estimators are within 0.01 of the truth (their QMC error is
  // O(N^−1)); 0.02 leaves room for the slowest, S_3 = 0 of an interaction-only factor.
  for (Index i = 0; i < k; ++i) {
    INFO("factor " << i);
    CHECK(s.first_order(i) == Approx(exact.first(i)).margin(0.02));
    CHECK(s.total_order(i) == Approx(exact.total(i)).margin(0.02));
    // The bootstrap intervals hold the estimate and, treating the QMC points as random ones (a
    // conservative bootstrap), the true value.
    CHECK(s.first_lower(i) <= s.first_order(i));
    CHECK(s.first_order(i) <= s.first_upper(i));
    CHECK(s.total_lower(i) <= exact.total(i));
    CHECK(exact.total(i) <= s.total_upper(i));
    CHECK(s.first_lower(i) <= exact.first(i));
    CHECK(exact.first(i) <= s.first_upper(i));
    CHECK(s.total_upper(i) - s.total_lower(i) < 0.1);
  }
  // V(Y) = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2 = 13.845.
  CHECK(s.variance == Approx(13.8446).epsilon(0.01));
  // The same indices again: the bootstrap is keyed by its seed alone.
  const SobolIndices again = sobol_indices(f, k, {300, 0.95, 7});
  CHECK(again.total_lower == s.total_lower);
  CHECK(again.first_upper == s.first_upper);
}

TEST_CASE("An additive function: first-order and total indices agree", "[sobol]") {
  // f = Σ c_i u_i with u uniform: S_i = S_Ti = c_i² / Σ c_j², no interactions.
  const Index k = 4, n = 1 << 12;
  const Matrix design = saltelli_design(k, n);
  Vector c(4);
  c << 1.0, 2.0, 0.5, 0.0;
  const Vector f = design * c;
  const SobolIndices s = sobol_indices(f, k, {200, 0.9, 3});
  const Vector exact = c.array().square() / c.squaredNorm();
  for (Index i = 0; i < k; ++i) {
    CHECK(s.first_order(i) == Approx(exact(i)).margin(0.01));
    CHECK(s.total_order(i) == Approx(exact(i)).margin(0.01));
  }
  // A factor that does nothing has zero indices exactly, and a zero-width interval.
  CHECK(s.total_order(3) == 0.0);
  CHECK(s.total_upper(3) == 0.0);
}

TEST_CASE("Sobol' indices refuse what they cannot estimate", "[sobol]") {
  Vector f = Vector::LinSpaced(20, 0.0, 1.0);
  CHECK_THROWS_WITH(sobol_indices(f.head(18), 3), Catch::Contains("N × 5 values with N ≥ 2"));
  CHECK_THROWS_WITH(sobol_indices(f.head(5), 3), Catch::Contains("not 5"));
  f(3) = std::nan("");
  CHECK_THROWS_WITH(sobol_indices(f, 3), Catch::Contains("non-finite"));
  CHECK_THROWS_WITH(sobol_indices(Vector::Zero(20), 3, {10, 1.5, 1}),
                    Catch::Contains("confidence level in (0, 1)"));
  // A constant quantity has no variance to split.
  const SobolIndices flat = sobol_indices(Vector::Ones(20), 3, {10, 0.95, 1});
  CHECK(std::isnan(flat.first_order(0)));
  CHECK(std::isnan(flat.total_upper(2)));
}
