#include "l0svgd/drivers/sensitivity_task.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/progress.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/io/output_file.hpp"
#include "l0svgd/io/svgd_checkpoint.hpp"
#include "l0svgd/metrics/jsd.hpp"
#include "l0svgd/metrics/sobol_indices.hpp"
#include "l0svgd/models/boxed_model.hpp"
#include "l0svgd/models/gmm.hpp"
#include "l0svgd/models/gmm_synthetic.hpp"
#include "l0svgd/optim/gaussian_mixture.hpp"
#include "l0svgd/optim/gmm_vi.hpp"
#include "l0svgd/optim/laplace_mixture.hpp"
#include "l0svgd/optim/multistart.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"

namespace l0svgd {
namespace {

/// One factor of the design: its range, and how a unit-cube coordinate maps onto it.
struct Factor {
  const char* name;
  double lower = 0.0, upper = 0.0;
  bool integer = false, log_scale = false;

  bool varies() const { return upper > lower; }
  double value(double u) const {
    if (integer)
      return std::min(upper, lower + std::floor(u * (upper - lower + 1.0)));
    if (log_scale)
      return std::exp(std::log(lower) + u * (std::log(upper) - std::log(lower)));
    return lower + u * (upper - lower);
  }
};

enum FactorId { kDim, kComponents, kDecay, kCorrelation, kOverlap, kFactors };

/// What each design point gives, one row per point in design order: the state a checkpoint saves.
/// `done` is 0 for a point not solved yet (or whose VI a stop signal cut short).
enum Column { kQoi, kModes, kSeconds, kDone, kColumns };
const char* const kColumnNames[kColumns] = {"qoi", "n_modes", "seconds", "done"};
using PointResult = Eigen::Matrix<double, 1, kColumns>;

struct DesignState {
  Matrix rows; ///< n × kColumns
  explicit DesignState(Index n = 0) : rows(Matrix::Zero(n, kColumns)) {}
  Index n_done() const { return static_cast<Index>(rows.col(kDone).sum()); }
};

/// Silences the logger for the per-point solves: each runs on one rank, and only rank 0's would
/// print (rank-dependent output); what matters of them is saved per point.
class QuietLog {
public:
  QuietLog() : level_(logger().level()) { logger().set_level(LogLevel::Quiet); }
  ~QuietLog() { logger().set_level(level_); }
  QuietLog(const QuietLog&) = delete;
  QuietLog& operator=(const QuietLog&) = delete;

private:
  LogLevel level_;
};

class SensitivityTask : public Task {
public:
  explicit SensitivityTask(MPI_Comm comm) : comm_(comm) { MPI_Comm_size(comm, &ranks_); }

  void configure(Options& options) override {
    configure_factors(options);
    n_base_ = options.get_int("sensitivity_samples", 256, 2, 1 << 20,
                              "base points N of Saltelli's design (N (k + 2) problems for k "
                              "varying factors; a power of two keeps the Sobol' points balanced)");
    qoi_ = options.get_choice("sensitivity_qoi", "laplace_jsd",
                              {"laplace_jsd", "vi_jsd", "vi_iterations"},
                              "quantity of interest: JSD(target, Laplace mixture), JSD(target, VI "
                              "mixture warm-started from it after -vi_iterations), or the VI "
                              "iterations to JSD < -sensitivity_tolerance (capped at "
                              "-vi_iterations; JSD every -vi_monitor_every)");
    tolerance_ = options.get_real("sensitivity_tolerance", 0.1, 1e-6, 0.6931,
                                  "JSD tolerance of -sensitivity_qoi vi_iterations");
    bootstrap_.n_bootstrap = options.get_int("sensitivity_bootstrap", 1000, 0, 1000000,
                                             "bootstrap resamples of the confidence intervals");
    bootstrap_.confidence = options.get_real("sensitivity_confidence", 0.95, 0.5, 0.999,
                                             "level of the bootstrap percentile intervals");
    seed_ = static_cast<uint64_t>(
        options.get_int("seed", 1, 0, PETSC_MAX_INT,
                        "seed of the generated mixtures (one for every design point), "
                        "the JSD draws and the bootstrap"));
    bootstrap_.seed = seed_;
    reference_draws_ = options.get_int("reference_samples", 4000, 10, 10000000,
                                       "Monte Carlo draws per density of each JSD");
    multistart_.configure(options);
    weights_.configure(options);
    vi_.configure(options);
    output_file_ = options.get_string("output_file", "out/sensitivity.h5", "HDF5 result file");
    checkpoints_ = configure_checkpoints(options, output_file_);
  }

