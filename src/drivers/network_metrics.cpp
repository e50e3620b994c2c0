#include "l0svgd/drivers/network_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "l0svgd/core/error.hpp"
#include "l0svgd/mcmc/diagnostics.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"

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

namespace {

// Per-point results of this rank's block of points, one row per point: W1, W2, mean, band (lower,
// upper) to the data-generating distribution, then W1, W2 to the reference (0 without one).
constexpr Index kPointColumns = 7;

// The posterior predictive of points [begin, begin + count): `copies` noisy draws per sample, the
// noise keyed by (seed, draw, global point) as add_observation_noise keys it.
Matrix predictive_block(const ConstMatrixRef& predictions, const Matrix& noise_sd, Index begin,
                        Index count, Index copies, uint64_t seed) {
  const Index n = predictions.rows();
  Matrix block =
      add_observation_noise(Matrix::Zero(n, count), Vector::Ones(count), copies, seed, begin);
  for (Index i = 0; i < n; ++i)
    for (Index c = 0; c < copies; ++c)
      block.row(i * copies + c) =
          predictions.row(i).segment(begin, count) +
          block.row(i * copies + c).cwiseProduct(noise_sd.row(i).segment(begin, count));
  return block;
}

// This rank's rows of kPointColumns, its points taken in blocks so that the predictive of a block
// (samples × copies × block) stays small.
Matrix local_point_metrics(const NetworkModel& model, const PredictionPoints& grid,
                           const ConstMatrixRef& theta, const ConstMatrixRef& predictions,
                           Index copies, uint64_t seed, const Matrix& reference,
                           const Vector& means, const Vector& sds, const Partition& points) {
  const Index n = predictions.rows(), m = predictions.cols();
  Matrix noise_sd(n, m);
  for (Index i = 0; i < n; ++i)
    noise_sd.row(i) = model.noise_std(theta.row(i).transpose(), grid).transpose();
  const Index block_size = 32;
  Matrix local = Matrix::Zero(points.n_local(), kPointColumns);
  for (Index offset = 0; offset < points.n_local(); offset += block_size) {
    const Index begin = points.local_begin() + offset;
    const Index count = std::min(block_size, points.n_local() - offset);
    const PointMetrics p =
        compare_with_normals(predictive_block(predictions, noise_sd, begin, count, copies, seed),
                             means.segment(begin, count), sds.segment(begin, count));
    auto rows = local.middleRows(offset, count);
    rows.col(0) = p.w1;
    rows.col(1) = p.w2;
    rows.col(2) = p.mean;
    rows.col(3) = p.lower;
    rows.col(4) = p.upper;
    if (reference.size() > 0) {
      rows.col(5) = wasserstein_columns(predictions.middleCols(begin, count),
                                        reference.middleCols(begin, count), 1.0);
      rows.col(6) = wasserstein_columns(predictions.middleCols(begin, count),
                                        reference.middleCols(begin, count), 2.0);
    }
  }
  return local;
}

} // namespace

PredictiveMetrics predictive_metrics(const NetworkModel& model, const PredictionPoints& grid,
                                     const ConstMatrixRef& theta, const ConstMatrixRef& predictions,
                                     Index copies, uint64_t seed, const Matrix& reference,
                                     MPI_Comm comm) {
  const Index m = predictions.cols();
  require_input(reference.size() == 0 || reference.cols() == m,
                "the reference push-forward covers " + std::to_string(reference.cols()) +
                    " points, this run's " + std::to_string(m));
  const bool synthetic = grid.truth.size() == m;
  const Vector means = synthetic ? grid.truth : grid.values;
  const Vector sds = synthetic ? Vector(grid.noise_std) : Vector(Vector::Zero(m));
  // Points are independent: each rank measures its block and every rank gets all of them.
  const Partition points(m, comm);
  Matrix all(m, kPointColumns);
  Matrix local;
  // A non-finite prediction may sit in one rank's block only: every rank raises it.
  run_collectively(
      [&] {
        local = local_point_metrics(model, grid, theta, predictions, copies, seed, reference, means,
                                    sds, points);
      },
      comm);
  RowGather(points, kPointColumns, comm).gather(local, all);
  PointMetrics point;
  point.w1 = all.col(0);
  point.w2 = all.col(1);
  point.mean = all.col(2);
  point.lower = all.col(3);
  point.upper = all.col(4);

  std::vector<Index> inside, outside;
  for (Index j = 0; j < m; ++j)
    (grid.extrapolation[static_cast<size_t>(j)] ? outside : inside).push_back(j);
  PredictiveMetrics result;
  result.group = synthetic ? "training_range" : "held_out";
  result.train_range = average_over(point, means, inside);
  if (!outside.empty())
    result.extrapolation = average_over(point, means, outside);
  if (reference.size() > 0) {
    const Vector w1 = all.col(5), w2 = all.col(6);
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

double PushForwardMixing::worst_rhat() const {
  return rhat.size() == 0 ? NAN : (rhat.array().isNaN()).select(-HUGE_VAL, rhat).maxCoeff();
}

double PushForwardMixing::least_ess() const {
  return ess.size() == 0 ? NAN : (ess.array().isNaN()).select(HUGE_VAL, ess).minCoeff();
}

PushForwardMixing pushforward_mixing(const ConstMatrixRef& predictions, Index n_chains,
                                     Index n_draws, MPI_Comm comm) {
  // bulk_effective_sample_size needs this many draws per chain.
  constexpr Index kLeastDrawsForEss = 8;
  const bool with_ess = n_draws >= kLeastDrawsForEss;
  const Partition points(predictions.cols(), comm);
  Matrix local(points.n_local(), 2), all(points.n_global(), 2);
  run_collectively(
      [&] {
        const auto mine = predictions.middleCols(points.local_begin(), points.n_local());
        if (points.n_local() == 0)
          return;
        local.col(0) = split_rhat(mine, n_chains);
        if (with_ess)
          local.col(1) = bulk_effective_sample_size(mine, n_chains);
      },
      comm);
  RowGather(points, 2, comm).gather(local, all);
  PushForwardMixing m;
  m.rhat = all.col(0);
  if (with_ess)
    m.ess = all.col(1);
  return m;
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
