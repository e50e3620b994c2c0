#include "l0svgd/mcmc/diagnostics.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/metrics/wasserstein.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numeric>
#include <unsupported/Eigen/FFT>
#include <vector>

namespace l0svgd {
namespace {

Index draws_per_chain(const ConstMatrixRef& draws, Index n_chains) {
  require_input(n_chains >= 1, "MCMC diagnostics need at least one chain");
  require_input(draws.rows() % n_chains == 0, "MCMC diagnostics: " + std::to_string(draws.rows()) +
                                                  " draws cannot be split into " +
                                                  std::to_string(n_chains) + " equal chains");
  const Index n = draws.rows() / n_chains;
  require_input(n >= 4, "MCMC diagnostics need at least 4 draws per chain");
  return n;
}

// Sample variance (divisor n − 1) of the entries of v.
double sample_variance(const Vector& v) {
  return (v.array() - v.mean()).square().sum() / static_cast<double>(v.size() - 1);
}

bool is_constant(const ConstMatrixRef& draws, Index column) {
  return (draws.col(column).array() == draws(0, column)).all();
}

} // namespace

Vector autocovariance(const ConstVectorRef& chain) {
  const Index n = chain.size();
  if (n == 0)
    return Vector();
  // Zero padding to at least 2n makes the circular correlation of the FFT the linear one.
  Index padded = 1;
  while (padded < 2 * n)
    padded *= 2;
  std::vector<double> centred(padded, 0.0);
  const double mean = chain.mean();
  for (Index i = 0; i < n; ++i)
    centred[i] = chain(i) - mean;
  Eigen::FFT<double> fft;
  std::vector<std::complex<double>> spectrum;
  fft.fwd(spectrum, centred);
  for (auto& c : spectrum)
    c = std::norm(c);
  std::vector<double> correlation;
  fft.inv(correlation, spectrum);
  Vector acov(n);
  for (Index t = 0; t < n; ++t)
    acov(t) = correlation[t] / static_cast<double>(n);
  return acov;
}

Vector split_rhat(const ConstMatrixRef& draws, Index n_chains) {
  const Index n = draws_per_chain(draws, n_chains);
  const Index half = n / 2;
  const Index m = 2 * n_chains;
  const double k = static_cast<double>(half);
  Vector rhat(draws.cols());
  Vector means(m), variances(m);
  for (Index j = 0; j < draws.cols(); ++j) {
    for (Index c = 0; c < n_chains; ++c)
      for (int part = 0; part < 2; ++part) {
        // The first and the last `half` draws of the chain.
        const Index begin = c * n + (part == 0 ? 0 : n - half);
        const Vector piece = draws.col(j).segment(begin, half);
        means(2 * c + part) = piece.mean();
        variances(2 * c + part) = sample_variance(piece);
      }
    const double within = variances.mean();
    const double between_over_k = sample_variance(means);
    const double pooled = (k - 1.0) / k * within + between_over_k;
    rhat(j) = within > 0.0 ? std::sqrt(pooled / within) : std::numeric_limits<double>::quiet_NaN();
  }
  return rhat;
}

Vector effective_sample_size(const ConstMatrixRef& draws, Index n_chains) {
  const Index n = draws_per_chain(draws, n_chains);
  const double nd = static_cast<double>(n);
  const double total = static_cast<double>(n_chains) * nd;
  Vector ess(draws.cols());
  std::vector<Vector> acov(n_chains);
  Vector chain_mean(n_chains), rho(n);
  for (Index j = 0; j < draws.cols(); ++j) {
    if (is_constant(draws, j)) {
      ess(j) = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    double mean_var = 0.0;
    for (Index c = 0; c < n_chains; ++c) {
      acov[c] = autocovariance(draws.col(j).segment(c * n, n));
      chain_mean(c) = draws.col(j).segment(c * n, n).mean();
      mean_var += acov[c](0) * nd / (nd - 1.0);
    }
    mean_var /= static_cast<double>(n_chains);
    double var_plus = mean_var * (nd - 1.0) / nd;
    if (n_chains > 1)
      var_plus += sample_variance(chain_mean);
    auto correlation = [&](Index t) {
      double mean_acov = 0.0;
      for (Index c = 0; c < n_chains; ++c)
        mean_acov += acov[c](t);
      return 1.0 - (mean_var - mean_acov / static_cast<double>(n_chains)) / var_plus;
    };

    // Geyer's initial positive sequence: pairs (ρ_{t+1}, ρ_{t+2}) are kept while their sum is
    // non-negative; the last pair before n − 4 is left as a bias correction for antithetic
    // chains.
    rho.setZero();
    rho(0) = 1.0;
    double even = 1.0, odd = correlation(1);
    rho(1) = odd;
    Index t = 1;
    while (t < n - 4 && even + odd > 0.0) {
      even = correlation(t + 1);
      odd = correlation(t + 2);
      if (even + odd >= 0.0) {
        rho(t + 1) = even;
        rho(t + 2) = odd;
      }
      t += 2;
    }
    const Index last = t;
    if (even > 0.0)
      rho(last + 1) = even;
    // Geyer's initial monotone sequence.
    for (Index s = 1; s <= last - 3; s += 2)
      if (rho(s + 1) + rho(s + 2) > rho(s - 1) + rho(s)) {
        rho(s + 1) = 0.5 * (rho(s - 1) + rho(s));
        rho(s + 2) = rho(s + 1);
      }
    const double tau = -1.0 + 2.0 * rho.head(last).sum() + rho(last + 1);
    ess(j) = total / std::max(tau, 1.0 / std::log10(total));
  }
  return ess;
}

Matrix split_chains(const ConstMatrixRef& draws, Index n_chains) {
  const Index n = draws_per_chain(draws, n_chains);
  const Index half = n / 2;
  Matrix halves(2 * n_chains * half, draws.cols());
  for (Index c = 0; c < n_chains; ++c) {
    halves.middleRows(2 * c * half, half) = draws.middleRows(c * n, half);
    halves.middleRows((2 * c + 1) * half, half) = draws.middleRows(c * n + n - half, half);
  }
  return halves;
}

// The split diagnostics need 4 draws in each half-chain.
void require_split_draws(const ConstMatrixRef& draws, Index n_chains, const char* what) {
  require_input(draws_per_chain(draws, n_chains) >= 8,
                std::string(what) + " needs at least 8 draws per chain (4 per half-chain)");
}

Vector bulk_effective_sample_size(const ConstMatrixRef& draws, Index n_chains) {
  require_split_draws(draws, n_chains, "the bulk effective sample size");
  const Index total = draws.rows();
  Matrix z(total, draws.cols());
  std::vector<Index> order(static_cast<size_t>(total));
  for (Index j = 0; j < draws.cols(); ++j) {
    std::iota(order.begin(), order.end(), Index(0));
    const auto x = draws.col(j);
    std::sort(order.begin(), order.end(), [&](Index a, Index b) { return x(a) < x(b); });
    // Tied draws share the average of their ranks (1-based).
    for (Index begin = 0; begin < total;) {
      Index end = begin + 1;
      while (end < total && x(order[end]) == x(order[begin]))
        ++end;
      const double rank = 0.5 * static_cast<double>(begin + 1 + end);
      const double u = (rank - 0.375) / (static_cast<double>(total) + 0.25);
      for (Index i = begin; i < end; ++i)
        z(order[i], j) = normal_quantile(u);
      begin = end;
    }
  }
  return effective_sample_size(split_chains(z, n_chains), 2 * n_chains);
}

Vector tail_effective_sample_size(const ConstMatrixRef& draws, Index n_chains) {
  require_split_draws(draws, n_chains, "the tail effective sample size");
  const Matrix halves = split_chains(draws, n_chains);
  Vector tail(draws.cols());
  Matrix indicator(halves.rows(), 2);
  for (Index j = 0; j < draws.cols(); ++j) {
    const Vector column = draws.col(j);
    const double low = sample_quantile(column, 0.05), high = sample_quantile(column, 0.95);
    indicator.col(0) = (halves.col(j).array() <= low).cast<double>().matrix();
    indicator.col(1) = (halves.col(j).array() <= high).cast<double>().matrix();
    const Vector ess = effective_sample_size(indicator, 2 * n_chains);
    tail(j) = ess.array().isNaN().any() ? std::numeric_limits<double>::quiet_NaN() : ess.minCoeff();
  }
  return tail;
}

} // namespace l0svgd
