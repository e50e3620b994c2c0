#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/banana.hpp"
#include "l0svgd/models/gaussian.hpp"
#include "l0svgd/models/gmm.hpp"
#include "l0svgd/models/linreg.hpp"
#include "l0svgd/models/logreg.hpp"
#include "l0svgd/models/target_registry.hpp"
#include "model_checks.hpp"

using namespace l0svgd;
using Catch::Contains;

namespace {

const std::string kBreastCancer = test::source_path("data/uci/breast_cancer.csv");

template <class T> const T& as(const std::unique_ptr<Model>& model) {
  const T* typed = dynamic_cast<const T*>(model.get());
  REQUIRE(typed != nullptr);
  return *typed;
}

} // namespace

TEST_CASE("help mode configures every family without error", "[registry]") {
  // Even values that would be invalid are accepted in help mode, where nothing is built.
  test::ScopedOptions scoped("-target_type gmm -target_means 1,2,3 -target_cov 1,2");
  Options help(true);
  REQUIRE(configure_target(help) != nullptr);
  std::vector<std::string> names;
  for (const auto& spec : help.specs())
    names.push_back(spec.name);
  for (const char* option :
       {"target_type", "target_dim", "target_mean", "target_cov", "target_var", "target_random_cov",
        "target_cond", "target_seed", "target_weights", "target_means", "target_covs",
        "target_vars", "target_sigma", "target_a", "target_b", "target_data", "target_n_data",
        "target_noise", "target_prior_scale"})
    CHECK(std::count(names.begin(), names.end(), option) == 1);
  CHECK(target_registry().size() >= 5);
}

TEST_CASE("an unknown target type is an input error naming it", "[registry]") {
  CHECK_THROWS_AS(test::configure_target_from("-target_type nosuch"), InputError);
  CHECK_THROWS_WITH(test::configure_target_from("-target_type nosuch"),
                    Contains("-target_type") && Contains("nosuch"));
}

TEST_CASE("the basic families build from their defaults and evaluate finite values", "[registry]") {
  for (const std::string name : {"gaussian", "gmm", "banana", "linreg", "logreg"}) {
    INFO(name);
    std::string options = "-target_type " + name;
    if (name == "logreg")
      options += " -target_data " + kBreastCancer;
    const auto model = test::build_target(options);
    CHECK(model->name() == name);
    CHECK(static_cast<Index>(model->parameter_names().size()) == model->dim());
    const Matrix x = test::test_points(7, model->dim(), 13);
    Vector values(7);
    Matrix gradient(7, model->dim());
    model->evaluate(x, values, gradient);
    CHECK_NOTHROW(check_finite(*model, values, gradient));
    CHECK(test::max_scaled_error(gradient, test::fd_gradient(*model, x, 1e-5)) < 1e-5);
  }
}

TEST_CASE("gaussian options: full, diagonal, broadcast and random covariances", "[registry]") {
  {
    const auto model =
        test::build_target("-target_dim 3 -target_mean 1,2,3 -target_cov 2,0.5,0,0.5,1,0,0,0,1");
    const auto& g = as<GaussianModel>(model);
    CHECK(g.mean() == Vector::LinSpaced(3, 1.0, 3.0));
    CHECK(g.covariance()(0, 1) == 0.5);
    CHECK(g.covariance()(0, 0) == 2.0);
  }
  {
    const auto model =
        test::build_target("-target_type gaussian -target_dim 3 -target_mean 1 -target_var 2");
    const auto& g = as<GaussianModel>(model);
    CHECK(g.mean() == Vector::Ones(3));
    CHECK(DenseMatrix(g.covariance()) == DenseMatrix(2.0 * DenseMatrix::Identity(3, 3)));
  }
  {
    const auto model =
        test::build_target("-target_dim 4 -target_random_cov -target_cond 50 -target_seed 3");
    CHECK(as<GaussianModel>(model).covariance() == random_spd_matrix(4, 50.0, 3));
  }
}

