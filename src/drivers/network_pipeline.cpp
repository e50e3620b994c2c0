#include "l0svgd/drivers/network_pipeline.hpp"

#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/input_files.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/drivers/network_metrics.hpp"
#include "l0svgd/io/hmc_checkpoint.hpp"
#include "l0svgd/io/hmc_output.hpp"
#include "l0svgd/io/network_output.hpp"
#include "l0svgd/io/output_file.hpp"
#include "l0svgd/io/svgd_checkpoint.hpp"
#include "l0svgd/mcmc/hmc.hpp"
#include "l0svgd/models/affine_model.hpp"
#include "l0svgd/optim/l0_sparsifier.hpp"
#include "l0svgd/optim/laplace.hpp"
#include "l0svgd/optim/map.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/svgd/convergence.hpp"
#include "l0svgd/svgd/engine.hpp"
#include "l0svgd/svgd/initialization.hpp"
#include "l0svgd/svgd/kernel.hpp"
#include "l0svgd/svgd/projected.hpp"

namespace l0svgd {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

enum class Method { L0Svgd, L2Svgd, Psvgd, Hmc };

Method parse_method(const std::string& name) {
  if (name == "l0svgd")
    return Method::L0Svgd;
  if (name == "l2svgd")
    return Method::L2Svgd;
  if (name == "psvgd")
    return Method::Psvgd;
  return Method::Hmc;
}

/// Wall time of each phase, in seconds.
struct PhaseTimes {
  double l0 = 0, map = 0, sampling = 0, wall = 0;
};

/// The sampled rows (particles or draws) of this rank, in the original coordinates.
struct Samples {
  Matrix local;
  std::unique_ptr<Partition> partition;
  Index iterations = 0;
  std::optional<HmcRecord> hmc;
};

/// Every sample's predictions on the training and test points: this rank's rows and all of them.
struct PushForward {
  Matrix local_train, local_test, all_train, all_test, all_theta;
};

class NetworkPipeline : public Task {
public:
  NetworkPipeline(MPI_Comm comm, std::unique_ptr<NetworkApplication> application)
      : comm_(comm), app_(std::move(application)) {}

  void configure(Options& options) override {
    const bool all = options.help_mode(); // help lists the options of every method
    app_->configure(options);
    method_ =
        parse_method(options.get_choice("uq_method", "l0svgd", {"l0svgd", "l2svgd", "psvgd", "hmc"},
                                        "uncertainty quantification method"));
    if (method_ == Method::Hmc || all)
      reduced_hmc_ =
          options.get_choice("uq_hmc_model", "reduced", {"reduced", "dense"},
                             "model HMC samples: after L0 (reduced) or dense") == "reduced";
    uses_l0_ = method_ == Method::L0Svgd || (method_ == Method::Hmc && reduced_hmc_);
    if (uses_l0_ || all)
      l0_settings_ = L0Settings::configure(options);
    if (method_ != Method::Hmc || all)
      configure_svgd_phase(options);
    if (method_ == Method::Psvgd || all)
      projection_ = configure_projection(options);
    if (method_ == Method::Hmc || all)
      hmc_settings_ = configure_hmc(options);
    configure_start(options);
    copies_ = options.get_int("uq_predictive_copies", 10, 1, 100000,
                              "noise draws per particle or draw in the posterior predictive");
    seed_ = static_cast<uint64_t>(
        options.get_int("seed", 1, 0, PETSC_MAX_INT, "seed of every random draw of the run"));
    output_file_ =
        options.get_string("output_file", "out/" + app_->name() + ".h5", "HDF5 result file");
    checkpoints_ = configure_checkpoints(options, output_file_);
    reference_file_ = options.get_path(
        "uq_reference", "",
        "result file of a reference run on the same data (e.g. HMC) whose push-forward this run's "
        "is compared with (Wasserstein per test point); empty: no comparison");
  }

  void setup() override {
    app_->load();
    dense_model_ = app_->dense_model();
    // Created for every method so that the -map_tao_* options are read and checked before the run;
    // the reduced model's solver, built once the support is known, reads the same options.
    dense_map_ = std::make_unique<MapSolver>(*dense_model_, "map_");
    if (uses_l0_) {
      l0_problem_ = app_->l0_problem();
      sparsifier_ = std::make_unique<L0Sparsifier>(*l0_problem_, l0_settings_, comm_, "l0_");
    }
    if (!reference_file_.empty())
      reference_test_ = read_reference_pushforward(reference_file_, app_->test_points(), comm_);
    OutputFile::check_writable(output_file_, comm_);
    check_checkpoint_paths(checkpoints_, output_file_, comm_);
  }

