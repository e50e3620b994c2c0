#include "l0svgd/drivers/hyperelastic_task.hpp"

#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/input_files.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/drivers/hyperelastic_metrics.hpp"
#include "l0svgd/io/hmc_checkpoint.hpp"
#include "l0svgd/io/hmc_output.hpp"
#include "l0svgd/io/hyperelastic_output.hpp"
#include "l0svgd/io/output_file.hpp"
#include "l0svgd/io/svgd_checkpoint.hpp"
#include "l0svgd/mcmc/hmc.hpp"
#include "l0svgd/models/affine_model.hpp"
#include "l0svgd/models/hyperelastic/l0_problem.hpp"
#include "l0svgd/models/hyperelastic/model.hpp"
#include "l0svgd/optim/laplace.hpp"
#include "l0svgd/optim/map.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/svgd/convergence.hpp"
#include "l0svgd/svgd/engine.hpp"
#include "l0svgd/svgd/initialization.hpp"
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

class HyperelasticTask : public Task {
public:
  explicit HyperelasticTask(MPI_Comm comm) : comm_(comm) {}

  void configure(Options& options) override {
    const bool all = options.help_mode(); // help lists the options of every method
    data_options_ = HyperelasticDataOptions::configure(options);
    settings_ = HyperelasticSettings::configure(options);
    method_ = parse_method(options.get_choice("hyper_method", "l0svgd",
                                              {"l0svgd", "l2svgd", "psvgd", "hmc"},
                                              "uncertainty quantification method"));
    if (method_ == Method::Hmc || all)
      reduced_hmc_ =
          options.get_choice("hmc_model", "reduced", {"reduced", "dense"},
                             "model HMC samples: after L0 (reduced) or dense") == "reduced";
    uses_l0_ = method_ == Method::L0Svgd || (method_ == Method::Hmc && reduced_hmc_);
    if (uses_l0_ || all)
      l0_settings_ = L0Settings::configure(options);
    if (method_ != Method::Hmc || all)
      svgd_settings_ = configure_svgd(options);
    require_input(svgd_settings_.kernel.type != KernelType::HessianMixture,
                  "-svgd_kernel hessian_mixture is available with -task svgd only (the "
                  "hyperelastic models have no Hessian but finite differences)");
    if (method_ == Method::Psvgd || all)
      projection_ = configure_projection(options);
    if (method_ == Method::Hmc || all)
      hmc_settings_ = configure_hmc(options);
    if (method_ != Method::Hmc || all)
      laplace_scaling_ =
          options.get_choice("hyper_scaling", "laplace", {"laplace", "none"},
                             "SVGD coordinates: scaled by the diagonal Laplace standard deviations "
                             "at the MAP, or as they are") == "laplace";
    // Scaled SVGD starts from the diagonal Laplace approximation itself; unscaled coordinates
    // have no natural unit, so particles and chains start close to the MAP.
    const bool scaled_svgd = method_ != Method::Hmc && laplace_scaling_;
    init_scale_ = options.get_real("hyper_init_scale", scaled_svgd ? 1.0 : 0.01, 0.0, 1e3,
                                   "standard deviation of the Gaussian around the MAP that starts "
                                   "the particles or chains, in units of the Laplace standard "
                                   "deviations with -hyper_scaling laplace (default 1 there, "
                                   "else 0.01)",
                                   true);
    copies_ = options.get_int("hyper_predictive_copies", 10, 1, 100000,
                              "noise draws per particle or draw in the posterior predictive");
    seed_ = static_cast<uint64_t>(
        options.get_int("seed", 1, 0, PETSC_MAX_INT, "seed of every random draw of the run"));
    output_file_ = options.get_string("output_file", "out/hyperelastic.h5", "HDF5 result file");
    checkpoints_ = configure_checkpoints(options, output_file_);
    reference_file_ = options.get_path(
        "hyper_reference", "",
        "result file of a reference run on the same data (e.g. HMC) whose push-forward this run's "
        "is compared with (Wasserstein per grid point); empty: no comparison");
    if (method_ != Method::Hmc || all)
      ksd_band_ = options.get_real("hyper_ksd_band", 0.1, 0.0, 1e3,
                                   "SVGD has converged once its KSD stays within +-band x its "
                                   "final level (set -svgd_ksd_every to sample the KSD often)");
  }

