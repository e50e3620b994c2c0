#pragma once
/// One-dimensional accuracy metrics of sampled predictions (REFERENCE §6): Wasserstein distances
/// between samples and to Gaussians, central intervals and their coverage, RMSE, and batched
/// versions over many points (a samples × points matrix, one column per point, e.g. the stress of
/// every particle at every stretch) averaged over a set of columns (training or extrapolation).
///
/// Nothing here is collective: call it on gathered samples and every rank gets the same numbers.
#include <cstdint>
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// Standard normal quantile Φ⁻¹(u) (Acklam's rational approximation refined by one Halley step,
/// relative error about 1e-15); −∞ at 0 and +∞ at 1. Throws InputError outside [0, 1].
double normal_quantile(double u);

/// Quantile at probability q ∈ [0, 1] by linear interpolation between order statistics (numpy's
/// default: position (n − 1) q in the sorted sample). Throws InputError for an empty sample.
double sample_quantile(const ConstVectorRef& sample, double q);

/// W_p (p ≥ 1) between the empirical distributions of two samples, ∫₀¹ |F_a⁻¹(u) − F_b⁻¹(u)|^p du
/// to the power 1/p, integrated exactly over the merged breakpoints i/n, j/m of the two step
/// quantile functions; for equal sizes this is (mean |a_(i) − b_(i)|^p)^{1/p} over the sorted
/// samples. Throws InputError for an empty sample, a non-finite value or p < 1.
double wasserstein_distance(const ConstVectorRef& a, const ConstVectorRef& b, double p = 1.0);

/// W_p (p = 1 or 2) between the empirical distribution of a sample and N(mean, sd²), by the exact
/// integral of |F_n⁻¹(u) − mean − sd Φ⁻¹(u)|^p over each step of the sample's quantile function
/// (closed forms in φ and Φ). sd = 0 is the point mass at mean. Throws InputError for p other than
/// 1 or 2, sd < 0, an empty sample or a non-finite value.
double wasserstein_to_normal(const ConstVectorRef& sample, double mean, double sd, int p);

/// Central interval holding `level` of a sample: its quantiles (1 − level)/2 and (1 + level)/2.
struct Interval {
  double lower = 0.0;
  double upper = 0.0;
  bool contains(double value) const { return value >= lower && value <= upper; }
};
/// Throws InputError unless 0 < level < 1 and the sample is non-empty.
Interval central_interval(const ConstVectorRef& sample, double level);

/// sqrt(mean_j (estimate_j − truth_j)²); InputError for sizes that differ or are zero.
double rmse(const ConstVectorRef& estimate, const ConstVectorRef& truth);

/// Per-point comparison of predictions (samples × points) with per-point Gaussians N(m_j, s_j²).
struct PointMetrics {
  Vector w1, w2;       ///< W1 and W2 between column j and N(m_j, s_j²)
  Vector mean;         ///< sample mean of column j
  Vector lower, upper; ///< central interval of column j at the requested level
};

/// Computes PointMetrics column by column (the normal quantiles at the sample's steps once for
/// all columns, so the cost is a sort per column). Throws InputError if the sizes do not match,
/// there is no sample, or a value is not finite.
PointMetrics compare_with_normals(const ConstMatrixRef& predictions, const ConstVectorRef& means,
                                  const ConstVectorRef& sds, double level = 0.95);

/// Averages of PointMetrics over a set of columns.
struct MetricAverages {
  Index n_points = 0;
  double w1 = 0.0;       ///< mean of W1 over the columns
  double w2 = 0.0;       ///< mean of W2 over the columns
  double rmse = 0.0;     ///< RMSE of the predictive means against `truth`
  double coverage = 0.0; ///< fraction of the columns whose interval contains `truth`
};

/// Averages over `columns` (indices into the points; InputError if one is out of range or the set
/// is empty). `truth` (one value per point) is what the RMSE and the coverage are measured against,
/// e.g. the true means or the observed data.
MetricAverages average_over(const PointMetrics& metrics, const ConstVectorRef& truth,
                            const std::vector<Index>& columns);

/// W_p between the columns of two prediction matrices over the same points (sample counts may
/// differ), one value per point.
Vector wasserstein_columns(const ConstMatrixRef& a, const ConstMatrixRef& b, double p = 1.0);

/// Mean of per-point values over `columns` (InputError if the set is empty or out of range).
double column_average(const ConstVectorRef& per_point, const std::vector<Index>& columns);

/// Quantile q of every column (as sample_quantile), e.g. the 2.5% and 97.5% band of a
/// push-forward.
Vector column_quantiles(const ConstMatrixRef& predictions, double q);

/// Posterior-predictive draws from push-forward draws: `copies` rows per input row (output row
/// i·copies + c), each the input row plus N(0, sd_j²) noise in column j. Output row r draws from
/// RandomSequence(seed, RngStream::Metrics, r), one normal per column in order, so the result does
/// not depend on how rows are split over ranks. With `first_column` > 0 the columns are those
/// from first_column on of a wider matrix (the sequences start at that position), so a block of
/// columns gets exactly its part of the whole. Throws InputError if sd has the wrong size or a
/// negative entry, copies < 1 or first_column < 0.
Matrix add_observation_noise(const ConstMatrixRef& pushforward, const ConstVectorRef& sds,
                             Index copies, uint64_t seed, Index first_column = 0);

} // namespace l0svgd