  void run() override {
    const auto start = Clock::now();
    PhaseTimes times;
    if (uses_l0_)
      times.l0 = timed([&] { sparsify(); });
    times.map = timed([&] { find_map(); });
    const NetworkModel& model = sampled_model();
    logger().info(app_->name(), ": ", method_name(), " on ", model.dim(), " parameters (",
                  app_->data_description(), "), MAP log p = ", map_.log_density, " after ",
                  map_.iterations, " iterations (", map_.reason, ")");
    Samples samples;
    times.sampling = timed([&] { samples = sample(model); });
    times.wall = seconds_since(start);
    const PushForward pf = push_forward(model, samples);
    const PredictiveMetrics metrics = measure(model, pf);
    const PushForwardMixing mixing = pushforward_mixing(samples, pf);
    write(model, samples, pf, metrics, mixing, times);
    report(model, samples, metrics, mixing, times);
  }

private:
  void configure_svgd_phase(Options& options) {
    // The kernel by dimension (resolve_kernel: IMQ below d = 5, one RBF per coordinate from d = 5),
    // as -task svgd: the scalar RBF collapses the spread of a reduced network's dozen parameters
    // (push-forward sds a quarter of HMC's on mechanochemistry), rbf_coord keeps it.
    SvgdSettings defaults;
    defaults.kernel.type = KernelType::Auto;
    svgd_settings_ = configure_svgd(options, defaults);
    require_input(svgd_settings_.kernel.type != KernelType::HessianMixture,
                  "-svgd_kernel hessian_mixture is available with -task svgd only (the network "
                  "models have no Hessian but finite differences)");
    laplace_scaling_ =
        options.get_choice("uq_scaling", "laplace", {"laplace", "none"},
                           "SVGD coordinates: scaled by the diagonal Laplace standard deviations "
                           "at the MAP (-laplace_* options), or as they are") == "laplace";
    if (laplace_scaling_ || options.help_mode())
      laplace_.configure(options);
    ksd_band_ = options.get_real("uq_ksd_band", 0.1, 0.0, 1e3,
                                 "SVGD has converged once its KSD stays within +-band x its "
                                 "final level (set -svgd_ksd_every to sample the KSD often)");
  }

  void configure_start(Options& options) {
    // Scaled SVGD starts from the diagonal Laplace approximation itself; unscaled coordinates
    // have no natural unit, so particles and chains start close to the MAP.
    const bool scaled_svgd = method_ != Method::Hmc && laplace_scaling_;
    init_scale_ = options.get_real("uq_init_scale", scaled_svgd ? 1.0 : 0.01, 0.0, 1e3,
                                   "standard deviation of the Gaussian around the MAP that starts "
                                   "the particles or chains, in units of the Laplace standard "
                                   "deviations with -uq_scaling laplace (default 1 there, "
                                   "else 0.01)",
                                   true);
  }

  template <class F> static double timed(F&& f) {
    const auto t = Clock::now();
    f();
    return seconds_since(t);
  }

  bool samples_reduced() const {
    return method_ == Method::L0Svgd || (method_ == Method::Hmc && reduced_hmc_);
  }
  const NetworkModel& sampled_model() const {
    return samples_reduced() ? *reduced_model_ : *dense_model_;
  }
  bool scaled() const { return method_ != Method::Hmc && laplace_scaling_; }

  /// The L0 path from the application's initial network, and the reduced model of its selected
  /// stage. Collective.
  void sparsify() {
    l0_ = sparsifier_->run(app_->initial_network());
    const auto& best = l0_.best();
    const Index n = l0_problem_->n_weights();
    reduced_model_ = app_->reduced_model(best.support(n));
    logger().info(app_->name(), ": L0 selected lambda ", best.lambda, " with ", best.active, " of ",
                  n, " weights, training R^2 ", best.r_squared,
                  l0_.threshold_met ? "" : " (R^2 threshold not met: lowest BIC)");
  }

  /// The MAP of the sampled model: from the selected L0 stage's surviving weights for the reduced
  /// model, from the initial network for the dense one. Every rank solves the same problem.
  void find_map() {
    if (samples_reduced()) {
      map_ = MapSolver(*reduced_model_, "map_")
                 .solve(reduced_model_->with_noise_parameters(l0_.best().surviving_theta));
    } else {
      map_ = dense_map_->solve(dense_model_->with_noise_parameters(app_->initial_network()));
    }
  }

