#include "l0svgd/svgd/kernel.hpp"

#include "../core/simd_math.hpp"
#include "kernel_simd.hpp"

#include "l0svgd/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace l0svgd {
namespace {

double rbf_value(double r2, double h) {
  return std::exp(-r2 / h);
}
double rbf_weight(double k, double h) {
  return 2.0 * k / h;
}
double imq_value(double r2, double h) {
  return 1.0 / std::sqrt(1.0 + r2 / h);
}
double imq_weight(double k, double h) {
  return k * k * k / h;
}

// rbf_coord is one RBF per coordinate: its value and weight are those of the RBF in 1-D.
const KernelFamily kFamilies[] = {
    {KernelType::Rbf, "rbf", rbf_value, rbf_weight},
    {KernelType::Imq, "imq", imq_value, imq_weight},
    {KernelType::RbfCoordinate, "rbf_coord", rbf_value, rbf_weight},
    {KernelType::HessianMixture, "hessian_mixture", rbf_value, rbf_weight},
    {KernelType::Auto, "auto", rbf_value, rbf_weight}};

// Rows of the local block per call of the coordinate-wise loop: its five sums stay in L1/L2.
constexpr Index kCoordinateRows = 512;

using ColumnMap = Eigen::Map<Eigen::MatrixXd>;

} // namespace

const KernelFamily& kernel_family(KernelType type) {
  for (const KernelFamily& family : kFamilies)
    if (family.type == type)
      return family;
  throw Error("unknown kernel type");
}

KernelType resolve_kernel(KernelType type, Index dim) {
  if (type != KernelType::Auto)
    return type;
  return dim < 5 ? KernelType::Imq : KernelType::RbfCoordinate;
}

KernelSettings configure_kernel(Options& options, const std::string& prefix,
                                KernelType default_type) {
  KernelSettings settings;
  std::vector<std::string> choices = {"rbf", "imq", "rbf_coord", "hessian_mixture"};
  if (default_type == KernelType::Auto)
    choices.push_back("auto");
  const std::string type = options.get_choice(
      prefix + "kernel", kernel_name(default_type), choices,
      "Stein kernel: rbf exp(-r^2/h), imq (1 + r^2/h)^(-1/2), rbf_coord, one RBF per "
      "coordinate exp(-(x_k - y_k)^2/h_k) with a median bandwidth each (keeps the spread in "
      "moderate dimension; N^2 d exponentials per iteration), or hessian_mixture, the "
      "matrix-valued kernel of Wang et al. 2019: RBFs in the metrics of the Hessians at "
      "-svgd_kernel_anchors particles, blended by Gaussian-mixture weights (-task svgd only); "
      "auto (-task svgd, whitened): imq below d = 5, rbf_coord from d = 5");
  for (const KernelFamily& family : kFamilies)
    if (type == family.name)
      settings.type = family.type;
  settings.bandwidth =
      options.get_real(prefix + "bandwidth", 0.0, 0.0, std::numeric_limits<double>::max(),
                       "kernel bandwidth h; 0 = median heuristic h = med^2/log(N+1) over all "
                       "pairs, every iteration");
  settings.memory_bytes =
      options.get_real(prefix + "kernel_memory", 512.0, 0.0, 1e9,
                       "MiB per rank the kernel may use to keep its n_local x N distance matrix; "
                       "above it (or with 0) the distances are streamed in column tiles and "
                       "recomputed for each pass of the median: O(N d + n_local tile) memory") *
      1024.0 * 1024.0;
  settings.tile = options.get_int(prefix + "kernel_tile", 256, 16, 1 << 24,
                                  "columns per kernel tile (the same on any rank count, so the "
                                  "sums over particles keep their order)");
  settings.exchange =
      options.get_choice(prefix + "exchange", "allgather", {"allgather", "ring"},
                         "how ranks see each other's particles: allgather (every rank holds all "
                         "N rows) or ring (blocks pass around the ranks: O(N d / P) per rank)") ==
              "ring"
          ? Exchange::Ring
          : Exchange::Allgather;
  settings.anchors = options.get_int(prefix + "kernel_anchors", 8, 1, 1 << 20,
                                     "hessian_mixture: anchor particles per iteration, each with "
                                     "a Hessian evaluation and a kernel pass");
  // Both read every particle (per-coordinate medians, the anchors' mixture weights).
  const bool reads_all =
      settings.type == KernelType::RbfCoordinate || settings.type == KernelType::HessianMixture;
  require_input(!(reads_all && settings.exchange == Exchange::Ring),
                "-" + prefix + "kernel " + kernel_name(settings.type) + " needs -" + prefix +
                    "exchange allgather: it reads every particle");
  return settings;
}

