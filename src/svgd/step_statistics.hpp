#pragma once
// Per-iteration statistics shared by the SVGD engines: which iterations compute the KSD, the local
// per-particle rows that are gathered, and the sums over the gathered rows.
#include <algorithm>
#include <cmath>

#include "l0svgd/core/types.hpp"
#include "l0svgd/svgd/engine.hpp"

namespace l0svgd {

/// Whether 1-based iteration `iteration` computes the KSD: every ksd_every and at the last.
inline bool ksd_due(const SvgdSettings& settings, Index iteration) {
  const Index every = settings.ksd_every;
  return every > 0 && (iteration % every == 0 || iteration == settings.iterations);
}

/// Columns 0–2 of this rank's statistics rows: log p, ‖Δx‖² and the KSD row sum (0 when
/// `ksd_rows` is null). Engines add their own columns after these.
inline void fill_local_statistics(MatrixRef local, const Vector& log_density,
                                  const Matrix& displacement, const Vector* ksd_rows) {
  local.col(0) = log_density;
  local.col(1) = displacement.rowwise().squaredNorm();
  if (ksd_rows)
    local.col(2) = *ksd_rows;
  else
    local.col(2).setZero();
}

/// KSD² (U-statistic) from column 2 of the gathered statistics (N × c), summed in global row order.
inline double ksd_squared(const Matrix& statistics) {
  const Index n = statistics.rows();
  double sum = 0.0;
  for (Index g = 0; g < n; ++g)
    sum += statistics(g, 2);
  return sum / (static_cast<double>(n) * static_cast<double>(n - 1));
}

/// Sums the gathered statistics (N × c) column by column in global row order, so the result is
/// the same on every rank and for every rank count, and fills the mean log p, step norms and KSD
/// of `info` from columns 0–2 (`spread` = ‖X − x̄‖_F before the step). Returns every column sum.
inline Eigen::RowVectorXd summarise_statistics(const Matrix& statistics, double spread,
                                               IterationInfo& info) {
  Eigen::RowVectorXd sums = Eigen::RowVectorXd::Zero(statistics.cols());
  const Index n = statistics.rows();
  for (Index g = 0; g < n; ++g)
    sums += statistics.row(g);
  info.mean_log_density = sums(0) / static_cast<double>(n);
  info.step_norm = std::sqrt(sums(1));
  info.relative_step_norm =
      spread > 0.0 ? info.step_norm / spread : (info.step_norm > 0.0 ? HUGE_VAL : 0.0);
  if (info.has_ksd) {
    info.ksd_squared = ksd_squared(statistics);
    info.ksd = std::sqrt(std::max(info.ksd_squared, 0.0));
  }
  return sums;
}

} // namespace l0svgd
