#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/drivers/pushforward.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/metrics/wasserstein.hpp"
#include "l0svgd/optim/gaussian_mixture.hpp"
#include "test_support.hpp"

#include <cmath>
#include <mpi.h>

using namespace l0svgd;

namespace {

// Two quantities at t = 0, 0.5, 1 of x ∈ R²: a(t) = x0 + t x1 and b(t) = 2 x0, linear so that
// the predictive of a Gaussian is Gaussian with known moments.
class LinearPredictive : public Predictive {
public:
  std::vector<std::string> quantity_names() const override { return {"a", "b"}; }
  std::string point_name() const override { return "t"; }
  Vector prediction_points() const override { return Vector::LinSpaced(3, 0.0, 1.0); }
  std::vector<ObservedQuantity> observed_quantities() const override {
    ObservedQuantity b;
    b.quantity = 1;
    b.points = Vector::Constant(1, 0.5);
    b.values = Vector::Constant(1, 2.5);
    return {b};
  }
  void predict(const ConstMatrixRef& x, MatrixRef out) const override {
    const Vector t = prediction_points();
    for (Index i = 0; i < x.rows(); ++i)
      for (Index j = 0; j < 3; ++j) {
        out(i, j) = x(i, 0) + t(j) * x(i, 1);
        out(i, 3 + j) = 2 * x(i, 0);
      }
  }
};

GaussianMixture gaussian(double shift) {
  Matrix mean(1, 2);
  mean << 1.0 + shift, -2.0;
  DenseMatrix factor(2, 2);
  factor << 0.5, 0.0, 0.2, 0.3;
  return GaussianMixture(Vector::Ones(1), mean, {factor});
}

PushforwardSource source(const std::string& name, const GaussianMixture& q) {
  return {name, [&q](uint64_t seed, RngStream stream, Index first, MatrixRef out) {
            q.sample(seed, stream, first, out);
          }};
}

void write(const std::string& path, MPI_Comm comm) {
  static const GaussianMixture truth = gaussian(0.0), shifted = gaussian(0.4);
  PushforwardSettings settings;
  settings.n_draws = 4000;
  settings.level = 0.9;
  const PushforwardSource reference = source("reference", truth);
  H5File file(path, H5File::Mode::Create, comm);
  write_pushforward(file, LinearPredictive(), 2, settings, &reference,
                    {source("same", truth), source("shifted", shifted)}, 5, comm);
}

} // namespace

TEST_CASE("push-forward bands and W1 of a linear predictive are the analytic ones",
          "[pushforward]") {
  const std::string path = test::scratch_path("pushforward.h5");
  write(path, MPI_COMM_WORLD);
  H5File f(path, H5File::Mode::Read, MPI_COMM_WORLD);
  CHECK(f.read_strings("/pushforward/quantities") == std::vector<std::string>{"a", "b"});
  CHECK(f.read_string_attribute("/pushforward", "point_name") == "t");
  CHECK(f.read_real_attribute("/pushforward", "level") == 0.9);
  CHECK(f.read_vector("/pushforward/data/b/values")(0) == 2.5);
  // a(t) ~ N(1 − 2t, 0.25 + 0.2 t + 0.13 t²), b ~ N(2, 1): the bands at z = ±1.645 sd.
  const double z = normal_quantile(0.95);
  const Matrix mean = f.read_matrix("/pushforward/reference/mean");
  const Matrix lower = f.read_matrix("/pushforward/reference/lower");
  const Matrix upper = f.read_matrix("/pushforward/reference/upper");
  const Matrix median = f.read_matrix("/pushforward/reference/median");
  REQUIRE(mean.rows() == 2);
  REQUIRE(mean.cols() == 3);
  for (Index j = 0; j < 3; ++j) {
    const double t = 0.5 * static_cast<double>(j);
    const double m[2] = {1 - 2 * t, 2.0};
    const double sd[2] = {std::sqrt(0.25 + 0.2 * t + 0.13 * t * t), 1.0};
    for (Index q = 0; q < 2; ++q) {
      INFO("quantity " << q << " at t = " << t);
      // Standard errors at n = 4000: sd/63 for the mean and median, about sd/35 for the 5%/95%
      // quantiles; the tolerances are 4 of them.
      CHECK(std::abs(mean(q, j) - m[q]) < 4 * sd[q] / 63);
      CHECK(std::abs(median(q, j) - m[q]) < 4 * sd[q] / 50);
      CHECK(std::abs(lower(q, j) - (m[q] - z * sd[q])) < 4 * sd[q] / 35);
      CHECK(std::abs(upper(q, j) - (m[q] + z * sd[q])) < 4 * sd[q] / 35);
    }
  }
  // Shifting x0 by 0.4 shifts a by 0.4 and b by 0.8 at every point: W1 is the shift. The same
  // density is as far from the reference as the reference's second draw set is (the floor).
  const Matrix shifted = f.read_matrix("/pushforward/shifted/w1");
  CHECK((shifted.row(0).array() - 0.4).abs().maxCoeff() < 0.05);
  CHECK((shifted.row(1).array() - 0.8).abs().maxCoeff() < 0.1);
  const Vector floor = f.read_vector("/pushforward/reference/w1_floor");
  const Vector same = f.read_vector("/pushforward/same/w1_mean");
  CHECK(floor(0) > 0);
  CHECK(floor(0) < 0.04);
  CHECK(same(0) < 3 * floor(0));
  CHECK(same(1) < 3 * floor(1));
  CHECK(f.read_vector("/pushforward/shifted/w1_mean")(1) == Approx(0.8).margin(0.1));
}

TEST_CASE("push-forward files are the same on any rank count", "[pushforward]") {
  const std::string world = test::scratch_path("pushforward_world.h5");
  const std::string alone =
      test::scratch_path("pushforward_self" + std::to_string(test::rank()) + ".h5");
  write(world, MPI_COMM_WORLD);
  write(alone, MPI_COMM_SELF);
  const H5File a(world, H5File::Mode::Read, MPI_COMM_WORLD);
  const H5File b(alone, H5File::Mode::Read, MPI_COMM_SELF);
  for (const char* name :
       {"/pushforward/reference/upper", "/pushforward/shifted/w1", "/pushforward/same/median"})
    CHECK(a.read_matrix(name) == b.read_matrix(name));
  CHECK(a.read_vector("/pushforward/reference/w1_floor") ==
        b.read_vector("/pushforward/reference/w1_floor"));
}

TEST_CASE("push-forward options are checked", "[pushforward][errors]") {
  for (const char* bad :
       {"-pushforward_level 1", "-pushforward_level 0", "-pushforward_draws -1"}) {
    test::ScopedOptions scoped(bad);
    Options options;
    PushforwardSettings settings;
    INFO(bad);
    CHECK_THROWS_AS(settings.configure(options), InputError);
  }
}
