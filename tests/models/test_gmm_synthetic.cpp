#include <catch2/catch.hpp>

#include <cmath>

#include <Eigen/Dense>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/gmm.hpp"
#include "l0svgd/models/gmm_synthetic.hpp"
#include "l0svgd/models/target_registry.hpp"
#include "model_checks.hpp"

using namespace l0svgd;
using Catch::Contains;

namespace {

// The density of N(mean, cov) in 2-D at (x, y), written out (independent of the library's).
double normal_2d(const Vector& mean, const DenseMatrix& cov, double x, double y) {
  const double det = cov(0, 0) * cov(1, 1) - cov(0, 1) * cov(1, 0);
  const double dx = x - mean(0), dy = y - mean(1);
  const double q = (cov(1, 1) * dx * dx - 2.0 * cov(0, 1) * dx * dy + cov(0, 0) * dy * dy) / det;
  return std::exp(-0.5 * q) / (2.0 * M_PI * std::sqrt(det));
}

// 2 ∫pq / (∫p² + ∫q²) by the midpoint rule on a grid wide enough for both densities.
double dice_by_quadrature(const Vector& mp, const DenseMatrix& cp, const Vector& mq,
                          const DenseMatrix& cq) {
  const double lo_x = std::min(mp(0), mq(0)) - 10.0, hi_x = std::max(mp(0), mq(0)) + 10.0;
  const double lo_y = std::min(mp(1), mq(1)) - 10.0, hi_y = std::max(mp(1), mq(1)) + 10.0;
  const int n = 1200;
  const double hx = (hi_x - lo_x) / n, hy = (hi_y - lo_y) / n;
  double pq = 0.0, pp = 0.0, qq = 0.0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double x = lo_x + (i + 0.5) * hx, y = lo_y + (j + 0.5) * hy;
      const double p = normal_2d(mp, cp, x, y), q = normal_2d(mq, cq, x, y);
      pq += p * q;
      pp += p * p;
      qq += q * q;
    }
  return 2.0 * pq / (pp + qq);
}

} // namespace

TEST_CASE("the Dice overlap of two Gaussians", "[gmm_synthetic]") {
  // Equal covariances: exp(−Δ²/4) with Δ the Mahalanobis distance (REFERENCE.md §5).
  DenseMatrix cov(2, 2);
  cov << 2.0, 0.6, 0.6, 1.0;
  Vector a(2), b(2);
  a << 0.0, 0.0;
  b << 1.5, -1.0;
  const Vector delta = b - a;
  const double mahalanobis2 = delta.dot(cov.ldlt().solve(delta));
  CHECK(gaussian_dice(a, cov, b, cov) == Approx(std::exp(-mahalanobis2 / 4.0)).epsilon(1e-12));
  CHECK(gaussian_dice(a, cov, a, cov) == Approx(1.0).epsilon(1e-12));
  // Unequal covariances against quadrature.
  DenseMatrix other(2, 2);
  other << 0.5, -0.2, -0.2, 1.5;
  CHECK(gaussian_dice(a, cov, b, other) ==
        Approx(dice_by_quadrature(a, cov, b, other)).epsilon(1e-6));
}

