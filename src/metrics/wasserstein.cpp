#include "l0svgd/metrics/wasserstein.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/sorting.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace l0svgd {
namespace {

constexpr double kInvSqrt2Pi = 0.39894228040143267794;

double normal_pdf(double z) {
  return std::isfinite(z) ? kInvSqrt2Pi * std::exp(-0.5 * z * z) : 0.0;
}
double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

std::vector<double> sorted_copy(const ConstVectorRef& sample, const char* what) {
  require_input(sample.size() > 0, std::string(what) + ": the sample is empty");
  require_input(sample.allFinite(), std::string(what) + ": the sample has a non-finite value");
  std::vector<double> values(sample.data(), sample.data() + sample.size());
  sort_values(values);
  return values;
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size())
    return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

// ∫ |F_a⁻¹ − F_b⁻¹|^p du over the merged breakpoints i/n and j/m, compared as integers i·m, j·n.
double wasserstein_power(const std::vector<double>& a, const std::vector<double>& b, double p) {
  const uint64_t n = a.size(), m = b.size();
  uint64_t i = 0, j = 0, previous = 0;
  double total = 0.0;
  while (i < n && j < m) {
    const uint64_t next_a = (i + 1) * m, next_b = (j + 1) * n;
    const uint64_t next = std::min(next_a, next_b);
    const double diff = std::abs(a[i] - b[j]);
    const double power = p == 1.0 ? diff : (p == 2.0 ? diff * diff : std::pow(diff, p));
    total += power * static_cast<double>(next - previous);
    previous = next;
    if (next_a == next)
      ++i;
    if (next_b == next)
      ++j;
  }
  return total / (static_cast<double>(n) * static_cast<double>(m));
}

// ∫_{z1}^{z2} (c − s z) φ(z) dz, with u = Φ(z) and φ(z) at both ends given exactly.
double linear_integral(double c, double s, double u1, double u2, double pdf1, double pdf2) {
  return c * (u2 - u1) - s * (pdf1 - pdf2);
}

// The steps of an n-point sample's quantile function against the standard normal: the normal
// quantile z_i = Φ⁻¹(i/n) at each breakpoint and φ(z_i). They depend on n only, so a batch of
// columns of one length computes them once.
struct NormalSteps {
  std::vector<double> u, z, pdf;
};

NormalSteps normal_steps(size_t n) {
  NormalSteps s;
  s.u.resize(n + 1);
  s.z.resize(n + 1);
  s.pdf.resize(n + 1);
  s.u[0] = 0.0;
  s.z[0] = -HUGE_VAL;
  for (size_t i = 1; i <= n; ++i) {
    s.u[i] = i == n ? 1.0 : static_cast<double>(i) / static_cast<double>(n);
    s.z[i] = i == n ? HUGE_VAL : normal_quantile(s.u[i]);
  }
  for (size_t i = 0; i <= n; ++i)
    s.pdf[i] = normal_pdf(s.z[i]);
  return s;
}

// W1 and W2² between a sorted sample and N(mean, sd²), sd > 0, in one walk over the steps of the
// sample's quantile function (`steps` of the sample's size).
struct NormalDistances {
  double w1 = 0.0, w2_squared = 0.0;
};

NormalDistances distances_to_normal(const std::vector<double>& sorted, const NormalSteps& steps,
                                    double mean, double sd) {
  NormalDistances d;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const double u1 = steps.u[i], u2 = steps.u[i + 1], z1 = steps.z[i], z2 = steps.z[i + 1];
    const double pdf1 = steps.pdf[i], pdf2 = steps.pdf[i + 1];
    const double c = sorted[i] - mean;
    // |c − s z|: c − s z changes sign at z* = c/s.
    const double z_star = c / sd;
    if (z_star <= z1) {
      d.w1 -= linear_integral(c, sd, u1, u2, pdf1, pdf2);
    } else if (z_star >= z2) {
      d.w1 += linear_integral(c, sd, u1, u2, pdf1, pdf2);
    } else {
      const double u_star = normal_cdf(z_star), pdf_star = normal_pdf(z_star);
      d.w1 += linear_integral(c, sd, u1, u_star, pdf1, pdf_star) -
              linear_integral(c, sd, u_star, u2, pdf_star, pdf2);
    }
    // ∫ (c − s z)² φ dz = c² Δu − 2cs (φ(z1) − φ(z2)) + s² (Δu − [z φ(z)]_{z1}^{z2}).
    const double du = u2 - u1;
    const double zpdf1 = std::isfinite(z1) ? z1 * pdf1 : 0.0; // z φ(z) vanishes at ±∞
    const double zpdf2 = std::isfinite(z2) ? z2 * pdf2 : 0.0;
    d.w2_squared += c * c * du - 2.0 * c * sd * (pdf1 - pdf2) + sd * sd * (du - (zpdf2 - zpdf1));
  }
  d.w2_squared = std::max(d.w2_squared, 0.0);
  return d;
}

