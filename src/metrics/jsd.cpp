#include "l0svgd/metrics/jsd.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log_sum_exp.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace l0svgd {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// x log(2x / (x + y)) in log form, 0 where x = 0.
double jsd_integrand(double log_x, double log_y) {
  if (log_x == -kInf)
    return 0.0;
  return std::exp(log_x) * (M_LN2 + log_x - log_sum_exp(log_x, log_y));
}

} // namespace

JsdEstimate jsd_monte_carlo(const NormalisedDensity& p, const NormalisedDensity& q, Index n,
                            uint64_t seed, MPI_Comm comm) {
  LogEventScope scope(log_event("L0JsdMonteCarlo"));
  require_input(p.dim() == q.dim(), "JSD: the two densities have different dimensions");
  require_input(n >= 2, "JSD: needs at least 2 Monte Carlo draws");
  const Partition partition(n, comm);
  const Index n_local = partition.n_local(), d = p.dim();
  Matrix x(n_local, d), y(n_local, d);
  p.sample(seed, RngStream::Metrics, partition.local_begin(), x);
  q.sample(seed, RngStream::Metrics, n + partition.local_begin(), y);
  Vector p_at_x(n_local), q_at_x(n_local), p_at_y(n_local), q_at_y(n_local);
  p.log_density(x, p_at_x);
  q.log_density(x, q_at_x);
  p.log_density(y, p_at_y);
  q.log_density(y, q_at_y);
  // Terms log p − log m at x ~ P and log q − log m at y ~ Q; each lies in [−∞, log 2].
  Matrix local(n_local, 2);
  for (Index i = 0; i < n_local; ++i) {
    local(i, 0) = M_LN2 + p_at_x(i) - log_sum_exp(p_at_x(i), q_at_x(i));
    local(i, 1) = M_LN2 + q_at_y(i) - log_sum_exp(p_at_y(i), q_at_y(i));
  }
  Matrix terms(n, 2);
  RowGather(partition, 2, comm).gather(local, terms);
  if (!terms.allFinite())
    throw ModelError("JSD: a density returned a non-finite value at one of its own samples");
  const Eigen::RowVector2d mean = terms.colwise().mean();
  const Eigen::RowVector2d variance =
      (terms.rowwise() - mean).colwise().squaredNorm() / static_cast<double>(n - 1);
  JsdEstimate estimate;
  estimate.value = 0.5 * (mean(0) + mean(1));
  estimate.standard_error = 0.5 * std::sqrt((variance(0) + variance(1)) / static_cast<double>(n));
  return estimate;
}

GridPosterior::GridPosterior(const Model& target, const ConstVectorRef& lower,
                             const ConstVectorRef& upper, Index n, MPI_Comm comm)
    : n_(n), comm_(comm), lower_(lower), upper_(upper) {
  LogEventScope scope(log_event("L0JsdGridTarget"));
  require_input(target.dim() == 2, "grid posterior: target '" + target.name() + "' has dimension " +
                                       std::to_string(target.dim()) + ", the grid needs 2");
  require_input(lower.size() == 2 && upper.size() == 2 && lower.allFinite() && upper.allFinite() &&
                    (lower.array() < upper.array()).all(),
                "grid posterior: the box must be finite with lower < upper");
  require_input(n >= 4 && n % 2 == 0, "grid posterior: the number of cells per side (" +
                                          std::to_string(n) + ") must be even and at least 4");
  const Index m = n + 1;
  nodes_.resize(m * m, 2);
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < m; ++j)
      nodes_.row(i * m + j) << lower(0) + (upper(0) - lower(0)) * i / n,
          lower(1) + (upper(1) - lower(1)) * j / n;

  const Partition partition(m * m, comm);
  Matrix local(partition.n_local(), 1);
  bool failed = false;
  std::string message;
  try {
    Vector values(partition.n_local());
    target.log_density(nodes_.middleRows(partition.local_begin(), partition.n_local()), values);
    for (Index i = 0; i < values.size(); ++i)
      if (std::isnan(values(i)) || values(i) == kInf) {
        std::ostringstream s;
        s << "target '" << target.name() << "' returned " << values(i) << " at grid node ("
          << nodes_.row(partition.local_begin() + i) << ")";
        throw ModelError(s.str());
      }
    local.col(0) = values;
  } catch (const Error& e) {
    failed = true;
    message = e.what();
    local.setConstant(std::numeric_limits<double>::quiet_NaN());
  }
  Matrix all(m * m, 1);
  RowGather(partition, 1, comm).gather(local, all);
  if (all.hasNaN())
    raise_if_any(failed, message, comm);
  log_target_ = all.col(0);
  require_input(std::isfinite(log_target_.maxCoeff()),
                "grid posterior: target '" + target.name() + "' is zero at every grid node");

  const double cell = (upper(0) - lower(0)) * (upper(1) - lower(1)) / static_cast<double>(n * n);
  const double top = log_target_.maxCoeff();
  cumulative_.resize(m * m);
  double integral = 0;
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < m; ++j) {
      integral += ((i == 0 || i == n) ? 0.5 : 1.0) * ((j == 0 || j == n) ? 0.5 : 1.0) *
                  std::exp(log_target_(i * m + j) - top);
      cumulative_(i * m + j) = integral;
    }
  cumulative_ /= integral;
  log_normaliser_ = top + std::log(integral * cell);
  log_density_ = log_target_.array() - log_normaliser_;
}

