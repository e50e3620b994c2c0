#include "l0svgd/mcmc/hmc.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/core/progress.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/mcmc/diagnostics.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace l0svgd {
namespace {

// A trajectory whose energy grows by more than this is divergent (Stan's threshold).
constexpr double kMaxEnergyError = 1000.0;
// Hoffman & Gelman's heuristic doubles or halves ε until the one-step acceptance crosses 0.8;
// Stan gives up beyond these step sizes.
const double kLogHeuristicAccept = std::log(0.8);
constexpr double kLargestStep = 1e7;
// A drift that crosses the box this often within one step is far too long for the box (a bound
// pair closer than the step): the trajectory is stopped as divergent.
constexpr int kMaxReflections = 100;
// split_rhat and effective_sample_size need this many draws per chain.
constexpr Index kMinDiagnosticDraws = 4;
// The bulk and tail ESS split each chain in two and need 4 draws per half.
constexpr Index kMinSplitDraws = 8;
// The verdicts on a finished run: chains below this acceptance never moved; above this split-R̂
// or below this bulk ESS (all chains together) they have not mixed, the thresholds of Vehtari et
// al. (2021) (R̂ < 1.01; ESS > 100, which they ask per chain, here in total).
constexpr double kStuckAcceptance = 1e-3, kMixedRhat = 1.01, kLeastEss = 100.0;
// NUTS trajectories that reach the maximum depth are cut short of their U-turn; more than this
// share of them is worth a warning (Stan warns at any).
constexpr double kMaxDepthShare = 0.01;
// 2^30 leapfrog steps per transition is beyond any budget; the cap keeps counts in range.
constexpr Index kDeepestTree = 30;

const HmcSettings& validated(const HmcSettings& s) {
  require_input(s.n_chains >= 1, "option -hmc_chains: at least one chain is needed");
  require_input(s.warmup >= 0, "option -hmc_warmup: must not be negative");
  require_input(s.samples >= kMinDiagnosticDraws,
                "option -hmc_samples: at least 4 draws per chain are needed (split-Rhat and the "
                "effective sample size cannot be measured from fewer)");
  require_input(s.leapfrog_steps >= 1, "option -hmc_leapfrog_steps: must be at least 1");
  require_input(s.max_depth >= 1 && s.max_depth <= kDeepestTree,
                "option -hmc_max_depth: must lie in [1, 30]");
  require_input(s.target_accept > 0.0 && s.target_accept < 1.0,
                "option -hmc_target_accept: must lie in (0, 1)");
  require_input(s.initial_step > 0.0 && std::isfinite(s.initial_step),
                "option -hmc_initial_step: must be positive and finite");
  require_input(s.step_jitter >= 0.0 && s.step_jitter < 1.0,
                "option -hmc_step_jitter: must lie in [0, 1)");
  require_input(s.monitor_every >= 0, "option -hmc_monitor_every: must not be negative");
  return s;
}

bool row_finite(const Vector& log_density, const Matrix& gradient, Index row) {
  return std::isfinite(log_density(row)) && gradient.row(row).allFinite();
}

} // namespace

