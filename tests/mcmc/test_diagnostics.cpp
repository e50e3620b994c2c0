#include <catch2/catch.hpp>

#include <cmath>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/mcmc/diagnostics.hpp"

using namespace l0svgd;

namespace {

// C chains of n draws of an AR(1) process x_t = φ x_{t−1} + sqrt(1 − φ²) ε_t started from its
// stationary law (φ = 0: independent draws), plus `shift[c]` for chain c.
Matrix ar1_chains(Index chains, Index n, double phi, const std::vector<double>& shift = {}) {
  Matrix draws(chains * n, 1);
  for (Index c = 0; c < chains; ++c) {
    RandomSequence rng(21, RngStream::Test, static_cast<uint64_t>(c));
    double x = rng.normal();
    for (Index t = 0; t < n; ++t) {
      if (t > 0)
        x = phi * x + std::sqrt(1.0 - phi * phi) * rng.normal();
      draws(c * n + t, 0) = x + (shift.empty() ? 0.0 : shift[c]);
    }
  }
  return draws;
}

} // namespace

TEST_CASE("the FFT autocovariance equals the direct sum", "[diagnostics]") {
  for (Index n : {1, 2, 7, 64, 100}) {
    Vector x(n);
    RandomSequence rng(3, RngStream::Test, static_cast<uint64_t>(n));
    for (Index i = 0; i < n; ++i)
      x(i) = 2.0 + rng.normal();
    const Vector acov = autocovariance(x);
    const double mean = x.mean();
    REQUIRE(acov.size() == n);
    for (Index t = 0; t < n; ++t) {
      double direct = 0.0;
      for (Index i = 0; i + t < n; ++i)
        direct += (x(i) - mean) * (x(i + t) - mean);
      direct /= static_cast<double>(n);
      CHECK(acov(t) == Approx(direct).margin(1e-13));
    }
  }
}

TEST_CASE("split-R-hat by hand, odd lengths, and its behaviour on mixed and stuck chains",
          "[diagnostics]") {
  // Two chains 1..4 and 5..8: halves [1,2], [3,4], [5,6], [7,8] with means 1.5, 3.5, 5.5, 7.5
  // (sample variance 20/3) and variances 0.5, so R̂ = sqrt((½ · 0.5 + 20/3) / 0.5).
  Matrix draws(8, 1);
  draws << 1, 2, 3, 4, 5, 6, 7, 8;
  CHECK(split_rhat(draws, 2)(0) == Approx(std::sqrt((0.25 + 20.0 / 3.0) / 0.5)).epsilon(1e-14));
  // An odd chain drops its middle draw.
  Matrix odd(10, 1);
  odd << 1, 2, 1000, 3, 4, 5, 6, -1000, 7, 8;
  CHECK(split_rhat(odd, 2)(0) == Approx(split_rhat(draws, 2)(0)).epsilon(1e-14));

  const Vector mixed = split_rhat(ar1_chains(4, 1000, 0.0), 4);
  CHECK(mixed(0) < 1.01);
  const Vector stuck = split_rhat(ar1_chains(4, 1000, 0.0, {-3.0, -3.0, 3.0, 3.0}), 4);
  CHECK(stuck(0) > 1.1);
  // A trend within each chain shows up through the split halves even with one chain.
  Matrix trend = ar1_chains(1, 1000, 0.0);
  for (Index t = 0; t < 1000; ++t)
    trend(t, 0) += 2.0 * static_cast<double>(t) / 1000.0;
  CHECK(split_rhat(trend, 1)(0) > 1.1);
}

TEST_CASE("effective sample size of independent and AR(1) draws", "[diagnostics]") {
  const Index chains = 4, n = 1000;
  const double total = static_cast<double>(chains * n);
  const Vector iid = effective_sample_size(ar1_chains(chains, n, 0.0), chains);
  INFO("ESS of " << total << " independent draws: " << iid(0));
  CHECK(iid(0) == Approx(total).epsilon(0.15));
  // AR(1): the integrated autocorrelation time is (1 + φ)/(1 − φ).
  for (double phi : {0.5, 0.9}) {
    const Vector ess = effective_sample_size(ar1_chains(chains, 4 * n, phi), chains);
    const double truth = 4.0 * total * (1.0 - phi) / (1.0 + phi);
    INFO("phi " << phi << ": ESS " << ess(0) << " vs " << truth);
    CHECK(ess(0) == Approx(truth).epsilon(0.2));
  }
  // Parameters are independent columns.
  Matrix two(chains * n, 2);
  two.col(0) = ar1_chains(chains, n, 0.0).col(0);
  two.col(1) = ar1_chains(chains, n, 0.9).col(0);
  const Vector both = effective_sample_size(two, chains);
  CHECK(both(0) == Approx(iid(0)).epsilon(1e-12));
  CHECK(both(1) < 0.2 * both(0));
}

