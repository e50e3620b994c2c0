#include "l0svgd/optim/l0_sparsifier.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/core/progress.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/optim/l0_gates.hpp"
#include "l0svgd/optim/l0_path_exchange.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace l0svgd {
namespace {

// Throws InputError when every stage of the path pruned every weight, naming the largest λ that
// kept one (if any stage did, there is a model to select).
void check_some_weight_kept(const std::vector<L0PathPoint>& path) {
  double smallest = std::numeric_limits<double>::infinity();
  for (const auto& p : path) {
    if (p.active > 0)
      return;
    smallest = std::min(smallest, p.lambda);
  }
  throw InputError("L0: every weight was pruned at every lambda of the path (the smallest, " +
                   format("%g", smallest) +
                   ", included): lower -l0_lambda (or -l0_lambda_min and -l0_lambda_max)");
}

// Effective weights w = g(θ) z̄(log α) and the factors of their partial derivatives.
struct Gated {
  Vector g, dg, z, dz, w;
  void resize(Index n) {
    for (Vector* v : {&g, &dg, &z, &dz, &w})
      v->resize(n);
  }
  void compute(const L0Problem& problem, const ConstVectorRef& theta,
               const ConstVectorRef& log_alpha) {
    problem.reparameterise(theta, g, dg);
    for (Index k = 0; k < theta.size(); ++k) {
      double d = 0;
      z(k) = mean_gate(log_alpha(k), &d);
      dz(k) = d;
    }
    w = g.cwiseProduct(z);
  }
};

// Iterations between two looks at the support (each costs a loss evaluation).
constexpr PetscInt settle_check_every = 10;

} // namespace

std::vector<bool> L0PathPoint::support(Index n) const {
  std::vector<bool> mask(n, false);
  for (Index k : surviving)
    mask[k] = true;
  return mask;
}

L0Settings L0Settings::configure(Options& options) {
  L0Settings s;
  const std::vector<double> listed = options.get_real_array(
      "l0_lambda", {}, "L0 penalty weights (increasing; overrides -l0_lambda_min/max/count)");
  const double lo = options.get_real("l0_lambda_min", 1e-5, 0.0, 1e6,
                                     "smallest L0 penalty weight of the log-spaced path", true);
  const double hi = options.get_real("l0_lambda_max", 1e-2, 0.0, 1e6,
                                     "largest L0 penalty weight of the log-spaced path", true);
  const PetscInt count =
      options.get_int("l0_lambda_count", 7, 1, 1000, "number of log-spaced L0 penalty weights");
  s.r2_threshold = options.get_real("l0_r2_threshold", s.r2_threshold, -1e6, 1.0,
                                    "selection: sparsest L0 stage whose training R^2 reaches this");
  s.gate_init_scale = options.get_real("l0_gate_init_scale", s.gate_init_scale, 0.0, 100.0,
                                       "std of the initial gate parameters log alpha");
  s.seed = static_cast<uint64_t>(
      options.get_int("l0_seed", 1, 0, PETSC_MAX_INT, "seed of the initial gate parameters"));
  s.log_alpha_bound = options.get_real("l0_log_alpha_bound", s.log_alpha_bound, 2.5, 50.0,
                                       "lower bound -B of the gate parameters log alpha");
  s.support_tolerance = options.get_real("l0_support_tolerance", s.support_tolerance, 0.0, 1.0,
                                         "weights with |w z| above this are kept");
  s.pretrain = options.get_bool("l0_pretrain", s.pretrain,
                                "fit the ungated network before the L0 path (-l0_pretrain_tao_*)");
  s.continuation = options.get_bool(
      "l0_continuation", s.continuation,
      "start each lambda from the previous pruned solution instead of the pretrained network");
  s.settle_iterations = options.get_int(
      "l0_settle_iterations", static_cast<PetscInt>(s.settle_iterations), 0, PETSC_MAX_INT,
      "end a lambda stage once its support and data loss have settled for this many TAO "
      "iterations (0: TAO's tolerances only)");
  s.settle_tolerance =
      options.get_real("l0_settle_tolerance", s.settle_tolerance, 0.0, 1.0,
                       "relative change of the data loss that still counts as settled");
  if (!listed.empty()) {
    for (double l : listed)
      require_input(options.help_mode() || l >= 0,
                    "option -l0_lambda: penalty weights must be non-negative");
    s.lambdas = listed;
    std::sort(s.lambdas.begin(), s.lambdas.end());
  } else {
    require_input(options.help_mode() || lo <= hi,
                  "options -l0_lambda_min/-l0_lambda_max: min must not exceed max");
    for (PetscInt i = 0; i < count; ++i) {
      const double f = count > 1 ? static_cast<double>(i) / static_cast<double>(count - 1) : 0.0;
      s.lambdas.push_back(lo * std::pow(hi / lo, f));
    }
  }
  return s;
}