void GridPosterior::sample(uint64_t seed, RngStream stream, Index first, MatrixRef out) const {
  require_input(out.cols() == 2, "grid posterior: samples are 2-D");
  const Index m = n_ + 1;
  const Eigen::Array2d h = (upper_ - lower_).array() / static_cast<double>(n_);
  const double* begin = cumulative_.data();
  for (Index r = 0; r < out.rows(); ++r) {
    RandomSequence random(seed, stream, static_cast<uint64_t>(first + r));
    const double u = random.uniform();
    const Index node =
        std::min<Index>(std::upper_bound(begin, begin + m * m, u) - begin, m * m - 1);
    const Index index[2] = {node / m, node % m};
    for (int k = 0; k < 2; ++k) {
      const double centre = lower_(k) + h(k) * static_cast<double>(index[k]);
      const double lo = std::max(lower_(k), centre - 0.5 * h(k));
      const double hi = std::min(upper_(k), centre + 0.5 * h(k));
      out(r, k) = lo + (hi - lo) * random.uniform();
    }
  }
}

JsdEstimate GridPosterior::jsd(const NormalisedDensity& q) const {
  LogEventScope scope(log_event("L0JsdGrid"));
  require_input(q.dim() == 2, "grid JSD: the density is not 2-D");
  const Index m = n_ + 1;
  const Partition partition(m * m, comm_);
  Matrix local(partition.n_local(), 1);
  Vector values(partition.n_local());
  q.log_density(nodes_.middleRows(partition.local_begin(), partition.n_local()), values);
  local.col(0) = values;
  Matrix log_q(m * m, 1);
  RowGather(partition, 1, comm_).gather(local, log_q);
  if (log_q.hasNaN())
    throw ModelError("grid JSD: the density returned NaN at a grid node");

  // The same trapezoid rule on the full grid (stride 1) and on every other node (stride 2).
  double value[2] = {0, 0};
  for (int level = 0; level < 2; ++level) {
    const Index stride = level + 1, last = n_ / stride;
    const double cell = (upper_(0) - lower_(0)) * (upper_(1) - lower_(1)) * stride * stride /
                        static_cast<double>(n_ * n_);
    auto weight = [&](Index i, Index j) {
      return ((i == 0 || i == last) ? 0.5 : 1.0) * ((j == 0 || j == last) ? 0.5 : 1.0) * cell;
    };
    double p_mass = 0;
    for (Index i = 0; i <= last; ++i)
      for (Index j = 0; j <= last; ++j)
        p_mass += weight(i, j) * std::exp(log_density_(i * stride * m + j * stride));
    const double log_p_mass = std::log(p_mass);
    double q_mass = 0, sum = 0;
    for (Index i = 0; i <= last; ++i)
      for (Index j = 0; j <= last; ++j) {
        const Index node = i * stride * m + j * stride;
        const double lp = log_density_(node) - log_p_mass, lq = log_q(node, 0);
        q_mass += weight(i, j) * std::exp(lq);
        sum += weight(i, j) * (jsd_integrand(lp, lq) + jsd_integrand(lq, lp));
      }
    value[level] = 0.5 * sum + 0.5 * M_LN2 * std::max(0.0, 1.0 - q_mass);
  }
  return {value[0], std::abs(value[0] - value[1]) / 3.0};
}

} // namespace l0svgd
