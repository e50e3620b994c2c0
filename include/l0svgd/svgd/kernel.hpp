#pragma once
/// Stein kernels and the GEMM-shaped arithmetic of one SVGD iteration (REFERENCE §1): the Stein
/// direction φ and the kernelized Stein discrepancy for the rows one rank owns, against all N
/// particles.
#include <mpi.h>
#include <string>

#include <memory>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"
#include "l0svgd/svgd/pair_median.hpp"

namespace l0svgd {

/// k(x, y) as a function of r² = ‖x − y‖²: RBF exp(−r²/h), IMQ (1 + r²/h)^(−1/2). RbfCoordinate
/// is the diagonal matrix-valued kernel K(x, y) = diag_k exp(−(x_k − y_k)²/h_k), one RBF per
/// coordinate with its own (median-heuristic) bandwidth (NumPyro's "vector" mode): coordinate k of
/// φ is the SVGD direction of the 1-D kernel k_k, so each coordinate repels with a bandwidth of its
/// own width instead of one set by all d coordinates, which keeps the repulsion from vanishing as d
/// grows. HessianMixture is the matrix-valued kernel of MixtureKernel (Wang et al. 2019); the
/// SteinKernel itself then computes the scalar RBF, for the KSD.
/// Auto is a default only (-task svgd), resolved once d is known: see resolve_kernel.
enum class KernelType { Rbf, Imq, RbfCoordinate, HessianMixture, Auto };

/// Auto resolved for dimension d: imq below d = 5, where a scalar kernel keeps the spread and,
/// unlike the coordinate-wise one, captures dependence between coordinates (the banana), with the
/// heavier tails that move particles between modes; rbf_coord from d = 5 on, where every scalar
/// kernel collapses (bench/svgd_accuracy.py). Other types unchanged.
KernelType resolve_kernel(KernelType type, Index dim);

/// One kernel family as a table: its name, k(r²) and the repulsion weight w(k). The per-element
/// loops of SteinKernel are the vectorised versions of these (src/svgd/kernel_simd.cpp).
struct KernelFamily {
  KernelType type;
  const char* name;
  double (*value)(double r2, double h);
  /// w with ∇_{x_j} k(x_j, x_i) = (x_i − x_j) w: 2k/h for RBF, k³/h for IMQ.
  double (*weight)(double k, double h);
};
/// The table entry of `type`.
const KernelFamily& kernel_family(KernelType type);

/// How the ranks see each other's particles: allgather (every rank holds all N rows of [S X]) or
/// ring (blocks travel around a ring of the ranks, so a rank holds its own and at most two others).
enum class Exchange { Allgather, Ring };

/// Kernel of a run. A bandwidth of 0 selects the median heuristic h = med² / log(N + 1), for IMQ
/// too.
struct KernelSettings {
  KernelType type = KernelType::Rbf;
  double bandwidth = 0.0;
  /// Bytes per rank the kernel may hold for its distance matrix: when the rank's n_local × N
  /// distances fit, they are computed once per iteration and kept; otherwise they are streamed in
  /// column tiles and recomputed for the median passes (-svgd_kernel_memory, MiB).
  double memory_bytes = 512.0 * 1024 * 1024;
  /// Columns per tile (-svgd_kernel_tile). Fixed, not derived from the rank count, so the sums
  /// over particles are formed in the same order on any number of ranks.
  Index tile = 256;
  Exchange exchange = Exchange::Allgather; ///< -svgd_exchange
  Index anchors = 8;                       ///< hessian_mixture: -svgd_kernel_anchors
  uint64_t seed = 1; ///< hessian_mixture: seed of the anchor draws (the run's -seed)
};

/// Reads -<prefix>kernel (rbf|imq|rbf_coord|hessian_mixture; default `default_type`),
/// -<prefix>kernel_anchors, -<prefix>bandwidth (0 = median heuristic, > 0 fixed h),
/// -<prefix>kernel_memory, -<prefix>kernel_tile and -<prefix>exchange (allgather|ring). Not
/// collective; same result on every rank. Throws InputError for rbf_coord with the ring exchange
/// (its per-coordinate medians read every particle).
KernelSettings configure_kernel(Options& options, const std::string& prefix,
                                KernelType default_type = KernelType::Rbf);

/// "rbf", "imq", "rbf_coord" or "hessian_mixture".
const char* kernel_name(KernelType type);

/// Kernel value at squared distance `r2` with bandwidth `h`.
double kernel_value(KernelType type, double r2, double h);

/// The weight w(k) with ∇_{x_j} k(x_j, x_i) = (x_i − x_j) w: 2k/h for RBF, k³/h for IMQ.
double repulsion_weight(KernelType type, double k, double h);

/// Median heuristic h = med² / log(N + 1), med² the median pairwise squared distance.
double median_heuristic_bandwidth(double median_squared_distance, Index n_particles);

/// The instruction-set level of the kernel's vector loops on this host ("avx512", "avx2",
/// "baseline"), chosen when the program is loaded.
const char* kernel_instruction_set();

/// Work space and arithmetic of one iteration for this rank's rows of N particles in d dimensions
/// (a block Partition): the exchange of [S X] between the ranks, distances, bandwidth (fixed, or
/// the exact median over all pairs), kernel values and the products K·[S X], tile by tile. Every
/// buffer is allocated by the constructor; no method allocates (BLAS's own packing aside, and the
/// median's copy of one histogram bin).
///
/// With K the kernel matrix and R the repulsion weights R_ij = w(K_ij) of the local rows against
/// all rows, φ = (K S + diag(R 1) X_loc − R X) / N. For RBF R = (2/h) K, so K·[S X] is one GEMM
/// per tile; IMQ needs K·S and R·X. Positions are centred on their mean first: every formula
/// depends on differences only, and centring removes the cancellation of ‖x_i‖² + ‖x_j‖² − 2
/// x_i·x_j far from the origin.
///
/// Exchange: with allgather every rank holds the N × 2d [S X]; with ring it holds its own block and
/// two travelling ones (the one in use, the next one arriving with non-blocking messages while the
/// current one is computed), O(N·d/P), and each pass over the columns is one trip around the ring.
///
/// Memory of the distances: when n_local × N doubles fit `memory_bytes`, they are computed once per
/// iteration and kept; otherwise each tile of `tile` columns is recomputed when needed (twice more
/// per iteration with the median heuristic), so the rank holds O(n_local·tile) for them.
class SteinKernel {
public:
  /// Collective on `comm` (commits the gather's datatype).
  SteinKernel(const KernelSettings& settings, const Partition& partition, Index dim, MPI_Comm comm);
  ~SteinKernel();
  SteinKernel(const SteinKernel&) = delete;
  SteinKernel& operator=(const SteinKernel&) = delete;

