#include "l0svgd/metrics/sobol_indices.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/sobol_sequence.hpp"

namespace l0svgd {
namespace {

// f(j, 0) = f_A(j), f(j, 1) = f_B(j), f(j, 2 + i) = f_ABi(j).
using Evaluations = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;

/// The indices over the base rows `rows` (repeats allowed). NaN for a zero variance.
void estimate(const Evaluations& f, const std::vector<Index>& rows, VectorRef first,
              VectorRef total, double* mean = nullptr, double* variance = nullptr) {
  const Index k = f.cols() - 2;
  const double n = static_cast<double>(rows.size());
  double sum = 0.0;
  for (Index j : rows)
    sum += f(j, 0) + f(j, 1);
  const double m = sum / (2.0 * n);
  double squares = 0.0;
  for (Index j : rows)
    squares += (f(j, 0) - m) * (f(j, 0) - m) + (f(j, 1) - m) * (f(j, 1) - m);
  const double v = squares / (2.0 * n);
  for (Index i = 0; i < k; ++i) {
    double s = 0.0, st = 0.0;
    for (Index j : rows) {
      const double step = f(j, 2 + i) - f(j, 0);
      s += f(j, 1) * step;
      st += step * step;
    }
    first(i) = v > 0.0 ? s / n / v : std::nan("");
    total(i) = v > 0.0 ? st / (2.0 * n) / v : std::nan("");
  }
  if (mean)
    *mean = m;
  if (variance)
    *variance = v;
}

/// The equal-tailed interval of `values` (NaNs, from degenerate resamples, left out), by linear
/// interpolation between order statistics.
std::pair<double, double> percentile_interval(std::vector<double> values, double confidence) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double x) { return std::isnan(x); }),
               values.end());
  if (values.empty())
    return {std::nan(""), std::nan("")};
  std::sort(values.begin(), values.end());
  const auto quantile = [&](double q) {
    const double at = q * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(at));
    const size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (at - static_cast<double>(lo)) * (values[hi] - values[lo]);
  };
  return {quantile(0.5 * (1.0 - confidence)), quantile(0.5 * (1.0 + confidence))};
}

} // namespace

Matrix saltelli_design(Index n_factors, Index n_base) {
  if (n_factors < 1 || 2 * n_factors > SobolSequence::kMaxDim)
    throw InputError("Saltelli's design takes 1 to " + std::to_string(SobolSequence::kMaxDim / 2) +
                     " factors, not " + std::to_string(n_factors));
  if (n_base < 2)
    throw InputError("Saltelli's design needs at least 2 base points, not " +
                     std::to_string(n_base));
  SobolSequence sequence(2 * n_factors);
  const Matrix points = sequence.next(n_base);
  const Index k = n_factors, n = n_base;
  Matrix design(n * (k + 2), k);
  design.topRows(n) = points.leftCols(k);
  design.middleRows(n, n) = points.rightCols(k);
  for (Index i = 0; i < k; ++i) {
    auto block = design.middleRows((2 + i) * n, n);
    block = points.leftCols(k);
    block.col(i) = points.col(k + i);
  }
  return design;
}

SobolIndices sobol_indices(const ConstVectorRef& qoi, Index n_factors,
                           const SobolBootstrap& bootstrap) {
  const Index k = n_factors, blocks = k + 2;
  if (k < 1 || qoi.size() < 2 * blocks || qoi.size() % blocks != 0)
    throw InputError("Sobol' indices of " + std::to_string(k) + " factors need N (k + 2) = N × " +
                     std::to_string(blocks) + " values with N ≥ 2, not " +
                     std::to_string(qoi.size()));
  if (!qoi.allFinite())
    throw InputError("Sobol' indices: the quantity of interest has a non-finite value");
  if (bootstrap.n_bootstrap < 0 || !(bootstrap.confidence > 0.0 && bootstrap.confidence < 1.0))
    throw InputError("Sobol' indices: the bootstrap needs a resample count ≥ 0 and a confidence "
                     "level in (0, 1)");
  const Index n = qoi.size() / blocks;
  const Evaluations f = Eigen::Map<const Evaluations>(qoi.data(), n, blocks);

  SobolIndices out;
  out.first_order.resize(k);
  out.total_order.resize(k);
  std::vector<Index> rows(n);
  for (Index j = 0; j < n; ++j)
    rows[j] = j;
  estimate(f, rows, out.first_order, out.total_order, &out.mean, &out.variance);

  const Index r_count = bootstrap.n_bootstrap;
  std::vector<std::vector<double>> first(k, std::vector<double>(r_count)),
      total(k, std::vector<double>(r_count));
  Vector s(k), st(k);
  for (Index r = 0; r < r_count; ++r) {
    RandomSequence draws(bootstrap.seed, RngStream::Bootstrap, static_cast<uint64_t>(r));
    for (Index& j : rows)
      j = std::min(n - 1, static_cast<Index>(draws.uniform() * static_cast<double>(n)));
    estimate(f, rows, s, st);
    for (Index i = 0; i < k; ++i) {
      first[i][r] = s(i);
      total[i][r] = st(i);
    }
  }
  for (auto* v : {&out.first_lower, &out.first_upper, &out.total_lower, &out.total_upper})
    v->setConstant(k, std::nan(""));
  for (Index i = 0; i < k && r_count > 0; ++i) {
    std::tie(out.first_lower(i), out.first_upper(i)) =
        percentile_interval(first[i], bootstrap.confidence);
    std::tie(out.total_lower(i), out.total_upper(i)) =
        percentile_interval(total[i], bootstrap.confidence);
  }
  return out;
}

} // namespace l0svgd
