#include "l0svgd/drivers/mixture_tasks.hpp"

#include <chrono>
#include <cmath>
#include <sstream>
#include <utility>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/input_files.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/drivers/pushforward.hpp"
#include "l0svgd/io/mixture_output.hpp"
#include "l0svgd/io/output_file.hpp"
#include "l0svgd/io/vi_checkpoint.hpp"
#include "l0svgd/metrics/exact_density.hpp"
#include "l0svgd/metrics/jsd.hpp"
#include "l0svgd/models/boxed_model.hpp"
#include "l0svgd/models/gmm.hpp"
#include "l0svgd/models/target_registry.hpp"
#include "l0svgd/optim/gmm_vi.hpp"
#include "l0svgd/optim/laplace_mixture.hpp"
#include "l0svgd/optim/map.hpp"
#include "l0svgd/optim/multistart.hpp"
#include "l0svgd/svgd/initialization.hpp"

namespace l0svgd {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// What every task of this file shares: the target (optionally seen through a search box), the
/// output file and the reference used to measure a mixture.
class MixtureTaskBase : public Task {
public:
  MixtureTaskBase(MPI_Comm comm, const char* name) : comm_(comm), name_(name) {}

  void configure(Options& options) override {
    target_ = configure_target(options, "shear_frame");
    box_lower_ = options.get_real_array(
        "search_lower", {},
        "search box lower bounds (one value or d) for targets without a bounded support; default "
        "for a target with an exact sampler: the range of 10000 exact draws, widened by half of it "
        "on each side");
    box_upper_ =
        options.get_real_array("search_upper", {}, "search box upper bounds (one value or d)");
    output_file_ =
        options.get_string("output_file", std::string("out/") + name_ + ".h5", "HDF5 result file");
    n_samples_ = options.get_int("output_samples", 2000, 0, PETSC_MAX_INT,
                                 "draws from the final mixture stored in /samples");
    seed_ = static_cast<uint64_t>(
        options.get_int("seed", 1, 0, PETSC_MAX_INT, "seed of the stored samples"));
    reference_ = options.get_choice("reference", "auto", {"auto", "grid", "target", "none"},
                                    "JSD reference: grid (2-D quadrature), target (a target with "
                                    "an exact sampler: gmm, gmm_synthetic, sas_mixture), none; "
                                    "auto picks one if possible");
    grid_n_ = options.get_int("reference_grid", 200, 4, 4000, "grid intervals per axis (even)");
    reference_draws_ =
        options.get_int("reference_samples", 4000, 10, 10000000,
                        "Monte Carlo draws per density of a JSD against an exactly sampled target");
    pushforward_set_ = options.is_set("pushforward_draws") || options.is_set("pushforward_level");
    pushforward_.configure(options);
  }

  void setup() override {
    model_ = target_->build(comm_);
    std::unique_ptr<NormalisedDensity> sampler = exact_sampler(*model_);
    if (!box_lower_.empty() || !box_upper_.empty()) {
      const Vector lower = expand_per_coordinate(box_lower_, model_->dim(), "search_lower");
      const Vector upper = expand_per_coordinate(box_upper_, model_->dim(), "search_upper");
      boxed_ = std::make_unique<BoxedModel>(*model_, lower, upper);
    } else if (sampler &&
               !(model_->lower_bounds().allFinite() && model_->upper_bounds().allFinite())) {
      const auto [lower, upper] = sampled_search_box(*sampler, kSearchBoxDraws, seed_);
      logger().info("search box from ", kSearchBoxDraws, " exact draws of the target: [",
                    lower.transpose(), "] to [", upper.transpose(), "]");
      boxed_ = std::make_unique<BoxedModel>(*model_, lower, upper);
    }
    choose_reference(std::move(sampler));
    predictive_ = dynamic_cast<const Predictive*>(model_.get());
    require_input(predictive_ || !pushforward_set_,
                  "options -pushforward_draws/-pushforward_level: target '" + model_->name() +
                      "' predicts no quantities, so there is no posterior predictive");
    OutputFile::check_writable(output_file_, comm_);
  }

protected:
  const Model& model() const { return boxed_ ? *boxed_ : *model_; }

  /// JSD of `q` from the reference (NaN value if there is none). Collective.
  JsdEstimate distance(const GaussianMixture& q) const {
    if (grid_)
      return grid_->jsd(q);
    if (exact_)
      return jsd_monte_carlo(*exact_, q, reference_draws_, seed_ + 1, comm_);
    return {std::nan(""), std::nan("")};
  }
  bool has_reference() const { return grid_ || exact_; }

