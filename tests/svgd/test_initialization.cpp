#include <catch2/catch.hpp>

#include <cmath>

#include "l0svgd/core/error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/svgd/initialization.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {
InitConfig configured(const std::string& options_text) {
  test::ScopedOptions scoped(options_text);
  Options options;
  return configure_initialization(options);
}

Matrix gathered(const InitConfig& config, Index n, Index d, uint64_t seed) {
  Partition part(n, MPI_COMM_WORLD);
  const Matrix local = draw_initial_particles(config, part, d, seed);
  Matrix all(n, d);
  RowGather(part, d, MPI_COMM_WORLD).gather(local, all);
  return all;
}
} // namespace

TEST_CASE("initialisation options: defaults, arrays and broadcast scalars", "[init]") {
  const InitConfig defaults = configured("");
  CHECK(defaults.type == InitType::Gaussian);
  CHECK(defaults.mean == std::vector<double>{0.0});
  const InitConfig uniform = configured("-init_type uniform -init_lower -2 -init_upper 3,4");
  CHECK(uniform.type == InitType::Uniform);
  CHECK(uniform.lower == std::vector<double>{-2.0});
  CHECK(uniform.upper == std::vector<double>{3.0, 4.0});
  CHECK(configured("-init_type file -init_file x.h5").file == "x.h5");
  CHECK_THROWS_WITH(configured("-init_type file"), Catch::Contains("-init_file"));
}

TEST_CASE("initial particles do not depend on the rank count", "[init]") {
  InitConfig config;
  config.mean = {1.0, -2.0, 0.5};
  config.scale = {0.5};
  const Matrix all = gathered(config, 11, 3, 42);
  // The serial draw of a single-rank partition gives the same rows bit for bit.
  const Matrix serial = draw_initial_particles(config, Partition(11, 0, 1), 3, 42);
  CHECK(all == serial);
  CHECK(gathered(config, 11, 3, 43) != all);
}

TEST_CASE("gaussian and uniform draws have the configured moments", "[init]") {
  const Index n = 4000;
  InitConfig gaussian;
  gaussian.mean = {1.0, -3.0};
  gaussian.scale = {2.0, 0.5};
  const Matrix g = gathered(gaussian, n, 2, 7);
  const Vector mean = g.colwise().mean().transpose();
  const Vector sd = ((g.rowwise() - mean.transpose()).colwise().squaredNorm() / (n - 1.0))
                        .cwiseSqrt()
                        .transpose();
  // Five standard errors.
  CHECK(std::abs(mean(0) - 1.0) < 5 * 2.0 / std::sqrt(n));
  CHECK(std::abs(mean(1) + 3.0) < 5 * 0.5 / std::sqrt(n));
  CHECK(sd(0) == Approx(2.0).epsilon(0.06));
  CHECK(sd(1) == Approx(0.5).epsilon(0.06));

  InitConfig uniform;
  uniform.type = InitType::Uniform;
  uniform.lower = {-1.0, 2.0};
  uniform.upper = {1.0, 2.5};
  const Matrix u = gathered(uniform, n, 2, 8);
  CHECK(u.col(0).minCoeff() > -1.0);
  CHECK(u.col(0).maxCoeff() < 1.0);
  CHECK(u.col(1).minCoeff() > 2.0);
  CHECK(u.col(1).maxCoeff() < 2.5);
  CHECK(u.col(1).mean() == Approx(2.25).margin(5 * 0.5 / std::sqrt(12.0 * n)));
}

TEST_CASE("initialisation arrays are validated against the dimension", "[init]") {
  InitConfig config;
  config.mean = {0.0, 1.0};
  CHECK_NOTHROW(validate_initialization(config, 2));
  CHECK_THROWS_WITH(validate_initialization(config, 3),
                    Catch::Contains("-init_mean") &&
                        Catch::Contains("expected 1 or the dimension 3"));
  config.mean = {0.0};
  config.scale = {1.0, -1.0};
  CHECK_THROWS_WITH(validate_initialization(config, 2), Catch::Contains("-init_scale"));
  InitConfig uniform;
  uniform.type = InitType::Uniform;
  uniform.lower = {0.0, 1.0};
  uniform.upper = {1.0};
  CHECK_THROWS_WITH(validate_initialization(uniform, 2), Catch::Contains("coordinate 1"));
  CHECK_THROWS_AS(draw_initial_particles(uniform, Partition(4, 0, 1), 2, 1), InputError);
  InitConfig file;
  file.type = InitType::File;
  file.file = "x.h5";
  CHECK_THROWS_AS(draw_initial_particles(file, Partition(4, 0, 1), 2, 1), InputError);
}
