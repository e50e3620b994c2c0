#pragma once
/// HDF5 pieces of a network application's run (drivers/network_pipeline.hpp): the L0 path and
/// mask, a set of prediction points, and a push-forward with its mean and central band.
#include <string>

#include "l0svgd/io/h5_file.hpp"
#include <vector>

#include "l0svgd/models/network_application.hpp"
#include "l0svgd/optim/l0_sparsifier.hpp"

namespace l0svgd {

/// Collective. Under `group`: mask (0/1 over the dense parameters, selected stage), lambda, active,
/// loss, r_squared, bic (one entry per stage), active_names (surviving parameter names) and the
/// attributes selected, threshold_met and pretrain_r_squared. `dense_names` names every dense
/// weight.
void write_l0_path(H5File& file, const std::string& group, const L0Result& result,
                   const std::vector<std::string>& dense_names);

/// Collective. Under `group`: every coordinate (e.g. mode and stretch), the values under their
/// name (e.g. stress), and truth and noise_std when the set has them.
void write_prediction_points(H5File& file, const std::string& group,
                             const PredictionPoints& points);

/// Collective. `group`/samples: the distributed push-forward rows (this rank's `local` rows of
/// partition `p`); `group`/mean, lower, upper: mean and 2.5/97.5% quantiles per point, computed
/// from `all` (every row, identical on every rank).
void write_pushforward(H5File& file, const std::string& group, const ConstMatrixRef& local,
                       const Partition& p, const ConstMatrixRef& all);

} // namespace l0svgd