  void setup() override {
    for (Index f = 0; f < kFactors; ++f)
      if (factors_[f].varies())
        active_.push_back(f);
    require_input(!active_.empty(), "-task sensitivity: every factor is fixed (each range has "
                                    "equal bounds), so there is nothing to vary");
    unit_design_ = saltelli_design(static_cast<Index>(active_.size()), n_base_);
    identity_ = {"gmm_synthetic",
                 static_cast<Index>(active_.size()),
                 unit_design_.rows(),
                 "saltelli",
                 seed_,
                 "none",
                 run_defining_options()};
    identity_.count_name = "design points";
    OutputFile::check_writable(output_file_, comm_);
    check_checkpoint_paths(checkpoints_, output_file_, comm_);
  }

  void run() override {
    const double start = MPI_Wtime();
    const Index n = unit_design_.rows();
    DesignState state = checkpoints_.restart.empty() ? DesignState(n) : read_checkpoint();
    logger().info("sensitivity: ", n, " problems (N = ", n_base_, ", ", active_.size(),
                  " factors) of ", qoi_, ", ", state.n_done(), " done, on ", ranks_, " ranks");
    evaluate_design(state);
    const SobolIndices indices = sobol_indices(state.rows.col(kQoi), active_.size(), bootstrap_);
    report(indices, state);
    write(indices, state, MPI_Wtime() - start);
  }

private:
  void configure_factors(Options& options) {
    const auto range = [&](const char* option, std::vector<double> def, const std::string& help) {
      std::vector<double> r = options.get_real_array(option, def, help + " (one value: fixed)");
      if (r.size() == 1)
        r.push_back(r[0]);
      require_input(r.size() == 2 && r[0] <= r[1],
                    std::string("option -") + option + ": give 'lower,upper' with lower <= upper");
      return r;
    };
    const auto d = range("sensitivity_dim", {8, 10}, "range of the dimension d (integers)");
    const auto k = range("sensitivity_components", {3, 4}, "range of the components K (integers)");
    const auto w = range("sensitivity_decay", {1.3, 2.0}, "range of the weight decay ω");
    const auto c = range("sensitivity_correlation", {0.1, 0.7}, "range of the correlation c");
    const auto l = range("sensitivity_overlap", {1e-4, 1e-2}, "range of the largest overlap λ");
    const bool log_overlap =
        options.get_choice(
            "sensitivity_overlap_scale", "linear", {"linear", "log"},
            "how λ is spread over its range: uniform (the talk's), or uniform in log λ") == "log";
    const auto whole = [](double x) { return x == std::floor(x); };
    require_input(d[0] >= 1 && d[1] <= 1000 && whole(d[0]) && whole(d[1]),
                  "option -sensitivity_dim: integers from 1 to 1000");
    require_input(k[0] >= 2 && k[1] <= 100 && whole(k[0]) && whole(k[1]),
                  "option -sensitivity_components: integers from 2 to 100");
    require_input(w[0] >= 0, "option -sensitivity_decay: the decay is at least 0");
    // Every equicorrelation matrix of the design must be positive definite, at the largest d too.
    require_input(c[1] < 1 && (d[1] < 2 || c[0] > -1.0 / (d[1] - 1)),
                  "option -sensitivity_correlation: c must lie in (-1/(d-1), 1) for every d of "
                  "-sensitivity_dim");
    require_input(l[0] > 0 && l[1] < 1, "option -sensitivity_overlap: λ must lie in (0, 1)");
    factors_ = {{{"d", d[0], d[1], true, false},
                 {"K", k[0], k[1], true, false},
                 {"omega", w[0], w[1], false, false},
                 {"c", c[0], c[1], false, false},
                 {"lambda", l[0], l[1], false, log_overlap}}};
  }

  /// The five factors of design row `row` (a fixed factor at its value).
  std::array<double, kFactors> point(Index row) const {
    std::array<double, kFactors> x{};
    for (Index f = 0; f < kFactors; ++f)
      x[f] = factors_[f].lower;
    for (size_t a = 0; a < active_.size(); ++a)
      x[active_[a]] = factors_[active_[a]].value(unit_design_(row, static_cast<Index>(a)));
    return x;
  }