  /// 1/sqrt of the diagonal of the Hessian of −log p at the MAP (finite differences of the
  /// gradient, -laplace_fd_step), the curvature floored at -laplace_eigenvalue_floor times the
  /// largest so that a flat direction gets a large but finite scale. Every rank computes the same.
  Vector laplace_scales(const Model& model) const {
    const Vector curvature = negative_log_hessian(model, map_.x, laplace_.fd_step).diagonal();
    const double floor = laplace_.eigenvalue_floor * std::max(curvature.maxCoeff(), 1e-300);
    const Vector scales = curvature.cwiseMax(floor).cwiseSqrt().cwiseInverse();
    logger().info(app_->name(), ": SVGD in Laplace-scaled coordinates, scales ", scales.minCoeff(),
                  " to ", scales.maxCoeff());
    return scales;
  }

  /// The UQ method's samples in the original coordinates. SVGD runs in coordinates scaled by the
  /// Laplace standard deviations at the MAP (AffineModel); HMC adapts its own metric. Collective.
  Samples sample(const NetworkModel& model) {
    if (method_ == Method::Hmc)
      return sample_hmc(model);
    const Index d = model.dim();
    const AffineModel scaled_model(
        model, AffineMap::scaling(scaled() ? laplace_scales(model) : Vector(Vector::Ones(d)),
                                  Vector::Zero(d)));
    const InitConfig init =
        start_around(scaled_model.to_whitened(map_.x.transpose()).row(0).transpose());
    Samples s;
    const Model& sampled = scaled() ? static_cast<const Model&>(scaled_model) : model;
    SvgdSettings settings = svgd_settings_;
    settings.kernel.type = resolve_kernel(settings.kernel.type, d);
    const auto run_engine = [&](auto& engine) {
      run_svgd(engine, init);
      s.local = scaled_model.to_original(engine.local_particles());
      s.partition = std::make_unique<Partition>(engine.partition());
      s.iterations = engine.iteration();
    };
    if (method_ == Method::Psvgd) {
      ProjectedSvgdEngine engine(sampled, settings, projection_, comm_);
      run_engine(engine);
      subspace_rank_ = engine.subspace_rank();
    } else {
      SvgdEngine engine(sampled, settings, comm_);
      run_engine(engine);
    }
    return s;
  }

  /// The Gaussian of -uq_init_scale around `mean` (the MAP in the sampler's coordinates).
  InitConfig start_around(const Vector& mean) const {
    InitConfig init;
    init.mean.assign(mean.data(), mean.data() + mean.size());
    init.scale = {init_scale_};
    return init;
  }

  /// HMC's chains on the sampled model, started around the MAP. Collective.
  Samples sample_hmc(const NetworkModel& model) {
    HmcSampler sampler(model, hmc_settings_, comm_);
    Samples s;
    s.hmc = gather_hmc_record(sampler, run_hmc(sampler, start_around(map_.x)));
    // Draws are stored in rows partitioned evenly, whatever chain they come from.
    s.partition = std::make_unique<Partition>(s.hmc->draws.rows(), comm_);
    s.local = s.hmc->draws.middleRows(s.partition->local_begin(), s.partition->n_local());
    s.iterations = hmc_settings_.warmup + hmc_settings_.samples;
    return s;
  }

  /// Collective: every sample's predictions on the training and test points, gathered.
  PushForward push_forward(const NetworkModel& model, const Samples& s) const {
    const LogEventScope event(log_event("L0PushForward"));
    PushForward pf;
    pf.local_train = model.predict(s.local, app_->train_points());
    pf.local_test = model.predict(s.local, app_->test_points());
    pf.all_train = gather(pf.local_train, *s.partition);
    pf.all_test = gather(pf.local_test, *s.partition);
    pf.all_theta = gather(s.local, *s.partition);
    return pf;
  }

  /// Collective: HMC's mixing judged on the push-forward (drivers/network_metrics); nothing for
  /// SVGD.
  PushForwardMixing pushforward_mixing(const Samples& s, const PushForward& pf) const {
    if (!s.hmc)
      return {};
    const LogEventScope event(log_event("L0PushForwardMixing"));
    return l0svgd::pushforward_mixing(pf.all_test, s.hmc->n_chains, s.hmc->n_draws, comm_);
  }

  /// Collective: the posterior predictive's accuracy on the test points (drivers/network_metrics).
  PredictiveMetrics measure(const NetworkModel& model, const PushForward& pf) const {
    const LogEventScope event(log_event("L0PredictiveMetrics"));
    return predictive_metrics(model, app_->test_points(), pf.all_theta, pf.all_test, copies_, seed_,
                              reference_test_, comm_);
  }

