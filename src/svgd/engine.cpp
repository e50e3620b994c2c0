#include "l0svgd/svgd/engine.hpp"

#include "iteration_loop.hpp"
#include "step_statistics.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/parallel/collective_error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <petscsys.h>
#include <string>

namespace l0svgd {
namespace {

// The matrix-valued kernel has its own class; the SteinKernel then measures the KSD with the
// scalar RBF.
KernelSettings stein_kernel_settings(KernelSettings settings) {
  if (settings.type == KernelType::HessianMixture)
    settings.type = KernelType::Rbf;
  return settings;
}

// The share of a node's available memory an SVGD run may plan to fill: the model, MPI's buffers and
// the allocator need the rest.
constexpr double kUsableMemory = 0.8;

// The partition, once the rank count and the memory are known to suffice (before any allocation).
Partition checked_partition(const SvgdSettings& settings, Index dim, MPI_Comm comm) {
  Partition partition = particle_partition(settings.n_particles, comm);
  check_svgd_memory(settings, dim, comm);
  return partition;
}

} // namespace

double svgd_memory_bytes(const SvgdSettings& settings, Index n_ranks, Index dim) {
  const double n = static_cast<double>(settings.n_particles), d = static_cast<double>(dim);
  const double b = std::ceil(n / static_cast<double>(std::max<Index>(n_ranks, 1)));
  const KernelSettings& k = settings.kernel;
  const double tile = std::min<double>(static_cast<double>(std::max<Index>(k.tile, 1)), n);
  const bool ring = k.exchange == Exchange::Ring && n_ranks > 1;
  const bool coordinate = k.type == KernelType::RbfCoordinate;
  const bool kept = !coordinate && !(k.bandwidth > 0.0) && b * n * sizeof(double) <= k.memory_bytes;
  double doubles = 5.0 * b * d + 5.0 * b + 3.0 * n; // particles, [S X], direction, displacement
  doubles += 2.0 * b * d;                           // step-rule state (Adam's two moments)
  const double rows = ring ? 2.0 * b : n;           // exchanged [S X], augmented, dot products
  doubles += rows * (2.0 * d) + rows * (d + 2.0) + rows + (ring ? 2.0 * b * d : 0.0);
  doubles += b * (d + 2.0) + 3.0 * b * d + 3.0 * b; // left, attraction, repulsion
  if (coordinate)
    doubles += n * 2.0 * d + b * d;
  else
    doubles += b * (kept ? n : tile) + 2.0 * b * tile; // distances, values, IMQ weights
  doubles += std::min(b * n, k.memory_bytes / 4.0 / sizeof(double)); // the median's sample
  if (k.type == KernelType::HessianMixture)
    doubles += static_cast<double>(k.anchors) * (d * d + n * (d + 2.0)) + n * (2.0 * d + 2.0);
  return doubles * sizeof(double);
}

void check_svgd_memory(const SvgdSettings& settings, Index dim, MPI_Comm comm) {
  int size = 1;
  L0_MPI(MPI_Comm_size(comm, &size));
  MPI_Comm node;
  L0_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  int on_node = 1;
  MPI_Comm_size(node, &on_node);
  MPI_Comm_free(&node);
  const double need = svgd_memory_bytes(settings, size, dim);
  double per_rank = available_memory_bytes() / on_node, least = 0.0;
  L0_MPI(MPI_Allreduce(&per_rank, &least, 1, MPI_DOUBLE, MPI_MIN, comm));
  const double gib = 1024.0 * 1024.0 * 1024.0;
  require_input(need <= kUsableMemory * least,
                "SVGD with " + std::to_string(settings.n_particles) + " particles in " +
                    std::to_string(dim) + " dimensions needs about " + format("%.3g", need / gib) +
                    " GiB per rank on " + std::to_string(size) + " ranks, and " +
                    format("%.3g", least / gib) +
                    " GiB per rank are available: lower -svgd_particles, or run on more nodes");
}

Partition particle_partition(Index n_particles, MPI_Comm comm) {
  int size = 1;
  L0_MPI(MPI_Comm_size(comm, &size));
  require_input(n_particles >= 2, "SVGD needs at least 2 particles (-svgd_particles)");
  require_input(n_particles >= size, "-svgd_particles " + std::to_string(n_particles) +
                                         " is smaller than the number of MPI ranks " +
                                         std::to_string(size));
  return Partition(n_particles, comm);
}

void check_particle_block(const ConstMatrixRef& x, const Partition& partition, Index dim) {
  if (x.rows() != partition.n_local() || x.cols() != dim)
    throw InputError("SVGD particles: this rank's block is " + std::to_string(x.rows()) + " x " +
                     std::to_string(x.cols()) + ", expected " +
                     std::to_string(partition.n_local()) + " x " + std::to_string(dim));
}

SvgdSettings configure_svgd(Options& options, const SvgdSettings& defaults) {
  SvgdSettings s;
  const PetscInt most = PETSC_MAX_INT;
  s.n_particles = options.get_int("svgd_particles", 100, 2, most,
                                  "number of particles N (at least the number of MPI ranks)");
  s.iterations = options.get_int("svgd_iterations", 1000, 0, most,
                                 "total number of SVGD iterations (a restart continues up to it)");
  s.step_rule = configure_step_rule(options, "svgd_", defaults.step_rule);
  s.kernel = configure_kernel(options, "svgd_", defaults.kernel.type);
  s.tolerance = options.get_real(
      "svgd_tol", 0.0, 0.0, 1e300,
      "stop when |X_new - X_old| / |X - mean(X)| (Frobenius norms) falls below it; 0 = off. "
      "adagrad and adam move every coordinate by about the step, so this suits the plain rule "
      "best");
  s.monitor_every = options.get_int("svgd_monitor_every", 100, 0, most,
                                    "print a monitor line every this many iterations; 0 = off");
  s.ksd_every = options.get_int("svgd_ksd_every", static_cast<PetscInt>(s.monitor_every), 0, most,
                                "compute the kernelized Stein discrepancy every this many "
                                "iterations and at the last; 0 = never (default: monitor_every)");
  return s;
}

SvgdEngine::SvgdEngine(const Model& model, const SvgdSettings& settings, MPI_Comm comm)
    : model_(model), settings_(settings), comm_(comm),
      partition_(checked_partition(settings, model.dim(), comm)), dim_(model.dim()),
      particles_(Matrix::Zero(partition_.n_local(), dim_)), log_density_(partition_.n_local()),
      local_scores_positions_(partition_.n_local(), 2 * dim_),
      direction_(partition_.n_local(), dim_), displacement_(partition_.n_local(), dim_),
      local_statistics_(partition_.n_local(), 3), statistics_(partition_.n_global(), 3),
      discrepancy_rows_(partition_.n_local()), gather_statistics_(partition_, 3, comm),
      kernel_(stein_kernel_settings(settings.kernel), partition_, dim_, comm),
      mixture_(settings.kernel.type == KernelType::HessianMixture
                   ? std::make_unique<MixtureKernel>(settings.kernel.anchors, partition_, dim_,
                                                     settings.kernel.seed, comm)
                   : nullptr),
      step_rule_(settings.step_rule, partition_.n_local(), dim_), events_{log_event("SVGDGradient"),
                                                                          log_event("SVGDGather"),
                                                                          log_event("SVGDKernel"),
                                                                          log_event("SVGDKSD"),
                                                                          log_event("SVGDUpdate")} {
}

SvgdEngine::~SvgdEngine() = default;

void SvgdEngine::set_local_particles(const ConstMatrixRef& x) {
  check_particle_block(x, partition_, dim_);
  particles_ = x;
  evaluated_ = false;
}

void SvgdEngine::set_iteration(Index iteration) {
  require_input(iteration >= 0, "SVGD iteration count must not be negative");
  iteration_ = iteration;
}

void SvgdEngine::evaluate() {
  LogEventScope event(events_.gradient);
  auto scores = local_scores_positions_.leftCols(dim_);
  run_collectively(
      [&] {
        model_.evaluate(particles_, log_density_, scores);
        check_finite(model_, log_density_, scores, partition_.local_begin(),
                     "in SVGD iteration " + std::to_string(iteration_ + 1));
      },
      comm_);
  local_scores_positions_.rightCols(dim_) = particles_;
  evaluated_ = true;
}

double SvgdEngine::prepare_kernel(bool with_discrepancy) {
  if (!evaluated_)
    evaluate();
  {
    LogEventScope event(events_.gather);
    kernel_.exchange(local_scores_positions_);
  }
  LogEventScope event(events_.kernel);
  const double h = kernel_.compute(with_discrepancy);
  L0_PETSC(PetscLogFlops(kernel_.flops()));
  return h;
}

void SvgdEngine::gather_statistics() {
  LogEventScope event(events_.gather);
  gather_statistics_.gather(local_statistics_, statistics_);
}

IterationInfo SvgdEngine::step() {
  IterationInfo info;
  info.iteration = iteration_ + 1;
  info.has_ksd = ksd_due(settings_, info.iteration);
  double spread = 0.0;
  if (mixture_) {
    if (!evaluated_)
      evaluate();
    {
      LogEventScope event(events_.kernel);
      mixture_->direction(local_scores_positions_, iteration_, precision_, direction_);
      L0_PETSC(PetscLogFlops(mixture_->flops()));
    }
    info.bandwidth = mixture_->bandwidth();
    spread = std::sqrt(mixture_->centred_positions_squared_norm());
    if (info.has_ksd)
      prepare_kernel(true);
  } else {
    info.bandwidth = prepare_kernel(info.has_ksd);
    spread = std::sqrt(kernel_.centred_positions_squared_norm());
    LogEventScope event(events_.kernel);
    kernel_.direction(direction_);
  }
  if (info.has_ksd) {
    LogEventScope event(events_.ksd);
    kernel_.discrepancy_row_sums(discrepancy_rows_);
  }
  {
    LogEventScope event(events_.update);
    step_rule_.update(direction_, displacement_);
    particles_ += displacement_;
  }
  evaluated_ = false;
  iteration_ = info.iteration;

  fill_local_statistics(local_statistics_, log_density_, displacement_,
                        info.has_ksd ? &discrepancy_rows_ : nullptr);
  gather_statistics();
  summarise_statistics(statistics_, spread, info);
  return info;
}

double SvgdEngine::stein_discrepancy_squared() {
  prepare_kernel(true);
  {
    LogEventScope event(events_.ksd);
    kernel_.discrepancy_row_sums(discrepancy_rows_);
  }
  local_statistics_.setZero();
  local_statistics_.col(2) = discrepancy_rows_;
  gather_statistics();
  return ksd_squared(statistics_);
}

Matrix SvgdEngine::gather_particles() const {
  Matrix all(partition_.n_global(), dim_);
  RowGather(partition_, dim_, comm_).gather(particles_, all);
  return all;
}

SvgdRunSummary SvgdEngine::run(const SvgdObserver& observer, const SvgdMonitor& monitor) {
  const Index first = iteration_;
  const Index total = settings_.iterations;
  const KernelSettings& k = settings_.kernel;
  logger().info(
      "SVGD: ", partition_.n_global(), " particles in ", dim_, " dimensions on ", partition_.size(),
      partition_.size() == 1 ? " rank" : " ranks", "; kernel ", kernel_name(k.type),
      k.bandwidth > 0.0 ? " h = " + format("%g", k.bandwidth) : std::string(" (median heuristic)"),
      "; step rule ", step_rule_name(settings_.step_rule.type), " step ",
      format("%g", settings_.step_rule.step), "; iterations ", first, " -> ", total);
  const SvgdRunSummary summary = run_iterations(*this, settings_, "SVGD", observer, [&monitor] {
    return monitor ? monitor() : std::string();
  });
  logger().info("SVGD: ", stop_reason(summary), " after ", summary.iterations, " iterations, ",
                format("%.2f", summary.elapsed_seconds), " s");
  return summary;
}

} // namespace l0svgd
