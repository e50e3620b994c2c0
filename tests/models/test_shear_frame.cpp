#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/shear_frame.hpp"
#include "l0svgd/models/target_registry.hpp"
#include "model_checks.hpp"

#include <cmath>
#include <mpi.h>

using namespace l0svgd;
using Catch::Contains;

namespace {

std::unique_ptr<Model> build_shear_frame(const std::string& options) {
  test::ScopedOptions scoped("-target_type shear_frame " + options);
  Options reader;
  auto builder = configure_target(reader);
  Options::check_all_used();
  return builder->build(MPI_COMM_WORLD);
}

const ShearFrame& as_frame(const std::unique_ptr<Model>& model) {
  const auto* frame = dynamic_cast<const ShearFrame*>(model.get());
  REQUIRE(frame != nullptr);
  return *frame;
}

// Independent reference: classical RK4 on M ẍ + C ẋ + K x = 0 with a small step; row j holds the
// floor displacements (x1, x2) at t = (j + first) Δt, j = 0..n − 1.
Matrix rk4_floors(const ShearFrameSettings& s, const Eigen::Vector2d& c, Index n, Index first) {
  Eigen::Matrix4d a = Eigen::Matrix4d::Zero();
  a.topRightCorner<2, 2>().setIdentity();
  a.bottomLeftCorner<2, 2>() << -(s.k1 + s.k2) / s.m1, s.k2 / s.m1, s.k2 / s.m2, -s.k2 / s.m2;
  a.bottomRightCorner<2, 2>() << -(c(0) + c(1)) / s.m1, c(1) / s.m1, c(1) / s.m2, -c(1) / s.m2;
  const int substeps = 200;
  const double h = s.dt / substeps;
  Eigen::Vector4d y(0, s.u0, 0, 0);
  Matrix floors(n, 2);
  for (Index j = 0; j < n + first; ++j) {
    if (j >= first)
      floors.row(j - first) << y(0), y(1);
    for (int i = 0; i < substeps; ++i) {
      const Eigen::Vector4d k1 = a * y, k2 = a * (y + 0.5 * h * k1), k3 = a * (y + 0.5 * h * k2),
                            k4 = a * (y + h * k3);
      y += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    }
  }
  return floors;
}

} // namespace

TEST_CASE("shear frame defaults follow REFERENCE.md section 5", "[shear_frame]") {
  const auto model = build_shear_frame("");
  const ShearFrame& frame = as_frame(model);
  const ShearFrameSettings& s = frame.settings();
  CHECK(model->name() == "shear_frame");
  CHECK(model->dim() == 2);
  CHECK(model->parameter_names() == std::vector<std::string>{"c1", "c2"});
  CHECK(s.m1 == 1.0);
  CHECK(s.m2 == 1.0);
  CHECK(s.k1 == 1.0);
  CHECK(s.k2 == 0.5);
  CHECK(s.u0 == 1.0);
  CHECK(s.dt == 0.5);
  CHECK(s.sigma == 0.02);
  CHECK(frame.observations().size() == 60);
  CHECK(model->lower_bounds() == Eigen::Vector2d(0.0, 0.0));
  CHECK(model->upper_bounds() == Eigen::Vector2d(1.5, 1.5));
  CHECK((frame.mirror(s.c_true) - Eigen::Vector2d(1.0, 0.1)).norm() < 1e-15);
  // The data are the response at c_true plus noise of the right size.
  const Vector noise = frame.observations() - frame.response(s.c_true);
  CHECK(std::sqrt(noise.squaredNorm() / 60) == Approx(0.02).epsilon(0.3));
  // Same seed, same data; another seed, other data.
  CHECK(as_frame(build_shear_frame("")).observations() == frame.observations());
  CHECK(
      (as_frame(build_shear_frame("-target_seed 2")).observations() - frame.observations()).norm() >
      0.05);
}

TEST_CASE("shear frame response matches an independent ODE integration", "[shear_frame]") {
  const auto model = build_shear_frame("-target_n_obs 20");
  const ShearFrame& frame = as_frame(model);
  for (const Eigen::Vector2d c :
       {Eigen::Vector2d(0.2, 0.5), Eigen::Vector2d(0.0, 0.0), Eigen::Vector2d(1.3, 0.05)}) {
    const Vector reference = rk4_floors(frame.settings(), c, 20, 1).col(0);
    CHECK((frame.response(c) - reference).cwiseAbs().maxCoeff() < 1e-9);
  }
}

