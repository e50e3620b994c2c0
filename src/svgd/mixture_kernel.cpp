#include "l0svgd/svgd/mixture_kernel.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "kernel_simd.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"

namespace l0svgd {

MixtureKernel::MixtureKernel(Index anchors, const Partition& partition, Index dim, uint64_t seed,
                             MPI_Comm comm)
    : partition_(partition), comm_(comm), n_(partition.n_global()), n_local_(partition.n_local()),
      begin_(partition.local_begin()), dim_(dim), anchors_(std::min(anchors, n_)), seed_(seed),
      gather_(partition, 2 * dim, comm), median_(comm) {
  if (anchors < 1 || dim < 1)
    throw Error("MixtureKernel: at least one anchor and one dimension are needed");
  all_.resize(n_, 2 * dim);
  log_weight_.resize(n_, anchors_);
  weight_.resize(n_, anchors_);
  gradient_.assign(static_cast<std::size_t>(anchors_), Matrix(n_, dim));
  y_.resize(n_, dim);
  right_.resize(n_, 2 * dim + 1);
  product_.resize(n_local_, 2 * dim + 1);
  distances_.resize(n_local_, n_);
  phi_.resize(n_local_, dim);
  anchor_h_.resize(anchors_);
  // Factored once (of I) rather than sized: Eigen's sized LLT leaves its status unset, and copying
  // it into the vector reads that (UBSan: invalid ComputationInfo).
  factor_.assign(static_cast<std::size_t>(anchors_),
                 Eigen::LLT<DenseMatrix>(DenseMatrix::Identity(dim, dim)));
  lower_.assign(static_cast<std::size_t>(anchors_), DenseMatrix(dim, dim));
  mean_gradient_.resize(n_, dim);
  v_.resize(n_, dim);
  norms_.resize(n_);
  mean_.resize(dim);
  anchor_.reserve(static_cast<std::size_t>(n_));
}

MixtureKernel::~MixtureKernel() = default;

std::vector<Index> MixtureKernel::anchor_indices(Index iteration) const {
  std::vector<Index> pool;
  draw_anchors(iteration, pool);
  return pool;
}

void MixtureKernel::draw_anchors(Index iteration, std::vector<Index>& pool) const {
  // The first m of a Fisher–Yates shuffle of 0 … N−1, one uniform per pick.
  RandomSequence rng(seed_, RngStream::KernelAnchors, static_cast<uint64_t>(iteration));
  pool.resize(static_cast<std::size_t>(n_));
  std::iota(pool.begin(), pool.end(), Index{0});
  for (Index l = 0; l < anchors_; ++l) {
    const Index j = std::min(n_ - 1, l + static_cast<Index>(rng.uniform() * (n_ - l)));
    std::swap(pool[l], pool[j]);
  }
  pool.resize(static_cast<std::size_t>(anchors_));
}

void MixtureKernel::direction(const ConstMatrixRef& local, Index iteration,
                              const PrecisionFunction& precision, MatrixRef phi) {
  if (!precision)
    throw Error("the hessian_mixture kernel needs a precision (Hessian) function");
  const Index d = dim_, m = anchors_;
  flops_ = 0.0;
  gather_.gather(local, all_);
  const auto s = all_.leftCols(d);
  auto x = all_.rightCols(d);
  draw_anchors(iteration, anchor_);
  for (Index l = 0; l < m; ++l) {
    // Every rank evaluates the same anchors, so every rank throws together.
    factor_[l].compute(precision(x.row(anchor_[l]).transpose()));
    if (factor_[l].info() != Eigen::Success)
      throw Error("hessian_mixture kernel: the precision at particle " +
                  std::to_string(anchor_[l]) + " is not positive definite");
    lower_[l] = factor_[l].matrixL();
  }
  mean_ = x.colwise().mean().transpose();
  x.rowwise() -= mean_.transpose(); // differences only from here on
  spread_squared_ = x.squaredNorm();

  // Mixture weights w_l(x_j) ∝ N(x_j; a_l, Q_l⁻¹) and the gradients of log N.
  for (Index l = 0; l < m; ++l) {
    const DenseMatrix& r = lower_[l];
    const double log_det = 2.0 * r.diagonal().array().log().sum();
    y_.noalias() = (x.rowwise() - x.row(anchor_[l])) * r;
    log_weight_.col(l) = 0.5 * log_det - 0.5 * y_.rowwise().squaredNorm().array();
    gradient_[l].noalias() = -y_ * r.transpose();
  }
  weight_ = (log_weight_.colwise() - log_weight_.rowwise().maxCoeff()).array().exp();
  norms_ = weight_.rowwise().sum();
  weight_.array().colwise() /= norms_.array();
  mean_gradient_.setZero();
  for (Index l = 0; l < m; ++l)
    mean_gradient_ += weight_.col(l).asDiagonal() * gradient_[l];
  flops_ += 4.0 * m * static_cast<double>(n_) * d * d;

  phi_.setZero();
  bandwidth_ = 0.0;
  const Index ld = std::max<Index>(n_local_, 1);
  for (Index l = 0; l < m; ++l) {
    // Mahalanobis coordinates: ‖y_i − y_j‖² = (x_i − x_j)ᵀ Q_l (x_i − x_j)
    y_.noalias() = x * lower_[l];
    norms_ = y_.rowwise().squaredNorm();
    distances_.noalias() = -2.0 * y_.middleRows(begin_, n_local_) * y_.transpose();
    distances_.colwise() += norms_.segment(begin_, n_local_);
    distances_.rowwise() += norms_.transpose();
    distances_ = distances_.cwiseMax(0.0);
    for (Index i = 0; i < n_local_; ++i)
      distances_(i, begin_ + i) = 0.0;
    const DistanceTiles tiles = [&](const std::function<void(const DistanceTile&)>& f) {
      f(DistanceTile{distances_.data(), ld, n_, 0});
    };
    const double h = median_bandwidth(median_(tiles, n_local_, begin_, n_), n_);
    bandwidth_ += h / static_cast<double>(m);
    anchor_h_(l) = h;
    distances_ *= -1.0 / h;
    simd::exp_nonpositive(distances_.data(), distances_.data(), distances_.size());

    // [B_l, w_l x, w_l] with B_l = (w_l s + ∇w_l) Q_l⁻¹ and ∇w_l = w_l (∇log N_l − Σ_k w_k ∇log
    // N_k).
    const auto w = weight_.col(l);
    v_.noalias() = w.asDiagonal() * (s + gradient_[l] - mean_gradient_);
    auto vt = v_.transpose();
    factor_[l].solveInPlace(vt);
    right_.leftCols(d) = v_;
    right_.middleCols(d, d) = w.asDiagonal() * x;
    right_.col(2 * d) = w;
    product_.noalias() = distances_ * right_;
    const auto own = x.middleRows(begin_, n_local_);
    const double two_h = 2.0 / h;
    phi_ += weight_.col(l).segment(begin_, n_local_).asDiagonal() *
            (product_.leftCols(d) +
             two_h * (product_.col(2 * d).asDiagonal() * own - product_.middleCols(d, d)));
    flops_ += static_cast<double>(n_) * d * (4.0 * d + 6.0) +
              static_cast<double>(n_local_) * n_ * (2.0 * d + 25.0 + 2.0 * (2 * d + 1));
  }
  phi = phi_ / static_cast<double>(n_);
}

} // namespace l0svgd