  /// Collective: the posterior predictive under the reference (if any) and each named mixture, for
  /// a target with predicted quantities (see drivers/pushforward.hpp).
  void
  write_predictive(H5File& h5,
                   const std::vector<std::pair<std::string, const GaussianMixture*>>& mixtures) {
    if (!predictive_)
      return;
    PushforwardSource reference{"reference", {}};
    if (grid_)
      reference.draw = [this](uint64_t seed, RngStream stream, Index first, MatrixRef out) {
        grid_->sample(seed, stream, first, out);
      };
    else if (exact_)
      reference.draw = [this](uint64_t seed, RngStream stream, Index first, MatrixRef out) {
        exact_->sample(seed, stream, first, out);
      };
    std::vector<PushforwardSource> sources;
    for (const auto& [name, mixture] : mixtures)
      sources.push_back(
          {name, [mixture](uint64_t seed, RngStream stream, Index first, MatrixRef out) {
             mixture->sample(seed, stream, first, out);
           }});
    l0svgd::write_pushforward(h5, *predictive_, model().dim(), pushforward_,
                              reference.draw ? &reference : nullptr, sources, seed_ + 2, comm_);
  }

  /// Collective: the grid reference (nodes and normalised log density) for plots, or
  /// -output_samples exact draws of a target with an exact sampler.
  void write_reference(H5File& h5) const {
    if (exact_ && n_samples_ > 0)
      write_density_samples(h5, *exact_, n_samples_, seed_, "/reference/samples",
                            RngStream::Metrics);
    if (!grid_)
      return;
    h5.write_matrix("/reference/grid_nodes", grid_->nodes());
    h5.write_vector("/reference/grid_log_density", grid_->log_density());
    h5.write_attribute("/reference", "log_normaliser", grid_->log_normaliser());
  }

  MPI_Comm comm_;
  const char* name_;
  std::string output_file_;
  Index n_samples_ = 0;
  uint64_t seed_ = 1;

private:
  /// The target's exact sampler (gmm, gmm_synthetic, sas_mixture), or none.
  static std::unique_ptr<NormalisedDensity> exact_sampler(const Model& target) {
    if (const auto* gmm = dynamic_cast<const GaussianMixtureModel*>(&target))
      return std::make_unique<GaussianMixture>(to_gaussian_mixture(*gmm));
    if (const auto* exact = dynamic_cast<const ExactTarget*>(&target))
      return std::make_unique<ExactTargetDensity>(target, *exact);
    return nullptr;
  }

  void choose_reference(std::unique_ptr<NormalisedDensity> sampler) {
    const Vector lower = model().lower_bounds(), upper = model().upper_bounds();
    const bool boxed = lower.allFinite() && upper.allFinite();
    std::string choice = reference_;
    if (choice == "auto")
      choice = sampler ? "target" : (model().dim() == 2 && boxed ? "grid" : "none");
    if (choice == "target") {
      if (!sampler)
        throw InputError("option -reference target needs a target with an exact sampler (gmm, "
                         "gmm_synthetic, sas_mixture), this one is '" +
                         model_->name() + "'");
      exact_ = std::move(sampler);
    } else if (choice == "grid") {
      if (model().dim() != 2 || !boxed)
        throw InputError("option -reference grid needs a 2-D target with a bounded support or "
                         "-search_lower/-search_upper");
      grid_ = std::make_unique<GridPosterior>(model(), lower, upper, grid_n_, comm_);
    }
  }

  std::unique_ptr<TargetBuilder> target_;
  std::vector<double> box_lower_, box_upper_;
  std::string reference_;
  Index grid_n_ = 200, reference_draws_ = 4000;
  std::unique_ptr<Model> model_;
  std::unique_ptr<BoxedModel> boxed_;
  std::unique_ptr<GridPosterior> grid_;
  std::unique_ptr<NormalisedDensity> exact_;
  PushforwardSettings pushforward_;
  bool pushforward_set_ = false;
  const Predictive* predictive_ = nullptr;
};

class MapTask : public MixtureTaskBase {
public:
  explicit MapTask(MPI_Comm comm) : MixtureTaskBase(comm, "map") {}

  void configure(Options& options) override {
    MixtureTaskBase::configure(options);
    x0_ = options.get_real_array("map_x0", {},
                                 "start point (one value or d; default: box centre or 0)");
  }

