#include "l0svgd/svgd/kernel.hpp"

#include "kernel_simd.hpp"

#include "l0svgd/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace l0svgd {
namespace {

double rbf_value(double r2, double h) { return std::exp(-r2 / h); }
double rbf_weight(double k, double h) { return 2.0 * k / h; }
double imq_value(double r2, double h) { return 1.0 / std::sqrt(1.0 + r2 / h); }
double imq_weight(double k, double h) { return k * k * k / h; }

const KernelFamily kFamilies[] = {{KernelType::Rbf, "rbf", rbf_value, rbf_weight},
                                  {KernelType::Imq, "imq", imq_value, imq_weight}};

using ColumnMap = Eigen::Map<Eigen::MatrixXd>;

} // namespace

const KernelFamily& kernel_family(KernelType type) {
  return kFamilies[type == KernelType::Imq ? 1 : 0];
}

KernelSettings configure_kernel(Options& options, const std::string& prefix) {
  KernelSettings settings;
  const std::string type =
      options.get_choice(prefix + "kernel", "rbf", {"rbf", "imq"},
                         "Stein kernel: rbf exp(-r^2/h) or imq (1 + r^2/h)^(-1/2)");
  settings.type = type == "imq" ? KernelType::Imq : KernelType::Rbf;
  settings.bandwidth =
      options.get_real(prefix + "bandwidth", 0.0, 0.0, std::numeric_limits<double>::max(),
                       "kernel bandwidth h; 0 = median heuristic h = med^2/log(N+1) over all "
                       "pairs, every iteration");
  settings.memory_bytes =
      options.get_real(prefix + "kernel_memory", 512.0, 1.0, 1e9,
                       "MiB per rank the kernel may use to keep its n_local x N distance matrix; "
                       "above it the distances are streamed in column tiles and recomputed for the "
                       "median (less memory, about 1.7x the kernel time with the median heuristic)") *
      1024.0 * 1024.0;
  settings.tile = options.get_int(prefix + "kernel_tile", 256, 16, 1 << 24,
                                  "columns per kernel tile (the same on any rank count, so the "
                                  "sums over particles keep their order)");
  return settings;
}

const char* kernel_name(KernelType type) { return kernel_family(type).name; }

double kernel_value(KernelType type, double r2, double h) {
  return kernel_family(type).value(r2, h);
}

double repulsion_weight(KernelType type, double k, double h) {
  return kernel_family(type).weight(k, h);
}

double median_heuristic_bandwidth(double median_squared_distance, Index n_particles) {
  return median_squared_distance / std::log(static_cast<double>(n_particles) + 1.0);
}

const char* kernel_instruction_set() { return simd::instruction_set(); }

SteinKernel::SteinKernel(const KernelSettings& settings, Index n_global, Index local_begin,
                         Index n_local, Index dim, MPI_Comm comm)
    : settings_(settings), n_(n_global), begin_(local_begin), n_local_(n_local), dim_(dim),
      tile_(std::min<Index>(std::max<Index>(settings.tile, 1), std::max<Index>(n_global, 1))),
      stored_(static_cast<double>(n_local) * static_cast<double>(n_global) * sizeof(double) <=
              settings.memory_bytes),
      median_(comm, static_cast<std::size_t>(std::max(settings.memory_bytes / 4.0, 1048576.0))),
      scores_positions_(n_global, 2 * dim), mean_(dim), left_(n_local, dim + 2),
      right_(n_global, dim + 2), distances_(n_local, stored_ ? n_global : tile_),
      values_(n_local, tile_), weights_(settings.type == KernelType::Imq ? n_local : 0, tile_),
      attraction_(n_local, dim), repulsion_(n_local, 2 * dim), score_dot_position_(n_global),
      repulsion_sum_(n_local), repulsion_dot_(n_local), trace_term_(n_local) {
  if (local_begin < 0 || n_local < 0 || local_begin + n_local > n_global || dim < 1)
    throw Error("SteinKernel: local rows do not fit the particle count");
}

double SteinKernel::buffer_bytes() const {
  const double doubles =
      static_cast<double>(distances_.size() + values_.size() + weights_.size() +
                          scores_positions_.size() + left_.size() + right_.size() +
                          attraction_.size() + repulsion_.size()) +
      2.0 * static_cast<double>(n_);
  return doubles * sizeof(double);
}