HmcSettings configure_hmc(Options& options) {
  HmcSettings s;
  const PetscInt most = PETSC_MAX_INT;
  const double huge = std::numeric_limits<double>::max();
  s.n_chains =
      options.get_int("hmc_chains", 4, 1, most, "number of HMC chains, spread over the MPI ranks");
  s.warmup = options.get_int("hmc_warmup", 1000, 0, most,
                             "warm-up iterations per chain (step size and mass matrix adapt)");
  s.samples = options.get_int("hmc_samples", 1000, kMinDiagnosticDraws, most,
                              "kept draws per chain (at least 4: split-Rhat and ESS need them)");
  const std::string algorithm = options.get_choice(
      "hmc_algorithm", "static", {"static", "nuts"},
      "static: fixed-length trajectories (-hmc_leapfrog_steps); nuts: the No-U-Turn Sampler, "
      "trajectories grown until they turn back (-hmc_max_depth)");
  s.algorithm = algorithm == "nuts" ? HmcAlgorithm::Nuts : HmcAlgorithm::Static;
  const bool nuts = s.algorithm == HmcAlgorithm::Nuts;
  // Each algorithm's length option means nothing to the other: given there, it is a mistake.
  const auto refuse = [&](const char* name, const char* other) {
    require_input(!options.is_set(name), std::string("option -") + name +
                                             ": not used by -hmc_algorithm " + algorithm +
                                             " (it sets " + other + ")");
  };
  if (options.help_mode() || !nuts)
    s.leapfrog_steps = options.get_int("hmc_leapfrog_steps", 16, 1, most,
                                       "leapfrog steps per static HMC transition");
  else
    refuse("hmc_leapfrog_steps", "-hmc_max_depth");
  if (options.help_mode() || nuts)
    s.max_depth = options.get_int("hmc_max_depth", 10, 1, kDeepestTree,
                                  "NUTS: at most 2^depth - 1 leapfrog steps per transition");
  else
    refuse("hmc_max_depth", "-hmc_leapfrog_steps");
  s.target_accept = options.get_real("hmc_target_accept", 0.8, 0.0, 1.0,
                                     "dual-averaging target acceptance statistic, in (0, 1)", true);
  require_input(options.help_mode() || s.target_accept < 1.0,
                "option -hmc_target_accept: must be smaller than 1");
  s.initial_step = options.get_real(
      "hmc_initial_step", 1.0, 0.0, huge,
      "initial leapfrog step size; warm-up refines it, -hmc_warmup 0 samples with it", true);
  s.seed = static_cast<uint64_t>(options.get_int(
      "hmc_seed", 1, 0, most, "seed of the chains' random numbers (chain c uses index c)"));
  const std::string mass =
      options.get_choice("hmc_mass", "diag", {"diag", "identity"},
                         "mass matrix: diag (adapted from warm-up draws) or identity");
  s.mass = mass == "identity" ? MassMatrixType::Identity : MassMatrixType::Diagonal;
  s.step_jitter = options.get_real(
      "hmc_step_jitter", nuts ? 0.0 : s.step_jitter, 0.0, 1.0,
      "each transition uses step*(1 + j*U(-1, 1)), against the periodicity of fixed-length "
      "trajectories; 0 = off (default 0.5 for static, 0 for nuts)");
  require_input(options.help_mode() || s.step_jitter < 1.0,
                "option -hmc_step_jitter: must be smaller than 1");
  s.monitor_every = options.get_int("hmc_monitor_every", 100, 0, most,
                                    "print a monitor line every this many iterations; 0 = off");
  return s;
}

const char* mass_matrix_name(MassMatrixType type) {
  return type == MassMatrixType::Identity ? "identity" : "diag";
}

const char* hmc_algorithm_name(HmcAlgorithm algorithm) {
  return algorithm == HmcAlgorithm::Nuts ? "nuts" : "static";
}

HmcSampler::HmcSampler(const Model& model, const HmcSettings& settings, MPI_Comm comm)
    : model_(model), settings_(validated(settings)), comm_(comm),
      partition_(settings.n_chains, comm), dim_(model.dim()), lower_(model.lower_bounds()),
      upper_(model.upper_bounds()),
      schedule_(settings.warmup, settings.mass == MassMatrixType::Diagonal),
      variance_(partition_.n_local(), dim_), events_{log_event("HMCLeapfrog"),
                                                     log_event("HMCGradient"),
                                                     log_event("HMCAdapt")} {
  const Index n = partition_.n_local();
  has_box_ = lower_.array().isFinite().any() || upper_.array().isFinite().any();
  for (Index l = 0; l < n; ++l)
    rng_.emplace_back(settings.seed, RngStream::Hmc,
                      static_cast<uint64_t>(partition_.local_begin() + l));
  position_ = Matrix::Zero(n, dim_);
  gradient_.resize(n, dim_);
  log_density_.resize(n);
  proposal_.resize(n, dim_);
  proposal_gradient_.resize(n, dim_);
  momentum_.resize(n, dim_);
  proposal_log_density_.resize(n);
  start_energy_.resize(n);
  energy_.resize(n);
  uniform_.resize(n);
  all_chains_.assign(n, 1);
  step_ = Vector::Constant(n, settings.initial_step);
  trajectory_step_.resize(n);
  moving_step_.resize(n);
  integrating_.assign(n, 0);
  diverged_.assign(n, 0);
  moved_.assign(n, 0);
  transition_accept_.resize(n);
  steps_taken_.assign(n, 0);
  depth_.assign(n, 0);
  if (settings_.algorithm == HmcAlgorithm::Nuts) {
    nuts_ = std::make_unique<NutsTrajectory>(dim_, settings_.max_depth, kMaxEnergyError);
    nuts_point_.resize(dim_);
    nuts_step_ = [this](PhasePoint& z, double step) { return nuts_leapfrog(z, step); };
  }
  inverse_metric_ = Matrix::Ones(n, dim_);
  active_rows_.reserve(n);
  averaging_.assign(n, DualAveraging(settings.target_accept));
  accept_sum_ = Vector::Zero(n);
  window_accept_sum_ = Vector::Zero(n);
  accepted_.assign(n, 0);
  divergences_.assign(n, 0);
  warmup_divergences_.assign(n, 0);
  draws_.resize(n * settings.samples, dim_);
  draw_log_density_.resize(n * settings.samples);
  draw_statistics_ = Matrix::Zero(n * settings.samples, kDrawStatistics);
}

