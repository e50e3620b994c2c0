#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/gmm.hpp"
#include "l0svgd/models/gmm_synthetic.hpp"
#include "l0svgd/models/sas_mixture.hpp"
#include "l0svgd/models/target_registry.hpp"
#include "model_checks.hpp"

using namespace l0svgd;
using Catch::Contains;

namespace {

SyntheticMixture mixture(Index d, uint64_t seed, double overlap = 1e-2) {
  SyntheticMixtureSpec spec;
  spec.dim = d;
  spec.components = 3;
  spec.decay = 0.5;
  spec.correlation = 0.4;
  spec.overlap = overlap;
  spec.seed = seed;
  return synthetic_mixture(spec);
}

SasMixtureModel sas(const SyntheticMixture& mix, double s, double t) {
  const Index k = mix.weights.size();
  Vector skew(k), tail(k);
  for (Index c = 0; c < k; ++c) {
    skew(c) = s * (c % 2 == 0 ? 1.0 : -1.0); // components skewed both ways
    tail(c) = t + 0.1 * static_cast<double>(c);
  }
  return SasMixtureModel(mix.weights, mix.means, mix.covariances, skew, tail);
}

} // namespace

TEST_CASE("the sinh-arcsinh mixture with s = 0, t = 1 is the Gaussian mixture", "[sas_mixture]") {
  const SyntheticMixture mix = mixture(4, 3);
  const Index k = mix.weights.size();
  const SasMixtureModel identity(mix.weights, mix.means, mix.covariances, Vector::Zero(k),
                                 Vector::Ones(k));
  const GaussianMixtureModel gmm(mix.weights, mix.means, mix.covariances);
  const Matrix x = test::test_points(50, 4, 8, 3.0);
  Vector lp_sas(50), lp_gmm(50);
  Matrix g_sas(50, 4), g_gmm(50, 4);
  identity.evaluate(x, lp_sas, g_sas);
  gmm.evaluate(x, lp_gmm, g_gmm);
  CHECK(test::max_scaled_error(lp_sas, lp_gmm) < 1e-12);
  CHECK(test::max_scaled_error(g_sas, g_gmm) < 1e-11);
  CHECK(identity.transform(0, 1.7) == Approx(1.7).epsilon(1e-14));
}

TEST_CASE("sinh-arcsinh mixture gradients match finite differences", "[sas_mixture]") {
  const SyntheticMixture mix = mixture(3, 5);
  for (const auto& [s, t] : {std::pair<double, double>{0.5, 1.3}, {-0.8, 0.7}}) {
    INFO("s " << s << ", t " << t);
    const SasMixtureModel model = sas(mix, s, t);
    const Matrix x = test::test_points(40, 3, 9, 2.0);
    Vector lp(40);
    Matrix g(40, 3);
    model.evaluate(x, lp, g);
    CHECK(lp.allFinite());
    CHECK(test::max_scaled_error(g, test::fd_gradient(model, x, 1e-5)) < 1e-6);
  }
}

TEST_CASE("the sinh-arcsinh mixture is normalised and its sampler draws from it", "[sas_mixture]") {
  // 2-D: the density integrates to 1 over a wide box (midpoint rule).
  const SasMixtureModel plane = sas(mixture(2, 6), 0.6, 1.3);
  {
    const double half = 30.0;
    const int n = 600;
    const double h = 2.0 * half / n;
    Matrix row(n, 2);
    Vector lp(n);
    double mass = 0.0;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        row(j, 0) = -half + (i + 0.5) * h;
        row(j, 1) = -half + (j + 0.5) * h;
      }
      plane.log_density(row, lp);
      mass += lp.array().exp().sum() * h * h;
    }
    CHECK(mass == Approx(1.0).epsilon(1e-4));
  }
  // 1-D: the sampler's mean, variance and distribution function against quadrature of the density.
  const SasMixtureModel line = sas(mixture(1, 7, 0.05), 0.7, 1.4);
  const Index draws = 100000;
  Matrix x(draws, 1);
  line.sample_exact(3, RngStream::Test, 0, x);
  const int n = 200000;
  const double lo = -60.0, hi = 60.0, h = (hi - lo) / n;
  Matrix grid(n, 1);
  for (int i = 0; i < n; ++i)
    grid(i, 0) = lo + (i + 0.5) * h;
  Vector lp(n);
  line.log_density(grid, lp);
  const Eigen::ArrayXd p = lp.array().exp() * h;
  const double mean = (p * grid.col(0).array()).sum();
  const double variance = (p * (grid.col(0).array() - mean).square()).sum();
  CHECK(p.sum() == Approx(1.0).epsilon(1e-6));
  const double sample_mean = x.col(0).mean();
  const double sample_variance = (x.col(0).array() - sample_mean).square().sum() / (draws - 1);
  INFO("mean " << sample_mean << " vs " << mean << ", variance " << sample_variance << " vs "
               << variance);
  CHECK(std::abs(sample_mean - mean) < 4.0 * std::sqrt(variance / draws));
  CHECK(std::abs(sample_variance / variance - 1.0) < 0.05);
  for (const double q : {-2.0, 0.0, 1.0, 3.0}) {
    const double cdf = (grid.col(0).array() < q).select(p, 0.0).sum();
    const double fraction = (x.col(0).array() < q).cast<double>().mean();
    INFO("P(x < " << q << "): sampled " << fraction << ", density " << cdf);
    CHECK(std::abs(fraction - cdf) < 4.0 * std::sqrt(cdf * (1.0 - cdf) / draws) + 1e-4);
  }
  // Draw i depends on its index only.
  Matrix part(10, 1);
  line.sample_exact(3, RngStream::Test, 500, part);
  CHECK(part == x.middleRows(500, 10));
}

TEST_CASE("-target_type sas_mixture builds the mixture and refuses bad transforms",
          "[sas_mixture]") {
  const auto model =
      test::build_target("-target_type sas_mixture -target_dim 5 -target_components 2 "
                         "-target_skewness 0.3,-0.3 -target_tailweight 1.5 -target_seed 2");
  const auto* typed = dynamic_cast<const SasMixtureModel*>(model.get());
  REQUIRE(typed != nullptr);
  CHECK(typed->dim() == 5);
  CHECK(typed->n_components() == 2);
  CHECK(dynamic_cast<const ExactTarget*>(model.get()) != nullptr);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"-target_tailweight 0", "-target_tailweight"},
      {"-target_tailweight 1,2", "-target_tailweight: 2 values, expected K = 3"},
      {"-target_skewness 1,2,3,4", "-target_skewness"},
      {"-target_overlap 2", "-target_overlap"},
  };
  for (const auto& [options, name] : bad) {
    INFO(options);
    CHECK_THROWS_WITH(test::build_target("-target_type sas_mixture " + options), Contains(name));
  }
}
