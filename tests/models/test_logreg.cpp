#include <catch2/catch.hpp>

#include <cmath>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/logreg.hpp"
#include "model_checks.hpp"

using namespace l0svgd;
using Catch::Contains;

namespace {
const std::string kBreastCancer = test::source_path("data/uci/breast_cancer.csv");

// Σ_i [y_i log σ(s_i) + (1 − y_i) log(1 − σ(s_i))] − ‖θ‖²/(2τ²) − (D/2) log(2πτ²), with the
// features standardised here from the raw data, row by row.
double explicit_log_density(const ClassificationData& data, const Vector& theta, double tau) {
  const Index n = data.features.rows(), p = data.features.cols();
  const Vector mean = data.features.colwise().mean();
  Vector sd(p);
  for (Index j = 0; j < p; ++j)
    sd(j) = std::sqrt((data.features.col(j).array() - mean(j)).square().mean());
  double sum = 0;
  for (Index i = 0; i < n; ++i) {
    double s = theta(0);
    for (Index j = 0; j < p; ++j)
      s += theta(1 + j) * (data.features(i, j) - mean(j)) / sd(j);
    const double prob = 1.0 / (1.0 + std::exp(-s));
    sum += data.labels(i) == 1.0 ? std::log(prob) : std::log(1.0 - prob);
  }
  return sum - theta.squaredNorm() / (2 * tau * tau) -
         0.5 * double(p + 1) * std::log(2 * M_PI * tau * tau);
}
} // namespace

TEST_CASE("logreg on the breast-cancer file: shape, names, standardisation", "[logreg]") {
  const ClassificationData data = read_classification_csv(kBreastCancer);
  REQUIRE(data.features.rows() == 569);
  REQUIRE(data.features.cols() == 30);
  const LogisticRegressionModel model(data.features, data.labels, 1.0);
  CHECK(model.dim() == 31);
  CHECK(model.n_data() == 569);
  CHECK(model.n_features() == 30);
  const auto names = model.parameter_names();
  REQUIRE(names.size() == 31);
  CHECK(names[0] == "bias");
  CHECK(names[1] == "w_0");
  CHECK(names[30] == "w_29");
  const Matrix z = model.design().rightCols(30);
  CHECK(z.colwise().mean().cwiseAbs().maxCoeff() < 1e-12);
  CHECK(((z.colwise().squaredNorm() / 569.0).array().sqrt() - 1.0).abs().maxCoeff() < 1e-12);
  CHECK(model.design().col(0) == Vector::Ones(569));
}

TEST_CASE("logreg gradient at zero and elsewhere matches central differences", "[logreg]") {
  const ClassificationData data = read_classification_csv(kBreastCancer);
  const double tau = 2.0;
  const LogisticRegressionModel model(data.features, data.labels, tau);
  Matrix theta(3, 31);
  theta.row(0).setZero();
  theta.bottomRows(2) = test::test_points(2, 31, 5, 0.3);
  Vector values(3);
  Matrix gradient(3, 31);
  model.evaluate(theta, values, gradient);
  // At θ = 0 every σ(s) is ½: log p = −n log 2 + prior constant, ∂/∂bias = Σ (y_i − ½).
  CHECK(values(0) == Approx(-569 * std::log(2.0) - 15.5 * std::log(2 * M_PI * tau * tau)));
  CHECK(gradient(0, 0) == Approx(data.labels.sum() - 0.5 * 569));
  for (Index i = 0; i < 3; ++i)
    CHECK(values(i) ==
          Approx(explicit_log_density(data, theta.row(i).transpose(), tau)).epsilon(1e-11));
  // |log p| is a few hundred: rounding in the differences ~1e-13·300/h, truncation ~h²·|f'''|.
  CHECK(test::max_scaled_error(gradient, test::fd_gradient(model, theta, 1e-5)) < 1e-6);
  Matrix likelihood_gradient(3, 31);
  model.log_likelihood_gradient(theta, likelihood_gradient);
  CHECK(test::max_scaled_error(Matrix(gradient - likelihood_gradient),
                               Matrix(-theta / (tau * tau))) < 1e-12);
  const Vector point = theta.row(1).transpose();
  CHECK(test::max_scaled_error(model.hessian(point), test::fd_hessian(model, point, 1e-5)) < 1e-6);
}

TEST_CASE("logreg stays finite for huge logits", "[logreg]") {
  const ClassificationData data = read_classification_csv(kBreastCancer);
  const LogisticRegressionModel model(data.features, data.labels, 1.0);
  Matrix theta(2, 31);
  theta.row(0).setConstant(1e4);
  theta.row(1).setConstant(-1e4);
  Vector values(2);
  Matrix gradient(2, 31);
  model.evaluate(theta, values, gradient);
  CHECK(values.allFinite());
  CHECK(gradient.allFinite());
}

TEST_CASE("classification files with bad labels or headers are rejected by name", "[logreg]") {
  const auto half = test::write_scratch("logreg_half.csv", "1,2,0\n3,4,0.5\n");
  CHECK_THROWS_AS(read_classification_csv(half), InputError);
  CHECK_THROWS_WITH(read_classification_csv(half), Contains("logreg_half.csv") &&
                                                       Contains("label 0.5 in data row 2") &&
                                                       Contains("not 0 or 1"));
  const auto counts = test::write_scratch("logreg_counts.csv", "3,2,no,yes\n1,2,0\n3,4,1\n");
  CHECK_THROWS_WITH(read_classification_csv(counts),
                    Contains("header announces 3 rows and 2 features") && Contains("2 rows"));
  const auto named = test::write_scratch("logreg_named.csv", "a,b,label\n1,2,0\n3,4,1\n");
  CHECK(read_classification_csv(named).features.cols() == 2);
  const auto ragged = test::write_scratch("logreg_ragged.csv", "1,2,0\n3,4\n");
  CHECK_THROWS_WITH(read_classification_csv(ragged), Contains("line 2"));
  CHECK_THROWS_WITH(LogisticRegressionModel(Matrix::Ones(2, 2), Vector::Constant(2, 2.0), 1.0),
                    Contains("not 0 or 1"));
}