  /// Collective: the result file (layout in network_pipeline.hpp).
  void write(const NetworkModel& model, const Samples& s, const PushForward& pf,
             const PredictiveMetrics& metrics, const PushForwardMixing& mixing,
             const PhaseTimes& times) const {
    const LogEventScope event(log_event("L0WriteResult"));
    OutputFile out(output_file_, comm_);
    H5File& h5 = out.h5();
    write_run_metadata(h5, app_->name());
    h5.write_attribute("/", "method", method_name());
    h5.write_attribute("/", "data", app_->data_description());
    h5.write_rows("/particles", s.local, *s.partition);
    h5.write_strings("/parameter_names", model.parameter_names());
    write_prediction_points(h5, "/data/train", app_->train_points());
    write_prediction_points(h5, "/data/test", app_->test_points());
    write_pushforward(h5, "/pushforward/train", pf.local_train, *s.partition, pf.all_train);
    write_pushforward(h5, "/pushforward/test", pf.local_test, *s.partition, pf.all_test);
    if (uses_l0_) {
      write_l0_path(h5, "/l0", l0_, app_->dense_weight_names());
      h5.write_vector("/map/reduced", map_.x);
    }
    if (!samples_reduced())
      h5.write_vector("/map/dense", map_.x);
    if (s.hmc) {
      write_hmc_posterior(h5, *s.hmc, model.parameter_names());
      h5.write_vector("/hmc/pushforward_rhat", mixing.rhat);
      h5.write_attribute("/hmc", "pushforward_rhat_max", mixing.worst_rhat());
      if (mixing.ess.size() > 0) {
        h5.write_vector("/hmc/pushforward_ess", mixing.ess);
        h5.write_attribute("/hmc", "pushforward_ess_min", mixing.least_ess());
      }
    }
    write_ksd_trace(h5);
    write_run_metrics(h5, model, s, times);
    write_predictive_metrics(h5, metrics, reference_file_);
    out.commit();
  }

  void write_ksd_trace(H5File& h5) const {
    if (ksd_.ksd.empty())
      return;
    h5.create_group("/svgd");
    h5.write_vector("/svgd/ksd_iteration",
                    Eigen::Map<const Eigen::Matrix<Index, Eigen::Dynamic, 1>>(
                        ksd_.iterations.data(), static_cast<Index>(ksd_.iterations.size()))
                        .cast<double>());
    h5.write_vector("/svgd/ksd",
                    Eigen::Map<const Vector>(ksd_.ksd.data(), static_cast<Index>(ksd_.ksd.size())));
  }

  void write_run_metrics(H5File& h5, const NetworkModel& model, const Samples& s,
                         const PhaseTimes& times) const {
    h5.create_group("/metrics");
    h5.write_attribute("/metrics", "active_parameters", static_cast<long long>(model.dim()));
    h5.write_attribute("/metrics", "wall_seconds", times.wall);
    h5.write_attribute("/metrics", "l0_seconds", times.l0);
    h5.write_attribute("/metrics", "map_seconds", times.map);
    h5.write_attribute("/metrics", "sampling_seconds", times.sampling);
    h5.write_attribute("/metrics", "iterations", static_cast<long long>(s.iterations));
    h5.write_attribute("/metrics", "seconds_per_iteration",
                       s.iterations > 0 ? times.sampling / static_cast<double>(s.iterations) : 0.0);
    const Index converged_at = iterations_to_converge(ksd_, ksd_band_);
    if (converged_at >= 0)
      h5.write_attribute("/metrics", "iterations_to_converge",
                         static_cast<long long>(converged_at));
    if (subspace_rank_ > 0)
      h5.write_attribute("/metrics", "subspace_rank", static_cast<long long>(subspace_rank_));
  }

  void report(const NetworkModel& model, const Samples& s, const PredictiveMetrics& m,
              const PushForwardMixing& mixing, const PhaseTimes& times) const {
    std::ostringstream line;
    line << app_->name() << ": " << method_name() << ", " << model.dim() << " active parameters, "
         << s.iterations << " iterations in " << times.sampling << " s (wall " << times.wall
         << " s); " << describe(m);
    const Index converged_at = iterations_to_converge(ksd_, ksd_band_);
    if (converged_at >= 0)
      line << "; KSD converged after " << converged_at << " iterations";
    if (mixing.rhat.size() > 0)
      line << "; push-forward max split-Rhat " << mixing.worst_rhat()
           << (mixing.ess.size() > 0 ? ", min bulk ESS " + std::to_string(mixing.least_ess()) : "");
    logger().info(line.str(), "; wrote ", output_file_);
  }

