// Tests of the worked example (docs/adding_a_model.md): the gradient and Hessian against finite
// differences, bad data and options refused, and the posterior of the example's own run
// (CTest adding_a_model_run, whose result file ARRHENIUS_RESULT names) against the exact one.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <cstdlib>
#include <fstream>

#include "arrhenius.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {

const std::string kData = std::string(ARRHENIUS_SOURCE_DIR) + "/arrhenius.csv";

arrhenius::ArrheniusModel example_model(double noise, Vector prior_mean, Vector prior_sd) {
  return arrhenius::ArrheniusModel(arrhenius::read_rate_data(kData), noise, prior_mean, prior_sd);
}

Vector pair(double a, double b) {
  Vector v(2);
  v << a, b;
  return v;
}

// The value of option `name` in the run's recorded command line ("-name value"); fails if absent.
std::string recorded_option(const std::vector<std::string>& lines, const std::string& name) {
  for (const auto& line : lines)
    if (line.rfind("-" + name + " ", 0) == 0)
      return line.substr(name.size() + 2);
  FAIL("the run did not record -" << name);
  return "";
}

Vector parse_pair(const std::string& text) {
  const auto comma = text.find(',');
  REQUIRE(comma != std::string::npos);
  return pair(std::stod(text.substr(0, comma)), std::stod(text.substr(comma + 1)));
}

} // namespace

TEST_CASE("arrhenius: gradient and Hessian against central differences", "[arrhenius]") {
  const auto model = example_model(0.1, pair(0.0, 50.0), pair(50.0, 100.0));
  // Points around the posterior (ln A ≈ 25, Ea ≈ 75) and far from it.
  Matrix x(4, 2);
  x << 25.0, 75.0, 24.0, 72.0, 0.0, 50.0, 40.0, 120.0;
  Vector lp(4);
  Matrix g(4, 2);
  model.evaluate(x, lp, g);
  // The log density is quadratic, so a central difference is exact up to rounding: about
  // 1e-16 |log p| / h, here below 1e-6 for |log p| up to 1e6 with h = 1e-4; checked relative
  // to the gradient's size.
  const double h = 1e-4;
  for (Index i = 0; i < x.rows(); ++i) {
    const Vector xi = x.row(i).transpose();
    Vector grad(2);
    const double f0 = model.evaluate_one(xi, grad);
    CHECK(f0 == Approx(lp(i)).epsilon(1e-14));
    const DenseMatrix hess = model.hessian(xi);
    for (Index j = 0; j < 2; ++j) {
      Vector up = xi, down = xi, g_up(2), g_down(2);
      up(j) += h;
      down(j) -= h;
      const double fd = (model.evaluate_one(up, g_up) - model.evaluate_one(down, g_down)) / (2 * h);
      INFO("point " << i << ", coordinate " << j << ": " << g(i, j) << " vs " << fd);
      CHECK(std::abs(g(i, j) - fd) <= 1e-6 * (1.0 + g.row(i).cwiseAbs().maxCoeff()));
      const Vector fd_hess = (g_up - g_down) / (2 * h);
      CHECK((hess.col(j) - fd_hess).cwiseAbs().maxCoeff() <= 1e-6 * hess.cwiseAbs().maxCoeff());
    }
  }
}

TEST_CASE("arrhenius: bad data and settings are refused with their cause", "[arrhenius]") {
  const std::string bad = test::scratch_path("arrhenius_bad.csv");
  if (test::rank() == 0)
    std::ofstream(bad) << "T_K,k_per_s\n300,0.01\n-310,0.02\n";
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_THROWS_WITH(arrhenius::read_rate_data(bad),
                    Catch::Contains("arrhenius_bad.csv") && Catch::Contains("data row 2"));
  CHECK_THROWS_WITH(example_model(0.0, pair(0, 50), pair(50, 100)), Catch::Contains("noise sd"));
  CHECK_THROWS_WITH(example_model(0.1, pair(0, 50), pair(50, -1)), Catch::Contains("prior"));
}