// W1 and W2 of a sorted sample to N(mean, sd²); sd = 0 is the point mass at mean.
NormalDistances sorted_to_normal(const std::vector<double>& sorted, const NormalSteps& steps,
                                 double mean, double sd) {
  require_input(sd >= 0.0 && std::isfinite(sd) && std::isfinite(mean),
                "Wasserstein distance to a normal: needs a finite mean and sd >= 0");
  if (sd == 0.0) {
    const std::vector<double> point{mean};
    return {wasserstein_power(sorted, point, 1.0), wasserstein_power(sorted, point, 2.0)};
  }
  return distances_to_normal(sorted, steps, mean, sd);
}

void check_columns(const std::vector<Index>& columns, Index n_points, const char* what) {
  require_input(!columns.empty(), std::string(what) + ": the set of points is empty");
  for (Index c : columns)
    require_input(c >= 0 && c < n_points, std::string(what) + ": point " + std::to_string(c) +
                                              " is outside 0.." + std::to_string(n_points - 1));
}

} // namespace

double normal_quantile(double u) {
  require_input(u >= 0.0 && u <= 1.0, "normal_quantile: probability outside [0, 1]");
  if (u == 0.0)
    return -HUGE_VAL;
  if (u == 1.0)
    return HUGE_VAL;
  // The lower tail is computed directly and the upper one by symmetry, so that 1 − u never
  // loses the digits of a small tail probability.
  if (u > 0.5)
    return -normal_quantile(1.0 - u);
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double x;
  if (u < 0.02425) {
    const double q = std::sqrt(-2.0 * std::log(u));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    const double q = u - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  // One Halley step on Φ(x) = u.
  const double e = normal_cdf(x) - u;
  const double v = e * std::sqrt(2.0 * M_PI) * std::exp(0.5 * x * x);
  return x - v / (1.0 + 0.5 * x * v);
}

double sample_quantile(const ConstVectorRef& sample, double q) {
  require_input(q >= 0.0 && q <= 1.0, "sample_quantile: probability outside [0, 1]");
  return quantile_of_sorted(sorted_copy(sample, "sample_quantile"), q);
}

double wasserstein_distance(const ConstVectorRef& a, const ConstVectorRef& b, double p) {
  require_input(p >= 1.0 && std::isfinite(p), "Wasserstein distance: the order p must be >= 1");
  const double power = wasserstein_power(sorted_copy(a, "Wasserstein distance"),
                                         sorted_copy(b, "Wasserstein distance"), p);
  return p == 1.0 ? power : std::pow(power, 1.0 / p);
}

double wasserstein_to_normal(const ConstVectorRef& sample, double mean, double sd, int p) {
  require_input(p == 1 || p == 2, "Wasserstein distance to a normal: p must be 1 or 2");
  const std::vector<double> sorted = sorted_copy(sample, "Wasserstein distance to a normal");
  const NormalDistances d = sorted_to_normal(sorted, normal_steps(sorted.size()), mean, sd);
  return p == 1 ? d.w1 : std::sqrt(d.w2_squared);
}

Interval central_interval(const ConstVectorRef& sample, double level) {
  require_input(level > 0.0 && level < 1.0, "central interval: the level must lie in (0, 1)");
  const std::vector<double> sorted = sorted_copy(sample, "central interval");
  return {quantile_of_sorted(sorted, 0.5 * (1.0 - level)),
          quantile_of_sorted(sorted, 0.5 * (1.0 + level))};
}

double rmse(const ConstVectorRef& estimate, const ConstVectorRef& truth) {
  require_input(estimate.size() == truth.size() && truth.size() > 0,
                "RMSE: the estimate and the truth must have the same, non-zero size");
  return std::sqrt((estimate - truth).squaredNorm() / static_cast<double>(truth.size()));
}

PointMetrics compare_with_normals(const ConstMatrixRef& predictions, const ConstVectorRef& means,
                                  const ConstVectorRef& sds, double level) {
  const Index n_points = predictions.cols();
  require_input(means.size() == n_points && sds.size() == n_points,
                "compare_with_normals: one mean and one sd per point (column) are needed");
  require_input(predictions.rows() > 0, "compare_with_normals: there are no samples");
  require_input(level > 0.0 && level < 1.0, "compare_with_normals: the level must lie in (0, 1)");
  PointMetrics m;
  m.w1.resize(n_points);
  m.w2.resize(n_points);
  m.mean.resize(n_points);
  m.lower.resize(n_points);
  m.upper.resize(n_points);
  Vector column(predictions.rows());
  const NormalSteps steps = normal_steps(static_cast<size_t>(predictions.rows()));
  for (Index j = 0; j < n_points; ++j) {
    column = predictions.col(j);
    // One sort serves both distances and the band.
    const std::vector<double> sorted = sorted_copy(column, "Wasserstein distance to a normal");
    const NormalDistances d = sorted_to_normal(sorted, steps, means(j), sds(j));
    m.w1(j) = d.w1;
    m.w2(j) = std::sqrt(d.w2_squared);
    m.mean(j) = column.mean();
    m.lower(j) = quantile_of_sorted(sorted, 0.5 * (1.0 - level));
    m.upper(j) = quantile_of_sorted(sorted, 0.5 * (1.0 + level));
  }
  return m;
}

MetricAverages average_over(const PointMetrics& metrics, const ConstVectorRef& truth,
                            const std::vector<Index>& columns) {
  const Index n_points = metrics.mean.size();
  require_input(truth.size() == n_points, "average_over: one truth value per point is needed");
  check_columns(columns, n_points, "average_over");
  MetricAverages a;
  a.n_points = static_cast<Index>(columns.size());
  double squared = 0.0, covered = 0.0;
  for (Index j : columns) {
    a.w1 += metrics.w1(j);
    a.w2 += metrics.w2(j);
    squared += (metrics.mean(j) - truth(j)) * (metrics.mean(j) - truth(j));
    covered += Interval{metrics.lower(j), metrics.upper(j)}.contains(truth(j)) ? 1.0 : 0.0;
  }
  const double count = static_cast<double>(a.n_points);
  a.w1 /= count;
  a.w2 /= count;
  a.rmse = std::sqrt(squared / count);
  a.coverage = covered / count;
  return a;
}

Vector wasserstein_columns(const ConstMatrixRef& a, const ConstMatrixRef& b, double p) {
  require_input(a.cols() == b.cols(),
                "wasserstein_columns: the predictions cover different points");
  Vector result(a.cols());
  Vector column_a(a.rows()), column_b(b.rows());
  for (Index j = 0; j < a.cols(); ++j) {
    column_a = a.col(j);
    column_b = b.col(j);
    result(j) = wasserstein_distance(column_a, column_b, p);
  }
  return result;
}

double column_average(const ConstVectorRef& per_point, const std::vector<Index>& columns) {
  check_columns(columns, per_point.size(), "column_average");
  double sum = 0.0;
  for (Index j : columns)
    sum += per_point(j);
  return sum / static_cast<double>(columns.size());
}

Vector column_quantiles(const ConstMatrixRef& predictions, double q) {
  Vector result(predictions.cols());
  Vector column(predictions.rows());
  for (Index j = 0; j < predictions.cols(); ++j) {
    column = predictions.col(j);
    result(j) = sample_quantile(column, q);
  }
  return result;
}

Matrix add_observation_noise(const ConstMatrixRef& pushforward, const ConstVectorRef& sds,
                             Index copies, uint64_t seed, Index first_column) {
  require_input(sds.size() == pushforward.cols(),
                "add_observation_noise: one noise sd per point (column) is needed");
  require_input((sds.array() >= 0.0).all() && sds.allFinite(),
                "add_observation_noise: noise sds must be finite and non-negative");
  require_input(copies >= 1, "add_observation_noise: at least one copy per draw is needed");
  require_input(first_column >= 0, "add_observation_noise: the first column must be >= 0");
  Matrix out(pushforward.rows() * copies, pushforward.cols());
  for (Index i = 0; i < pushforward.rows(); ++i)
    for (Index c = 0; c < copies; ++c) {
      const Index r = i * copies + c;
      RandomSequence noise(seed, RngStream::Metrics, static_cast<uint64_t>(r),
                           static_cast<uint64_t>(first_column));
      for (Index j = 0; j < pushforward.cols(); ++j)
        out(r, j) = pushforward(i, j) + sds(j) * noise.normal();
    }
  return out;
}

} // namespace l0svgd