  /// Collective: every design point not yet done, in blocks split over the ranks and gathered in
  /// design order (each point solved by one rank), each block followed by a checkpoint if due and
  /// a look for a stop signal.
  void evaluate_design(DesignState& state) {
    const StopSignals stop_signals;
    const Index n = unit_design_.rows();
    const Index block = checkpoints_.every > 0 ? checkpoints_.every : 8 * ranks_;
    Progress progress(state.n_done(), n);
    for (Index begin = 0; begin < n; begin += block) {
      const Index end = std::min(n, begin + block);
      const Partition part(end - begin, comm_);
      Matrix local = state.rows.middleRows(begin + part.local_begin(), part.n_local());
      run_collectively(
          [&] {
            const QuietLog quiet;
            for (Index i = 0; i < local.rows(); ++i)
              if (local(i, kDone) == 0)
                local.row(i) = evaluate_point(begin + part.local_begin() + i);
          },
          comm_);
      RowGather(part, kColumns, comm_).gather(local, state.rows.middleRows(begin, end - begin));
      const Index n_done = state.n_done();
      if (progress.due() || end == n) {
        logger().info("  sensitivity: ", n_done, "/", n, " problems, ", progress.time_eta(n_done));
        progress.printed();
      }
      if (checkpoints_.every > 0 && end < n)
        write_checkpoint(state);
      if (const int signal = stop_requested(comm_)) {
        write_checkpoint(state);
        stop_after_checkpoint(checkpoints_, signal, n_done, n);
      }
    }
  }

  /// evaluate() of design row j, its error (if any) naming the point.
  PointResult evaluate_point(Index j) const {
    const auto x = point(j);
    try {
      return evaluate(x);
    } catch (const Error& e) {
      std::ostringstream where;
      where << "design point " << j << " (d " << x[kDim] << ", K " << x[kComponents] << ", omega "
            << x[kDecay] << ", c " << x[kCorrelation] << ", lambda " << x[kOverlap] << "): ";
      throw ModelError(where.str() + e.what());
    }
  }

  /// One design point, on this rank alone: the generated mixture, its default search box,
  /// multistart, Laplace components, NNLS weights, then the quantity of interest.
  PointResult evaluate(const std::array<double, kFactors>& x) const {
    const double start = MPI_Wtime();
    SyntheticMixtureSpec spec;
    spec.dim = static_cast<Index>(x[kDim]);
    spec.components = static_cast<Index>(x[kComponents]);
    spec.decay = x[kDecay];
    spec.correlation = x[kCorrelation];
    spec.overlap = x[kOverlap];
    spec.seed = seed_;
    const SyntheticMixture m = synthetic_mixture(spec);
    const GaussianMixtureModel target(m.weights, m.means, m.covariances);
    const GaussianMixture truth = to_gaussian_mixture(target);
    const auto [lower, upper] = sampled_search_box(truth, kSearchBoxDraws, seed_);
    const BoxedModel boxed(target, lower, upper);

    Multistart multistart(boxed, multistart_, MPI_COMM_SELF);
    const MultistartResult modes = multistart.run();
    auto components =
        laplace_components(boxed, modes.modes, modes.log_density, multistart_.laplace);
    const LaplaceMixture laplace =
        fit_laplace_mixture(boxed, std::move(components), weights_, MPI_COMM_SELF);
    const auto jsd = [&](const GaussianMixture& q) {
      return jsd_monte_carlo(truth, q, reference_draws_, seed_ + 1, MPI_COMM_SELF);
    };
    PointResult r;
    r(kModes) = static_cast<double>(modes.modes.rows());
    r(kDone) = 1.0;
    if (qoi_ == "laplace_jsd") {
      r(kQoi) = jsd(laplace.mixture).value;
    } else {
      GaussianMixtureVi vi(boxed, vi_, MPI_COMM_SELF);
      if (qoi_ == "vi_iterations")
        vi.set_reference(jsd);
      const ViResult result = vi.run(laplace.mixture);
      r(kDone) = result.stop_signal == 0 ? 1.0 : 0.0;
      r(kQoi) = qoi_ == "vi_jsd" ? jsd(result.mixture).value : iterations_to_tolerance(result);
    }
    r(kSeconds) = MPI_Wtime() - start;
    return r;
  }

  double iterations_to_tolerance(const ViResult& result) const {
    for (const ViRecord& record : result.history)
      if (record.jsd < tolerance_)
        return static_cast<double>(record.iteration);
    return static_cast<double>(vi_.iterations);
  }

  void report(const SobolIndices& s, const DesignState& state) const {
    logger().info("sensitivity of ", qoi_, " (mean ", format("%.4g", s.mean), ", sd ",
                  format("%.4g", std::sqrt(s.variance)), ", modes found per problem ",
                  format("%.2f", state.rows.col(kModes).mean()), "), ",
                  format("%.0f", 100 * bootstrap_.confidence), " % intervals:");
    logger().info("  factor   first order S            total S_T");
    for (size_t a = 0; a < active_.size(); ++a) {
      const auto i = static_cast<Index>(a);
      std::ostringstream line;
      line << "  " << std::left << std::setw(9) << factors_[active_[a]].name
           << format("%6.3f", s.first_order(i)) << " [" << format("%6.3f", s.first_lower(i)) << ", "
           << format("%6.3f", s.first_upper(i)) << "]   " << format("%6.3f", s.total_order(i))
           << " [" << format("%6.3f", s.total_lower(i)) << ", " << format("%6.3f", s.total_upper(i))
           << "]";
      logger().info(line.str());
    }
    if (std::isnan(s.variance) || s.variance == 0.0)
      logger().warning("sensitivity: the quantity of interest is the same at every design point, "
                       "so it has no variance to split (the indices are NaN)");
  }

