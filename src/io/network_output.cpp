#include "l0svgd/io/network_output.hpp"

#include <vector>

#include "l0svgd/metrics/wasserstein.hpp"

namespace l0svgd {

void write_l0_path(H5File& file, const std::string& group, const L0Result& result,
                   const std::vector<std::string>& dense_names) {
  const auto& best = result.best();
  const std::vector<bool> support = best.support(static_cast<Index>(dense_names.size()));
  std::vector<long long> mask(support.begin(), support.end());
  file.write_ints(group + "/mask", mask);

  const Index n = static_cast<Index>(result.path.size());
  Vector lambda(n), loss(n), r2(n), bic(n);
  std::vector<long long> active(static_cast<size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const auto& stage = result.path[static_cast<size_t>(i)];
    lambda(i) = stage.lambda;
    loss(i) = stage.loss;
    r2(i) = stage.r_squared;
    bic(i) = stage.bic;
    active[static_cast<size_t>(i)] = stage.active;
  }
  file.write_vector(group + "/lambda", lambda);
  file.write_ints(group + "/active", active);
  file.write_vector(group + "/loss", loss);
  file.write_vector(group + "/r_squared", r2);
  file.write_vector(group + "/bic", bic);

  std::vector<std::string> names;
  for (Index k : best.surviving)
    names.push_back(dense_names[static_cast<size_t>(k)]);
  file.write_strings(group + "/active_names", names);
  file.write_attribute(group, "selected", static_cast<long long>(result.selected));
  file.write_attribute(group, "threshold_met", static_cast<long long>(result.threshold_met));
  file.write_attribute(group, "pretrain_r_squared", result.pretrain_r_squared);
}

void write_prediction_points(H5File& file, const std::string& group,
                             const PredictionPoints& points) {
  for (const auto& column : points.coordinates) {
    if (column.integer)
      file.write_ints(group + "/" + column.name,
                      std::vector<long long>(column.values.data(),
                                             column.values.data() + column.values.size()));
    else
      file.write_vector(group + "/" + column.name, column.values);
  }
  file.write_vector(group + "/" + points.value_name, points.values);
  if (points.truth.size() == points.size())
    file.write_vector(group + "/truth", points.truth);
  if (points.noise_std.size() == points.size())
    file.write_vector(group + "/noise_std", points.noise_std);
}

void write_pushforward(H5File& file, const std::string& group, const ConstMatrixRef& local,
                       const Partition& p, const ConstMatrixRef& all) {
  file.write_rows(group + "/samples", local, p);
  file.write_vector(group + "/mean", all.colwise().mean().transpose());
  file.write_vector(group + "/lower", column_quantiles(all, 0.025));
  file.write_vector(group + "/upper", column_quantiles(all, 0.975));
}

} // namespace l0svgd
