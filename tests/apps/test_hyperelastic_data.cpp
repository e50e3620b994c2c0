#include <catch2/catch.hpp>

#include <mpi.h>

#include "l0svgd/apps/hyperelastic/data.hpp"
#include "l0svgd/apps/hyperelastic/model.hpp"
#include "l0svgd/core/error.hpp"
#include "models/model_checks.hpp"

using namespace l0svgd;

namespace {

HyperelasticDataOptions configured(const std::string& options_text) {
  test::ScopedOptions scoped(options_text);
  Options options;
  return HyperelasticDataOptions::configure(options);
}

} // namespace

TEST_CASE("synthetic data: 20 stretches per mode, noise sigma = kappa max|P|", "[hyper][data]") {
  auto options = configured("-data_truth ogden -data_noise 0.05 -data_seed 3");
  const auto data = load_hyperelastic_data(options);
  REQUIRE(data.train.size() == 60);
  for (Index m = 0; m < 3; ++m) {
    const LoadingMode mode = all_loading_modes()[m];
    const auto block = data.train.stretch.segment(20 * m, 20);
    CHECK(data.train.mode[20 * m] == mode);
    CHECK(block(0) == 1.0);
    CHECK(block(19) == Approx(training_max_stretch(mode)));
    CHECK(block(1) - block(0) == Approx((training_max_stretch(mode) - 1) / 19));
    const auto truth = data.train.truth.segment(20 * m, 20);
    const double sigma = 0.05 * truth.cwiseAbs().maxCoeff();
    CHECK((data.train.noise_std.segment(20 * m, 20).array() == sigma).all());
    CHECK(truth(19) == Approx(ogden_stress(Ogden{}, mode, block(19))));
  }
  // Standardised noise looks standard normal (60 draws: loose bounds).
  const Vector z = (data.train.stress - data.train.truth).cwiseQuotient(data.train.noise_std);
  CHECK(std::abs(z.mean()) < 0.6);
  const double sd = std::sqrt((z.array() - z.mean()).square().sum() / 59.0);
  CHECK(sd > 0.6);
  CHECK(sd < 1.4);
  // The test grid covers the extrapolation range of every mode with the true stresses.
  CHECK(data.test.size() == 3 * 51);
  CHECK(data.test.stretch(50) == Approx(6.0));
  CHECK(data.test.stretch(101) == Approx(4.0));
  CHECK(data.test.stress == data.test.truth);
}