void SteinKernel::distance_tile(Index c0, Index cols, double* out) {
  if (n_local_ == 0 || cols == 0)
    return;
  // out = L R_tileᵀ straight through BLAS with β = 0 (Eigen's product would first zero the block
  // itself). Row-major rows of length d + 2 are column-major columns.
  const int m = static_cast<int>(n_local_), n = static_cast<int>(cols);
  const int k = static_cast<int>(dim_ + 2), ldc = static_cast<int>(n_local_);
  const double alpha = 1.0, beta = 0.0;
  dgemm_("T", "N", &m, &n, &k, &alpha, left_.data(), &k, right_.data() + c0 * k, &k, &beta, out,
         &ldc);
  // Self-distances exactly 0 (round-off would leave ~1e-16 · ‖x‖²).
  const Index first = std::max(c0, begin_), last = std::min(c0 + cols, begin_ + n_local_);
  for (Index c = first; c < last; ++c)
    out[(c - c0) * n_local_ + (c - begin_)] = 0.0;
  flops_ += static_cast<double>(n_local_) * static_cast<double>(cols) * (2.0 * dim_ + 4.0);
}

double* SteinKernel::tile_distances(Index c0, Index cols, bool recompute) {
  if (stored_)
    return distances_.data() + c0 * n_local_;
  if (recompute)
    distance_tile(c0, cols, distances_.data());
  return distances_.data();
}

DistanceTiles SteinKernel::distance_tiles() {
  const Index ld = std::max<Index>(n_local_, 1);
  return [this, ld](const std::function<void(const DistanceTile&)>& f) {
    if (stored_) {
      f(DistanceTile{distances_.data(), ld, n_, 0});
      return;
    }
    for (Index c0 = 0; c0 < n_; c0 += tile_) {
      const Index cols = std::min(tile_, n_ - c0);
      f(DistanceTile{tile_distances(c0, cols, true), ld, cols, c0});
    }
  };
}

void SteinKernel::accumulate_tile(Index c0, Index cols, const double* d, bool with_discrepancy) {
  const Index ld = std::max<Index>(n_local_, 1);
  const double inv_h = 1.0 / bandwidth_;
  double* trace = with_discrepancy ? trace_term_.data() : nullptr;
  const ColumnMap k(values_.data(), n_local_, cols);
  const auto sx = scores_positions_.middleRows(c0, cols);
  const double entries = static_cast<double>(n_local_) * static_cast<double>(cols);
  if (settings_.type == KernelType::Rbf) {
    simd::rbf_tile(d, values_.data(), n_local_, cols, ld, inv_h, repulsion_sum_.data(), trace);
    // R = (2/h) K: one GEMM K·[S X] gives both the attraction and the repulsion.
    repulsion_.noalias() += k * sx;
    if (with_discrepancy)
      repulsion_dot_.noalias() += k * score_dot_position_.segment(c0, cols);
    flops_ += entries * (4.0 * dim_ + 3.0 + (with_discrepancy ? 4.0 : 0.0));
    return;
  }
  simd::imq_tile(d, values_.data(), weights_.data(), n_local_, cols, ld, inv_h,
                 repulsion_sum_.data(), trace);
  const ColumnMap w(weights_.data(), n_local_, cols);
  attraction_.noalias() += k * sx.leftCols(dim_);
  if (with_discrepancy) {
    repulsion_.noalias() += w * sx;
    repulsion_dot_.noalias() += w * score_dot_position_.segment(c0, cols);
  } else {
    repulsion_.rightCols(dim_).noalias() += w * sx.rightCols(dim_);
  }
  flops_ += entries * ((with_discrepancy ? 6.0 : 4.0) * dim_ + 8.0);
}