  void setup() override {
    MixtureTaskBase::setup();
    solver_ = std::make_unique<MapSolver>(model(), "map_");
  }

  void run() override {
    const Index d = model().dim();
    Vector x0;
    if (!x0_.empty()) {
      x0 = expand_per_coordinate(x0_, d, "map_x0");
    } else {
      const Vector lo = model().lower_bounds(), hi = model().upper_bounds();
      x0 = Vector::Zero(d);
      for (Index i = 0; i < d; ++i)
        if (std::isfinite(lo(i)) && std::isfinite(hi(i)))
          x0(i) = 0.5 * (lo(i) + hi(i));
    }
    const MapResult r = solver_->solve(x0);
    logger().info("map: ", r.reason, " after ", r.iterations,
                  " iterations, log p = ", r.log_density);
    OutputFile out(output_file_, comm_);
    write_run_metadata(out.h5(), "map");
    out.h5().write_vector("/map/x", r.x);
    out.h5().write_strings("/parameter_names", model().parameter_names());
    out.h5().write_attribute("/map", "log_density", r.log_density);
    out.h5().write_attribute("/map", "gradient_norm", r.gradient_norm);
    out.h5().write_attribute("/map", "iterations", static_cast<long long>(r.iterations));
    out.h5().write_attribute("/map", "reason", r.reason);
    out.commit();
  }

private:
  std::vector<double> x0_;
  std::unique_ptr<MapSolver> solver_;
};

/// `laplace` and the warm start of `vi`: modes, Laplace components, NNLS weights.
class LaplaceTask : public MixtureTaskBase {
public:
  explicit LaplaceTask(MPI_Comm comm, const char* name = "laplace") : MixtureTaskBase(comm, name) {}

  void configure(Options& options) override {
    MixtureTaskBase::configure(options);
    multistart_settings_.configure(options);
    weight_settings_.configure(options);
  }

  void run() override {
    const auto start = Clock::now();
    find_laplace_mixture();
    const JsdEstimate jsd = distance(laplace_->mixture);
    OutputFile out(output_file_, comm_);
    write_run_metadata(out.h5(), name_);
    write_reference(out.h5());
    write_outputs(out.h5(), seconds_since(start));
    out.h5().write_attribute("/laplace", "jsd", jsd.value);
    out.h5().write_attribute("/laplace", "jsd_error", jsd.standard_error);
    write_density_samples(out.h5(), laplace_->mixture, n_samples_, seed_);
    write_predictive(out.h5(), {{"laplace", &laplace_->mixture}});
    out.commit();
    if (has_reference())
      logger().info("laplace: JSD(reference, Laplace mixture) = ", jsd.value, " ± ",
                    jsd.standard_error);
  }

protected:
  /// Collective: multistart, Laplace components and weights.
  void find_laplace_mixture() {
    Multistart multistart(model(), multistart_settings_, comm_);
    modes_ = std::make_unique<MultistartResult>(multistart.run());
    logger().info("laplace: ", modes_->modes.rows(), " modes from ", modes_->n_local_searches,
                  " local searches over ", modes_->n_samples, " samples");
    auto components = laplace_components(model(), modes_->modes, modes_->log_density,
                                         multistart_settings_.laplace);
    laplace_ = std::make_unique<LaplaceMixture>(
        fit_laplace_mixture(model(), std::move(components), weight_settings_, comm_));
    for (Index k = 0; k < laplace_->mixture.n_components(); ++k) {
      std::ostringstream mean;
      mean << laplace_->mixture.means().row(k);
      logger().info("  component ", k, ": weight ", laplace_->mixture.weights()(k), ", mean ",
                    mean.str());
    }
  }

  void write_outputs(H5File& h5, double seconds) {
    write_laplace(h5, *modes_, *laplace_);
    write_mixture(h5, "/mixture/initial", laplace_->mixture);
    h5.write_attribute("/laplace", "seconds", seconds);
    h5.write_strings("/parameter_names", model().parameter_names());
  }

  MultistartSettings multistart_settings_;
  MixtureWeightSettings weight_settings_;
  std::unique_ptr<MultistartResult> modes_;
  std::unique_ptr<LaplaceMixture> laplace_;
};

class ViTask : public LaplaceTask {
public:
  explicit ViTask(MPI_Comm comm) : LaplaceTask(comm, "vi") {}

