#include "l0svgd/drivers/svgd_task.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <vector>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/input_files.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/io/output_file.hpp"
#include "l0svgd/io/svgd_checkpoint.hpp"
#include "l0svgd/io/svgd_output.hpp"
#include "l0svgd/models/affine_model.hpp"
#include "l0svgd/models/target_registry.hpp"
#include "l0svgd/optim/whitening.hpp"
#include "l0svgd/svgd/convergence.hpp"
#include "l0svgd/svgd/engine.hpp"
#include "l0svgd/svgd/initialization.hpp"
#include "l0svgd/svgd/spread.hpp"

namespace l0svgd {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The spread diagnostic's verdicts: an ensemble whose marginal sds are a median below kCollapsed
/// times the reference's has collapsed; above kOverdispersed times a reference run's it is too
/// wide (not judged against the Laplace sds, which a multimodal or heavy-tailed posterior rightly
/// exceeds); a KSD that has not settled within ±kKsdBand of its final level before the last
/// quarter of the run has not converged, nor has a plain-rule run whose last step exceeds kMoving
/// of the ensemble's spread.
constexpr double kCollapsed = 0.7, kOverdispersed = 1.5, kKsdBand = 0.25;
/// The plain rule's relative step norm above which a run has not settled (converged runs end
/// near 1e-4).
constexpr double kMoving = 1e-2;
/// Smallest eigenvalue of a hessian_mixture precision, relative to its largest.
constexpr double kMixtureFloor = 1e-2;

SvgdSettings svgd_defaults(Whitening whitening) {
  SvgdSettings defaults;
  if (whitening != Whitening::None) {
    defaults.kernel.type = KernelType::Auto;
    defaults.step_rule.type = StepRuleType::Plain;
    defaults.step_rule.step = 0.1;
  }
  return defaults;
}

class SvgdTask : public Task {
public:
  explicit SvgdTask(MPI_Comm comm) : comm_(comm) {}

  void configure(Options& options) override {
    target_ = configure_target(options);
    // Defaults for an accurate first run (issue 13): whitened by the Laplace fit, the kernel by
    // dimension (resolve_kernel: one RBF per coordinate from d = 5, IMQ below), the plain rule with
    // a step in units of the Laplace sds, particles from the Laplace approximation. In the target's
    // own coordinates the kernel and step rule of before (the scalar RBF, AdaGrad 0.01), which the
    // coordinate-wise kernel alone does not beat.
    whitening_ = configure_whitening(options, "svgd_precondition", Whitening::LaplaceFull);
    settings_ = configure_svgd(options, svgd_defaults(whitening_));
    laplace_.configure(options);
    init_ = configure_initialization(options, InitType::Laplace);
    check_spread_ = options.get_bool(
        "svgd_check_spread", true,
        "compare the ensemble's marginal sds with the Laplace sds at the MAP (or -svgd_reference) "
        "in the monitor and at the end, warning of a collapse; finds the MAP and the Hessian even "
        "without a preconditioner");
    reference_file_ = options.get_path(
        "svgd_reference", "",
        "HDF5 file with reference /particles (e.g. a long MCMC run) whose marginal sds the "
        "ensemble's are compared with; default: the Laplace sds, when there is a Laplace fit");
    seed_ = static_cast<uint64_t>(
        options.get_int("seed", 1, 0, PETSC_MAX_INT, "seed of every random draw of the run"));
    settings_.kernel.seed = seed_;
    output_file_ = options.get_string("output_file", "out/svgd.h5", "HDF5 result file");
    output_every_ = options.get_int("output_every", 0, 0, PETSC_MAX_INT,
                                    "store all particles every this many iterations (0: never)");
    checkpoints_ = configure_checkpoints(options, output_file_);
  }

