#include "l0svgd/drivers/network_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "l0svgd/core/error.hpp"

namespace l0svgd {
namespace {

void write_group(H5File& file, const std::string& group, const MetricAverages& m) {
  file.create_group(group);
  file.write_attribute(group, "n_points", static_cast<long long>(m.n_points));
  file.write_attribute(group, "w1", m.w1);
  file.write_attribute(group, "w2", m.w2);
  file.write_attribute(group, "rmse", m.rmse);
  file.write_attribute(group, "coverage", m.coverage);
}

void describe_group(std::ostream& out, const std::string& group, const MetricAverages& m) {
  out << group << " W1 " << m.w1 << " W2 " << m.w2 << " RMSE " << m.rmse << " coverage "
      << m.coverage;
}

} // namespace

PredictiveMetrics predictive_metrics(const NetworkModel& model, const PredictionPoints& grid,
                                     const ConstMatrixRef& theta, const ConstMatrixRef& predictions,
                                     Index copies, uint64_t seed, const Matrix& reference) {
  const Index n = predictions.rows(), m = predictions.cols();
  const Matrix unit = add_observation_noise(Matrix::Zero(n, m), Vector::Ones(m), copies, seed);
  Matrix predictive(n * copies, m);
  for (Index i = 0; i < n; ++i) {
    const Vector sd = model.noise_std(theta.row(i).transpose(), grid);
    for (Index c = 0; c < copies; ++c)
      predictive.row(i * copies + c) =
          predictions.row(i) + unit.row(i * copies + c).cwiseProduct(sd.transpose());
  }
  const bool synthetic = grid.truth.size() == m;
  const Vector means = synthetic ? grid.truth : grid.values;
  const Vector sds = synthetic ? Vector(grid.noise_std) : Vector(Vector::Zero(m));
  const PointMetrics point = compare_with_normals(predictive, means, sds);

  std::vector<Index> inside, outside;
  for (Index j = 0; j < m; ++j)
    (grid.extrapolation[static_cast<size_t>(j)] ? outside : inside).push_back(j);
  PredictiveMetrics result;
  result.group = synthetic ? "training_range" : "held_out";
  result.train_range = average_over(point, means, inside);
  if (!outside.empty())
    result.extrapolation = average_over(point, means, outside);
  if (reference.size() > 0) {
    const Vector w1 = wasserstein_columns(predictions, reference, 1.0);
    const Vector w2 = wasserstein_columns(predictions, reference, 2.0);
    const auto add = [&](const std::string& group, const std::vector<Index>& columns) {
      result.reference.push_back({group, static_cast<Index>(columns.size()),
                                  column_average(w1, columns), column_average(w2, columns)});
    };
    add(result.group, inside);
    if (!outside.empty())
      add("extrapolation", outside);
  }
  return result;
}

Matrix read_reference_pushforward(const std::string& path, const PredictionPoints& grid,
                                  MPI_Comm comm) {
  const H5File file(path, H5File::Mode::Read, comm);
  Index n_points = -1;
  bool same = true;
  for (const auto& column : grid.coordinates) {
    const Vector theirs = file.read_vector("/data/test/" + column.name);
    n_points = std::max(n_points, theirs.size());
    same = same && theirs.size() == column.values.size();
    for (Index j = 0; same && j < theirs.size(); ++j)
      same = std::abs(theirs(j) - column.values(j)) <=
             1e-12 * std::max(1.0, std::abs(column.values(j)));
  }
  require_input(same, "reference file '" + path +
                          "' holds a push-forward on another test grid than this run's (" +
                          std::to_string(n_points) + " points, this run has " +
                          std::to_string(grid.size()) + ")");
  return file.read_matrix("/pushforward/test/samples");
}

void write_predictive_metrics(H5File& file, const PredictiveMetrics& metrics,
                              const std::string& reference_file) {
  write_group(file, "/metrics/" + metrics.group, metrics.train_range);
  if (metrics.extrapolation.n_points > 0)
    write_group(file, "/metrics/extrapolation", metrics.extrapolation);
  if (metrics.reference.empty())
    return;
  file.create_group("/metrics/reference");
  file.write_attribute("/metrics/reference", "file", reference_file);
  for (const auto& r : metrics.reference) {
    const std::string group = "/metrics/reference/" + r.group;
    file.create_group(group);
    file.write_attribute(group, "n_points", static_cast<long long>(r.n_points));
    file.write_attribute(group, "w1", r.w1);
    file.write_attribute(group, "w2", r.w2);
  }
}

std::string describe(const PredictiveMetrics& metrics) {
  std::ostringstream line;
  describe_group(line, metrics.group, metrics.train_range);
  if (metrics.extrapolation.n_points > 0) {
    line << "; ";
    describe_group(line, "extrapolation", metrics.extrapolation);
  }
  for (const auto& r : metrics.reference)
    line << "; W1 to reference push-forward (" << r.group << ") " << r.w1;
  return line.str();
}

} // namespace l0svgd
