#include "l0svgd/io/dimensions.hpp"

#include <algorithm>

namespace l0svgd {
namespace {

struct DimensionRule {
  const char* pattern; ///< a path; "*" stands for one path component
  std::vector<std::string> dims;
};

// The layout of every task's result file (README, "Output"), first match wins. Dimensions live
// in the group of their dataset, so a group may hold its own "parameter" (the dense model's, say).
const std::vector<DimensionRule>& rules() {
  static const std::vector<DimensionRule> table = {
      // every task
      {"/parameter_names", {"parameter", "name_length"}},
      {"/options/command_line", {"option", "option_length"}},
      {"/particles", {"particle", "parameter"}},
      {"/log_density", {"particle"}},
      // svgd: history, diagnostics, Laplace fit
      {"/history/particles", {"snapshot", "particle", "parameter"}},
      {"/history/*", {"iteration"}},
      {"/diagnostics/*", {"parameter"}},
      {"/laplace/mode", {"parameter"}},
      {"/laplace/sd", {"parameter"}},
      {"/laplace/covariance", {"parameter", "parameter_column"}},
      // laplace, vi: modes, the Laplace mixture, the mixtures, samples, the grid reference
      {"/laplace/covariance", {"component", "parameter", "parameter_column"}},
      {"/laplace/mean", {"component", "parameter"}},
      {"/laplace/*", {"component"}},
      {"/modes", {"mode", "parameter"}},
      {"/modes_log_density", {"mode"}},
      {"/mixture/*/weights", {"component"}},
      {"/mixture/*/means", {"component", "parameter"}},
      {"/mixture/*/cholesky", {"component", "parameter", "parameter_column"}},
      {"/samples", {"sample", "parameter"}},
      {"/reference/grid_nodes", {"node", "parameter"}},
      {"/reference/grid_log_density", {"node"}},
      {"/reference/samples", {"sample", "parameter"}},
      {"/vi/history/*", {"iteration"}},
      {"/map/x", {"parameter"}},
      // laplace, vi: the posterior predictive of a target with predicted quantities
      {"/pushforward/points", {"point"}},
      {"/pushforward/quantities", {"quantity", "name_length"}},
      {"/pushforward/data/*/*", {"observation"}},
      {"/pushforward/*/w1_mean", {"quantity"}},
      {"/pushforward/*/w1_floor", {"quantity"}},
      {"/pushforward/*/*", {"quantity", "point"}},
      // hyperelastic: data, push-forward, L0 path, MAP, HMC diagnostics, KSD trace
      {"/data/*/*", {"point"}},
      {"/pushforward/*/samples", {"particle", "point"}},
      {"/pushforward/*/*", {"point"}},
      {"/l0/mask", {"dense_parameter"}},
      {"/l0/active_names", {"active_parameter", "name_length"}},
      {"/l0/*", {"lambda"}},
      {"/map/dense", {"dense_parameter"}},
      {"/map/reduced", {"parameter"}},
      {"/hmc/pushforward_rhat", {"point"}}, // per test point
      {"/hmc/pushforward_ess", {"point"}},
      {"/hmc/*", {"parameter"}},
      {"/svgd/*", {"ksd_iteration"}},
      // sensitivity: the design (one problem per row), its results and the indices per factor
      {"/sensitivity/design", {"problem", "design_factor"}},
      {"/sensitivity/design_factors", {"design_factor", "design_factor_length"}},
      {"/sensitivity/factor_names", {"factor", "factor_name_length"}},
      {"/sensitivity/qoi", {"problem"}},
      {"/sensitivity/n_modes", {"problem"}},
      {"/sensitivity/seconds", {"problem"}},
      {"/sensitivity/done", {"problem"}},
      {"/sensitivity/*", {"factor"}},
      // HMC draws in ArviZ's layout
      {"/posterior/parameter_names", {"parameter", "name_length"}},
      {"/posterior/*", {"chain", "draw", "parameter"}},
      {"/sample_stats/*", {"chain", "draw"}},
  };
  return table;
}

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool matches(const std::string& pattern, const std::string& path) {
  const auto p = split(pattern), q = split(path);
  if (p.size() != q.size())
    return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] != "*" && p[i] != q[i])
      return false;
  return true;
}

std::vector<std::string> generic_names(const std::string& path, size_t rank) {
  const std::string base = path.substr(path.find_last_of('/') + 1);
  std::vector<std::string> dims;
  for (size_t k = 0; k < rank; ++k)
    dims.push_back(base + "_dim" + std::to_string(k));
  return dims;
}

std::string group_of(const std::string& path) {
  return path.substr(0, path.find_last_of('/'));
}

} // namespace

std::vector<std::string> dimension_names(const std::string& path, size_t rank) {
  for (const DimensionRule& rule : rules())
    if (rule.dims.size() == rank && matches(rule.pattern, path))
      return rule.dims;
  return generic_names(path, rank);
}

void label_dimensions(H5File& file) {
  for (const std::string& path : file.dataset_names()) {
    if (file.is_dimension(path))
      continue; // a dimension made for another dataset, or a coordinate already
    const size_t rank = file.shape(path).size();
    if (rank == 0)
      continue; // a scalar has no axes to name
    std::vector<std::string> dims = dimension_names(path, rank);
    if (!file.attach_dimensions(path, dims)) {
      dims = generic_names(path, rank);
      file.attach_dimensions(path, dims);
    }
    const std::string names = group_of(path) + "/parameter_names";
    if (path != names && file.exists(names) &&
        std::find(dims.begin(), dims.end(), "parameter") != dims.end())
      file.write_attribute(path, "coordinates", "parameter_names");
  }
}

} // namespace l0svgd
