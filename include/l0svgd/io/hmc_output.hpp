#pragma once
/// HMC draws in a result file, in the layout ArviZ's InferenceData uses (its netCDF groups
/// "posterior" and "sample_stats", dimensions chain and draw), so that `arviz.from_netcdf` or
/// `xarray.open_dataset(file, group="posterior")` reads them directly.
#include <string>
#include <vector>

#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/mcmc/hmc.hpp"

namespace l0svgd {

/// What an HMC run leaves for its result file, gathered: identical on every rank.
struct HmcRecord {
  Index n_chains = 0, n_draws = 0; ///< chains, kept draws per chain
  Matrix draws;                    ///< (n_chains · n_draws) × d, chain after chain
  Vector log_density;              ///< log p of each draw
  Matrix statistics;               ///< each draw's transition (HmcDrawStatistic columns)
  HmcAlgorithm algorithm = HmcAlgorithm::Static;
  HmcSummary summary;
};

/// Collective: gathers the draws and statistics of a finished run.
HmcRecord gather_hmc_record(const HmcSampler& sampler, const HmcSummary& summary);

/// Collective: writes `record` as
///   /posterior/parameters (chain, draw, parameter), /posterior/parameter_names;
///   /sample_stats/lp, acceptance_rate, diverging (0/1), step_size, n_steps and, for NUTS,
///   tree_depth (chain, draw), ArviZ's names;
///   /hmc/rhat, /hmc/ess (bulk), /hmc/tail_ess (parameter) and /hmc attributes algorithm,
///   divergences, gradient_evaluations, mean_leapfrog_steps, max_depth_transitions (NUTS),
///   warmup_seconds, sampling_seconds.
void write_hmc_posterior(H5File& file, const HmcRecord& record,
                         const std::vector<std::string>& parameter_names);

} // namespace l0svgd
