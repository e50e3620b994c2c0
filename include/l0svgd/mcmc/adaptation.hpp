#pragma once
/// Warm-up adaptation of HMC: the dual-averaging step size of Hoffman & Gelman (2014) and the
/// windowed schedule of Stan for estimating a diagonal mass matrix from warm-up draws.
#include <array>
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// Nesterov dual averaging of log ε (Hoffman & Gelman 2014, Algorithm 5) with their constants
/// γ = 0.05, t₀ = 10, κ = 0.75, as in Stan: after the m-th transition with acceptance statistic α,
/// H̄ ← (1 − 1/(m + t₀)) H̄ + (δ − α)/(m + t₀), log ε = μ − √m H̄ / γ,
/// log ε̄ ← m^−κ log ε + (1 − m^−κ) log ε̄, with μ = log(10 ε₀) set by `restart`.
class DualAveraging {
public:
  /// `target` is the acceptance statistic δ aimed at, in (0, 1).
  explicit DualAveraging(double target);

  /// Starts over around step size `step` (μ = log(10 step)), e.g. after the mass matrix changed.
  void restart(double step);
  /// Learns from one transition's acceptance statistic (values above 1 count as 1, NaN as 0) and
  /// returns the step size for the next transition.
  double update(double accept_statistic);
  /// The averaged step size ε̄ to sample with once warm-up ends.
  double averaged_step() const;

  double target() const { return target_; }

  /// (μ, H̄, log ε̄, transitions seen): what a checkpoint saves to continue the averaging exactly.
  std::array<double, 4> state() const { return {mu_, h_bar_, log_step_bar_, count_}; }
  void set_state(const std::array<double, 4>& state);

private:
  double target_;
  double mu_ = 0.0, h_bar_ = 0.0, log_step_bar_ = 0.0;
  double count_ = 0.0;
};

/// Stan's windowed warm-up schedule for a metric estimated from draws: an initial buffer (75
/// iterations) where only the step size adapts, slow windows starting at 25 iterations and doubling
/// (the last stretched to the terminal buffer), each ending with a metric update, and a terminal
/// buffer for the step size alone: 100 iterations (Stan: 50; dual averaging restarts for it and
/// needs the longer stretch to approach its target). When those do not fit, the buffers are 15%
/// and 10% of the warm-up and one window takes the rest; with fewer than 20 warm-up iterations, or
/// when the metric is not adapted, there is no window.
class WarmupSchedule {
public:
  WarmupSchedule(Index warmup, bool adapt_metric);

  /// Whether the draw of warm-up iteration `iteration` (0-based) enters the variance estimate.
  bool collects(Index iteration) const;
  /// Whether the metric is updated after warm-up iteration `iteration`.
  bool ends_window(Index iteration) const;
  /// The iterations that end a window, increasing.
  const std::vector<Index>& window_ends() const { return window_ends_; }
  /// First iteration whose draw enters the variance estimate (the initial buffer's length).
  Index first_collected() const { return first_; }

private:
  Index first_ = 0;
  std::vector<Index> window_ends_;
};

/// Running per-coordinate variance of one draw per chain and iteration (Welford), for the rows
/// (chains) of a block at once. Not collective.
class BlockVariance {
public:
  BlockVariance(Index n_rows, Index dim);
  void clear();
  void add(const ConstMatrixRef& draws);
  Index count() const { return count_; }
  /// Stan's regularised estimate n/(n+5) · var + 10⁻³ · 5/(n+5) per entry (sample variance with
  /// n − 1); needs count() ≥ 2.
  void regularised_variance(MatrixRef variance) const;

  /// The running mean and sum of squared deviations (n_rows × dim), for a checkpoint.
  const Matrix& mean() const { return mean_; }
  const Matrix& squared_deviations() const { return m2_; }
  /// Continues from a checkpoint's count, mean and sum of squared deviations (same shapes).
  void restore(Index count, const ConstMatrixRef& mean, const ConstMatrixRef& squared_deviations);

private:
  Index count_ = 0;
  Matrix mean_, m2_, delta_;
};

} // namespace l0svgd