void HmcSampler::set_local_start(const ConstMatrixRef& x) {
  if (x.rows() != partition_.n_local() || x.cols() != dim_)
    throw InputError("HMC starting points: this rank's block is " + std::to_string(x.rows()) +
                     " x " + std::to_string(x.cols()) + ", expected " +
                     std::to_string(partition_.n_local()) + " x " + std::to_string(dim_));
  position_ = x;
}

void HmcSampler::set_start(const ConstMatrixRef& all_chains) {
  if (all_chains.rows() != partition_.n_global() || all_chains.cols() != dim_)
    throw InputError("HMC starting points: " + std::to_string(all_chains.rows()) + " x " +
                     std::to_string(all_chains.cols()) + " given, expected " +
                     std::to_string(partition_.n_global()) + " x " + std::to_string(dim_));
  position_ = all_chains.middleRows(partition_.local_begin(), partition_.n_local());
}

void HmcSampler::evaluate_chain(Index l) {
  try {
    model_.evaluate(proposal_.row(l), proposal_log_density_.segment(l, 1),
                    proposal_gradient_.row(l));
  } catch (const ModelError&) {
    proposal_log_density_(l) = std::numeric_limits<double>::quiet_NaN();
  }
}

void HmcSampler::evaluate_start() {
  const Index n = partition_.n_local();
  std::string message;
  for (Index l = 0; l < n && message.empty() && has_box_; ++l)
    if (!((position_.row(l).transpose().array() >= lower_.array()).all() &&
          (position_.row(l).transpose().array() <= upper_.array()).all()))
      message = "HMC: the starting point of chain " + std::to_string(partition_.local_begin() + l) +
                " lies outside the support of '" + model_.name() + "'";
  raise_if_any(!message.empty(), message, comm_);
  run_collectively(
      [&] {
        for (Index l = 0; l < n; ++l) // one chain per call, as in evaluate_proposals
          model_.evaluate(position_.row(l), log_density_.segment(l, 1), gradient_.row(l));
        evaluations_ += n;
        for (Index l = 0; l < n; ++l)
          if (!row_finite(log_density_, gradient_, l))
            throw ModelError("HMC: model '" + model_.name() +
                             "' returned a non-finite log density or gradient at the starting "
                             "point of chain " +
                             std::to_string(partition_.local_begin() + l));
      },
      comm_);
}

void HmcSampler::draw_momenta(const std::vector<char>& chains) {
  for (Index l = 0; l < partition_.n_local(); ++l) {
    if (!chains[l])
      continue;
    for (Index j = 0; j < dim_; ++j)
      momentum_(l, j) = rng_[l].normal() / std::sqrt(inverse_metric_(l, j));
  }
}

void HmcSampler::hamiltonian(const Vector& log_density, VectorRef energy) const {
  energy = -log_density.array() +
           0.5 * (momentum_.array().square() * inverse_metric_.array()).rowwise().sum();
}

void HmcSampler::evaluate_proposals() {
  LogEventScope event(events_.gradient);
  // One chain per call, not the block of a rank's chains: a batched product rounds differently for
  // different block sizes, and HMC amplifies a 1e-16 difference into different draws, so a chain's
  // trajectory would depend on how many chains share its rank and on which of them diverged. A
  // model failing for one chain makes only that chain diverge.
  active_rows_.clear();
  for (Index l = 0; l < partition_.n_local(); ++l)
    if (integrating_[l]) {
      active_rows_.push_back(l);
      evaluate_chain(l);
    }
  evaluations_ += static_cast<Index>(active_rows_.size());
  for (Index l : active_rows_) {
    ++steps_taken_[static_cast<size_t>(l)];
    if (!row_finite(proposal_log_density_, proposal_gradient_, l)) {
      diverged_[l] = 1;
      integrating_[l] = 0;
    }
  }
}

bool HmcSampler::reflect_row(double* x, double* p) const {
  bool inside = true;
  for (Index j = 0; j < dim_; ++j) {
    int reflections = 0;
    while ((x[j] < lower_(j) || x[j] > upper_(j)) && reflections < kMaxReflections) {
      x[j] = x[j] < lower_(j) ? 2.0 * lower_(j) - x[j] : 2.0 * upper_(j) - x[j];
      p[j] = -p[j];
      ++reflections;
    }
    inside = inside && reflections < kMaxReflections;
  }
  return inside;
}

void HmcSampler::reflect_into_box() {
  for (Index l = 0; l < partition_.n_local(); ++l)
    if (integrating_[l] && !reflect_row(proposal_.row(l).data(), momentum_.row(l).data())) {
      diverged_[l] = 1;
      integrating_[l] = 0;
    }
}