TEST_CASE("shear frame predicts both floors over time, beyond the data too", "[shear_frame]") {
  const auto model = build_shear_frame("-target_n_obs 20 -target_predict_steps 50");
  const ShearFrame& frame = as_frame(model);
  const Predictive& predictive = frame;
  CHECK(predictive.quantity_names() == std::vector<std::string>{"x1", "x2"});
  CHECK(predictive.point_name() == "time");
  const Vector t = predictive.prediction_points();
  REQUIRE(t.size() == 51);
  CHECK(t(0) == 0.0);
  CHECK(t(50) == Approx(25.0).epsilon(1e-15));
  // Floor 1 is the observed quantity, at t_j = j Δt, j = 1..n.
  const std::vector<ObservedQuantity> data = predictive.observed_quantities();
  REQUIRE(data.size() == 1);
  CHECK(data[0].quantity == 0);
  CHECK(data[0].values == frame.observations());
  CHECK((data[0].points - t.segment(1, 20)).cwiseAbs().maxCoeff() < 1e-14);

  Matrix c(3, 2), out(3, 102);
  c << 0.2, 0.5, 0.0, 0.0, 1.3, 0.05;
  predictive.predict(c, out);
  for (Index i = 0; i < 3; ++i) {
    const Matrix reference = rk4_floors(frame.settings(), c.row(i).transpose(), 51, 0);
    INFO("damping " << c.row(i));
    CHECK((out.row(i).head(51).transpose() - reference.col(0)).cwiseAbs().maxCoeff() < 1e-9);
    CHECK((out.row(i).tail(51).transpose() - reference.col(1)).cwiseAbs().maxCoeff() < 1e-9);
    CHECK((out.row(i).segment(1, 20).transpose() - frame.response(c.row(i).transpose()))
              .cwiseAbs()
              .maxCoeff() < 1e-14);
  }
  // The initial state: floor 2 displaced by u0, floor 1 at rest.
  CHECK(out(0, 0) == 0.0);
  CHECK(out(0, 51) == 1.0);
  // The default horizon is the observation window.
  CHECK(dynamic_cast<const Predictive&>(as_frame(build_shear_frame("-target_n_obs 20")))
            .prediction_points()
            .size() == 21);
  Matrix wrong(3, 100);
  CHECK_THROWS_WITH(predictive.predict(c, wrong), Contains("n x 102 outputs"));
  CHECK_THROWS_AS(build_shear_frame("-target_predict_steps -1"), InputError);
}

TEST_CASE("the floor-1 response cannot tell c from its mirror image", "[shear_frame]") {
  const auto model = build_shear_frame("");
  const ShearFrame& frame = as_frame(model);
  for (const Eigen::Vector2d c : {Eigen::Vector2d(0.2, 0.5), Eigen::Vector2d(0.7, 0.3)}) {
    CHECK((frame.response(c) - frame.response(frame.mirror(c))).cwiseAbs().maxCoeff() < 1e-12);
    const Eigen::Vector2d m = frame.mirror(c);
    Matrix both(2, 2);
    both << c(0), c(1), m(0), m(1);
    const Vector values = test::log_densities(*model, both);
    CHECK(values(0) == Approx(values(1)).epsilon(1e-12));
  }
  // With a stiffness ratio other than (m1+m2)/m2 the symmetry is gone.
  const auto other = build_shear_frame("-target_k2 0.8");
  const ShearFrame& asym = as_frame(other);
  CHECK((asym.response(Eigen::Vector2d(0.2, 0.5)) - asym.response(Eigen::Vector2d(1.0, 0.1)))
            .cwiseAbs()
            .maxCoeff() > 1e-3);
}

TEST_CASE("shear frame gradient is exact (finite differences), also outside the box",
          "[shear_frame]") {
  const auto model = build_shear_frame("");
  Matrix x(5, 2);
  x << 0.2, 0.5, 1.0, 0.1, 0.6, 0.9, 1.4, 1.45, -0.2, 1.7;
  Vector values(5), only(5);
  Matrix gradient(5, 2);
  model->evaluate(x, values, gradient);
  model->log_density(x, only);
  CHECK(test::max_scaled_error(values, only) < 1e-12);
  const Matrix fd = test::fd_gradient(*model, x, 1e-6);
  INFO("analytic\n" << gradient << "\nfinite differences\n" << fd);
  CHECK(((gradient - fd).array().abs() / (1.0 + fd.array().abs())).maxCoeff() < 1e-6);
  CHECK(values.allFinite()); // outside the box too: no −∞ wall
}