const char* kernel_name(KernelType type) {
  return kernel_family(type).name;
}

double kernel_value(KernelType type, double r2, double h) {
  return kernel_family(type).value(r2, h);
}

double repulsion_weight(KernelType type, double k, double h) {
  return kernel_family(type).weight(k, h);
}

double median_heuristic_bandwidth(double median_squared_distance, Index n_particles) {
  return median_squared_distance / std::log(static_cast<double>(n_particles) + 1.0);
}

const char* kernel_instruction_set() {
  return simd::instruction_set();
}

namespace {
constexpr int kRingTag = 7301;
} // namespace

SteinKernel::SteinKernel(const KernelSettings& settings, const Partition& partition, Index dim,
                         MPI_Comm comm)
    : settings_(settings), partition_(partition), comm_(comm), n_(partition.n_global()),
      begin_(partition.local_begin()), n_local_(partition.n_local()), dim_(dim),
      tile_(std::min<Index>(std::max<Index>(settings.tile, 1), std::max<Index>(n_, 1))),
      stored_(settings.type != KernelType::RbfCoordinate && !(settings.bandwidth > 0.0) &&
              static_cast<double>(n_local_) * static_cast<double>(n_) * sizeof(double) <=
                  settings.memory_bytes),
      ring_(settings.exchange == Exchange::Ring && partition.size() > 1),
      median_(comm, static_cast<std::size_t>(std::max(settings.memory_bytes / 4.0, 1048576.0))) {
  if (dim < 1)
    throw Error("SteinKernel: the dimension must be at least 1");
  Index block = 0; // the largest block of any rank
  for (int r = 0; r < partition.size(); ++r)
    block = std::max(block, partition.count(r));
  if (ring_) {
    all_.resize(2 * block, 2 * dim);
    right_.resize(block, dim + 2);
    dot_.resize(block);
  } else {
    gather_ = std::make_unique<RowGather>(partition, 2 * dim, comm);
    all_.resize(n_, 2 * dim);
    right_.resize(n_, dim + 2);
    dot_.resize(n_);
  }
  own_.resize(ring_ ? n_local_ : 0, 2 * dim);
  mean_.resize(dim);
  left_.resize(n_local_, dim + 2);
  const bool coordinate = settings.type == KernelType::RbfCoordinate;
  distances_.resize(n_local_, coordinate ? 0 : stored_ ? n_ : tile_);
  values_.resize(n_local_, coordinate ? 0 : tile_);
  if (coordinate) {
    columns_.resize(n_, 2 * dim);
    local_columns_.resize(n_local_, dim);
    coordinate_sums_.resize(std::min(n_local_, kCoordinateRows), 5);
    coordinate_h_.resize(dim);
  }
  weights_.resize(settings.type == KernelType::Imq ? n_local_ : 0, tile_);
  attraction_.resize(n_local_, dim);
  repulsion_.resize(n_local_, 2 * dim);
  repulsion_sum_.resize(n_local_);
  repulsion_dot_.resize(n_local_);
  trace_term_.resize(n_local_);
}

SteinKernel::~SteinKernel() = default;

double SteinKernel::buffer_bytes() const {
  const double doubles = static_cast<double>(
      distances_.size() + values_.size() + weights_.size() + all_.size() + own_.size() +
      left_.size() + right_.size() + dot_.size() + attraction_.size() + repulsion_.size() +
      columns_.size() + local_columns_.size() + coordinate_sums_.size());
  return doubles * sizeof(double);
}

double SteinKernel::particle_buffer_bytes() const {
  return static_cast<double>(all_.size() + right_.size() + dot_.size()) * sizeof(double);
}

void SteinKernel::exchange(const ConstMatrixRef& local) {
  if (local.rows() != n_local_ || local.cols() != 2 * dim_)
    throw Error("SteinKernel: the local [S X] block has the wrong shape");
  if (ring_)
    own_ = local;
  else
    gather_->gather(local, all_); // this rank's rows are a block of all_
}