TEST_CASE("arrhenius: the example's SVGD posterior is the exact Gaussian one", "[arrhenius]") {
  const char* result = std::getenv("ARRHENIUS_RESULT");
  REQUIRE(result != nullptr);
  H5File file(result, H5File::Mode::Read, MPI_COMM_WORLD);
  const Matrix particles = file.read_matrix("particles");
  const auto options = file.read_strings("/options/command_line");
  const double noise = std::stod(recorded_option(options, "arrhenius_noise"));
  const Vector prior_mean = parse_pair(recorded_option(options, "arrhenius_prior_mean"));
  const Vector prior_sd = parse_pair(recorded_option(options, "arrhenius_prior_sd"));

  // The exact posterior by the normal equations, from the data file alone (not the model's
  // code): precision P = DᵀD / σ² + diag(1 / s²), mean P⁻¹ (Dᵀ ln k / σ² + μ / s²), with
  // D = [1, −1 / (R T)].
  const auto data = arrhenius::read_rate_data(kData);
  DenseMatrix design(data.temperature.size(), 2);
  design.col(0).setOnes();
  design.col(1) = -1.0 / (arrhenius::kGasConstant * data.temperature.array());
  const Vector log_rate = data.rate.array().log();
  DenseMatrix precision = design.transpose() * design / (noise * noise);
  precision.diagonal().array() += prior_sd.array().square().inverse();
  const Vector rhs = design.transpose() * log_rate / (noise * noise) +
                     (prior_mean.array() / prior_sd.array().square()).matrix();
  const Vector mean = precision.ldlt().solve(rhs);
  const DenseMatrix cov = precision.inverse();
  const Vector sd = cov.diagonal().array().sqrt();

  const Index n = particles.rows();
  const Vector sample_mean = particles.colwise().mean().transpose();
  const Matrix centred = particles.rowwise() - sample_mean.transpose();
  const DenseMatrix sample_cov = centred.transpose() * centred / static_cast<double>(n - 1);
  const Vector sample_sd = sample_cov.diagonal().array().sqrt();
  const double rho = cov(0, 1) / (sd(0) * sd(1));
  const double sample_rho = sample_cov(0, 1) / (sample_sd(0) * sample_sd(1));
  INFO("exact mean " << mean.transpose() << ", sd " << sd.transpose() << ", correlation " << rho);
  INFO("SVGD mean " << sample_mean.transpose() << ", sd " << sample_sd.transpose()
                    << ", correlation " << sample_rho << " (" << n << " particles)");
  // Tolerances as for the examples in inputs/ (tests/cli/check_example.py): k standard errors of
  // N independent draws, 1/√N sd for a mean and 1/√(2N) for an sd ratio, k = 5. SVGD's errors in
  // these moments are smaller than independent draws', so 5 is a wide margin, not a fitted one.
  const double k = 5.0;
  for (Index j = 0; j < 2; ++j) {
    CHECK(std::abs(sample_mean(j) - mean(j)) <= k * sd(j) / std::sqrt(double(n)));
    CHECK(std::abs(sample_sd(j) / sd(j) - 1.0) <= k / std::sqrt(2.0 * n));
  }
  // The correlation of 0.995 is kept. For |ρ| near 1 the sample correlation's standard error,
  // (1 − ρ²)/√N, makes 1 − r² off by a relative 2/√N; allow 3 of those (0.42 for N = 200).
  const double tol = 3.0 * 2.0 / std::sqrt(double(n));
  CHECK(std::abs((1 - sample_rho * sample_rho) / (1 - rho * rho) - 1.0) <= tol);
  // And the physics is found: the data were made with ln A = 25, Ea = 75 kJ/mol.
  CHECK(std::abs(mean(0) - 25.0) < 4 * sd(0));
  CHECK(std::abs(mean(1) - 75.0) < 4 * sd(1));
}