TEST_CASE("shear frame reads its observations from a CSV", "[shear_frame]") {
  const std::string path =
      test::write_scratch("shear_frame_obs.csv", "displacement\n0.5\n0.25\n# comment\n-0.1\n");
  const auto model = build_shear_frame("-target_data " + path);
  const ShearFrame& frame = as_frame(model);
  REQUIRE(frame.observations().size() == 3);
  CHECK(frame.observations()(2) == -0.1);
  // log p = Σ log N(y_j; x1(t_j), σ²) − log |box|.
  const Eigen::Vector2d c(0.3, 0.4);
  const Vector r = frame.observations() - frame.response(c);
  const double expected = -0.5 * r.squaredNorm() / (0.02 * 0.02) -
                          3 * std::log(0.02 * std::sqrt(2 * M_PI)) - std::log(1.5 * 1.5);
  CHECK(test::log_densities(*model, c.transpose())(0) == Approx(expected).epsilon(1e-12));
}

TEST_CASE("shear frame reads t,y observations and checks their times", "[shear_frame]") {
  const std::string one = test::write_scratch("shear_frame_y.csv", "y\n0.5\n0.25\n-0.1\n");
  const std::string two =
      test::write_scratch("shear_frame_ty.csv", "t,y\n0.5,0.5\n1.0,0.25\n1.5,-0.1\n");
  const auto a = build_shear_frame("-target_data " + one);
  const auto b = build_shear_frame("-target_data " + two);
  CHECK(as_frame(a).observations() == as_frame(b).observations());
  // A time written with few digits still matches (0.1 * 3 is not 0.3 in binary).
  const std::string rounded =
      test::write_scratch("shear_frame_rounded.csv", "0.1,1\n0.2,2\n0.3,3\n");
  CHECK(as_frame(build_shear_frame("-target_data " + rounded + " -target_dt 0.1"))
            .observations()
            .size() == 3);
  // A gap in the times is named by its row.
  const std::string gap = test::write_scratch("shear_frame_gap.csv", "0.5,1\n1.5,2\n");
  CHECK_THROWS_WITH(build_shear_frame("-target_data " + gap),
                    Contains("observation 2 is at t = 1.5"));
}

TEST_CASE("shear frame input errors name the problem", "[shear_frame][errors]") {
  CHECK_THROWS_WITH(build_shear_frame("-target_lower 1,0 -target_upper 0.5,1.5"),
                    Contains("lower < upper"));
  CHECK_THROWS_WITH(build_shear_frame("-target_c_true 0.1,0.2,0.3"), Contains("needs 2 values"));
  CHECK_THROWS_AS(build_shear_frame("-target_m1 0"), InputError);
  CHECK_THROWS_AS(build_shear_frame("-target_sigma -1"), InputError);
  const std::string bad = test::write_scratch("shear_frame_bad.csv", "0.5\nabc\n");
  CHECK_THROWS_AS(build_shear_frame("-target_data " + bad), InputError);
  // A t,y file whose times are not the model's t_j = j dt (here 1, 2 against 0.5, 1.0).
  const std::string two = test::write_scratch("shear_frame_two.csv", "1,0.5\n2,0.25\n");
  CHECK_THROWS_WITH(build_shear_frame("-target_data " + two),
                    Contains("observation 1 is at t = 1, but the shear frame observes at t_j = j * "
                             "dt = 0.5 (-target_dt 0.5)"));
  CHECK_NOTHROW(build_shear_frame("-target_data " + two + " -target_dt 1"));
  CHECK_THROWS_WITH(build_shear_frame("-target_data " + two + " -target_n_obs 5"),
                    Contains("exclude each other"));
  const std::string three = test::write_scratch("shear_frame_three.csv", "1,0.5,2\n2,0.25,3\n");
  CHECK_THROWS_WITH(build_shear_frame("-target_data " + three), Contains("one (floor-1 "
                                                                         "displacements) or two"));
  CHECK_THROWS_AS(build_shear_frame("-target_data /nonexistent/obs.csv"), InputError);
}
