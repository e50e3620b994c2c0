#include "l0svgd/mcmc/adaptation.hpp"

#include "l0svgd/core/error.hpp"

#include <algorithm>
#include <cmath>

namespace l0svgd {
namespace {
// Hoffman & Gelman (2014), Section 3.2; also Stan's defaults.
constexpr double kGamma = 0.05, kT0 = 10.0, kKappa = 0.75;
// Stan's initial buffer and first window. Stan's terminal buffer is 50 iterations; dual averaging
// restarts for it after the last metric update, and in 50 iterations its averaged step stays
// small enough that the acceptance overshoots the target (0.87-0.90 for δ = 0.8 on a correlated
// 50-dimensional Gaussian), while 100 iterations bring it to 0.83-0.87.
constexpr Index kInitBuffer = 75, kTermBuffer = 100, kBaseWindow = 25, kMinWarmup = 20;
} // namespace

DualAveraging::DualAveraging(double target) : target_(target) {
  if (!(target > 0.0 && target < 1.0))
    throw InputError("dual averaging: the target acceptance must lie in (0, 1)");
}

void DualAveraging::restart(double step) {
  mu_ = std::log(10.0 * step);
  h_bar_ = 0.0;
  log_step_bar_ = 0.0;
  count_ = 0.0;
}

double DualAveraging::update(double accept_statistic) {
  const double alpha = std::isnan(accept_statistic) ? 0.0 : std::min(accept_statistic, 1.0);
  count_ += 1.0;
  const double eta = 1.0 / (count_ + kT0);
  h_bar_ = (1.0 - eta) * h_bar_ + eta * (target_ - alpha);
  const double log_step = mu_ - std::sqrt(count_) / kGamma * h_bar_;
  const double weight = std::pow(count_, -kKappa);
  log_step_bar_ = weight * log_step + (1.0 - weight) * log_step_bar_;
  return std::exp(log_step);
}

void DualAveraging::set_state(const std::array<double, 4>& state) {
  mu_ = state[0];
  h_bar_ = state[1];
  log_step_bar_ = state[2];
  count_ = state[3];
}

double DualAveraging::averaged_step() const {
  return std::exp(log_step_bar_);
}

WarmupSchedule::WarmupSchedule(Index warmup, bool adapt_metric) {
  if (!adapt_metric || warmup < kMinWarmup)
    return;
  Index init = kInitBuffer, term = kTermBuffer, window = kBaseWindow;
  if (init + window + term > warmup) {
    init = static_cast<Index>(0.15 * static_cast<double>(warmup));
    term = static_cast<Index>(0.1 * static_cast<double>(warmup));
    window = warmup - (init + term);
  }
  first_ = init;
  // Windows double in length; one that would leave less than twice its length before the
  // terminal buffer is stretched to reach it (Stan's compute_next_window).
  const Index last = warmup - term - 1;
  Index end = init + window - 1;
  while (true) {
    window_ends_.push_back(end);
    if (end == last)
      break;
    window *= 2;
    end += window;
    if (end + 2 * window >= warmup - term)
      end = last;
  }
}

bool WarmupSchedule::collects(Index iteration) const {
  return !window_ends_.empty() && iteration >= first_ && iteration <= window_ends_.back();
}

bool WarmupSchedule::ends_window(Index iteration) const {
  return std::binary_search(window_ends_.begin(), window_ends_.end(), iteration);
}

BlockVariance::BlockVariance(Index n_rows, Index dim)
    : mean_(Matrix::Zero(n_rows, dim)), m2_(Matrix::Zero(n_rows, dim)), delta_(n_rows, dim) {}

void BlockVariance::clear() {
  count_ = 0;
  mean_.setZero();
  m2_.setZero();
}

void BlockVariance::restore(Index count, const ConstMatrixRef& mean,
                            const ConstMatrixRef& squared_deviations) {
  count_ = count;
  mean_ = mean;
  m2_ = squared_deviations;
}

void BlockVariance::add(const ConstMatrixRef& draws) {
  ++count_;
  delta_ = draws - mean_;
  mean_ += delta_ / static_cast<double>(count_);
  m2_.array() += delta_.array() * (draws - mean_).array();
}

void BlockVariance::regularised_variance(MatrixRef variance) const {
  if (count_ < 2)
    throw Error("BlockVariance: a variance needs at least two draws");
  const double n = static_cast<double>(count_);
  variance.array() = (n / (n + 5.0)) * m2_.array() / (n - 1.0) + 1e-3 * 5.0 / (n + 5.0);
}

} // namespace l0svgd