  /// This rank's n_local × 2d [S X] (scores in the first d columns, positions in the last d): with
  /// allgather, collective, gathering every rank's rows; with ring, a copy (the blocks travel
  /// during `compute`).
  void exchange(const ConstMatrixRef& local);

  /// Collective: centres the positions, picks the bandwidth (the fixed one of the settings, or
  /// the median heuristic over all pairs) and computes the kernel products; with
  /// `with_discrepancy` also the terms of the Stein discrepancy. Returns h. Throws Error on every
  /// rank when the median is 0.
  double compute(bool with_discrepancy);
  /// ‖X − x̄‖²_F over all N particles (after `compute`).
  double centred_positions_squared_norm() const { return spread_squared_; }

  /// φ for the local rows (n_local × d), after `compute`.
  void direction(MatrixRef phi) const;
  /// Σ_{j≠i} u(x_i, x_j) for each local row i (REFERENCE §1), after `compute(true)`.
  /// KSD² = (Σ_i of these) / (N (N − 1)).
  void discrepancy_row_sums(VectorRef rows) const;

  KernelType type() const { return settings_.type; }
  Exchange exchange_mode() const { return settings_.exchange; }
  /// h (rbf_coord: the mean of the per-coordinate bandwidths).
  double bandwidth() const { return bandwidth_; }
  /// rbf_coord: the d per-coordinate bandwidths of the last `compute` (empty otherwise).
  const Vector& coordinate_bandwidths() const { return coordinate_h_; }
  /// Whether the distance matrix is kept (else streamed in tiles).
  bool stores_distances() const { return stored_; }
  /// Bytes of this rank's kernel buffers (distances or tiles, particle blocks, products).
  double buffer_bytes() const;
  /// Bytes of the particle blocks ([S X] of other ranks) this rank holds at a time.
  double particle_buffer_bytes() const;
  /// Floating-point operations of the last `compute` (for PetscLogFlops).
  double flops() const { return flops_; }

private:
  /// Rows of [S X] with their augmented distance rows and s·x, global rows [begin, begin + rows).
  struct Block {
    const double* sx;    // rows × 2d, row-major, positions centred
    const double* right; // rows × (d + 2)
    const double* dot;   // rows
    Index rows, begin;
  };
  template <class F> void for_each_block(F&& f);
  template <class F> void for_each_tile(F&& f);
  void augment(const double* sx, Index rows, double* right, double* dot);
  /// This rank's [S X] rows, positions centred: own_ with the ring, a block of all_ otherwise.
  Eigen::Map<const Matrix> own() const {
    return {ring_ ? own_.data() : all_.data() + begin_ * 2 * dim_, n_local_, 2 * dim_};
  }
  auto local_scores() const { return own().leftCols(dim_); }
  auto local_positions() const { return own().rightCols(dim_); }
  /// Distances of the local rows to `cols` rows of `right` into `out` (column-major, ld n_local),
  /// those rows being global columns [c0, c0 + cols).
  void distance_tile(const double* right, Index c0, Index cols, double* out);
  /// The tiles as the median visits them after its first pass: the kept matrix or recomputed ones.
  DistanceTiles distance_tiles();
  void accumulate_tile(const Block& block, Index offset, Index cols, const double* d,
                       bool with_discrepancy);
  void centre();
  /// rbf_coord: per-coordinate medians, N·φ into attraction_, KSD row sums into trace_term_.
  void compute_coordinatewise(bool with_discrepancy);
  bool coordinatewise() const { return settings_.type == KernelType::RbfCoordinate; }