  /// The SVGD phase (SvgdEngine for l0svgd and l2svgd, ProjectedSvgdEngine for psvgd), which
  /// checkpoints (-checkpoint_every), resumes (-restart: L0 and the MAP are recomputed,
  /// identically, before it) and stops cleanly on a signal, as -task svgd does. Collective.
  template <class Engine> void run_svgd(Engine& engine, const InitConfig& init) {
    const Model& model = engine.model();
    const RunIdentity identity{model.name(),
                               model.dim(),
                               svgd_settings_.n_particles,
                               step_rule_name(svgd_settings_.step_rule.type),
                               seed_,
                               scaled() ? "laplace_diag" : "none",
                               run_defining_options()};
    if (checkpoints_.restart.empty()) {
      engine.set_local_particles(
          draw_initial_particles(init, engine.partition(), model.dim(), seed_));
    } else {
      check_svgd_checkpoint(checkpoints_.restart, identity, svgd_settings_.iterations, comm_);
      read_svgd_checkpoint(checkpoints_.restart, engine, identity);
      release_input_file(checkpoints_.restart);
    }
    const StopSignals stop_signals;
    const SvgdRunSummary summary = engine.run([&](const Engine& e, const IterationInfo& info) {
      if (info.has_ksd) {
        ksd_.iterations.push_back(info.iteration);
        ksd_.ksd.push_back(info.ksd);
      }
      if (checkpoints_.due(info.iteration))
        write_svgd_checkpoint(checkpoints_.file, e, identity);
    });
    if (summary.stop_signal) {
      write_svgd_checkpoint(checkpoints_.file, engine, identity);
      stop_after_checkpoint(checkpoints_, summary, svgd_settings_.iterations);
    }
  }

  /// The HMC phase, which checkpoints, resumes (L0 and the MAP recomputed before it) and stops on
  /// a signal as the SVGD phase does. Collective.
  HmcSummary run_hmc(HmcSampler& sampler, const InitConfig& init) {
    const Model& model = sampler.model();
    RunIdentity identity{model.name(), model.dim(), hmc_settings_.n_chains, "hmc",
                         seed_,        "none",      run_defining_options()};
    identity.count_name = "chains";
    const Matrix start = checkpoints_.restart.empty()
                             ? draw_initial_particles(init, sampler.partition(), model.dim(), seed_)
                             : Matrix();
    return run_hmc_with_checkpoints(sampler, start, checkpoints_, identity);
  }

  std::string method_name() const {
    switch (method_) {
    case Method::L0Svgd:
      return "l0svgd";
    case Method::L2Svgd:
      return "l2svgd";
    case Method::Psvgd:
      return "psvgd";
    case Method::Hmc:
      return reduced_hmc_ ? "hmc_reduced" : "hmc_dense";
    }
    return "";
  }

  Matrix gather(const Matrix& local, const Partition& p) const {
    Matrix all(p.n_global(), local.cols());
    RowGather(p, local.cols(), comm_).gather(local, all);
    return all;
  }

  MPI_Comm comm_;
  std::unique_ptr<NetworkApplication> app_;
  Method method_ = Method::L0Svgd;
  bool reduced_hmc_ = true;
  bool uses_l0_ = false;
  L0Settings l0_settings_;
  SvgdSettings svgd_settings_;
  ProjectionSettings projection_;
  HmcSettings hmc_settings_;
  LaplaceSettings laplace_;
  bool laplace_scaling_ = true;
  double init_scale_ = 0.01;
  Index copies_ = 10;
  uint64_t seed_ = 1;
  std::string output_file_;
  std::string reference_file_;
  CheckpointSettings checkpoints_;
  KsdTrace ksd_;
  double ksd_band_ = 0.1;

  Matrix reference_test_; // push-forward of the reference run on the test points (samples × points)
  std::unique_ptr<NetworkModel> dense_model_, reduced_model_;
  std::unique_ptr<MapSolver> dense_map_;
  std::unique_ptr<L0Problem> l0_problem_;
  std::unique_ptr<L0Sparsifier> sparsifier_;
  L0Result l0_;
  MapResult map_; // of the sampled model
  Index subspace_rank_ = 0;
};
} // namespace

std::unique_ptr<Task> make_network_task(MPI_Comm comm,
                                        std::unique_ptr<NetworkApplication> application) {
  return std::make_unique<NetworkPipeline>(comm, std::move(application));
}

} // namespace l0svgd