void SteinKernel::augment(const double* sx, Index rows, double* right, double* dot) {
  const Eigen::Map<const Matrix> block(sx, rows, 2 * dim_);
  Eigen::Map<Matrix> aug(right, rows, dim_ + 2);
  const auto x = block.rightCols(dim_);
  aug.leftCols(dim_) = -2.0 * x;
  aug.col(dim_) = x.rowwise().squaredNorm();
  aug.col(dim_ + 1).setOnes();
  Eigen::Map<Vector>(dot, rows) = (block.leftCols(dim_).array() * x.array()).rowwise().sum();
  flops_ += 6.0 * static_cast<double>(rows) * dim_;
}

// Calls f(block) for the blocks of columns, each once: all N rows at once with allgather; with
// the ring, P blocks, each rank passing the block it has just used to the next rank while it
// computes (MPI_Isend/Irecv of whole particle rows). Collective with the ring.
template <class F> void SteinKernel::for_each_block(F&& f) {
  if (!ring_) {
    f(Block{all_.data(), right_.data(), dot_.data(), n_, 0});
    return;
  }
  const int size = partition_.size(), rank = partition_.rank();
  const Index stride = all_.rows() / 2 * 2 * dim_; // doubles per travelling buffer
  const int next = (rank + 1) % size, previous = (rank - 1 + size) % size;
  all_.topRows(n_local_) = own_;
  int current = 0;
  for (int step = 0; step < size; ++step) {
    const int owner = (rank - step + size) % size;
    double* buffer = all_.data() + current * stride;
    MPI_Request requests[2];
    int pending = 0;
    if (step + 1 < size) {
      const int incoming = (rank - step - 1 + size) % size;
      const Index rows = partition_.count(incoming), sent = partition_.count(owner);
      // Counted in doubles: a block beyond 2³¹ doubles (16 GiB) per rank is out of reach anyway.
      L0_MPI(MPI_Irecv(all_.data() + (1 - current) * stride, static_cast<int>(rows * 2 * dim_),
                       MPI_DOUBLE, previous, kRingTag, comm_, &requests[pending++]));
      L0_MPI(MPI_Isend(buffer, static_cast<int>(sent * 2 * dim_), MPI_DOUBLE, next, kRingTag, comm_,
                       &requests[pending++]));
    }
    const Index rows = partition_.count(owner);
    augment(buffer, rows, right_.data(), dot_.data());
    f(Block{buffer, right_.data(), dot_.data(), rows, partition_.begin(owner)});
    if (pending > 0)
      L0_MPI(MPI_Waitall(pending, requests, MPI_STATUSES_IGNORE));
    current = 1 - current;
  }
}

// Centres the positions, and in the same pass over each row builds its augmented distance row and
// s·x (one read of [S X] instead of five).
// Calls f(block, offset, cols) for the tiles of `tile_` columns of every block, in block order.
template <class F> void SteinKernel::for_each_tile(F&& f) {
  for_each_block([&](const Block& b) {
    for (Index off = 0; off < b.rows; off += tile_)
      f(b, off, std::min(tile_, b.rows - off));
  });
}

void SteinKernel::centre() {
  const auto centre_rows = [&](Matrix& sx, Index rows) {
    double spread = 0.0;
    for (Index j = 0; j < rows; ++j) {
      auto x = sx.row(j).tail(dim_);
      x -= mean_.transpose();
      const double norm = x.squaredNorm();
      spread += norm;
      if (!ring_) {
        auto aug = right_.row(j);
        aug.head(dim_) = -2.0 * x;
        aug(dim_) = norm;
        aug(dim_ + 1) = 1.0;
        dot_(j) = sx.row(j).head(dim_).dot(x);
      }
    }
    return spread;
  };
  if (!ring_) {
    mean_ = all_.rightCols(dim_).colwise().sum().transpose() / static_cast<double>(n_);
    spread_squared_ = centre_rows(all_, n_);
  } else {
    // Partial sums in rank order (ordered_sum), so every rank subtracts the same mean.
    Vector partial = own_.rightCols(dim_).colwise().sum().transpose(), total(dim_);
    ordered_sum(partial, total, comm_);
    mean_ = total / static_cast<double>(n_);
    Vector spread(1), spread_total(1);
    spread(0) = centre_rows(own_, n_local_);
    ordered_sum(spread, spread_total, comm_);
    spread_squared_ = spread_total(0);
  }
  const auto x = own().rightCols(dim_);
  left_.leftCols(dim_) = x;
  left_.col(dim_).setOnes();
  left_.col(dim_ + 1) = x.rowwise().squaredNorm();
  flops_ += 10.0 * static_cast<double>(n_) * dim_;
}

