#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/optim/design.hpp"
#include "l0svgd/optim/multistart.hpp"
#include "test_support.hpp"
#include "test_targets.hpp"

#include <mpi.h>

using namespace l0svgd;

namespace {
// Three separated modes of different heights in [−4, 4]²: weights 0.5, 0.3, 0.2.
test::MixtureTarget three_modes() {
  Matrix means(3, 2);
  means << -2.0, -2.0, 2.0, 1.5, -1.5, 2.5;
  return test::MixtureTarget(Vector::Map(std::vector<double>{0.5, 0.3, 0.2}.data(), 3), means,
                             {test::covariance_2d(0.4, 0.3, 0.5),
                              test::covariance_2d(0.3, 0.5, -0.4),
                              test::covariance_2d(0.3, 0.3, 0.0)},
                             Vector::Constant(2, -4.0), Vector::Constant(2, 4.0));
}
} // namespace

TEST_CASE("MLSL critical distance follows Rinnooy Kan & Timmer", "[multistart]") {
  // d = 2: r = π^{-1/2} (Γ(2) σ log N / N)^{1/2}.
  const double n = 256;
  CHECK(mlsl_critical_distance(2, 1.0, 256) == Approx(std::sqrt(2 * std::log(n) / n / M_PI)));
  // d = 1, vol 3: r = π^{-1/2} Γ(3/2) σ vol log N / N, Γ(3/2) = √π / 2.
  CHECK(mlsl_critical_distance(1, 3.0, 100) == Approx(3.0 * std::log(100.0) / 100.0));
}

TEST_CASE("designs do not depend on how their points are split", "[multistart]") {
  for (DesignType type : {DesignType::Halton, DesignType::Uniform, DesignType::Sobol}) {
    const Matrix all = unit_design(type, 3, 7, 0, 64);
    const Matrix part = unit_design(type, 3, 7, 20, 10);
    CHECK((all.middleRows(20, 10) - part).norm() == 0.0);
    CHECK((all.array() >= 0).all());
    CHECK((all.array() < 1).all());
    // Both fill the cube: every coordinate's mean is near 1/2 (Halton far closer than 1/√(12·64)).
    const double tolerance = type == DesignType::Uniform ? 0.15 : 0.02;
    CHECK((all.colwise().mean().array() - 0.5).abs().maxCoeff() < tolerance);
  }
  CHECK((unit_design(DesignType::Halton, 2, 1, 0, 8) - unit_design(DesignType::Halton, 2, 2, 0, 8))
            .norm() > 0.1);
  CHECK((unit_design(DesignType::Sobol, 2, 1, 0, 8) - unit_design(DesignType::Sobol, 2, 2, 0, 8))
            .norm() > 0.1);
  CHECK_THROWS_AS(parse_design("faure"), InputError);
  CHECK_THROWS_WITH(unit_design(DesignType::Sobol, 41, 1, 0, 8), Catch::Contains("at most 40"));
}

TEST_CASE("multistart finds every mode, ranked, with the same result on any rank count",
          "[multistart]") {
  test::ScopedOptions scoped("-map_tao_gatol 1e-10 -map_tao_grtol 0");
  const test::MixtureTarget model = three_modes();
  MultistartSettings settings;
  settings.samples = 128;
  settings.max_local = 16;
  for (DesignType design : {DesignType::Halton, DesignType::Uniform, DesignType::Sobol}) {
    settings.design = design;
    Multistart world(model, settings, MPI_COMM_WORLD);
    const MultistartResult r = world.run();
    REQUIRE(r.modes.rows() == 3);
    // Ranked by log p̃: the heaviest, most concentrated mode first.
    CHECK(r.log_density(0) >= r.log_density(1));
    CHECK(r.log_density(1) >= r.log_density(2));
    // Each mode lies near one component mean (the mixture shifts it only slightly).
    Matrix means(3, 2);
    means << -2.0, -2.0, 2.0, 1.5, -1.5, 2.5;
    for (Index k = 0; k < 3; ++k)
      CHECK((means.rowwise() - r.modes.row(k)).rowwise().norm().minCoeff() < 0.02);
    CHECK(r.n_local_searches >= 3);
    CHECK(r.n_local_searches <= settings.max_local);
    CHECK(r.n_local_searches < settings.samples / 4); // MLSL skips most samples
    CHECK(r.n_evaluations > settings.samples);
    CHECK(r.starts.rows() == r.n_local_searches);

    Multistart alone(model, settings, MPI_COMM_SELF);
    const MultistartResult s = alone.run();
    REQUIRE(s.modes.rows() == r.modes.rows());
    CHECK((s.modes - r.modes).norm() < 1e-12);
    CHECK((s.starts - r.starts).norm() == 0.0);
    CHECK(s.n_evaluations == r.n_evaluations);
  }
}

TEST_CASE("max_local caps the local searches and the best sample always starts one",
          "[multistart]") {
  test::ScopedOptions scoped("");
  const test::MixtureTarget model = three_modes();
  MultistartSettings settings;
  settings.samples = 64;
  settings.max_local = 1;
  const MultistartResult r = Multistart(model, settings, MPI_COMM_WORLD).run();
  CHECK(r.n_local_searches == 1);
  CHECK(r.modes.rows() == 1);
  // The search from the best sample ends at one of the three component means.
  Matrix means(3, 2);
  means << -2.0, -2.0, 2.0, 1.5, -1.5, 2.5;
  CHECK((means.rowwise() - r.modes.row(0)).rowwise().norm().minCoeff() < 0.02);
}

TEST_CASE("by default the cap on local searches grows with the dimension", "[multistart]") {
  test::ScopedOptions scoped("");
  // A nearly flat density in a 6-d box: 46 design points qualify, more than the old fixed cap
  // of 32.
  test::GaussianTarget boxed(Vector::Zero(6), 1e3 * DenseMatrix::Identity(6, 6));
  boxed.set_box(Vector::Constant(6, -1.0), Vector::Constant(6, 1.0));
  MultistartSettings settings;
  settings.samples = 4096;
  const MultistartResult r = Multistart(boxed, settings, MPI_COMM_WORLD).run();
  CHECK(r.n_local_searches > 32);
  CHECK(r.n_local_searches <= 48); // max(32, 8 d)
  settings.max_local = 20;
  CHECK(Multistart(boxed, settings, MPI_COMM_WORLD).run().n_local_searches == 20);
}

TEST_CASE("multistart input errors are clear", "[multistart][errors]") {
  test::ScopedOptions scoped("");
  MultistartSettings settings;
  settings.samples = 32;
  const Vector inf = Vector::Constant(2, std::numeric_limits<double>::infinity());
  const test::BoxedNormal unbounded(-inf, inf);
  CHECK_THROWS_WITH(Multistart(unbounded, settings, MPI_COMM_WORLD),
                    Catch::Contains("needs a finite prior box"));
  const test::BoxedNormal inverted(Vector::Constant(2, 1.0), Vector::Constant(2, -1.0));
  CHECK_THROWS_AS(Multistart(inverted, settings, MPI_COMM_WORLD), InputError);

  // NaN at some samples: every rank throws the same ModelError (no rank is left in a collective).
  const test::NanTarget nan_model(2.0);
  Multistart nan_start(nan_model, settings, MPI_COMM_WORLD);
  CHECK_THROWS_AS(nan_start.run(), ModelError);
  CHECK_THROWS_WITH(nan_start.run(), Catch::Contains("returned nan at multistart sample"));
}