  /// Collective: the result file.
  void write(const SobolIndices& s, const DesignState& state, double seconds) const {
    OutputFile out(output_file_, comm_);
    H5File& h5 = out.h5();
    write_run_metadata(h5, "sensitivity");
    const Index n = unit_design_.rows();
    Matrix design(n, static_cast<Index>(kFactors));
    for (Index j = 0; j < n; ++j) {
      const auto x = point(j);
      for (Index f = 0; f < kFactors; ++f)
        design(j, f) = x[f];
    }
    std::vector<std::string> all, varied;
    for (const Factor& f : factors_)
      all.emplace_back(f.name);
    for (Index f : active_)
      varied.emplace_back(factors_[f].name);
    h5.write_matrix("/sensitivity/design", design);
    h5.write_strings("/sensitivity/design_factors", all);
    h5.write_strings("/sensitivity/factor_names", varied);
    for (Index c : {kQoi, kModes, kSeconds})
      h5.write_vector(std::string("/sensitivity/") + kColumnNames[c], state.rows.col(c));
    h5.write_vector("/sensitivity/first_order", s.first_order);
    h5.write_vector("/sensitivity/first_order_lower", s.first_lower);
    h5.write_vector("/sensitivity/first_order_upper", s.first_upper);
    h5.write_vector("/sensitivity/total_order", s.total_order);
    h5.write_vector("/sensitivity/total_order_lower", s.total_lower);
    h5.write_vector("/sensitivity/total_order_upper", s.total_upper);
    h5.write_attribute("/sensitivity", "qoi", qoi_);
    h5.write_attribute("/sensitivity", "n_base", static_cast<long long>(n_base_));
    h5.write_attribute("/sensitivity", "mean", s.mean);
    h5.write_attribute("/sensitivity", "variance", s.variance);
    h5.write_attribute("/sensitivity", "bootstrap", static_cast<long long>(bootstrap_.n_bootstrap));
    h5.write_attribute("/sensitivity", "confidence", bootstrap_.confidence);
    h5.write_attribute("/sensitivity", "wall_time", seconds);
    out.commit();
  }

  /// Collective: the evaluations so far, written atomically.
  void write_checkpoint(const DesignState& state) const {
    OutputFile out(checkpoints_.file, comm_);
    H5File& f = out.h5();
    write_run_identity(f, identity_);
    f.write_attribute("/", "iteration", static_cast<long long>(state.n_done()));
    for (Index c = 0; c < kColumns; ++c)
      f.write_vector(std::string("/sensitivity/") + kColumnNames[c], state.rows.col(c));
    out.commit();
  }

  /// Collective: the design state of -restart, after checking that it belongs to this design.
  DesignState read_checkpoint() const {
    const H5File f(checkpoints_.restart, H5File::Mode::Read, comm_);
    check_run_identity(f, identity_);
    require_input(f.exists("/sensitivity/done"), "restart file '" + checkpoints_.restart +
                                                     "' is not a checkpoint of -task sensitivity");
    DesignState state(unit_design_.rows());
    for (Index c = 0; c < kColumns; ++c)
      state.rows.col(c) = f.read_vector(std::string("/sensitivity/") + kColumnNames[c]);
    note_restart(checkpoints_.restart, state.n_done());
    return state;
  }

  MPI_Comm comm_;
  int ranks_ = 1;
  std::array<Factor, kFactors> factors_{};
  std::vector<Index> active_;
  Index n_base_ = 256, reference_draws_ = 4000;
  std::string qoi_;
  double tolerance_ = 0.1;
  SobolBootstrap bootstrap_;
  uint64_t seed_ = 1;
  MultistartSettings multistart_;
  MixtureWeightSettings weights_;
  ViSettings vi_;
  std::string output_file_;
  CheckpointSettings checkpoints_;
  RunIdentity identity_;
  Matrix unit_design_;
};

} // namespace

std::unique_ptr<Task> make_sensitivity_task(MPI_Comm comm) {
  return std::make_unique<SensitivityTask>(comm);
}

} // namespace l0svgd
