#include <catch2/catch.hpp>

#include <Eigen/LU>
#include <cmath>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/linreg.hpp"
#include "model_checks.hpp"

using namespace l0svgd;
using Catch::Contains;

namespace {
const double kNoise = 0.3, kPrior = 1.5;

RegressionData small_data() {
  return synthetic_regression_data(30, 4, kNoise, kPrior, 21);
}

// log N(y; X w, σ² I) + log N(w; 0, τ² I) straight from the residuals.
double explicit_log_joint(const RegressionData& data, const Vector& w) {
  const double n = double(data.response.size()), d = double(w.size());
  return -(data.response - data.features * w).squaredNorm() / (2 * kNoise * kNoise) -
         0.5 * n * std::log(2 * M_PI * kNoise * kNoise) - w.squaredNorm() / (2 * kPrior * kPrior) -
         0.5 * d * std::log(2 * M_PI * kPrior * kPrior);
}
} // namespace

TEST_CASE("linreg exact posterior agrees with the Woodbury (data-space) formula", "[linreg]") {
  const RegressionData data = small_data();
  const LinearRegressionModel model(data.features, data.response, kNoise, kPrior);
  // S = τ²I − τ⁴ Xᵀ(σ²I + τ²XXᵀ)⁻¹X, m = τ² Xᵀ(σ²I + τ²XXᵀ)⁻¹ y: an n × n solve instead of d × d.
  const DenseMatrix x = data.features;
  DenseMatrix k = kPrior * kPrior * x * x.transpose();
  k.diagonal().array() += kNoise * kNoise;
  const Eigen::FullPivLU<DenseMatrix> lu(k);
  const double t2 = kPrior * kPrior;
  const DenseMatrix cov = t2 * DenseMatrix::Identity(4, 4) - t2 * t2 * x.transpose() * lu.solve(x);
  const Vector mean = t2 * x.transpose() * lu.solve(data.response);
  CHECK(test::max_scaled_error(model.posterior_covariance(), cov) < 1e-10);
  CHECK(test::max_scaled_error(model.posterior_mean(), mean) < 1e-10);
  // With 30 points and σ = 0.3 the posterior concentrates near the true weights.
  CHECK((model.posterior_mean() - data.true_weights).norm() < 0.5);
  CHECK(test::max_scaled_error(model.hessian(mean), -DenseMatrix(cov.inverse())) < 1e-8);
}

TEST_CASE("linreg gradient vanishes at the posterior mean and matches differences elsewhere",
          "[linreg]") {
  const RegressionData data = small_data();
  const LinearRegressionModel model(data.features, data.response, kNoise, kPrior);
  Vector g(4);
  const double at_mean = model.evaluate_one(model.posterior_mean(), g);
  CHECK(g.norm() < 1e-9 * model.hessian(model.posterior_mean()).norm());
  CHECK(at_mean == Approx(explicit_log_joint(data, model.posterior_mean())).epsilon(1e-12));

  const Matrix w = test::test_points(12, 4, 9, 2.0);
  const Vector values = test::log_densities(model, w);
  for (Index i = 0; i < w.rows(); ++i)
    CHECK(values(i) == Approx(explicit_log_joint(data, w.row(i).transpose())).epsilon(1e-12));
  Vector v(12);
  Matrix gradient(12, 4);
  model.evaluate(w, v, gradient);
  // The log density is quadratic: central differences are exact up to rounding (~1e-11 |log p| /
  // h).
  CHECK(test::max_scaled_error(gradient, test::fd_gradient(model, w, 1e-3)) < 1e-7);

  Matrix likelihood_gradient(12, 4);
  model.log_likelihood_gradient(w, likelihood_gradient);
  const Matrix expected =
      (data.response.transpose().replicate(12, 1) - w * data.features.transpose()) * data.features /
      (kNoise * kNoise);
  CHECK(test::max_scaled_error(likelihood_gradient, expected) < 1e-10);
  CHECK(test::max_scaled_error(Matrix(gradient - likelihood_gradient),
                               Matrix(-w / (kPrior * kPrior))) < 1e-10);
  CHECK(model.has_likelihood_gradient());
  CHECK(model.parameter_names() == std::vector<std::string>{"w_0", "w_1", "w_2", "w_3"});
}

TEST_CASE("linreg synthetic data depend only on the seed", "[linreg]") {
  const RegressionData a = small_data(), b = small_data();
  CHECK(a.features == b.features);
  CHECK(a.response == b.response);
  CHECK(a.true_weights == b.true_weights);
  const RegressionData c = synthetic_regression_data(30, 4, kNoise, kPrior, 22);
  CHECK((a.features - c.features).norm() > 1.0);
  // The first rows do not depend on how many rows are drawn.
  const RegressionData longer = synthetic_regression_data(40, 4, kNoise, kPrior, 21);
  CHECK(longer.features.topRows(30) == a.features);
}

TEST_CASE("linreg reads a CSV data set, last column the response", "[linreg]") {
  const auto path =
      test::write_scratch("linreg.csv", "x1,x2,y\n1,0,1.1\n0,1,-0.9\n1,1,0.2\n2,1,1.3\n");
  const RegressionData data = read_regression_csv(path);
  REQUIRE(data.features.rows() == 4);
  REQUIRE(data.features.cols() == 2);
  CHECK(data.response(3) == 1.3);
  CHECK(data.true_weights.size() == 0);
  const auto one_column = test::write_scratch("linreg_one.csv", "1\n2\n");
  CHECK_THROWS_WITH(read_regression_csv(one_column),
                    Contains("linreg_one.csv") && Contains("found 1 column"));
  CHECK_THROWS_AS(LinearRegressionModel(data.features, Vector::Ones(3), 1.0, 1.0), InputError);
}