void HmcSampler::leapfrog(Index steps) {
  LogEventScope event(events_.leapfrog);
  const Index n = partition_.n_local();
  auto update_moving_steps = [&] {
    bool any = false;
    for (Index l = 0; l < n; ++l) {
      moving_step_(l) = integrating_[l] ? trajectory_step_(l) : 0.0;
      any = any || integrating_[l];
    }
    return any;
  };
  for (Index s = 0; s < steps; ++s) {
    if (!update_moving_steps())
      return;
    // Chains that stopped have a zero step, so the block arithmetic leaves them in place.
    momentum_ += 0.5 * moving_step_.asDiagonal() * proposal_gradient_;
    proposal_ += moving_step_.asDiagonal() * momentum_.cwiseProduct(inverse_metric_);
    if (has_box_)
      reflect_into_box();
    evaluate_proposals();
    update_moving_steps();
    momentum_ += 0.5 * moving_step_.asDiagonal() * proposal_gradient_;
    hamiltonian(proposal_log_density_, energy_);
    for (Index l = 0; l < n; ++l)
      if (integrating_[l] && !(energy_(l) - start_energy_(l) <= kMaxEnergyError)) {
        diverged_[l] = 1;
        integrating_[l] = 0;
      }
  }
}

void HmcSampler::find_reasonable_steps() {
  LogEventScope event(events_.adapt);
  const Index n = partition_.n_local();
  run_collectively(
      [&] {
        std::vector<char> searching(n, 1);
        std::vector<int> direction(n, 0);
        while (std::any_of(searching.begin(), searching.end(), [](char c) { return c != 0; })) {
          draw_momenta(searching);
          hamiltonian(log_density_, start_energy_);
          proposal_ = position_;
          proposal_gradient_ = gradient_;
          proposal_log_density_ = log_density_;
          integrating_ = searching;
          std::fill(diverged_.begin(), diverged_.end(), 0);
          trajectory_step_ = step_;
          leapfrog(1);
          hamiltonian(proposal_log_density_, energy_);
          for (Index l = 0; l < n; ++l) {
            if (!searching[l])
              continue;
            double delta = start_energy_(l) - energy_(l);
            if (diverged_[l] || std::isnan(delta))
              delta = -HUGE_VAL;
            if (direction[l] == 0) {
              direction[l] = delta > kLogHeuristicAccept ? 1 : -1;
              continue;
            }
            const bool crossed =
                direction[l] > 0 ? !(delta > kLogHeuristicAccept) : !(delta < kLogHeuristicAccept);
            if (crossed) {
              searching[l] = 0;
              continue;
            }
            step_(l) = direction[l] > 0 ? 2.0 * step_(l) : 0.5 * step_(l);
            const std::string chain = std::to_string(partition_.local_begin() + l);
            if (step_(l) > kLargestStep)
              throw ModelError("HMC: the step size of chain " + chain +
                               " grew beyond 1e7 while searching for a first step size; is the "
                               "posterior proper?");
            if (step_(l) == 0.0)
              throw ModelError("HMC: no step size is small enough for chain " + chain);
          }
        }
      },
      comm_);
}

void HmcSampler::update_metric() {
  {
    LogEventScope event(events_.adapt);
    variance_.regularised_variance(inverse_metric_);
    variance_.clear();
  }
  find_reasonable_steps();
  for (Index l = 0; l < partition_.n_local(); ++l)
    averaging_[l].restart(step_(l));
}

void HmcSampler::transition(Index iteration, bool warmup) {
  const Index n = partition_.n_local();
  draw_momenta(all_chains_);
  const bool nuts = settings_.algorithm == HmcAlgorithm::Nuts;
  const double jitter = settings_.step_jitter;
  for (Index l = 0; l < n; ++l) {
    if (!nuts) // the Metropolis test's uniform, drawn before the jitter's
      uniform_(l) = rng_[l].uniform();
    trajectory_step_(l) =
        jitter > 0.0 ? step_(l) * (1.0 + jitter * (2.0 * rng_[l].uniform() - 1.0)) : step_(l);
  }
  if (nuts)
    nuts_trajectories();
  else
    static_trajectories();
  record_transition(iteration, warmup);
}