L0Sparsifier::L0Sparsifier(const L0Problem& problem, L0Settings settings, MPI_Comm comm,
                           const std::string& prefix)
    : problem_(problem), settings_(std::move(settings)), comm_(comm),
      tao_(2 * problem.n_weights(), prefix, "blmvm") {
  require_input(!settings_.lambdas.empty(), "L0: no penalty weight lambda given");
  const Index n = problem.n_weights();
  Vector lower(2 * n), upper(2 * n);
  lower.head(n).setConstant(-std::numeric_limits<double>::infinity());
  upper.head(n).setConstant(std::numeric_limits<double>::infinity());
  lower.tail(n).setConstant(-settings_.log_alpha_bound);
  upper.tail(n).setConstant(open_gate_log_alpha());
  tao_.set_bounds(lower, upper);
  if (settings_.pretrain)
    pretrain_tao_ = std::make_unique<TaoMinimizer>(n, prefix + "pretrain_", "lmvm");
  // Registered here, on every rank, rather than on first use: a rank that owns no stage would
  // otherwise register fewer events than the others and -log_view would mismatch them.
  for (const char* event : {"L0Pretrain", "L0Solve", "L0Exchange"})
    log_event(event);
}

L0PathPoint L0Sparsifier::solve_stage(double lambda, Vector& x) {
  const Index n = problem_.n_weights();
  Gated gated;
  gated.resize(n);
  Vector loss_gradient(n);
  auto objective = [&](const ConstVectorRef& v, VectorRef grad) {
    gated.compute(problem_, v.head(n), v.tail(n));
    double f = problem_.loss(gated.w, loss_gradient);
    for (Index k = 0; k < n; ++k) {
      double dp = 0;
      f += lambda * gate_open_probability(v(n + k), &dp);
      grad(k) = loss_gradient(k) * gated.dg(k) * gated.z(k);
      grad(n + k) = loss_gradient(k) * gated.g(k) * gated.dz(k) + lambda * dp;
    }
    return f;
  };
  // The gates of pruned weights keep drifting towards −B long after the support and the fit have
  // stopped changing; that drift changes nothing the stage reports, so the stage may end there.
  std::vector<bool> window_support(n, false), current(n);
  PetscInt window_start = 0;
  double window_loss = std::numeric_limits<double>::infinity();
  const IterateCheck settled = [&](const ConstVectorRef& v, double, PetscInt iteration) {
    if (iteration % settle_check_every != 0)
      return false;
    gated.compute(problem_, v.head(n), v.tail(n));
    for (Index k = 0; k < n; ++k)
      current[k] = std::abs(gated.w(k)) > settings_.support_tolerance;
    const double loss = problem_.loss(gated.w, loss_gradient);
    if (current != window_support ||
        std::abs(loss - window_loss) > settings_.settle_tolerance * std::abs(loss)) {
      window_support = current;
      window_start = iteration;
      window_loss = loss;
      return false;
    }
    return iteration - window_start >= static_cast<PetscInt>(settings_.settle_iterations);
  };
  const TaoResult r = [&] {
    const LogEventScope scope(log_event("L0Solve"));
    return tao_.minimize(objective, x, settings_.settle_iterations > 0 ? settled : IterateCheck());
  }();
  x = r.x;

  L0PathPoint point;
  point.lambda = lambda;
  point.objective = r.objective;
  point.iterations = r.iterations;
  point.reason = r.reason;
  gated.compute(problem_, x.head(n), x.tail(n));
  std::vector<bool> support(n);
  for (Index k = 0; k < n; ++k)
    support[k] = std::abs(gated.w(k)) > settings_.support_tolerance;
  point.surviving = problem_.surviving(support);
  // Prune: only surviving weights remain, removed gates are closed (for the rest of the path, with
  // continuation).
  Vector pruned = Vector::Zero(n);
  point.surviving_theta.resize(static_cast<Index>(point.surviving.size()));
  std::vector<bool> keep(n, false);
  for (size_t i = 0; i < point.surviving.size(); ++i) {
    const Index k = point.surviving[i];
    keep[k] = true;
    pruned(k) = gated.w(k);
    point.surviving_theta(static_cast<Index>(i)) = problem_.unconstrained(k, gated.w(k));
  }
  for (Index k = 0; k < n; ++k)
    if (!keep[k])
      x(n + k) = -settings_.log_alpha_bound;
  point.active = static_cast<Index>(point.surviving.size());
  point.loss = problem_.loss(pruned, loss_gradient);
  point.r_squared = problem_.r_squared(pruned);
  const double n_data = static_cast<double>(problem_.n_data());
  point.bic = n_data * std::log(point.loss) + static_cast<double>(point.active) * std::log(n_data);
  point.theta = x.head(n);
  point.log_alpha = x.tail(n);
  return point;
}

