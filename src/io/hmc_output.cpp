#include "l0svgd/io/hmc_output.hpp"

namespace l0svgd {

HmcRecord gather_hmc_record(const HmcSampler& sampler, const HmcSummary& summary) {
  HmcRecord record;
  record.n_chains = sampler.settings().n_chains;
  record.n_draws = sampler.settings().samples;
  record.draws = sampler.gather_draws();
  record.log_density = sampler.gather_draw_log_density();
  record.statistics = sampler.gather_draw_statistics();
  record.algorithm = sampler.settings().algorithm;
  record.summary = summary;
  return record;
}

void write_hmc_posterior(H5File& file, const HmcRecord& record,
                         const std::vector<std::string>& parameter_names) {
  const hsize_t chains = static_cast<hsize_t>(record.n_chains);
  const hsize_t draws = static_cast<hsize_t>(record.n_draws);
  // Row-major (chain · draw) × d is the (chain, draw, parameter) array as it stands.
  file.write_array("/posterior/parameters", record.draws.data(),
                   {chains, draws, static_cast<hsize_t>(record.draws.cols())});
  file.write_strings("/posterior/parameter_names", parameter_names);
  file.write_attribute("/posterior", "inference_library", std::string("l0svgd"));
  file.write_array("/sample_stats/lp", record.log_density.data(), {chains, draws});
  const bool nuts = record.algorithm == HmcAlgorithm::Nuts;
  const std::pair<const char*, Index> stats[] = {{"acceptance_rate", kAcceptProbability},
                                                 {"diverging", kDiverging},
                                                 {"step_size", kStepSize},
                                                 {"n_steps", kLeapfrogSteps},
                                                 {"tree_depth", kTreeDepth}};
  for (const auto& [name, column] : stats) {
    if (column == kTreeDepth && !nuts)
      continue;
    const Vector values = record.statistics.col(column);
    file.write_array(std::string("/sample_stats/") + name, values.data(), {chains, draws});
  }
  file.write_attribute("/sample_stats", "inference_library", std::string("l0svgd"));
  const HmcSummary& s = record.summary;
  file.write_vector("/hmc/rhat", s.rhat);
  file.write_vector("/hmc/ess", s.ess);
  file.write_vector("/hmc/tail_ess", s.tail_ess);
  file.write_attribute("/hmc", "algorithm", std::string(hmc_algorithm_name(record.algorithm)));
  file.write_attribute("/hmc", "mean_leapfrog_steps", s.mean_leapfrog_steps);
  if (nuts)
    file.write_attribute("/hmc", "max_depth_transitions",
                         static_cast<long long>(s.max_depth_transitions));
  file.write_attribute("/hmc", "divergences", static_cast<long long>(s.divergences));
  file.write_attribute("/hmc", "gradient_evaluations",
                       static_cast<long long>(s.gradient_evaluations));
  file.write_attribute("/hmc", "warmup_seconds", s.warmup_seconds);
  file.write_attribute("/hmc", "sampling_seconds", s.sampling_seconds);
}

} // namespace l0svgd