  void configure(Options& options) override {
    LaplaceTask::configure(options);
    vi_settings_.configure(options);
    init_ = options.get_choice("vi_init", "warm", {"warm", "cold"},
                               "warm: from the Laplace mixture; cold: random means, equal weights");
    components_ =
        options.get_int("vi_components", 2, 1, 1000,
                        "mixture components of a cold start (a warm start uses the modes)");
    checkpoints_ = configure_checkpoints(options, output_file_);
  }

  void setup() override {
    LaplaceTask::setup();
    check_checkpoint_paths(checkpoints_, output_file_, comm_);
  }

  void run() override {
    const auto start = Clock::now();
    std::unique_ptr<GaussianMixture> initial;
    if (init_ == "warm") {
      find_laplace_mixture();
      initial = std::make_unique<GaussianMixture>(laplace_->mixture);
    } else {
      initial = std::make_unique<GaussianMixture>(
          cold_start_mixture(components_, model().lower_bounds(), model().upper_bounds(),
                             vi_settings_.cold_scale, vi_settings_.seed));
    }
    const double setup_seconds = seconds_since(start);

    GaussianMixtureVi vi(model(), vi_settings_, comm_);
    if (has_reference())
      vi.set_reference([this](const GaussianMixture& q) { return distance(q); });
    vi.set_monitor([](const ViRecord& r) {
      logger().debug("  vi ", r.iteration, " time ", r.time, " ELBO ", r.elbo, " JSD ", r.jsd);
    });
    const ViResult result = run_vi(vi, *initial, setup_seconds);
    logger().info("vi (", init_, " start): ", result.iterations, " iterations, ELBO ", result.elbo,
                  has_reference() ? ", JSD " + std::to_string(result.history.back().jsd) : "", ", ",
                  seconds_since(start), " s");

    OutputFile out(output_file_, comm_);
    write_run_metadata(out.h5(), "vi");
    write_reference(out.h5());
    if (laplace_)
      write_outputs(out.h5(), setup_seconds);
    else
      write_mixture(out.h5(), "/mixture/initial", *initial);
    write_mixture(out.h5(), "/mixture/final", result.mixture);
    write_vi_history(out.h5(), result.history);
    out.h5().write_attribute("/vi/history", "init", init_);
    out.h5().write_attribute("/vi/history", "elbo_final", result.elbo);
    out.h5().write_attribute("/vi/history", "setup_seconds", setup_seconds);
    write_density_samples(out.h5(), result.mixture, n_samples_, seed_);
    std::vector<std::pair<std::string, const GaussianMixture*>> predicted;
    if (laplace_)
      predicted.emplace_back("laplace", &laplace_->mixture);
    predicted.emplace_back("vi", &result.mixture);
    write_predictive(out.h5(), predicted);
    out.commit();
  }

private:
  /// The Adam iterations, which checkpoint (-checkpoint_every), resume (-restart: the initial
  /// mixture recomputed, identically, before them) and stop cleanly on a signal, as SVGD does.
  /// Collective.
  ViResult run_vi(GaussianMixtureVi& vi, const GaussianMixture& initial, double setup_seconds) {
    RunIdentity identity{model().name(),    model().dim(), initial.n_components(), "adam",
                         vi_settings_.seed, "none",        run_defining_options()};
    identity.count_name = "mixture components";
    ViState resume;
    const bool resuming = !checkpoints_.restart.empty();
    if (resuming) {
      resume = read_vi_checkpoint(checkpoints_.restart, identity, comm_);
      release_input_file(checkpoints_.restart);
    }
    const StopSignals stop_signals;
    ViResult result =
        vi.run(initial, setup_seconds, resuming ? &resume : nullptr, [&](const ViState& state) {
          if (checkpoints_.due(state.iteration))
            write_vi_checkpoint(checkpoints_.file, state, identity, comm_);
        });
    if (result.stop_signal) {
      write_vi_checkpoint(checkpoints_.file, result.state, identity, comm_);
      stop_after_checkpoint(checkpoints_, result, vi_settings_.iterations);
    }
    return result;
  }

  ViSettings vi_settings_;
  std::string init_;
  Index components_ = 2;
  CheckpointSettings checkpoints_;
};

} // namespace

std::unique_ptr<Task> make_map_task(MPI_Comm comm) {
  return std::make_unique<MapTask>(comm);
}
std::unique_ptr<Task> make_laplace_task(MPI_Comm comm) {
  return std::make_unique<LaplaceTask>(comm);
}
std::unique_ptr<Task> make_vi_task(MPI_Comm comm) {
  return std::make_unique<ViTask>(comm);
}

} // namespace l0svgd
