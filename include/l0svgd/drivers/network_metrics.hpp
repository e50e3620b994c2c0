#pragma once
/// Accuracy of a network application's push-forward on its test points
/// (drivers/network_pipeline.hpp): the posterior predictive against the data-generating
/// distribution, and the push-forward against that of a reference run (e.g. HMC) on the same
/// points.
#include <cstdint>
#include <mpi.h>
#include <string>
#include <vector>

#include "l0svgd/core/types.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/metrics/wasserstein.hpp"
#include "l0svgd/models/network_application.hpp"

namespace l0svgd {

/// W1, W2 of the push-forward against a reference push-forward, averaged over a group of points.
struct ReferenceMetrics {
  std::string group;
  Index n_points = 0;
  double w1 = 0.0, w2 = 0.0;
};

struct PredictiveMetrics {
  /// "training_range" (synthetic data: against the truth, with "extrapolation" beyond it) or
  /// "held_out" (measured data: against the held-out measurements).
  std::string group;
  MetricAverages train_range, extrapolation; ///< extrapolation.n_points = 0 without such points
  std::vector<ReferenceMetrics> reference;   ///< per group, when a reference is given
};

/// The posterior predictive on `grid` — each row of `predictions` (particles × points, the
/// push-forward of the rows of `theta`) plus `copies` draws of the model's noise
/// (NetworkModel::noise_std: the data-generating σ, a fixed σ or each particle's inferred σ) —
/// against N(truth, data-generating σ²) for synthetic data, or the measured values (point masses)
/// for measured data, averaged separately over the training range and the points marked as
/// extrapolation. With a non-empty `reference` (samples × points) also W1 and
/// W2 of the push-forward against it per point. Collective: every rank passes the same gathered
/// rows; the points are split over the ranks (each point's measures are independent and its
/// draws keyed by `seed` and the global point), and every rank gets every number, the same for
/// any rank count.
PredictiveMetrics predictive_metrics(const NetworkModel& model, const PredictionPoints& grid,
                                     const ConstMatrixRef& theta, const ConstMatrixRef& predictions,
                                     Index copies, uint64_t seed, const Matrix& reference,
                                     MPI_Comm comm);

/// HMC's split-R̂ and bulk ESS of the push-forward at every test point (empty without HMC).
struct PushForwardMixing {
  Vector rhat, ess;          ///< ess is empty with fewer than 8 draws per chain
  double worst_rhat() const; ///< NaN (a constant prediction) ignored
  double least_ess() const;
};

/// Mixing judged on the push-forward, the quantity a reference run is compared by: a network's
/// parameters can wander along directions its predictions do not see (units that trade off), so
/// their split-R̂ overstates what a comparison of predictions suffers. `predictions` holds
/// `n_chains` × `n_draws` rows, chain after chain (as HmcRecord::draws), the same on every rank.
/// Collective: the points are split over the ranks, every rank gets every number.
PushForwardMixing pushforward_mixing(const ConstMatrixRef& predictions, Index n_chains,
                                     Index n_draws, MPI_Comm comm);

/// Collective: the push-forward samples of the reference result file `path` on its test points
/// (samples × points). Throws InputError if the file cannot be read or was made on other points
/// (any coordinate of `grid` differs from /data/test/<coordinate> beyond 1e-12 relative).
Matrix read_reference_pushforward(const std::string& path, const PredictionPoints& grid,
                                  MPI_Comm comm);

/// Collective: /metrics/<group> and /metrics/extrapolation (n_points, w1, w2, rmse, coverage) and,
/// if there are reference metrics, /metrics/reference/<group> (n_points, w1, w2) with the reference
/// file's name as an attribute.
void write_predictive_metrics(H5File& file, const PredictiveMetrics& metrics,
                              const std::string& reference_file);

/// One-line summary, e.g. "training_range W1 0.01 W2 0.01 RMSE 0.02 coverage 1; extrapolation …".
std::string describe(const PredictiveMetrics& metrics);

} // namespace l0svgd
