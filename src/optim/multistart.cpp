#include "l0svgd/optim/multistart.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/core/progress.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

namespace l0svgd {
namespace {

// Columns of the gathered row describing one local search.
struct SearchRow {
  explicit SearchRow(Index d) : d(d) {}
  Index width() const { return d + 5 + d * d; }
  Index log_density() const { return d; }
  Index converged() const { return d + 1; }
  Index reason() const { return d + 2; }
  Index iterations() const { return d + 3; }
  Index evaluations() const { return d + 4; }
  Index hessian() const { return d + 5; }
  Index d;
};

// Every rank calls this after a gather in which failed rows carry NaN: if any row failed, all ranks
// throw together with the message of the lowest failing rank.
void raise_if_failed(bool any_failed, bool local_failed, const std::string& message,
                     MPI_Comm comm) {
  if (any_failed)
    raise_if_any(local_failed, message, comm);
}

} // namespace

void MultistartSettings::configure(Options& options) {
  const char* names[] = {"halton", "uniform", "sobol"};
  design = parse_design(options.get_choice(
      "multistart_design", names[static_cast<int>(design)], {"halton", "uniform", "sobol"},
      "design of the sample points (randomly shifted Halton or Sobol', or uniform points)"));
  samples = options.get_int("multistart_samples", samples, 1, 100000000,
                            "sample points of the design in the prior box");
  max_local = options.get_int("multistart_max_local", max_local, 0, 1000000,
                              "maximum number of local searches (0: max(32, 8 d))");
  seed = static_cast<uint64_t>(options.get_int("multistart_seed", static_cast<PetscInt>(seed), 0,
                                               PETSC_MAX_INT, "seed of the sample design"));
  merge_distance = options.get_real(
      "multistart_merge_distance", merge_distance, 0.0, 1e6,
      "maxima closer than this Mahalanobis distance are merged into one mode", true);
  laplace.configure(options);
}

double mlsl_critical_distance(Index d, double volume, Index k_times_n, double sigma) {
  const double kn = static_cast<double>(k_times_n);
  const double inner = std::tgamma(1.0 + 0.5 * d) * sigma * volume * std::log(kn) / kn;
  return std::pow(inner, 1.0 / d) / std::sqrt(M_PI);
}

Multistart::Multistart(const Model& model, const MultistartSettings& settings, MPI_Comm comm)
    : model_(model), settings_(settings), comm_(comm), lower_(model.lower_bounds()),
      upper_(model.upper_bounds()), solver_(model, settings.local_prefix) {
  require_input(lower_.allFinite() && upper_.allFinite(),
                "multistart needs a finite prior box, but model '" + model.name() +
                    "' has an unbounded support");
}

MultistartResult Multistart::run() {
  const Index d = model_.dim(), n = settings_.samples;
  MultistartResult result;
  result.n_samples = n;

  // 1. Design points (every rank builds all of them) and their log densities (block-partitioned).
  const Vector width = upper_ - lower_;
  const Matrix unit = unit_design(settings_.design, d, settings_.seed, 0, n);
  const Matrix points = (unit * width.asDiagonal()).rowwise() + lower_.transpose();
  Vector log_p(n);
  {
    LogEventScope scope(log_event("L0MultistartSample"));
    const Partition partition(n, comm_);
    Matrix local(partition.n_local(), 1);
    bool failed = false;
    std::string message;
    try {
      Vector values(partition.n_local());
      model_.log_density(points.middleRows(partition.local_begin(), partition.n_local()), values);
      local.col(0) = values;
      for (Index i = 0; i < values.size(); ++i)
        if (std::isnan(values(i)) || values(i) == std::numeric_limits<double>::infinity()) {
          std::ostringstream s;
          s << "model '" << model_.name() << "' returned " << values(i) << " at multistart sample "
            << partition.local_begin() + i << " (" << points.row(partition.local_begin() + i)
            << ")";
          throw ModelError(s.str());
        }
    } catch (const Error& e) {
      failed = true;
      message = e.what();
      local.setConstant(std::numeric_limits<double>::quiet_NaN());
    }
    Matrix all(n, 1);
    RowGather(partition, 1, comm_).gather(local, all);
    log_p = all.col(0);
    raise_if_failed(log_p.array().isNaN().any(), failed, message, comm_);
  }
  result.n_evaluations += n;

  // 2. MLSL selection, identical on every rank: best first, skip points with a better one within r.
  std::vector<Index> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return log_p(a) > log_p(b); });
  const double r = mlsl_critical_distance(d, 1.0, n);
  Matrix sorted_unit(n, d);
  for (Index i = 0; i < n; ++i)
    sorted_unit.row(i) = unit.row(order[i]);
  std::vector<Index> starts;
  const Index max_local =
      settings_.max_local > 0 ? settings_.max_local : std::max<Index>(32, 8 * d);
  for (Index p = 0; p < n && static_cast<Index>(starts.size()) < max_local; ++p) {
    if (!std::isfinite(log_p(order[p])))
      break;
    const bool has_better_neighbour =
        p > 0 &&
        ((sorted_unit.topRows(p).rowwise() - sorted_unit.row(p)).rowwise().squaredNorm().array() <
         r * r)
            .any();
    if (!has_better_neighbour)
      starts.push_back(order[p]);
  }
  const Index n_starts = static_cast<Index>(starts.size());
  if (n_starts == 0)
    throw ModelError("multistart: log p of model '" + model_.name() +
                     "' is -infinity at every sample point");
  result.starts.resize(n_starts, d);
  for (Index s = 0; s < n_starts; ++s)
    result.starts.row(s) = points.row(starts[s]);

  // 3. Local searches, split over ranks in start order; each rank also computes the Hessian at its
  // end
  //    points for the deduplication.
  const SearchRow row(d);
  Matrix found(n_starts, row.width());
  {
    LogEventScope scope(log_event("L0MultistartLocal"));
    const Partition partition(n_starts, comm_);
    Matrix local(partition.n_local(), row.width());
    bool failed = false;
    std::string message;
    // Searches on an expensive model take long: rank 0 reports its own share every
    // Progress::kDefaultInterval seconds.
    Progress progress(0, partition.n_local());
    try {
      for (Index s = 0; s < partition.n_local(); ++s) {
        if (s > 0 && progress.due()) {
          logger().info("  multistart: ", s, "/", partition.n_local(),
                        " of rank 0's local searches (", n_starts, " in all), ",
                        progress.time_eta(s));
          progress.printed();
        }
        const MapResult map =
            solver_.solve(result.starts.row(partition.local_begin() + s).transpose(), false);
        const RepairedHessian h =
            repair_hessian(negative_log_hessian(model_, map.x, settings_.laplace.fd_step),
                           settings_.laplace.eigenvalue_floor, lower_, upper_);
        local.row(s).head(d) = map.x.transpose();
        local(s, row.log_density()) = map.log_density;
        local(s, row.converged()) = map.converged ? 1.0 : 0.0;
        local(s, row.reason()) = map.reason_code;
        local(s, row.iterations()) = static_cast<double>(map.iterations);
        local(s, row.evaluations()) =
            static_cast<double>(map.evaluations + (model_.has_hessian() ? 1 : 2 * d));
        local.row(s).tail(d * d) = Eigen::Map<const Vector>(h.precision.data(), d * d).transpose();
      }
    } catch (const Error& e) {
      failed = true;
      message = e.what();
      local.setConstant(std::numeric_limits<double>::quiet_NaN());
    }
    RowGather(partition, row.width(), comm_).gather(local, found);
    raise_if_failed(found.col(row.log_density()).array().isNaN().any(), failed, message, comm_);
  }
  result.n_local_searches = n_starts;
  result.n_evaluations += static_cast<Index>(found.col(row.evaluations()).sum());

  std::map<std::string, Index> reasons;
  for (Index s = 0; s < n_starts; ++s)
    if (found(s, row.converged()) == 0.0)
      ++reasons[tao_reason_name(static_cast<int>(found(s, row.reason())))];
  result.n_unconverged = n_starts - static_cast<Index>(found.col(row.converged()).sum());
  if (result.n_unconverged > 0) {
    std::ostringstream list;
    for (const auto& [reason, count] : reasons)
      list << (list.tellp() > 0 ? ", " : "") << reason << " x" << count;
    logger().warning("multistart: ", result.n_unconverged, " of ", n_starts,
                     " local searches stopped without converging (", list.str(),
                     "); their end points are kept as candidate modes");
  }

  // 4. Deduplicate, best first: a candidate within merge_distance of a kept mode (Mahalanobis under
  // the
  //    kept mode's Laplace covariance) is the same mode.
  std::vector<Index> candidates(n_starts);
  std::iota(candidates.begin(), candidates.end(), 0);
  std::stable_sort(candidates.begin(), candidates.end(), [&](Index a, Index b) {
    return found(a, row.log_density()) > found(b, row.log_density());
  });
  std::vector<Index> kept;
  const double threshold = settings_.merge_distance * settings_.merge_distance;
  for (Index c : candidates) {
    const Vector x = found.row(c).head(d).transpose();
    bool duplicate = false;
    for (Index k : kept) {
      const Vector delta = x - found.row(k).head(d).transpose();
      const Eigen::Map<const DenseMatrix> precision(found.row(k).tail(d * d).data(), d, d);
      if (delta.dot(precision * delta) < threshold) {
        duplicate = true;
        break;
      }
    }
    if (!duplicate)
      kept.push_back(c);
  }
  result.modes.resize(static_cast<Index>(kept.size()), d);
  result.log_density.resize(static_cast<Index>(kept.size()));
  for (size_t k = 0; k < kept.size(); ++k) {
    result.modes.row(k) = found.row(kept[k]).head(d);
    result.log_density(k) = found(kept[k], row.log_density());
  }
  logger().info("multistart: ", n, " samples, ", n_starts, " local searches, ", kept.size(),
                " distinct mode(s), best log p = ", result.log_density(0));
  return result;
}

} // namespace l0svgd