void HmcSampler::static_trajectories() {
  hamiltonian(log_density_, start_energy_);
  proposal_ = position_;
  proposal_gradient_ = gradient_;
  proposal_log_density_ = log_density_;
  integrating_ = all_chains_;
  std::fill(diverged_.begin(), diverged_.end(), 0);
  std::fill(steps_taken_.begin(), steps_taken_.end(), 0);
  leapfrog(settings_.leapfrog_steps);
  hamiltonian(proposal_log_density_, energy_);
  for (Index l = 0; l < partition_.n_local(); ++l) {
    double accept = 0.0;
    if (!diverged_[l]) {
      accept = std::exp(std::min(0.0, start_energy_(l) - energy_(l)));
      if (std::isnan(accept))
        accept = 0.0;
    }
    transition_accept_(l) = accept;
    moved_[l] = uniform_(l) < accept;
    depth_[l] = 0;
    if (moved_[l]) {
      position_.row(l) = proposal_.row(l);
      gradient_.row(l) = proposal_gradient_.row(l);
      log_density_(l) = proposal_log_density_(l);
    }
  }
}

bool HmcSampler::nuts_leapfrog(PhasePoint& z, double step) {
  const auto metric = inverse_metric_.row(nuts_chain_);
  z.momentum += 0.5 * step * z.gradient;
  z.position += step * z.momentum.cwiseProduct(metric);
  if (has_box_ && !reflect_row(z.position.data(), z.momentum.data()))
    return false;
  {
    LogEventScope event(events_.gradient);
    ++evaluations_;
    try {
      Eigen::Map<Vector> log_density(&z.log_density, 1);
      model_.evaluate(z.position, log_density, z.gradient);
    } catch (const ModelError&) {
      return false;
    }
  }
  if (!std::isfinite(z.log_density) || !z.gradient.allFinite())
    return false;
  z.momentum += 0.5 * step * z.gradient;
  return true;
}

void HmcSampler::nuts_trajectories() {
  LogEventScope event(events_.leapfrog);
  PhasePoint& z = nuts_point_;
  for (Index l = 0; l < partition_.n_local(); ++l) {
    nuts_chain_ = l;
    z.position = position_.row(l);
    z.momentum = momentum_.row(l);
    z.gradient = gradient_.row(l);
    z.log_density = log_density_(l);
    const NutsResult result =
        nuts_->transition(z, inverse_metric_.row(l), trajectory_step_(l), rng_[l], nuts_step_);
    position_.row(l) = z.position;
    gradient_.row(l) = z.gradient;
    log_density_(l) = z.log_density;
    transition_accept_(l) = result.accept_statistic;
    moved_[l] = result.moved;
    diverged_[l] = result.diverged;
    steps_taken_[static_cast<size_t>(l)] = result.leapfrog_steps;
    depth_[static_cast<size_t>(l)] = result.depth;
  }
}

void HmcSampler::record_transition(Index iteration, bool warmup) {
  const Index sample = iteration - settings_.warmup;
  for (Index l = 0; l < partition_.n_local(); ++l) {
    const double accept = transition_accept_(l);
    if (moved_[l] && !warmup)
      ++accepted_[l];
    window_accept_sum_(l) += accept;
    if (warmup) {
      step_(l) = averaging_[l].update(accept);
      warmup_divergences_[l] += diverged_[l];
      continue;
    }
    accept_sum_(l) += accept;
    divergences_[l] += diverged_[l];
    const Index row = l * settings_.samples + sample;
    draws_.row(row) = position_.row(l);
    draw_log_density_(row) = log_density_(l);
    auto stats = draw_statistics_.row(row);
    stats(kAcceptProbability) = accept;
    stats(kDiverging) = diverged_[l] ? 1.0 : 0.0;
    stats(kStepSize) = trajectory_step_(l);
    stats(kLeapfrogSteps) = static_cast<double>(steps_taken_[static_cast<size_t>(l)]);
    stats(kTreeDepth) = static_cast<double>(depth_[static_cast<size_t>(l)]);
  }
  ++window_transitions_;
}

void HmcSampler::monitor(Index iteration, Index first_iteration, double start_seconds) {
  const Index n_global = partition_.n_global();
  Matrix local(partition_.n_local(), 4), all(n_global, 4);
  for (Index l = 0; l < partition_.n_local(); ++l) {
    local(l, 0) = step_(l);
    local(l, 1) =
        window_accept_sum_(l) / static_cast<double>(std::max<Index>(window_transitions_, 1));
    // Apart, as in the final summary, which counts the sampling phase's only: early warm-up
    // steps are too long by design and diverge often.
    local(l, 2) = static_cast<double>(divergences_[l]);
    local(l, 3) = static_cast<double>(warmup_divergences_[l]);
  }
  RowGather(partition_, 4, comm_).gather(local, all);
  window_accept_sum_.setZero();
  window_transitions_ = 0;
  const Index total = settings_.warmup + settings_.samples;
  // A resumed run's rate is that of its own iterations.
  logger().info(
      "  HMC ", iteration, "/", total, iteration <= settings_.warmup ? " warm-up " : " sampling ",
      Progress::time_eta(MPI_Wtime() - start_seconds, iteration - first_iteration,
                         total - iteration),
      " step [", format("%.3e", all.col(0).minCoeff()), ", ", format("%.3e", all.col(0).maxCoeff()),
      "] accept ", format("%.3f", all.col(1).mean()), " divergent ",
      static_cast<Index>(all.col(2).sum()), " (warm-up ", static_cast<Index>(all.col(3).sum()),
      ")");
}