void SteinKernel::distance_tile(const double* right, Index c0, Index cols, double* out) {
  if (n_local_ == 0 || cols == 0)
    return;
  // out = L R_tileᵀ straight through BLAS with β = 0 (Eigen's product would first zero the block
  // itself). Row-major rows of length d + 2 are column-major columns.
  const int m = static_cast<int>(n_local_), n = static_cast<int>(cols);
  const int k = static_cast<int>(dim_ + 2), ldc = static_cast<int>(n_local_);
  const double alpha = 1.0, beta = 0.0;
  dgemm_("T", "N", &m, &n, &k, &alpha, left_.data(), &k, right, &k, &beta, out, &ldc);
  // Self-distances exactly 0 (round-off would leave ~1e-16 · ‖x‖²).
  const Index first = std::max(c0, begin_), last = std::min(c0 + cols, begin_ + n_local_);
  for (Index c = first; c < last; ++c)
    out[(c - c0) * n_local_ + (c - begin_)] = 0.0;
  flops_ += static_cast<double>(n_local_) * static_cast<double>(cols) * (2.0 * dim_ + 4.0);
}

DistanceTiles SteinKernel::distance_tiles() {
  const Index ld = std::max<Index>(n_local_, 1);
  return [this, ld](const std::function<void(const DistanceTile&)>& f) {
    if (stored_) {
      f(DistanceTile{distances_.data(), ld, n_, 0});
      return;
    }
    for_each_tile([&](const Block& b, Index off, Index cols) {
      distance_tile(b.right + off * (dim_ + 2), b.begin + off, cols, distances_.data());
      f(DistanceTile{distances_.data(), ld, cols, b.begin + off});
    });
  };
}

void SteinKernel::accumulate_tile(const Block& block, Index offset, Index cols, const double* d,
                                  bool with_discrepancy) {
  const Index ld = std::max<Index>(n_local_, 1);
  const double inv_h = 1.0 / bandwidth_;
  double* trace = with_discrepancy ? trace_term_.data() : nullptr;
  const ColumnMap k(values_.data(), n_local_, cols);
  const Eigen::Map<const Matrix> sx(block.sx + offset * 2 * dim_, cols, 2 * dim_);
  const Eigen::Map<const Vector> dot(block.dot + offset, cols);
  const double entries = static_cast<double>(n_local_) * static_cast<double>(cols);
  if (settings_.type == KernelType::Rbf) {
    simd::rbf_tile(d, values_.data(), n_local_, cols, ld, inv_h, repulsion_sum_.data(), trace);
    // R = (2/h) K: one GEMM K·[S X] gives both the attraction and the repulsion.
    repulsion_.noalias() += k * sx;
    if (with_discrepancy)
      repulsion_dot_.noalias() += k * dot;
    flops_ += entries * (4.0 * dim_ + 3.0 + (with_discrepancy ? 4.0 : 0.0));
    return;
  }
  simd::imq_tile(d, values_.data(), weights_.data(), n_local_, cols, ld, inv_h,
                 repulsion_sum_.data(), trace);
  const ColumnMap w(weights_.data(), n_local_, cols);
  attraction_.noalias() += k * sx.leftCols(dim_);
  if (with_discrepancy) {
    repulsion_.noalias() += w * sx;
    repulsion_dot_.noalias() += w * dot;
  } else {
    repulsion_.rightCols(dim_).noalias() += w * sx.rightCols(dim_);
  }
  flops_ += entries * ((with_discrepancy ? 6.0 : 4.0) * dim_ + 8.0);
}