TEST_CASE("a generated mixture has the factors it was asked for", "[gmm_synthetic]") {
  SyntheticMixtureSpec spec;
  spec.dim = 2;
  spec.components = 3;
  spec.decay = 1.3;
  spec.correlation = 0.6;
  spec.overlap = 1e-2;
  spec.seed = 4;
  const SyntheticMixture mix = synthetic_mixture(spec);
  // Weights decay by exp(−ω) from one component to the next.
  CHECK(mix.weights.sum() == Approx(1.0).epsilon(1e-14));
  for (Index k = 0; k + 1 < 3; ++k)
    CHECK(mix.weights(k + 1) / mix.weights(k) == Approx(std::exp(-1.3)).epsilon(1e-12));
  // Every covariance is a rotated equicorrelation matrix: eigenvalues 1 − c and 1 + (d − 1) c,
  // trace d, and not axis-aligned.
  for (const DenseMatrix& cov : mix.covariances) {
    Eigen::SelfAdjointEigenSolver<DenseMatrix> eig(cov);
    CHECK(eig.eigenvalues()(0) == Approx(0.4).epsilon(1e-12));
    CHECK(eig.eigenvalues()(1) == Approx(1.6).epsilon(1e-12));
    CHECK(std::abs(cov(0, 1)) > 1e-3);
  }
  CHECK((mix.covariances[0] - mix.covariances[1]).norm() > 1e-3);
  // The largest pairwise Dice is λ, by quadrature (independent of the closed form).
  double largest = 0.0;
  for (Index i = 0; i < 3; ++i)
    for (Index j = i + 1; j < 3; ++j) {
      const Vector mi = mix.means.row(i).transpose(), mj = mix.means.row(j).transpose();
      const double dice = dice_by_quadrature(mi, mix.covariances[i], mj, mix.covariances[j]);
      CHECK(dice ==
            Approx(gaussian_dice(mi, mix.covariances[i], mj, mix.covariances[j])).epsilon(1e-5));
      largest = std::max(largest, dice);
    }
  CHECK(largest == Approx(1e-2).epsilon(1e-5));
  // Deterministic in the seed, and the seed matters.
  const SyntheticMixture again = synthetic_mixture(spec);
  CHECK(again.means == mix.means);
  spec.seed = 5;
  CHECK((synthetic_mixture(spec).means - mix.means).norm() > 1e-3);
}

TEST_CASE("generated mixtures in the talk's range of factors", "[gmm_synthetic]") {
  // d = 10, K = 4: the overlap is met exactly and the covariance spectrum is R's.
  for (const double overlap : {1e-4, 1e-2}) {
    SyntheticMixtureSpec spec;
    spec.dim = 10;
    spec.components = 4;
    spec.correlation = 0.7;
    spec.overlap = overlap;
    const SyntheticMixture mix = synthetic_mixture(spec);
    double largest = 0.0;
    for (Index i = 0; i < 4; ++i)
      for (Index j = i + 1; j < 4; ++j)
        largest =
            std::max(largest, gaussian_dice(mix.means.row(i).transpose(), mix.covariances[i],
                                            mix.means.row(j).transpose(), mix.covariances[j]));
    CHECK(largest == Approx(overlap).epsilon(1e-10));
    Eigen::SelfAdjointEigenSolver<DenseMatrix> eig(mix.covariances[2]);
    CHECK(eig.eigenvalues().head(9).maxCoeff() == Approx(0.3).epsilon(1e-10));
    CHECK(eig.eigenvalues()(9) == Approx(1.0 + 9 * 0.7).epsilon(1e-10));
  }
}

TEST_CASE("-target_type gmm_synthetic builds the mixture and refuses bad factors",
          "[gmm_synthetic]") {
  const auto model =
      test::build_target("-target_type gmm_synthetic -target_dim 8 -target_components 3 "
                         "-target_decay 2 -target_correlation 0.1 -target_overlap 1e-3 "
                         "-target_seed 7");
  const auto* gmm = dynamic_cast<const GaussianMixtureModel*>(model.get());
  REQUIRE(gmm != nullptr);
  CHECK(gmm->dim() == 8);
  CHECK(gmm->n_components() == 3);
  SyntheticMixtureSpec spec;
  spec.dim = 8;
  spec.decay = 2.0;
  spec.correlation = 0.1;
  spec.overlap = 1e-3;
  spec.seed = 7;
  const SyntheticMixture mix = synthetic_mixture(spec);
  CHECK((gmm->means() - mix.means).cwiseAbs().maxCoeff() == 0.0);
  CHECK((gmm->weights() - mix.weights).cwiseAbs().maxCoeff() < 1e-15);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"-target_components 1", "-target_components"},
      {"-target_overlap 0", "-target_overlap"},
      {"-target_overlap 1", "-target_overlap"},
      {"-target_correlation 1", "-target_correlation"},
      {"-target_dim 3 -target_correlation -0.6", "-target_correlation"},
      {"-target_decay -1", "-target_decay"},
  };
  for (const auto& [options, name] : bad) {
    INFO(options);
    CHECK_THROWS_WITH(test::build_target("-target_type gmm_synthetic " + options), Contains(name));
  }
}