void HmcSampler::iterate(double start_seconds) {
  const Index iteration = iteration_;
  const bool warmup = iteration < settings_.warmup;
  run_collectively([&] { transition(iteration, warmup); }, comm_);
  if (warmup) {
    if (schedule_.collects(iteration))
      variance_.add(position_);
    if (schedule_.ends_window(iteration))
      update_metric();
    if (iteration + 1 == settings_.warmup) {
      for (Index l = 0; l < partition_.n_local(); ++l)
        step_(l) = averaging_[l].averaged_step();
      warmup_seconds_ += MPI_Wtime() - start_seconds;
    }
  }
  ++iteration_;
}

HmcSummary HmcSampler::run(const HmcObserver& observer) {
  HmcSummary summary;
  const Index total = settings_.warmup + settings_.samples;
  const Index first = iteration_;
  logger().info("HMC: ", partition_.n_global(), " chains in ", dim_, " dimensions on ",
                partition_.size(), partition_.size() == 1 ? " rank" : " ranks", "; ",
                settings_.warmup, " warm-up + ", settings_.samples, " draws per chain, ",
                settings_.algorithm == HmcAlgorithm::Nuts
                    ? "NUTS with maximum tree depth " + std::to_string(settings_.max_depth)
                    : std::to_string(settings_.leapfrog_steps) + " leapfrog steps",
                ", target acceptance ", format("%g", settings_.target_accept), ", ",
                mass_matrix_name(settings_.mass), " mass matrix",
                first > 0 ? ", resumed at iteration " + std::to_string(first) : "");
  const double start = MPI_Wtime();
  if (first == 0) {
    evaluate_start();
    if (settings_.warmup > 0) {
      find_reasonable_steps();
      for (Index l = 0; l < partition_.n_local(); ++l)
        averaging_[l].restart(step_(l));
    }
  }
  const double warmup_before = warmup_seconds_;
  while (iteration_ < total) {
    iterate(start);
    const Index done = iteration_;
    if (settings_.monitor_every > 0 && (done % settings_.monitor_every == 0 || done == total))
      monitor(done, first, start);
    if (observer)
      observer(*this, done);
    // A stop signal (StopSignals) on any rank ends the run here, on every rank at this iteration;
    // after the last one there is nothing left to stop.
    if (done < total) {
      summary.stop_signal = stop_requested(comm_);
      if (summary.stop_signal)
        break;
    }
  }
  summary.iterations = iteration_;
  summary.warmup_seconds = warmup_seconds_;
  summary.sampling_seconds = MPI_Wtime() - start - (warmup_seconds_ - warmup_before);
  if (summary.stop_signal) {
    logger().info("HMC: stopped by ", signal_name(summary.stop_signal), " after iteration ",
                  iteration_, " of ", total);
    return summary;
  }
  summarise(summary);
  return summary;
}

void HmcSampler::summarise(HmcSummary& summary) {
  summary.chains = gather_chain_stats();
  // validated() guarantees the 4 draws per chain split-R̂ needs.
  const Matrix draws = gather_draws();
  summary.rhat = split_rhat(draws, partition_.n_global());
  if (settings_.samples >= kMinSplitDraws) {
    summary.ess = bulk_effective_sample_size(draws, partition_.n_global());
    summary.tail_ess = tail_effective_sample_size(draws, partition_.n_global());
  } else {
    summary.ess = summary.tail_ess =
        Vector::Constant(dim_, std::numeric_limits<double>::quiet_NaN());
  }
  for (Index d : summary.chains.divergences)
    summary.divergences += d;
  const Matrix statistics = gather_draw_statistics();
  summary.mean_leapfrog_steps = statistics.col(kLeapfrogSteps).mean();
  const bool nuts = settings_.algorithm == HmcAlgorithm::Nuts;
  if (nuts)
    summary.max_depth_transitions =
        (statistics.col(kTreeDepth).array() >= static_cast<double>(settings_.max_depth)).count();
  summary.gradient_evaluations = total_evaluations();
  logger().info("HMC: done in ", format("%.2f", summary.warmup_seconds + summary.sampling_seconds),
                " s; acceptance ", format("%.3f", summary.chains.acceptance_rate.mean()),
                ", divergent ", summary.divergences, ", max split-Rhat ",
                format("%.4f", summary.rhat.maxCoeff()), ", min ESS ",
                format("%.1f", summary.ess.minCoeff()), ", min tail ESS ",
                format("%.1f", summary.tail_ess.minCoeff()), ", ",
                format("%.1f", summary.mean_leapfrog_steps), " leapfrog steps per draw",
                nuts ? ", " + std::to_string(summary.max_depth_transitions) +
                           " transitions at the maximum tree depth"
                     : std::string());
  judge(summary);
}