  void setup() override {
    data_ = load_hyperelastic_data(data_options_);
    dense_structure_ = settings_.dense_structure();
    dense_model_ = std::make_unique<HyperelasticModel>(dense_structure_, data_.train, settings_);
    // Created for every method so that the -map_tao_* options are read and checked before the run;
    // the reduced model's solver, built once the support is known, reads the same options.
    dense_map_ = std::make_unique<MapSolver>(*dense_model_, "map_");
    if (uses_l0_) {
      l0_problem_ = std::make_unique<HyperelasticL0Problem>(dense_structure_, data_.train);
      sparsifier_ = std::make_unique<L0Sparsifier>(*l0_problem_, l0_settings_, comm_, "l0_");
    }
    if (!reference_file_.empty())
      reference_test_ = read_reference_pushforward(reference_file_, data_.test, comm_);
    OutputFile::check_writable(output_file_, comm_);
    check_checkpoint_paths(checkpoints_, output_file_, comm_);
  }

  void run() override {
    const auto start = Clock::now();
    double l0_seconds = 0.0, map_seconds = 0.0;
    if (uses_l0_) {
      const auto t = Clock::now();
      sparsify();
      l0_seconds = seconds_since(t);
    }
    const bool sample_reduced =
        method_ == Method::L0Svgd || (method_ == Method::Hmc && reduced_hmc_);
    const auto t_map = Clock::now();
    if (sample_reduced) {
      Vector x0 = l0_.best().surviving_theta;
      if (reduced_model_->infers_sigma()) {
        x0.conservativeResize(x0.size() + 1);
        x0(x0.size() - 1) = settings_.log_sigma_prior_mean;
      }
      reduced_map_ = MapSolver(*reduced_model_, "map_").solve(x0);
    } else {
      dense_map_result_ = dense_map_->solve(dense_model_->initial_point(settings_.init_seed, 0));
    }
    map_seconds = seconds_since(t_map);
    const HyperelasticModel& model = sample_reduced ? *reduced_model_ : *dense_model_;
    const MapResult& map = sample_reduced ? reduced_map_ : dense_map_result_;
    logger().info("hyperelastic: ", method_name(), " on ", model.dim(), " parameters (",
                  data_.description, "), MAP log p = ", map.log_density, " after ", map.iterations,
                  " iterations (", map.reason, ")");

    // SVGD runs in coordinates scaled by the Laplace standard deviations at the MAP (see
    // AffineModel); HMC adapts its own diagonal metric.
    const bool scaled = method_ != Method::Hmc && laplace_scaling_;
    const AffineModel scaled_model(model,
                                   AffineMap::scaling(scaled ? laplace_scales(model, map.x)
                                                             : Vector(Vector::Ones(model.dim())),
                                                      Vector::Zero(model.dim())));
    const Model& sampled = scaled ? static_cast<const Model&>(scaled_model) : model;
    const Vector init_mean = scaled_model.to_whitened(map.x.transpose()).row(0).transpose();
    InitConfig init;
    init.mean.assign(init_mean.data(), init_mean.data() + init_mean.size());
    init.scale = {init_scale_};

    const auto t_sample = Clock::now();
    Matrix local;
    std::unique_ptr<Partition> partition;
    Index iterations = 0;
    std::optional<HmcRecord> hmc;
    if (method_ == Method::Hmc) {
      HmcSampler sampler(model, hmc_settings_, comm_);
      hmc = gather_hmc_record(sampler, run_hmc(sampler, init));
      // Draws are stored in rows partitioned evenly, whatever chain they come from.
      partition = std::make_unique<Partition>(hmc->draws.rows(), comm_);
      local = hmc->draws.middleRows(partition->local_begin(), partition->n_local());
      iterations = hmc_settings_.warmup + hmc_settings_.samples;
    } else {
      // Either engine: particles from `init` (or the checkpoint), the KSD trace, back to the
      // original coordinates.
      const auto run_engine = [&](auto& engine) {
        run_svgd(engine, init, scaled);
        local = scaled_model.to_original(engine.local_particles());
        partition = std::make_unique<Partition>(engine.partition());
        iterations = engine.iteration();
      };
      if (method_ == Method::Psvgd) {
        ProjectedSvgdEngine engine(sampled, svgd_settings_, projection_, comm_);
        run_engine(engine);
        subspace_rank_ = engine.subspace_rank();
      } else {
        SvgdEngine engine(sampled, svgd_settings_, comm_);
        run_engine(engine);
      }
    }
    const double sample_seconds = seconds_since(t_sample);
    const double wall_seconds = seconds_since(start);

    // Push-forward on the training points and the test grid, gathered for the statistics.
    const Matrix local_train = model.predict_stress(local, data_.train);
    const Matrix local_test = model.predict_stress(local, data_.test);
    const Matrix all_train = gather(local_train, *partition);
    const Matrix all_test = gather(local_test, *partition);
    const Matrix all_theta = gather(local, *partition);

    OutputFile out(output_file_, comm_);
    H5File& h5 = out.h5();
    write_run_metadata(h5, "hyperelastic");
    h5.write_attribute("/", "method", method_name());
    h5.write_attribute("/", "data", data_.description);
    h5.write_rows("/particles", local, *partition);
    h5.write_strings("/parameter_names", model.parameter_names());
    write_stress_points(h5, "/data/train", data_.train);
    write_stress_points(h5, "/data/test", data_.test);
    write_pushforward(h5, "/pushforward/train", local_train, *partition, all_train);
    write_pushforward(h5, "/pushforward/test", local_test, *partition, all_test);
    if (uses_l0_) {
      write_l0_path(h5, "/l0", l0_, dense_structure_);
      h5.write_vector("/map/reduced", reduced_map_.x);
    }
    if (!sample_reduced)
      h5.write_vector("/map/dense", dense_map_result_.x);
    if (hmc)
      write_hmc_posterior(h5, *hmc, model.parameter_names());

    const PredictiveMetrics m =
        predictive_metrics(model, data_.test, all_theta, all_test, copies_, seed_, reference_test_);
    if (!ksd_.ksd.empty()) {
      h5.create_group("/svgd");
      h5.write_vector("/svgd/ksd_iteration",
                      Eigen::Map<const Eigen::Matrix<Index, Eigen::Dynamic, 1>>(
                          ksd_.iterations.data(), static_cast<Index>(ksd_.iterations.size()))
                          .cast<double>());
      h5.write_vector("/svgd/ksd", Eigen::Map<const Vector>(ksd_.ksd.data(),
                                                            static_cast<Index>(ksd_.ksd.size())));
    }
    const Index converged_at = iterations_to_converge(ksd_, ksd_band_);
    h5.create_group("/metrics");
    h5.write_attribute("/metrics", "active_parameters", static_cast<long long>(model.dim()));
    h5.write_attribute("/metrics", "wall_seconds", wall_seconds);
    h5.write_attribute("/metrics", "l0_seconds", l0_seconds);
    h5.write_attribute("/metrics", "map_seconds", map_seconds);
    h5.write_attribute("/metrics", "sampling_seconds", sample_seconds);
    h5.write_attribute("/metrics", "iterations", static_cast<long long>(iterations));
    h5.write_attribute("/metrics", "seconds_per_iteration",
                       iterations > 0 ? sample_seconds / static_cast<double>(iterations) : 0.0);
    if (converged_at >= 0)
      h5.write_attribute("/metrics", "iterations_to_converge",
                         static_cast<long long>(converged_at));
    if (subspace_rank_ > 0)
      h5.write_attribute("/metrics", "subspace_rank", static_cast<long long>(subspace_rank_));
    write_predictive_metrics(h5, m, reference_file_);
    out.commit();

    std::ostringstream line;
    line << "hyperelastic: " << method_name() << ", " << model.dim() << " active parameters, "
         << iterations << " iterations in " << sample_seconds << " s (wall " << wall_seconds
         << " s); " << describe(m);
    if (converged_at >= 0)
      line << "; KSD converged after " << converged_at << " iterations";
    logger().info(line.str(), "; wrote ", output_file_);
  }

private:
  /// The SVGD phase (SvgdEngine for l0svgd and l2svgd, ProjectedSvgdEngine for psvgd), which
  /// checkpoints (-checkpoint_every), resumes (-restart: L0 and the MAP are recomputed,
  /// identically, before it) and stops cleanly on a signal, as -task svgd does. Collective.
  template <class Engine> void run_svgd(Engine& engine, const InitConfig& init, bool scaled) {
    const Model& model = engine.model();
    const RunIdentity identity{model.name(),
                               model.dim(),
                               svgd_settings_.n_particles,
                               step_rule_name(svgd_settings_.step_rule.type),
                               seed_,
                               scaled ? "laplace_diag" : "none",
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

  /// Collective only in that every rank computes the same thing: 1/sqrt of the diagonal of the
  /// Hessian of −log p at the MAP (finite differences of the gradient), with the curvature floored
  /// at 1e-12 of the largest so that a flat direction gets a large but finite scale.
  Vector laplace_scales(const Model& model, const Vector& map) const {
    const Vector curvature = negative_log_hessian(model, map, 1e-5).diagonal();
    const double floor = 1e-12 * std::max(curvature.maxCoeff(), 1e-300);
    const Vector scales = curvature.cwiseMax(floor).cwiseSqrt().cwiseInverse();
    logger().info("hyperelastic: SVGD in Laplace-scaled coordinates, scales ", scales.minCoeff(),
                  " to ", scales.maxCoeff());
    return scales;
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

  void sparsify() {
    const IcnnNetwork network(dense_structure_);
    l0_ = sparsifier_->run(l0_problem_->response().scale_to_data(
        network.initial_parameters(settings_.init_seed, 0), data_.train.stress));
    const auto& best = l0_.best();
    const auto reduction = dense_structure_.reduce(best.support(dense_structure_.n_parameters()));
    reduced_model_ =
        std::make_unique<HyperelasticModel>(reduction.structure, data_.train, settings_);
    logger().info("hyperelastic: L0 selected lambda ", best.lambda, " with ", best.active, " of ",
                  dense_structure_.n_parameters(), " weights, training R^2 ", best.r_squared,
                  l0_.threshold_met ? "" : " (R^2 threshold not met: lowest BIC)");
  }

  Matrix gather(const Matrix& local, const Partition& p) const {
    Matrix all(p.n_global(), local.cols());
    RowGather(p, local.cols(), comm_).gather(local, all);
    return all;
  }

  MPI_Comm comm_;
  HyperelasticDataOptions data_options_;
  HyperelasticSettings settings_;
  Method method_ = Method::L0Svgd;
  bool reduced_hmc_ = true;
  bool uses_l0_ = false;
  L0Settings l0_settings_;
  SvgdSettings svgd_settings_;
  ProjectionSettings projection_;
  HmcSettings hmc_settings_;
  bool laplace_scaling_ = true;
  double init_scale_ = 0.01;
  Index copies_ = 10;
  uint64_t seed_ = 1;
  std::string output_file_;
  std::string reference_file_;
  CheckpointSettings checkpoints_;
  KsdTrace ksd_;
  double ksd_band_ = 0.1;

  HyperelasticDataset data_;
  Matrix reference_test_; // push-forward of the reference run on the test grid (samples × points)
  IcnnStructure dense_structure_;
  std::unique_ptr<HyperelasticModel> dense_model_, reduced_model_;
  std::unique_ptr<MapSolver> dense_map_;
  std::unique_ptr<HyperelasticL0Problem> l0_problem_;
  std::unique_ptr<L0Sparsifier> sparsifier_;
  L0Result l0_;
  MapResult reduced_map_, dense_map_result_;
  Index subspace_rank_ = 0;
};

} // namespace

std::unique_ptr<Task> make_hyperelastic_task(MPI_Comm comm) {
  return std::make_unique<HyperelasticTask>(comm);
}

} // namespace l0svgd