  void setup() override {
    model_ = target_->build(comm_);
    validate_initialization(init_, model_->dim());
    settings_.kernel.type = resolve_kernel(settings_.kernel.type, model_->dim());
    particle_partition(settings_.n_particles, comm_); // the particle count against the ranks
    identity_ = {model_->name(),
                 model_->dim(),
                 settings_.n_particles,
                 step_rule_name(settings_.step_rule.type),
                 seed_,
                 whitening_name(whitening_),
                 run_defining_options()};
    // The TAO solver reads its -map_tao_* options when created, so before the run.
    if (whitening_ != Whitening::None || init_.type == InitType::Laplace ||
        (check_spread_ && reference_file_.empty()))
      map_solver_ = std::make_unique<MapSolver>(*model_, "map_");
    if (!checkpoints_.restart.empty())
      check_svgd_checkpoint(checkpoints_.restart, identity_, settings_.iterations, comm_);
    else if (init_.type == InitType::File)
      H5File(init_.file, H5File::Mode::Read,
             comm_); // fails early, with the file named, if unreadable
    if (!reference_file_.empty() && check_spread_)
      reference_sd_ = read_reference_sd();
    OutputFile::check_writable(output_file_, comm_);
    // Checked with or without -checkpoint_every: a stop signal writes the checkpoint too.
    check_checkpoint_paths(checkpoints_, output_file_, comm_);
  }

  void run() override {
    const auto start = Clock::now();
    fit_coordinates();
    engine_ = std::make_unique<SvgdEngine>(sampled(), settings_, comm_);
    set_mixture_precision();
    initialise_particles();
    logger().info("svgd: target ", model_->name(), ", d = ", model_->dim(),
                  ", N = ", settings_.n_particles, " on ", engine_->partition().size(), " ranks, ",
                  settings_.iterations - engine_->iteration(), " iterations from ",
                  engine_->iteration(), "; coordinates ", whitening_name(whitening_));

    OutputFile out(output_file_, comm_);
    write_run_metadata(out.h5(), "svgd");
    SvgdOutput output(out, *engine_, output_every_, &coordinates_->map());
    if (!checkpoints_.restart.empty()) {
      read_svgd_history(checkpoints_.restart, output, comm_);
      release_input_file(checkpoints_.restart); // read whole: checkpoints may now replace it
    }
    KsdTrace ksd;
    const StopSignals stop_signals; // SIGTERM, SIGINT, SIGUSR1: checkpoint at the iteration's end
    const auto summary = engine_->run(
        [&](const SvgdEngine& engine, const IterationInfo& info) {
          output.record(engine, info, seconds_since(start));
          if (!std::isfinite(first_log_density_))
            first_log_density_ = info.mean_log_density;
          if (info.has_ksd) {
            ksd.iterations.push_back(info.iteration);
            ksd.ksd.push_back(info.ksd);
          }
          if (checkpoints_.due(info.iteration))
            write_svgd_checkpoint(checkpoints_.file, engine, identity_, &output);
        },
        [&] {
          return reference_sd_.size() ? " sd/" + reference_name() + " " + spread_text() : "";
        });
    if (summary.stop_signal) // the temporary output goes with `out`
      checkpoint_and_stop(checkpoints_, *engine_, identity_, summary, settings_.iterations,
                          &output);
    check_divergence(summary);
    output.finish(*engine_, summary, seconds_since(start), seed_);
    write_diagnostics(out.h5(), ksd, summary);
    out.commit();
    logger().info("svgd: ", summary.converged ? "converged" : "stopped", " after ",
                  summary.iterations, " iterations in ", summary.elapsed_seconds, " s; wrote ",
                  output_file_);
  }

private:
  /// Collective: throws ModelError when the ensemble diverged (a step too large for the step
  /// rule): its mean log density fell far below where it started, or became non-finite. The
  /// margin, max(1000, 100 d) nats, is far beyond the spread of a sample's log density (about
  /// √(d/2) for a Gaussian): a run that merely has not converged stays within it.
  void check_divergence(const SvgdRunSummary& summary) const {
    if (!std::isfinite(first_log_density_))
      return; // no iteration ran (a non-finite density is the engine's error)
    const double last = summary.last.mean_log_density;
    const double margin = std::max(1000.0, 100.0 * static_cast<double>(model_->dim()));
    if (std::isfinite(last) && last >= first_log_density_ - margin)
      return;
    std::string spread;
    if (reference_sd_.size())
      spread = "; its marginal sds are a " + spread_text() + " of the " + reference_name() + " sds";
    throw ModelError("svgd diverged: the ensemble's mean log density fell from " +
                     format("%.6g", first_log_density_) + " in the first iteration to " +
                     format("%.6g", last) + " at iteration " +
                     std::to_string(summary.last.iteration) + spread +
                     ": lower -svgd_step (it is " + format("%g", settings_.step_rule.step) +
                     " with the " + step_rule_name(settings_.step_rule.type) + " rule)");
  }