Index HmcSampler::total_evaluations() const {
  long long local = evaluations_, global = 0;
  L0_MPI(MPI_Allreduce(&local, &global, 1, MPI_LONG_LONG, MPI_SUM, comm_));
  return static_cast<Index>(global);
}

HmcState HmcSampler::state() const {
  const Index n = partition_.n_local();
  HmcState st;
  st.iteration = iteration_;
  st.variance_count = variance_.count();
  st.window_transitions = window_transitions_;
  st.evaluations = total_evaluations();
  st.warmup_seconds = warmup_seconds_;
  st.counters.resize(n, HmcState::kCounters);
  for (Index l = 0; l < n; ++l) {
    const auto averaging = averaging_[l].state();
    auto c = st.counters.row(l);
    c(HmcState::kRngPosition) = static_cast<double>(rng_[l].position());
    c(HmcState::kLogDensity) = log_density_(l);
    c(HmcState::kStep) = step_(l);
    for (int k = 0; k < 4; ++k)
      c(HmcState::kAveraging + k) = averaging[k];
    c(HmcState::kAcceptSum) = accept_sum_(l);
    c(HmcState::kWindowAcceptSum) = window_accept_sum_(l);
    c(HmcState::kAccepted) = static_cast<double>(accepted_[l]);
    c(HmcState::kDivergences) = static_cast<double>(divergences_[l]);
    c(HmcState::kWarmupDivergences) = static_cast<double>(warmup_divergences_[l]);
  }
  st.position = position_;
  st.gradient = gradient_;
  st.inverse_metric = inverse_metric_;
  st.variance_mean = variance_.mean();
  st.variance_m2 = variance_.squared_deviations();
  st.draws = Eigen::Map<const Matrix>(draws_.data(), n, settings_.samples * dim_);
  st.draw_log_density = Eigen::Map<const Matrix>(draw_log_density_.data(), n, settings_.samples);
  st.draw_statistics =
      Eigen::Map<const Matrix>(draw_statistics_.data(), n, settings_.samples * kDrawStatistics);
  return st;
}

void HmcSampler::set_state(const HmcState& st) {
  const Index n = partition_.n_local();
  const auto check = [&](const Matrix& m, Index cols, const char* what) {
    if (m.rows() != n || m.cols() != cols)
      throw InputError(std::string("HMC state: ") + what + " is " + std::to_string(m.rows()) +
                       " x " + std::to_string(m.cols()) + ", expected " + std::to_string(n) +
                       " x " + std::to_string(cols));
  };
  check(st.counters, HmcState::kCounters, "the chain counters");
  for (const Matrix* m :
       {&st.position, &st.gradient, &st.inverse_metric, &st.variance_mean, &st.variance_m2})
    check(*m, dim_, "a chain block");
  check(st.draws, settings_.samples * dim_, "the draws");
  check(st.draw_log_density, settings_.samples, "the draws' log p");
  check(st.draw_statistics, settings_.samples * kDrawStatistics, "the draws' statistics");
  require_input(st.iteration >= 0 && st.iteration <= settings_.warmup + settings_.samples,
                "HMC state: iteration " + std::to_string(st.iteration) + " is outside the run");
  iteration_ = st.iteration;
  variance_.restore(st.variance_count, st.variance_mean, st.variance_m2);
  window_transitions_ = st.window_transitions;
  // The count is a total: one rank carries it so that the final sum is right.
  evaluations_ = partition_.rank() == 0 ? st.evaluations : 0;
  warmup_seconds_ = st.warmup_seconds;
  for (Index l = 0; l < n; ++l) {
    const auto c = st.counters.row(l);
    rng_[l].seek(static_cast<uint64_t>(c(HmcState::kRngPosition)));
    log_density_(l) = c(HmcState::kLogDensity);
    step_(l) = c(HmcState::kStep);
    const Index a = HmcState::kAveraging;
    averaging_[l].set_state({c(a), c(a + 1), c(a + 2), c(a + 3)});
    accept_sum_(l) = c(HmcState::kAcceptSum);
    window_accept_sum_(l) = c(HmcState::kWindowAcceptSum);
    accepted_[l] = static_cast<Index>(c(HmcState::kAccepted));
    divergences_[l] = static_cast<Index>(c(HmcState::kDivergences));
    warmup_divergences_[l] = static_cast<Index>(c(HmcState::kWarmupDivergences));
  }
  position_ = st.position;
  gradient_ = st.gradient;
  inverse_metric_ = st.inverse_metric;
  Eigen::Map<Matrix>(draws_.data(), n, settings_.samples * dim_) = st.draws;
  Eigen::Map<Matrix>(draw_log_density_.data(), n, settings_.samples) = st.draw_log_density;
  Eigen::Map<Matrix>(draw_statistics_.data(), n, settings_.samples * kDrawStatistics) =
      st.draw_statistics;
}