L0Result L0Sparsifier::run(const ConstVectorRef& theta0) {
  const Index n = problem_.n_weights();
  if (theta0.size() != n)
    throw Error("L0Sparsifier: start point has " + std::to_string(theta0.size()) + " entries for " +
                std::to_string(n) + " weights");
  Vector x(2 * n);
  RandomSequence rng(settings_.seed, RngStream::Gates, 0);
  for (Index k = 0; k < n; ++k)
    x(n + k) = settings_.gate_init_scale * rng.normal();

  L0Result result;
  x.head(n) = theta0;
  if (pretrain_tao_) {
    Vector g(n), dg(n), loss_gradient(n);
    auto data_loss = [&](const ConstVectorRef& theta, VectorRef grad) {
      problem_.reparameterise(theta, g, dg);
      const double f = problem_.loss(g, loss_gradient);
      grad = loss_gradient.cwiseProduct(dg);
      return f;
    };
    const TaoResult r = [&] {
      const LogEventScope scope(log_event("L0Pretrain"));
      return pretrain_tao_->minimize(data_loss, theta0);
    }();
    // Absorb the initial gates: g(θ) z̄(log α₀) = the pretrained g(θ*).
    problem_.reparameterise(r.x, g, dg);
    for (Index k = 0; k < n; ++k) {
      const double z0 = mean_gate(x(n + k));
      x(k) = z0 > 0 ? problem_.unconstrained(k, g(k) / z0) : r.x(k);
    }
    result.pretrain_r_squared = problem_.r_squared(g);
    result.pretrain_iterations = r.iterations;
    logger().info("L0 pretraining: R^2 ", result.pretrain_r_squared, " (", r.iterations,
                  " TAO iterations, ", r.reason, ")");
  }

  auto log_stage = [](const L0PathPoint& p) {
    logger().info("L0 lambda ", p.lambda, ": ", p.active, " active, loss ", p.loss, ", R^2 ",
                  p.r_squared, " (", p.iterations, " TAO iterations, ", p.reason, ")");
  };
  const Index n_stages = static_cast<Index>(settings_.lambdas.size());
  if (settings_.continuation) {
    Progress progress(0, n_stages);
    for (double lambda : settings_.lambdas) {
      result.path.push_back(solve_stage(lambda, x));
      log_stage(result.path.back());
      logger().info("  L0 path: ", result.path.size(), "/", n_stages, " stages, ",
                    progress.time_eta(static_cast<Index>(result.path.size())));
    }
  } else {
    // Every stage starts from the pretrained network, so it is the same computation on whichever
    // rank solves it. The stages are logged together at the end; meanwhile rank 0 reports its own
    // share (stage i is solved by rank i mod P).
    const Vector start = x;
    int rank = 0, ranks = 1;
    MPI_Comm_rank(comm_, &rank);
    MPI_Comm_size(comm_, &ranks);
    const Index own = (n_stages - rank + ranks - 1) / ranks;
    Progress progress(0, own);
    Index solved = 0;
    result.path = solve_stages_round_robin(
        settings_.lambdas.size(),
        [&](size_t i) {
          Vector stage_x = start;
          L0PathPoint point = solve_stage(settings_.lambdas[i], stage_x);
          ++solved;
          logger().info("  L0 path: lambda ", point.lambda, " solved, ", solved, "/", own,
                        " of rank 0's stages (", n_stages, " in all), ", progress.time_eta(solved));
          return point;
        },
        comm_);
    for (const auto& p : result.path)
      log_stage(p);
  }

  // A stage that pruned every weight is no model: it is never selected, and a path of nothing else
  // is an error that says how far λ may go.
  check_some_weight_kept(result.path);
  for (size_t i = 0; i < result.path.size(); ++i) {
    const auto& p = result.path[i];
    if (p.active == 0 || p.r_squared < settings_.r2_threshold)
      continue;
    if (result.selected < 0 || p.active < result.best().active ||
        (p.active == result.best().active && p.r_squared > result.best().r_squared))
      result.selected = static_cast<Index>(i);
  }
  result.threshold_met = result.selected >= 0;
  if (!result.threshold_met) {
    for (size_t i = 0; i < result.path.size(); ++i) {
      const auto& p = result.path[i];
      if (p.active == 0)
        continue;
      if (result.selected < 0 || p.bic < result.best().bic ||
          (p.bic == result.best().bic && p.active < result.best().active))
        result.selected = static_cast<Index>(i);
    }
    logger().warning("L0: no stage reached training R^2 >= ", settings_.r2_threshold,
                     "; selected the stage of lowest BIC (", result.best().active, " weights, R^2 ",
                     result.best().r_squared, ")");
  }
  return result;
}

} // namespace l0svgd