  /// The hessian_mixture kernel's precisions: the Hessian of −log p (exact where the model has
  /// one), in the sampled coordinates, with the absolute values of its eigenvalues (an anchor
  /// between two modes has negative curvature), raised to at least 1% of the largest and of the
  /// Laplace precision's largest: the kernel scales the step by Q⁻¹, which a floor near 0 (a
  /// saddle, a flat tail) would make unbounded.
  void set_mixture_precision() {
    RepairOptions repair;
    repair.absolute_values = true;
    if (fit_)
      repair.absolute_floor = kMixtureFloor * sampled_laplace_curvature();
    engine_->set_precision([this, repair](const ConstVectorRef& x) {
      const Model& model = sampled();
      return repair_hessian(negative_log_hessian(model, x, laplace_.fd_step), kMixtureFloor,
                            model.lower_bounds(), model.upper_bounds(), repair)
          .precision;
    });
  }

  /// The Laplace fit (when the coordinates or the start need it) and the engine's coordinates.
  void fit_coordinates() {
    const Index d = model_->dim();
    AffineMap map = AffineMap::identity(d);
    if (map_solver_) {
      fit_ = fit_laplace(*map_solver_, map_start(), laplace_);
      logger().info("svgd: MAP log p = ", fit_->map.log_density, " after ", fit_->map.iterations,
                    " TAO iterations (", fit_->map.reason, "); Laplace sds ", fit_->sd.minCoeff(),
                    " to ", fit_->sd.maxCoeff());
      map = whitening_map(*fit_, whitening_);
      if (reference_sd_.size() == 0 && check_spread_)
        reference_sd_ = fit_->sd;
    }
    coordinates_ = std::make_unique<AffineModel>(*model_, std::move(map));
  }

  /// SVGD samples the target itself without whitening (so the speed benchmarks measure the bare
  /// model), else the whitened model.
  const Model& sampled() const {
    return whitening_ == Whitening::None ? *model_ : static_cast<const Model&>(*coordinates_);
  }

  /// The largest eigenvalue of the Laplace precision in the sampled coordinates (1 when whitened
  /// by the full factor).
  double sampled_laplace_curvature() const {
    // The identity map without preconditioning: the precision as it is.
    const DenseMatrix p = coordinates_->map().pull_back_hessian(fit_->laplace.precision);
    return Eigen::SelfAdjointEigenSolver<DenseMatrix>(p).eigenvalues().maxCoeff();
  }

  /// Where the MAP search starts: the centre of the configured initial ensemble, or the origin
  /// moved into the support box.
  Vector map_start() const {
    const Index d = model_->dim();
    if (init_.type == InitType::Gaussian)
      return expand_per_coordinate(init_.mean, d, "init_mean");
    if (init_.type == InitType::Uniform)
      return 0.5 * (expand_per_coordinate(init_.lower, d, "init_lower") +
                    expand_per_coordinate(init_.upper, d, "init_upper"));
    const Vector lower = model_->lower_bounds(), upper = model_->upper_bounds();
    Vector x0 = Vector::Zero(d).cwiseMax(lower).cwiseMin(upper);
    for (Index i = 0; i < d; ++i)
      if (std::isfinite(lower(i)) && std::isfinite(upper(i)))
        x0(i) = 0.5 * (lower(i) + upper(i));
    return x0;
  }

  void initialise_particles() {
    if (!checkpoints_.restart.empty()) {
      read_svgd_checkpoint(checkpoints_.restart, *engine_, identity_);
      return;
    }
    const Partition& partition = engine_->partition();
    const Index d = model_->dim();
    Matrix x;
    if (init_.type == InitType::File) {
      H5File file(init_.file, H5File::Mode::Read, comm_);
      x = file.read_rows("/particles", partition);
      if (x.cols() != d)
        throw InputError("initial particles in '" + init_.file + "' have dimension " +
                         std::to_string(x.cols()) + ", the target has " + std::to_string(d));
      check_finite_rows(x, partition);
    } else if (init_.type == InitType::Laplace) {
      x = whitening_map(*fit_, Whitening::LaplaceFull).to_original(laplace_start(partition));
    } else {
      x = draw_initial_particles(init_, partition, d, seed_);
    }
    engine_->set_local_particles(whitening_ == Whitening::None ? x : coordinates_->to_whitened(x));
  }