  KernelSettings settings_;
  Partition partition_;
  MPI_Comm comm_;
  Index n_, begin_, n_local_, dim_, tile_;
  bool stored_, ring_;
  double bandwidth_ = 0.0, flops_ = 0.0, spread_squared_ = 0.0;
  bool with_discrepancy_ = false;
  PairMedian median_;
  std::unique_ptr<RowGather> gather_; // allgather
  Matrix own_;                        // ring: n_local × 2d, this rank's [S X], positions centred
  Matrix all_;                        // allgather: N × 2d; ring: 2 travelling blocks
  Vector mean_;                       // d
  // Distances by one GEMM with inner dimension d + 2, norms included: left row i = [x_i, 1,
  // ‖x_i‖²] (local rows), right row j = [−2 x_j, ‖x_j‖², 1], so no pass completes them.
  Matrix left_, right_;       // n_local × (d + 2); N (allgather) or one block (ring) × (d + 2)
  Vector dot_;                // s_j · x_j for the rows of right_
  Eigen::MatrixXd distances_; // n_local × N (kept) or n_local × tile (streamed), column-major
  Eigen::MatrixXd values_;    // kernel values K of one tile, n_local × tile
  Eigen::MatrixXd weights_;   // IMQ: R for one tile, n_local × tile
  Matrix attraction_;         // K S, n_local × d
  Matrix repulsion_;          // R [S X], n_local × 2d
  Vector repulsion_sum_;      // R 1, n_local
  Vector repulsion_dot_;      // R c, n_local
  Vector trace_term_;         // Σ_j of the r²-part of tr(∇_x ∇_y k), n_local
  // rbf_coord: [S X] of all N rows column by column (N × 2d), the local positions (n_local × d)
  // and the five per-row sums of one block of rows (see simd::coordinate_rbf_sums).
  Eigen::MatrixXd columns_, local_columns_, coordinate_sums_;
  Vector coordinate_h_;
  std::vector<double> median_work_; // the 1-D pair median's work space
};

} // namespace l0svgd