TEST_CASE("synthetic noise is reproducible, seeded and the same on every rank", "[hyper][data]") {
  auto options = configured("-data_noise 0.1 -data_seed 11 -data_modes ps,ut");
  const auto a = load_hyperelastic_data(options);
  const auto b = load_hyperelastic_data(options);
  CHECK(a.train.stress == b.train.stress);
  CHECK(a.train.mode.front() == LoadingMode::PureShear);
  options.seed = 12;
  CHECK(load_hyperelastic_data(options).train.stress != a.train.stress);
  // A mode's noise does not depend on which other modes are trained.
  auto ut_only = options;
  ut_only.seed = 11;
  ut_only.modes = {LoadingMode::Uniaxial};
  CHECK(load_hyperelastic_data(ut_only).train.stress == a.train.stress.tail(20));
  double local = a.train.stress.sum(), lo = 0, hi = 0;
  MPI_Allreduce(&local, &lo, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&local, &hi, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  CHECK(lo == hi);
  // Noise-free data equal the truth.
  options.noise = 0;
  const auto clean = load_hyperelastic_data(options);
  CHECK(clean.train.stress == clean.train.truth);
}

TEST_CASE("Treloar's curves load from the shipped CSV files", "[hyper][data]") {
  const std::string dir = test::source_path("data/treloar/");
  auto options =
      configured("-data_source csv -data_modes ut,et -data_ut_file " + dir +
                 "ut.csv -data_et_file " + dir + "et.csv -data_ps_file " + dir + "ps.csv");
  const auto data = load_hyperelastic_data(options);
  CHECK(data.train.size() == 15 + 20);
  CHECK(data.test.size() == 18);
  CHECK(data.train.mode.front() == LoadingMode::Uniaxial);
  CHECK(data.train.mode.back() == LoadingMode::Equibiaxial);
  CHECK(data.test.mode.front() == LoadingMode::PureShear);
  CHECK(data.train.stretch(1) == 1.11);
  CHECK(data.train.stress(1) == 0.17);
  CHECK(data.train.truth.size() == 0);
  CHECK(data.train.noise_std.size() == 0);
  // Measured data have no data-generating sigma.
  HyperelasticSettings settings;
  CHECK_THROWS_AS(HyperelasticModel(settings.dense_structure(), data.train, settings), InputError);
}

TEST_CASE("bad data fail with a clear input error", "[hyper][data]") {
  using Catch::Contains;
  const std::string good =
      test::write_scratch("good.csv", "stretch,nominal_stress_MPa\n1,0\n2,1\n");
  const std::string bad_cell =
      test::write_scratch("bad_cell.csv", "stretch,nominal_stress_MPa\n1,0\n2,abc\n");
  const std::string zero = test::write_scratch("zero.csv", "stretch,stress\n1,0\n0,1\n");
  const std::string negative = test::write_scratch("negative.csv", "stretch,stress\n-1.5,1\n");
  const std::string empty = test::write_scratch("empty.csv", "");
  const std::string header_only = test::write_scratch("header.csv", "stretch,stress\n");
  const std::string three = test::write_scratch("three.csv", "1,0,0\n2,1,1\n");
  const std::string ragged = test::write_scratch("ragged.csv", "1,0\n2,1,1\n");

  CHECK(read_stress_csv(good, LoadingMode::Uniaxial).size() == 2);
  CHECK_THROWS_AS(read_stress_csv(bad_cell, LoadingMode::Uniaxial), InputError);
  CHECK_THROWS_WITH(read_stress_csv(zero, LoadingMode::Uniaxial), Contains("not positive"));
  CHECK_THROWS_WITH(read_stress_csv(negative, LoadingMode::Uniaxial), Contains("not positive"));
  CHECK_THROWS_AS(read_stress_csv(empty, LoadingMode::Uniaxial), InputError);
  CHECK_THROWS_AS(read_stress_csv(header_only, LoadingMode::Uniaxial), InputError);
  CHECK_THROWS_WITH(read_stress_csv(three, LoadingMode::Uniaxial), Contains("3 columns"));
  CHECK_THROWS_AS(read_stress_csv(ragged, LoadingMode::Uniaxial), InputError);
  CHECK_THROWS_WITH(read_stress_csv(test::scratch_path("missing.csv"), LoadingMode::Uniaxial),
                    Contains("missing.csv"));

  // A training mode without a file, a bad file through the options, unknown or repeated modes.
  CHECK_THROWS_WITH(load_hyperelastic_data(configured("-data_source csv -data_modes ut,et "
                                                      "-data_ut_file " +
                                                      good)),
                    Contains("et has no data file"));
  CHECK_THROWS_AS(load_hyperelastic_data(configured("-data_source csv -data_modes ut "
                                                    "-data_ut_file " +
                                                    zero)),
                  InputError);
  CHECK_THROWS_WITH(configured("-data_modes ut,xx"), Contains("unknown loading mode 'xx'"));
  CHECK_THROWS_WITH(configured("-data_modes ut,UT"), Contains("listed twice"));
  CHECK_THROWS_AS(configured("-data_noise -0.1"), InputError);
  CHECK_THROWS_AS(configured("-data_truth arruda_boyce"), InputError);
}

TEST_CASE("the hyperelastic target builds the dense model from options", "[hyper][data]") {
  test::ScopedOptions scoped(
      "-icnn_inputs extended -icnn_width 3 -icnn_depth 2 -data_noise 0.02 -data_points 5");
  Options options;
  HyperelasticTargetBuilder builder;
  builder.configure(options);
  const auto model = builder.build(MPI_COMM_WORLD);
  CHECK(model->name() == "hyperelastic");
  // Extended inputs (4): layer 0 A 3×4 + b 3; layer 1 W 3×3 + A 3×4 + b 3; output W 1×3 + A 1×4.
  CHECK(model->dim() == 15 + 24 + 7);
  CHECK(model->has_likelihood_gradient());
}

TEST_CASE("the hyperelastic target reports bad data as an input error on every rank",
          "[hyper][data]") {
  test::ScopedOptions scoped("-data_source csv -data_modes ut -data_ut_file " +
                             test::scratch_path("no_such_file.csv"));
  Options options;
  HyperelasticTargetBuilder builder;
  builder.configure(options);
  CHECK_THROWS_AS(builder.build(MPI_COMM_WORLD), InputError);
}