  /// Collective: an initial particle with a NaN or infinity is the file's fault, not the model's.
  void check_finite_rows(const Matrix& x, const Partition& partition) const {
    long long first = std::numeric_limits<long long>::max(), any = 0;
    for (Index r = 0; r < x.rows() && first == std::numeric_limits<long long>::max(); ++r)
      if (!x.row(r).allFinite())
        first = partition.local_begin() + r;
    L0_MPI(MPI_Allreduce(&first, &any, 1, MPI_LONG_LONG, MPI_MIN, comm_));
    if (any != std::numeric_limits<long long>::max())
      throw InputError("initial particles in '" + init_.file + "': particle " +
                       std::to_string(any) + " has a non-finite coordinate");
  }

  /// This rank's rows of z ~ N(0, scale² I), the draws of the gaussian start for all N particles
  /// (every rank draws all, so the result does not depend on the rank count), moment-matched: made
  /// to have sample mean 0 and, when N > d, sample covariance exactly scale² I. A coordinate-wise
  /// kernel moves each whitened coordinate on its own (exactly so for a Gaussian target), so the
  /// spurious correlations of iid draws, ~1/√N, would stay and spread into the marginals in x.
  Matrix laplace_start(const Partition& partition) const {
    const Index n = partition.n_global(), d = model_->dim();
    InitConfig standard;
    standard.mean = {0.0};
    Matrix z = draw_initial_particles(standard, Partition(n, 0, 1), d, seed_);
    z.rowwise() -= z.colwise().mean();
    if (n > d + 1) {
      const DenseMatrix covariance = z.transpose() * z / (n - 1.0);
      const Eigen::LLT<DenseMatrix> llt(covariance);
      if (llt.info() == Eigen::Success) // z ← z L⁻ᵀ: sample covariance L⁻¹ C L⁻ᵀ = I
        z = llt.matrixL().solve(z.transpose()).transpose();
    }
    const Vector scale = expand_per_coordinate(init_.scale, d, "init_scale");
    z.array().rowwise() *= scale.transpose().array();
    return z.middleRows(partition.local_begin(), partition.n_local());
  }

  Vector read_reference_sd() const {
    H5File file(reference_file_, H5File::Mode::Read, comm_);
    const Matrix x = file.read_matrix("/particles");
    if (x.cols() != model_->dim() || x.rows() < 2)
      throw InputError("reference '" + reference_file_ + "': /particles is " +
                       std::to_string(x.rows()) + " x " + std::to_string(x.cols()) +
                       ", expected at least 2 rows of dimension " + std::to_string(model_->dim()));
    const Vector sd = column_sd(x);
    if (!(sd.array() > 0.0).all())
      throw InputError("reference '" + reference_file_ +
                       "': a coordinate of /particles has zero spread");
    return sd;
  }

  std::string reference_name() const { return reference_file_.empty() ? "Laplace" : "reference"; }

  /// Collective: the ensemble's marginal sds against the reference's.
  SpreadRatio spread() const {
    return spread_ratio(ensemble_sd(*engine_, coordinates_->map()), reference_sd_);
  }
  std::string spread_text() const { return describe(spread()); }

  /// Collective: /diagnostics (sd ratio, KSD convergence) and /laplace in the output, and the
  /// warning of a collapsed, over-dispersed or unconverged ensemble.
  void write_diagnostics(H5File& h5, const KsdTrace& ksd, const SvgdRunSummary& summary) const {
    h5.create_group("/diagnostics");
    h5.write_attribute("/diagnostics", "coordinates", std::string(whitening_name(whitening_)));
    h5.write_attribute("/diagnostics", "kernel", std::string(kernel_name(settings_.kernel.type)));
    if (fit_)
      write_laplace(h5);
    std::vector<std::string> advice;
    if (reference_sd_.size())
      spread_advice(h5, advice);
    const Index settled = iterations_to_converge(ksd, kKsdBand);
    h5.write_attribute("/diagnostics", "ksd_settled_at", static_cast<long long>(settled));
    if (ksd.ksd.size() >= 4 && (settled < 0 || 4 * settled > 3 * ksd.iterations.back()))
      advice.push_back("the KSD had not settled within +-25% of its final level before the last "
                       "quarter of the run (from iteration " +
                       std::to_string(settled) + "): run more iterations or raise -svgd_step");
    // The plain rule's steps vanish at a fixed point; steps still a sizeable fraction of the spread
    // mean an unstable step or an unconverged run (AdaGrad's normalised steps never vanish).
    const double moving = summary.last.relative_step_norm;
    h5.write_attribute("/diagnostics", "final_relative_step", moving);
    if (settings_.step_rule.type == StepRuleType::Plain && summary.iterations > 0 &&
        moving > kMoving)
      advice.push_back("the particles still moved by " + format("%.3g", moving) +
                       " of the ensemble's spread in the last iteration: lower -svgd_step (the "
                       "plain rule is unstable when the step is too large for the curvature) or "
                       "run more iterations");
    std::string warning;
    for (const std::string& a : advice)
      warning += (warning.empty() ? "" : "; ") + a;
    h5.write_attribute("/diagnostics", "warning", warning);
    if (!warning.empty())
      logger().warning("svgd: ", warning);
  }

