#include "l0svgd/drivers/pushforward.hpp"

#include <sstream>

#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/metrics/wasserstein.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"

namespace l0svgd {
namespace {

/// Collective: predictions (n × n_q n_p) of n draws of `draw`, each rank predicting its own rows.
Matrix predictions(const Predictive& model, Index dim, Index n, const DrawFunction& draw,
                   uint64_t seed, MPI_Comm comm) {
  const Partition partition(n, comm);
  const Index width = model.n_quantities() * model.prediction_points().size();
  Matrix local(partition.n_local(), width);
  run_collectively(
      [&] {
        Matrix x(partition.n_local(), dim);
        draw(seed, RngStream::Metrics, partition.local_begin(), x);
        model.predict(x, local);
      },
      comm);
  Matrix all(n, width);
  RowGather(partition, width, comm).gather(local, all);
  return all;
}

/// Per-point values (n_q n_p) as an n_q × n_p matrix, quantity by row.
Matrix by_quantity(const Vector& values, Index n_quantities) {
  return Eigen::Map<const Matrix>(values.data(), n_quantities, values.size() / n_quantities);
}

void write_bands(H5File& file, const std::string& group, const Matrix& predictions,
                 Index n_quantities, double level) {
  const Vector mean = predictions.colwise().mean().transpose();
  file.write_matrix(group + "/mean", by_quantity(mean, n_quantities));
  file.write_matrix(group + "/median",
                    by_quantity(column_quantiles(predictions, 0.5), n_quantities));
  file.write_matrix(group + "/lower",
                    by_quantity(column_quantiles(predictions, 0.5 * (1 - level)), n_quantities));
  file.write_matrix(group + "/upper",
                    by_quantity(column_quantiles(predictions, 0.5 * (1 + level)), n_quantities));
}

} // namespace

void PushforwardSettings::configure(Options& options) {
  n_draws = options.get_int("pushforward_draws", n_draws, 0, 100000000,
                            "parameter draws per posterior for the posterior predictive of a "
                            "target with predicted quantities (0: none)");
  level = options.get_real("pushforward_level", level, 0.0, 1.0,
                           "probability of the posterior predictive's central band", true);
  if (!options.help_mode())
    require_input(level < 1.0, "option -pushforward_level: must be below 1");
}

void write_pushforward(H5File& file, const Predictive& model, Index dim,
                       const PushforwardSettings& settings, const PushforwardSource* reference,
                       const std::vector<PushforwardSource>& approximations, uint64_t seed,
                       MPI_Comm comm) {
  if (settings.n_draws == 0)
    return;
  LogEventScope scope(log_event("L0Pushforward"));
  const std::vector<std::string> names = model.quantity_names();
  const Index n_q = model.n_quantities(), n = settings.n_draws;
  file.write_vector("/pushforward/points", model.prediction_points());
  file.write_strings("/pushforward/quantities", names);
  file.write_attribute("/pushforward", "point_name", model.point_name());
  file.write_attribute("/pushforward", "level", settings.level);
  file.write_attribute("/pushforward", "draws", static_cast<long long>(n));
  for (const ObservedQuantity& data : model.observed_quantities()) {
    const std::string group = "/pushforward/data/" + names.at(static_cast<size_t>(data.quantity));
    file.write_vector(group + "/points", data.points);
    file.write_vector(group + "/values", data.values);
  }
  Matrix truth;
  if (reference) {
    truth = predictions(model, dim, n, reference->draw, seed, comm);
    write_bands(file, "/pushforward/reference", truth, n_q, settings.level);
    // A second, independent draw set: the distance sampling noise alone produces.
    const Matrix again = predictions(model, dim, n, reference->draw, seed + 1, comm);
    file.write_vector("/pushforward/reference/w1_floor",
                      by_quantity(wasserstein_columns(truth, again), n_q).rowwise().mean());
  }
  for (const PushforwardSource& source : approximations) {
    const std::string group = "/pushforward/" + source.name;
    const Matrix predicted = predictions(model, dim, n, source.draw, seed + 2, comm);
    write_bands(file, group, predicted, n_q, settings.level);
    if (!reference)
      continue;
    const Matrix w1 = by_quantity(wasserstein_columns(predicted, truth), n_q);
    file.write_matrix(group + "/w1", w1);
    const Vector mean = w1.rowwise().mean();
    file.write_vector(group + "/w1_mean", mean);
    std::ostringstream line;
    for (Index q = 0; q < n_q; ++q)
      line << (q ? ", " : "") << names[static_cast<size_t>(q)] << " " << mean(q);
    logger().info("pushforward: ", source.name, " against the reference, mean W1 over the ",
                  model.point_name(), " points: ", line.str());
  }
}

} // namespace l0svgd