TEST_CASE("diagnostics reject malformed draws and mark constant parameters", "[diagnostics]") {
  CHECK_THROWS_AS(split_rhat(Matrix::Zero(10, 1), 3), InputError);
  CHECK_THROWS_AS(split_rhat(Matrix::Zero(6, 1), 2), InputError);
  CHECK_THROWS_AS(effective_sample_size(Matrix::Zero(8, 1), 0), InputError);
  const Matrix constant = Matrix::Constant(40, 1, 2.5);
  CHECK(std::isnan(split_rhat(constant, 4)(0)));
  CHECK(std::isnan(effective_sample_size(constant, 4)(0)));
}

TEST_CASE("bulk and tail effective sample sizes", "[diagnostics]") {
  const Index chains = 4, n = 1000;
  const double total = static_cast<double>(chains * n);
  const Matrix iid = ar1_chains(chains, n, 0.0);
  const double bulk = bulk_effective_sample_size(iid, chains)(0);
  const double tail = tail_effective_sample_size(iid, chains)(0);
  INFO("independent draws: bulk ESS " << bulk << ", tail ESS " << tail << " of " << total);
  CHECK(bulk == Approx(total).epsilon(0.15));
  CHECK(tail == Approx(total).epsilon(0.2));
  // Both depend on the draws' ranks only: a monotone map leaves them exactly as they are.
  const Matrix mapped = (3.0 * iid.array()).exp().matrix();
  CHECK(bulk_effective_sample_size(mapped, chains)(0) == Approx(bulk).epsilon(1e-12));
  CHECK(tail_effective_sample_size(mapped, chains)(0) == Approx(tail).epsilon(1e-12));
  // Cauchy draws have no variance, so the plain ESS has no target; the bulk ESS still counts them.
  Matrix cauchy(chains * n, 1);
  for (Index i = 0; i < cauchy.rows(); ++i) {
    RandomSequence rng(23, RngStream::Test, static_cast<uint64_t>(i));
    cauchy(i, 0) = std::tan(M_PI * (rng.uniform() - 0.5));
  }
  CHECK(bulk_effective_sample_size(cauchy, chains)(0) == Approx(total).epsilon(0.15));
  // AR(1): rank normalisation of Gaussian draws changes little, so the bulk ESS is the plain one's
  // truth 4 C n (1 − φ)/(1 + φ).
  const double phi = 0.7;
  const double ar = bulk_effective_sample_size(ar1_chains(chains, 4 * n, phi), chains)(0);
  INFO("AR(1) bulk ESS " << ar);
  CHECK(ar == Approx(4.0 * total * (1.0 - phi) / (1.0 + phi)).epsilon(0.2));
  // One chain elsewhere: few effective draws, in the bulk and in the tails.
  const Matrix apart = ar1_chains(chains, n, 0.0, {0.0, 0.0, 0.0, 3.0});
  CHECK(bulk_effective_sample_size(apart, chains)(0) < 0.05 * total);
  CHECK(tail_effective_sample_size(apart, chains)(0) < 0.05 * total);
  // Bad input: the split halves need 4 draws each; a constant parameter has none.
  CHECK_THROWS_WITH(bulk_effective_sample_size(Matrix::Zero(28, 1), 4),
                    Catch::Contains("at least 8 draws per chain"));
  CHECK_THROWS_WITH(tail_effective_sample_size(Matrix::Zero(28, 1), 4),
                    Catch::Contains("at least 8 draws per chain"));
  const Matrix constant = Matrix::Constant(40, 1, 2.5);
  CHECK(std::isnan(bulk_effective_sample_size(constant, 4)(0)));
  CHECK(std::isnan(tail_effective_sample_size(constant, 4)(0)));
}
