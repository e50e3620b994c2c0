#pragma once
/// Stein kernels and the GEMM-shaped arithmetic of one SVGD iteration (REFERENCE §1): the Stein
/// direction φ and the kernelized Stein discrepancy for the rows one rank owns, against all N
/// particles.
#include <string>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// k(x, y) as a function of r² = ‖x − y‖²: RBF exp(−r²/h), IMQ (1 + r²/h)^(−1/2).
enum class KernelType { Rbf, Imq };

/// Kernel of a run. A bandwidth of 0 selects the median heuristic h = med² / log(N + 1), for IMQ
/// too.
struct KernelSettings {
  KernelType type = KernelType::Rbf;
  double bandwidth = 0.0;
};

/// Reads -<prefix>kernel (rbf|imq) and -<prefix>bandwidth (0 = median heuristic, > 0 fixed h).
/// Not collective; same result on every rank.
KernelSettings configure_kernel(Options& options, const std::string& prefix);

/// "rbf" or "imq".
const char* kernel_name(KernelType type);

/// Kernel value at squared distance `r2` with bandwidth `h`.
double kernel_value(KernelType type, double r2, double h);

/// The weight w(k) with ∇_{x_j} k(x_j, x_i) = (x_i − x_j) w: 2k/h for RBF, k³/h for IMQ.
double repulsion_weight(KernelType type, double k, double h);

/// Median heuristic h = med² / log(N + 1), med² the median pairwise squared distance.
double median_heuristic_bandwidth(double median_squared_distance, Index n_particles);

/// Work space and arithmetic of one iteration for the local rows [local_begin, local_begin +
/// n_local) of N particles in d dimensions. Every buffer is allocated by the constructor; no method
/// allocates (Eigen's GEMM packing aside). Nothing here is collective: the caller gathers [S X] and
/// picks the bandwidth (PairMedian is the collective part).
///
/// With K the kernel matrix and R the repulsion weights R_ij = w(K_ij) of the local rows against
/// all rows, φ = (K S + diag(R 1) X_loc − R X) / N. For RBF R = (2/h) K, so K·[S X] is one GEMM;
/// IMQ needs K·S and R·X. Positions are centred on their mean first: every formula depends on
/// differences only, and centring removes the cancellation of ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j far from
/// the origin.
class SteinKernel {
public:
  SteinKernel(KernelType type, Index n_global, Index local_begin, Index n_local, Index dim);

  /// The N × 2d matrix [S X] (scores in the first d columns, positions in the last d, global row
  /// order) for the caller to fill, e.g. with RowGather. `compute_distances` centres its positions.
  Matrix& scores_positions() { return scores_positions_; }
  const Matrix& scores_positions() const { return scores_positions_; }

  /// Centres the positions of `scores_positions()` and computes the squared distances from the
  /// local rows to all rows with one GEMM; the self-distances are set to exactly 0.
  void compute_distances();
  /// n_local × N squared distances. Valid from `compute_distances` until `compute_kernel`.
  const Matrix& squared_distances() const { return distances_; }
  /// ‖X − x̄‖²_F over all N particles (after `compute_distances`).
  double centred_positions_squared_norm() const;

  /// Kernel matrix for bandwidth `h` and its products with [S X]; with `with_discrepancy` also the
  /// terms of the Stein discrepancy.
  void compute_kernel(double h, bool with_discrepancy);
  /// n_local × N kernel matrix (after `compute_kernel`).
  const Matrix& kernel_matrix() const { return kernel_; }

  /// φ for the local rows (n_local × d), after `compute_kernel`.
  void direction(MatrixRef phi) const;
  /// Σ_{j≠i} u(x_i, x_j) for each local row i (REFERENCE §1), after `compute_kernel(h, true)`.
  /// KSD² = (Σ_i of these) / (N (N − 1)).
  void discrepancy_row_sums(VectorRef rows) const;

  KernelType type() const { return type_; }
  double bandwidth() const { return bandwidth_; }
  /// Floating-point operations of the last compute_distances + compute_kernel (for PetscLogFlops).
  double flops() const { return flops_; }

private:
  auto local_scores() const { return scores_positions_.block(begin_, 0, n_local_, dim_); }
  auto local_positions() const { return scores_positions_.block(begin_, dim_, n_local_, dim_); }

  KernelType type_;
  Index n_, begin_, n_local_, dim_;
  double bandwidth_ = 0.0, flops_ = 0.0;
  bool with_discrepancy_ = false;
  Matrix scores_positions_;   // N × 2d [S X]
  Vector mean_, norms_;       // d; N
  Matrix distances_;          // n_local × N; for IMQ reused for R after compute_kernel
  Matrix kernel_;             // n_local × N
  Matrix attraction_;         // K S, n_local × d
  Matrix repulsion_;          // R [S X], n_local × 2d
  Vector score_dot_position_; // c_j = s_j · x_j, N
  Vector repulsion_sum_;      // R 1, n_local
  Vector repulsion_dot_;      // R c, n_local
  Vector trace_term_;         // Σ_j of the r²-part of tr(∇_x ∇_y k), n_local
};

} // namespace l0svgd