void HmcSampler::judge(const HmcSummary& summary) const {
  // Chains that never moved agree with anything: the draws are the start, not the posterior.
  const double acceptance = summary.chains.acceptance_rate.mean();
  const Index transitions = settings_.samples * partition_.n_global();
  if (acceptance < kStuckAcceptance)
    throw ModelError(
        "HMC failed: acceptance " + format("%.3g", acceptance) + ", " +
        std::to_string(summary.divergences) + " of " + std::to_string(transitions) +
        " sampling transitions divergent; the chains did not move from their start: "
        "lower -hmc_initial_step, lengthen -hmc_warmup, or check the model's gradient");
  const double rhat = summary.rhat.maxCoeff(), ess = summary.ess.minCoeff();
  std::string problems;
  if (!(rhat <= kMixedRhat))
    problems +=
        "max split-Rhat " + format("%.3g", rhat) + " (above " + format("%.3g", kMixedRhat) + ")";
  if (!(ess >= kLeastEss))
    problems += (problems.empty() ? "" : ", ") + std::string("min bulk ESS ") +
                format("%.3g", ess) + " (below " + format("%.3g", kLeastEss) + ")";
  if (10 * summary.divergences > transitions)
    problems += (problems.empty() ? "" : ", ") + std::to_string(summary.divergences) + " of " +
                std::to_string(transitions) + " transitions divergent";
  if (static_cast<double>(summary.max_depth_transitions) > kMaxDepthShare * transitions)
    logger().warning("HMC: ", summary.max_depth_transitions, " of ", transitions,
                     " NUTS transitions stopped at the maximum tree depth before turning back; "
                     "raise -hmc_max_depth for longer trajectories");
  if (!problems.empty())
    logger().warning("HMC: the chains have not mixed: ", problems,
                     "; do not use them as a reference: run longer (-hmc_warmup, -hmc_samples)");
}

Matrix HmcSampler::gather_per_draw(const double* local_rows, Index columns) const {
  // A chain's rows are contiguous in the row-major blocks, so one gathered row per chain.
  const Index width = settings_.samples * columns;
  Matrix all(partition_.n_global() * settings_.samples, columns);
  Eigen::Map<const Matrix> local(local_rows, partition_.n_local(), width);
  Eigen::Map<Matrix> global(all.data(), partition_.n_global(), width);
  RowGather(partition_, width, comm_).gather(local, global);
  return all;
}

Matrix HmcSampler::gather_draws() const {
  return gather_per_draw(draws_.data(), dim_);
}

Vector HmcSampler::gather_draw_log_density() const {
  return gather_per_draw(draw_log_density_.data(), 1).col(0);
}

Matrix HmcSampler::gather_draw_statistics() const {
  return gather_per_draw(draw_statistics_.data(), kDrawStatistics);
}

HmcChainStats HmcSampler::gather_chain_stats() const {
  const Index n = partition_.n_local();
  const Index width = 5 + dim_;
  Matrix local(n, width), all(partition_.n_global(), width);
  const double samples = static_cast<double>(settings_.samples);
  for (Index l = 0; l < n; ++l) {
    local(l, 0) = step_(l);
    local(l, 1) = static_cast<double>(accepted_[l]) / samples;
    local(l, 2) = accept_sum_(l) / samples;
    local(l, 3) = static_cast<double>(divergences_[l]);
    local(l, 4) = static_cast<double>(warmup_divergences_[l]);
    local.row(l).tail(dim_) = inverse_metric_.row(l);
  }
  RowGather(partition_, width, comm_).gather(local, all);
  HmcChainStats stats;
  stats.step_size = all.col(0);
  stats.acceptance_rate = all.col(1);
  stats.mean_accept_probability = all.col(2);
  for (Index c = 0; c < partition_.n_global(); ++c) {
    stats.divergences.push_back(static_cast<Index>(all(c, 3)));
    stats.warmup_divergences.push_back(static_cast<Index>(all(c, 4)));
  }
  stats.inverse_metric = all.rightCols(dim_);
  return stats;
}

} // namespace l0svgd