double SteinKernel::compute(bool with_discrepancy) {
  flops_ = 0.0;
  with_discrepancy_ = with_discrepancy;
  centre();
  attraction_.setZero();
  repulsion_.setZero();
  repulsion_sum_.setZero();
  repulsion_dot_.setZero();
  trace_term_.setZero();
  const Index ld = std::max<Index>(n_local_, 1);

  if (coordinatewise()) {
    compute_coordinatewise(with_discrepancy);
    return bandwidth_;
  }
  if (settings_.bandwidth > 0.0) {
    // Fixed bandwidth: distances and products in one pass, each tile in cache.
    bandwidth_ = settings_.bandwidth;
    for_each_tile([&](const Block& b, Index off, Index cols) {
      distance_tile(b.right + off * (dim_ + 2), b.begin + off, cols, distances_.data());
      accumulate_tile(b, off, cols, distances_.data(), with_discrepancy);
    });
  } else {
    // First pass: the distances, and the median's first histogram while each tile is in cache.
    // Kept distances are not computed again; streamed ones are, for each later pass.
    median_.begin(n_local_, begin_, n_);
    for_each_tile([&](const Block& b, Index off, Index cols) {
      double* d = stored_ ? distances_.data() + (b.begin + off) * n_local_ : distances_.data();
      distance_tile(b.right + off * (dim_ + 2), b.begin + off, cols, d);
      median_.add_tile(DistanceTile{d, ld, cols, b.begin + off});
    });
    bandwidth_ = median_bandwidth(median_.finish(distance_tiles()), n_);
    for_each_tile([&](const Block& b, Index off, Index cols) {
      double* d = distances_.data();
      if (stored_)
        d += (b.begin + off) * n_local_;
      else
        distance_tile(b.right + off * (dim_ + 2), b.begin + off, cols, d);
      accumulate_tile(b, off, cols, d, with_discrepancy);
    });
  }
  const double h = bandwidth_;
  if (!(h > 0.0) || !std::isfinite(h))
    throw Error("SteinKernel: bandwidth must be positive and finite");
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

void SteinKernel::compute_coordinatewise(bool with_discrepancy) {
  columns_ = all_; // column by column: each coordinate's N scores and positions contiguous
  local_columns_ = local_positions();
  if (settings_.bandwidth > 0.0) {
    coordinate_h_.setConstant(settings_.bandwidth);
  } else {
    // Each rank finds the exact medians of the coordinates k ≡ rank (mod P), then all ranks add
    // them up (one nonzero term each, so exact); every rank then checks every median, and a zero
    // one throws on all.
    Vector medians = Vector::Zero(dim_);
    for (Index k = partition_.rank(); k < dim_; k += partition_.size())
      medians(k) = pair_median_1d(columns_.col(dim_ + k).data(), n_, median_work_);
    L0_MPI(MPI_Allreduce(MPI_IN_PLACE, medians.data(), static_cast<int>(dim_), MPI_DOUBLE, MPI_SUM,
                         comm_));
    for (Index k = 0; k < dim_; ++k)
      coordinate_h_(k) = median_bandwidth(medians(k), n_);
  }
  const auto s = local_scores();
  const Index ld = coordinate_sums_.rows();
  for (Index k = 0; k < dim_; ++k) {
    const double h = coordinate_h_(k), two_h = 2.0 / h;
    for (Index r0 = 0; r0 < n_local_; r0 += ld) {
      const Index rows = std::min(ld, n_local_ - r0);
      coordinate_sums_.setZero();
      simd::coordinate_rbf_sums(local_columns_.col(k).data() + r0, rows,
                                columns_.col(dim_ + k).data(), columns_.col(k).data(), n_, 1.0 / h,
                                coordinate_sums_.data(), ld, with_discrepancy);
      const auto a0 = coordinate_sums_.col(0), a1 = coordinate_sums_.col(1);
      const auto b = coordinate_sums_.col(2), c = coordinate_sums_.col(3);
      const auto q = coordinate_sums_.col(4);
      for (Index i = 0; i < rows; ++i) {
        attraction_(r0 + i, k) = a1(i) + two_h * b(i);
        if (!with_discrepancy)
          continue;
        // Σ_{j≠i} e [s_i s_j + (2/h) δ (s_i − s_j) + 2/h − 4 δ²/h²] with δ = x_i − x_j; the j = i
        // term is s_i² + 2/h.
        const double si = s(r0 + i, k);
        trace_term_(r0 + i) += si * a1(i) + two_h * (si * b(i) - c(i)) + two_h * a0(i) -
                               two_h * two_h * q(i) - si * si - two_h;
      }
    }
  }
  bandwidth_ = coordinate_h_.mean();
  flops_ += static_cast<double>(n_local_) * static_cast<double>(n_) * dim_ *
            (with_discrepancy ? 12.0 : 8.0);
}

void SteinKernel::direction(MatrixRef phi) const {
  if (coordinatewise()) {
    phi = attraction_ / static_cast<double>(n_);
    return;
  }
  phi.noalias() =
      attraction_ + repulsion_sum_.asDiagonal() * local_positions() - repulsion_.rightCols(dim_);
  phi /= static_cast<double>(n_);
}

void SteinKernel::discrepancy_row_sums(VectorRef rows) const {
  if (!with_discrepancy_)
    throw Error("SteinKernel: the discrepancy terms were not computed for this kernel matrix");
  if (coordinatewise()) {
    rows = trace_term_;
    return;
  }
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