TEST_CASE("bad gaussian options are input errors naming the problem", "[registry]") {
  CHECK_THROWS_WITH(test::configure_target_from("-target_dim 3 -target_mean 1,2"),
                    Contains("-target_mean") && Contains("2 values") && Contains("target_dim = 3"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_dim 2 -target_cov 1,0,0"),
                    Contains("-target_cov") && Contains("3 values") && Contains("4"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_dim 2 -target_cov 1,2,2,1"),
                    Contains("-target_cov") && Contains("not positive definite"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_dim 2 -target_cov 1,0.5,0.4,1"),
                    Contains("not symmetric"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_dim 2 -target_var 1,-1"),
                    Contains("-target_var") && Contains("positive"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_var 1 -target_random_cov"),
                    Contains("exclude each other"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_dim 0"), Contains("-target_dim"));
}

TEST_CASE("gmm options: weights are normalised, covariances from vars, sigma or covs",
          "[registry]") {
  {
    const auto model =
        test::build_target("-target_type gmm -target_weights 1,3 -target_means 0,0,1,1 "
                           "-target_vars 1,2,3,4");
    const auto& gmm = as<GaussianMixtureModel>(model);
    CHECK(gmm.weights() == Eigen::Vector2d(0.25, 0.75));
    CHECK(gmm.means()(1, 0) == 1.0);
    CHECK(gmm.covariances()[1](1, 1) == 4.0);
    CHECK(gmm.covariances()[1](0, 1) == 0.0);
  }
  {
    const auto model =
        test::build_target("-target_type gmm -target_weights 1,1,1 -target_means 0,1,2 "
                           "-target_sigma 0.5");
    const auto& gmm = as<GaussianMixtureModel>(model);
    CHECK(gmm.dim() == 1);
    CHECK(gmm.covariances()[2](0, 0) == 0.25);
  }
  {
    const auto model = test::build_target("-target_type gmm -target_weights 1 -target_means 0,0 "
                                          "-target_covs 1,0.5,0.5,1");
    CHECK(as<GaussianMixtureModel>(model).covariances()[0](1, 0) == 0.5);
  }
}

TEST_CASE("bad gmm options are input errors naming the problem", "[registry]") {
  CHECK_THROWS_WITH(
      test::configure_target_from("-target_type gmm -target_weights 1,1,1 -target_means 0,1,2,3"),
      Contains("-target_means") && Contains("not a positive multiple of the 3"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_type gmm -target_vars 1,1,1"),
                    Contains("-target_vars") && Contains("K*d = 4"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_type gmm -target_covs 1,0,0,1"),
                    Contains("-target_covs") && Contains("K*d*d = 8"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_type gmm -target_covs 1,0,0,1,1,3,3,1"),
                    Contains("component 1") && Contains("not positive definite"));
  CHECK_THROWS_WITH(test::configure_target_from("-target_type gmm -target_weights 1,-1"),
                    Contains("-target_weights") && Contains("positive"));
  CHECK_THROWS_WITH(
      test::configure_target_from("-target_type gmm -target_sigma 2 -target_vars 1,1,1,1"),
      Contains("exclude each other"));
}

TEST_CASE("banana options", "[registry]") {
  const auto model = test::build_target("-target_type banana -target_a 2 -target_b 0.1");
  CHECK(as<BananaModel>(model).a() == 2.0);
  CHECK(as<BananaModel>(model).b() == 0.1);
  CHECK_THROWS_WITH(test::configure_target_from("-target_type banana -target_a 0"),
                    Contains("-target_a"));
}

TEST_CASE("linreg options: synthetic data or a CSV file, not both", "[registry]") {
  const auto model =
      test::build_target("-target_type linreg -target_n_data 50 -target_dim 3 -target_seed 4 "
                         "-target_noise 0.2 -target_prior_scale 2");
  const RegressionData data = synthetic_regression_data(50, 3, 0.2, 2.0, 4);
  const LinearRegressionModel direct(data.features, data.response, 0.2, 2.0);
  CHECK(as<LinearRegressionModel>(model).posterior_mean() == direct.posterior_mean());
  CHECK(as<LinearRegressionModel>(model).n_data() == 50);

  const auto path = test::write_scratch("registry_linreg.csv", "1,0,1\n0,1,2\n1,1,3\n");
  const auto from_file = test::build_target("-target_type linreg -target_data " + path);
  CHECK(from_file->dim() == 2);
  CHECK(as<LinearRegressionModel>(from_file).n_data() == 3);

  CHECK_THROWS_WITH(
      test::configure_target_from("-target_type linreg -target_data " + path + " -target_dim 3"),
      Contains("-target_dim") && Contains("-target_data"));
  const auto missing = test::scratch_path("missing_linreg.csv");
  CHECK_THROWS_WITH(test::build_target("-target_type linreg -target_data " + missing),
                    Contains("missing_linreg.csv") && Contains("does not exist"));
  const auto malformed = test::write_scratch("registry_bad.csv", "1,2,3\n4,x,6\n");
  CHECK_THROWS_WITH(test::build_target("-target_type linreg -target_data " + malformed),
                    Contains("registry_bad.csv") && Contains("line 2") && Contains("'x'"));
}

TEST_CASE("logreg options: the data file is required and checked", "[registry]") {
  CHECK_THROWS_WITH(test::configure_target_from("-target_type logreg"),
                    Contains("-target_data") && Contains("required"));
  const auto model =
      test::build_target("-target_type logreg -target_prior_scale 3 -target_data " + kBreastCancer);
  CHECK(model->dim() == 31);
  CHECK(as<LogisticRegressionModel>(model).prior_scale() == 3.0);
  const auto missing = test::scratch_path("missing_logreg.csv");
  CHECK_THROWS_AS(test::build_target("-target_type logreg -target_data " + missing), InputError);
  const auto empty = test::write_scratch("registry_empty.csv", "");
  CHECK_THROWS_WITH(test::build_target("-target_type logreg -target_data " + empty),
                    Contains("registry_empty.csv") && Contains("empty"));
  const auto labels = test::write_scratch("registry_labels.csv", "1,2,1\n3,4,2\n");
  CHECK_THROWS_WITH(test::build_target("-target_type logreg -target_data " + labels),
                    Contains("registry_labels.csv") && Contains("not 0 or 1"));
}

TEST_CASE("a registered target is selectable and a taken name is refused", "[registry]") {
  // A family added at run time, as an application linking the library does: a Gaussian under
  // another name. Registration lasts for the process, so it is done once.
  static const bool registered = [] {
    register_target(
        {"registered_gaussian", "test family", [] { return target_registry().front().make(); }});
    return true;
  }();
  CHECK(registered);
  CHECK(target_registry().back().name == "registered_gaussian");
  const auto model = test::build_target("-target_type registered_gaussian -target_dim 3");
  CHECK(model->dim() == 3);
  CHECK_THROWS_AS(register_target({"gaussian", "again", target_registry().front().make}),
                  std::invalid_argument);
  CHECK_THROWS_AS(register_target({"", "no name", target_registry().front().make}),
                  std::invalid_argument);
  CHECK_THROWS_AS(register_target({"no_builder", "none", nullptr}), std::invalid_argument);
}
