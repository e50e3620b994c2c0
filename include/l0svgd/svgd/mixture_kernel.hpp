#pragma once
/// The matrix-valued kernel of Wang, Tang, Bajaj & Liu (2019, "Stein variational gradient descent
/// with matrix-valued kernels"), their mixture of local preconditioners: at m anchor particles a_l
/// the precision Q_l (the repaired Hessian of −log p there),
///   K(x, y) = Σ_l w_l(x) w_l(y) Q_l⁻¹ exp(−(x − y)ᵀ Q_l (x − y) / h_l),
/// w_l(x) ∝ N(x; a_l, Q_l⁻¹) normalised over l. Each term is a scalar RBF in the metric of Q_l,
/// scaled by Q_l⁻¹: a Newton-like step near its anchor, blended by the Gaussian-mixture weights.
/// With one anchor and a constant Q it is SVGD in coordinates whitened by Q with the scalar kernel.
#include <Eigen/Cholesky>
#include <functional>
#include <memory>
#include <mpi.h>
#include <vector>

#include "l0svgd/core/types.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"
#include "l0svgd/svgd/pair_median.hpp"

namespace l0svgd {

/// Q(x): a symmetric positive-definite precision (d × d) at x, e.g. the repaired Hessian of
/// −log p. Must be deterministic: every rank calls it for the same anchors.
using PrecisionFunction = std::function<DenseMatrix(const ConstVectorRef& x)>;

/// The Stein direction of the mixture kernel for this rank's rows against all N particles.
///
/// Per iteration: the anchors are m distinct particles drawn from RandomSequence(seed,
/// KernelAnchors, iteration) (the same on every rank and rank count); every rank evaluates Q at
/// every anchor (m precision evaluations and Cholesky factorisations per rank). Then, per anchor,
/// two GEMMs (the Mahalanobis coordinates y = x R_l and the distances of the local rows to all N),
/// the exact median of those distances (PairMedian, collective), N·n_local exponentials and one
/// GEMM K_l [B_l, w_l x, w_l] with B_l = (w_l s + ∇w_l) Q_l⁻¹: m times the work of the scalar
/// kernel, plus the Hessians. The n_local × N distances of one anchor are held at a time.
///
/// φ(x_i) = (1/N) Σ_l w_l(x_i) Σ_j k_l(x_i, x_j) [B_l(x_j) + (2/h_l) w_l(x_j) (x_i − x_j)].
class MixtureKernel {
public:
  /// Collective on `comm` (commits the gather's datatype). `anchors` ≥ 1 (at most N are used).
  MixtureKernel(Index anchors, const Partition& partition, Index dim, uint64_t seed, MPI_Comm comm);
  ~MixtureKernel();
  MixtureKernel(const MixtureKernel&) = delete;
  MixtureKernel& operator=(const MixtureKernel&) = delete;

  /// Collective: gathers this rank's n_local × 2d [S X] and writes φ of its rows (n_local × d).
  /// Throws Error on every rank if a precision is not positive definite or a median is 0.
  void direction(const ConstMatrixRef& local, Index iteration, const PrecisionFunction& precision,
                 MatrixRef phi);

  /// The mean of the anchors' bandwidths in the last `direction`.
  double bandwidth() const { return bandwidth_; }
  /// The bandwidth h_l of every anchor in the last `direction`.
  const Vector& anchor_bandwidths() const { return anchor_h_; }
  Index n_anchors() const { return anchors_; }
  /// Floating-point operations of the last `direction` (GEMMs and elementwise work; the
  /// precision evaluations not counted).
  double flops() const { return flops_; }
  /// ‖X − x̄‖²_F over all N particles (after `direction`).
  double centred_positions_squared_norm() const { return spread_squared_; }
  /// Global indices of the anchors of iteration `iteration`, in order.
  std::vector<Index> anchor_indices(Index iteration) const;

private:
  /// The anchors of `iteration` into `pool` (resized, reusing its storage).
  void draw_anchors(Index iteration, std::vector<Index>& pool) const;

  Partition partition_;
  MPI_Comm comm_;
  Index n_, n_local_, begin_, dim_, anchors_;
  uint64_t seed_;
  double bandwidth_ = 0.0, flops_ = 0.0, spread_squared_ = 0.0;
  RowGather gather_;
  PairMedian median_;
  Matrix all_;                 // N × 2d [S X], positions centred
  Matrix log_weight_, weight_; // N × m
  std::vector<Matrix> gradient_; // per anchor: ∇ log N(x_j; a_l, Q_l⁻¹) = −Q_l (x_j − a_l), N × d
  Matrix y_, right_, product_; // N × d, N × (2d + 1), n_local × (2d + 1)
  Eigen::MatrixXd distances_;  // n_local × N, column-major (PairMedian's tile layout)
  Matrix phi_;                 // n_local × d
  Vector anchor_h_;            // m
  // Per-iteration work space, allocated once: the anchors, the precisions' Cholesky factors and
  // their lower factors, Σ_l w_l ∇log N_l, the rows (w_l s + ∇w_l) solved by Q_l, row norms.
  std::vector<Index> anchor_;
  std::vector<Eigen::LLT<DenseMatrix>> factor_;
  std::vector<DenseMatrix> lower_;
  Matrix mean_gradient_, v_; // N × d
  Vector norms_, mean_;      // N, d
};

} // namespace l0svgd