  void write_laplace(H5File& h5) const {
    h5.write_vector("/laplace/mode", fit_->map.x);
    h5.write_vector("/laplace/sd", fit_->sd);
    h5.write_matrix("/laplace/covariance", fit_->laplace.covariance);
    h5.write_attribute("/laplace", "log_density", fit_->map.log_density);
    h5.write_attribute("/laplace", "map_converged", static_cast<long long>(fit_->map.converged));
    h5.write_attribute("/laplace", "clipped_eigenvalues",
                       static_cast<long long>(fit_->laplace.n_clipped));
  }

  /// Collective: the sd ratio into /diagnostics, and the verdict on it.
  void spread_advice(H5File& h5, std::vector<std::string>& advice) const {
    const SpreadRatio r = spread();
    h5.write_vector("/diagnostics/reference_sd", reference_sd_);
    h5.write_vector("/diagnostics/sd_ratio", r.ratio);
    h5.write_attribute("/diagnostics", "reference", reference_name());
    h5.write_attribute("/diagnostics", "sd_ratio_median", r.median);
    h5.write_attribute("/diagnostics", "sd_ratio_min", r.min);
    h5.write_attribute("/diagnostics", "sd_ratio_max", r.max);
    logger().info("svgd: marginal sds / ", reference_name(), " sds: ", describe(r));
    const std::string sds =
        "its marginal sds are a " + describe(r) + " of the " + reference_name() + " sds";
    if (r.median < kCollapsed)
      advice.push_back("the ensemble has collapsed: " + sds + "; " + collapse_remedy());
    else if (r.median > kOverdispersed && !reference_file_.empty())
      advice.push_back("the ensemble is wider than the reference: " + sds +
                       "; run more iterations or lower -init_scale");
  }

  /// What to change against a collapsed ensemble, given what this run used.
  std::string collapse_remedy() const {
    std::string remedy;
    const auto add = [&remedy](const std::string& s) {
      remedy += (remedy.empty() ? "" : ", ") + s;
    };
    if (whitening_ == Whitening::None)
      add("whiten with -svgd_precondition laplace_full");
    if (settings_.kernel.type != KernelType::RbfCoordinate)
      add("use the coordinate-wise kernel -svgd_kernel rbf_coord");
    if (whitening_ != Whitening::None && settings_.step_rule.type != StepRuleType::Plain)
      add("use -svgd_step_rule plain (AdaGrad's per-coordinate normalisation biases the fixed "
          "point)");
    add("use more particles or more iterations");
    return remedy;
  }

  MPI_Comm comm_;
  std::unique_ptr<TargetBuilder> target_;
  SvgdSettings settings_;
  Whitening whitening_ = Whitening::LaplaceFull;
  bool check_spread_ = true;
  LaplaceSettings laplace_;
  InitConfig init_;
  uint64_t seed_ = 1;
  std::string output_file_, reference_file_;
  CheckpointSettings checkpoints_;
  Index output_every_ = 0;
  double first_log_density_ = std::numeric_limits<double>::quiet_NaN();

  std::unique_ptr<Model> model_;
  std::unique_ptr<MapSolver> map_solver_;
  std::optional<LaplaceFit> fit_;
  std::unique_ptr<AffineModel> coordinates_;
  Vector reference_sd_;
  RunIdentity identity_;
  std::unique_ptr<SvgdEngine> engine_;
};

} // namespace

std::unique_ptr<Task> make_svgd_task(MPI_Comm comm) {
  return std::make_unique<SvgdTask>(comm);
}

} // namespace l0svgd