double SteinKernel::compute(bool with_discrepancy) {
  flops_ = 0.0;
  with_discrepancy_ = with_discrepancy;
  auto positions = scores_positions_.rightCols(dim_);
  mean_ = positions.colwise().sum().transpose() / static_cast<double>(n_);
  positions.rowwise() -= mean_.transpose();
  right_.leftCols(dim_) = -2.0 * positions;
  right_.col(dim_) = positions.rowwise().squaredNorm();
  right_.col(dim_ + 1).setOnes();
  left_.leftCols(dim_) = positions.middleRows(begin_, n_local_);
  left_.col(dim_).setOnes();
  left_.col(dim_ + 1) = right_.col(dim_).segment(begin_, n_local_);
  flops_ += 5.0 * static_cast<double>(n_) * dim_;
  if (with_discrepancy)
    score_dot_position_ =
        (scores_positions_.leftCols(dim_).array() * positions.array()).rowwise().sum();

  // First pass: every tile's distances, and the median's first histogram while the tile is in
  // cache. Kept distances are not computed again; streamed ones are, for each later pass.
  const bool median = !(settings_.bandwidth > 0.0);
  const Index ld = std::max<Index>(n_local_, 1);
  if (median)
    median_.begin(n_local_, begin_, n_);
  if (median || stored_)
    for (Index c0 = 0; c0 < n_; c0 += tile_) {
      const Index cols = std::min(tile_, n_ - c0);
      double* d = stored_ ? distances_.data() + c0 * n_local_ : distances_.data();
      distance_tile(c0, cols, d);
      if (median)
        median_.add_tile(DistanceTile{d, ld, cols, c0});
    }
  double h = settings_.bandwidth;
  if (median) {
    const double med2 = median_.finish(distance_tiles());
    if (!(med2 > 0.0))
      throw Error("SVGD: at least half of the particle pairs coincide, so the median-heuristic "
                  "bandwidth is 0; spread the initial particles or set -svgd_bandwidth");
    h = median_heuristic_bandwidth(med2, n_);
  }
  if (!(h > 0.0) || !std::isfinite(h))
    throw Error("SteinKernel: bandwidth must be positive and finite");
  bandwidth_ = h;

  attraction_.setZero();
  repulsion_.setZero();
  repulsion_sum_.setZero();
  repulsion_dot_.setZero();
  trace_term_.setZero();
  for (Index c0 = 0; c0 < n_; c0 += tile_) {
    const Index cols = std::min(tile_, n_ - c0);
    accumulate_tile(c0, cols, tile_distances(c0, cols, true), with_discrepancy);
  }
  if (settings_.type == KernelType::Rbf) {
    attraction_ = repulsion_.leftCols(dim_);
    repulsion_ *= 2.0 / h;
    repulsion_sum_ *= 2.0 / h;
    repulsion_dot_ *= 2.0 / h;
    trace_term_ *= 4.0 / (h * h);
  } else {
    trace_term_ *= 3.0 / (h * h);
  }
  return h;
}

double SteinKernel::centred_positions_squared_norm() const {
  return scores_positions_.rightCols(dim_).squaredNorm();
}

void SteinKernel::direction(MatrixRef phi) const {
  phi.noalias() =
      attraction_ + repulsion_sum_.asDiagonal() * local_positions() - repulsion_.rightCols(dim_);
  phi /= static_cast<double>(n_);
}

void SteinKernel::discrepancy_row_sums(VectorRef rows) const {
  if (!with_discrepancy_)
    throw Error("SteinKernel: the discrepancy terms were not computed for this kernel matrix");
  const auto s = local_scores().array();
  const auto x = local_positions().array();
  // Σ_j u_ij = s_i·(KS)_i + (s_i·x_i)(R1)_i − s_i·(RX)_i − x_i·(RS)_i + (Rc)_i + d (R1)_i − T_i,
  // where R = w(K) and T the r²-part of the trace; the j = i term, ‖s_i‖² + d w(1), is then
  // removed.
  const double self_weight = repulsion_weight(settings_.type, 1.0, bandwidth_);
  const double d = static_cast<double>(dim_);
  rows = (s * attraction_.array()).rowwise().sum() +
         (s * x).rowwise().sum() * repulsion_sum_.array() -
         (s * repulsion_.rightCols(dim_).array()).rowwise().sum() -
         (x * repulsion_.leftCols(dim_).array()).rowwise().sum() + repulsion_dot_.array() +
         d * repulsion_sum_.array() - trace_term_.array() - s.square().rowwise().sum() -
         d * self_weight;
}

} // namespace l0svgd
