#include "l0svgd/svgd/kernel.hpp"

#include "l0svgd/core/error.hpp"

#include <cmath>
#include <limits>

namespace l0svgd {

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
  return settings;
}

const char* kernel_name(KernelType type) {
  return type == KernelType::Imq ? "imq" : "rbf";
}

double kernel_value(KernelType type, double r2, double h) {
  return type == KernelType::Imq ? 1.0 / std::sqrt(1.0 + r2 / h) : std::exp(-r2 / h);
}

double repulsion_weight(KernelType type, double k, double h) {
  return type == KernelType::Imq ? k * k * k / h : 2.0 * k / h;
}

double median_heuristic_bandwidth(double median_squared_distance, Index n_particles) {
  return median_squared_distance / std::log(static_cast<double>(n_particles) + 1.0);
}

SteinKernel::SteinKernel(KernelType type, Index n_global, Index local_begin, Index n_local,
                         Index dim)
    : type_(type), n_(n_global), begin_(local_begin), n_local_(n_local), dim_(dim),
      scores_positions_(n_global, 2 * dim), mean_(dim), norms_(n_global),
      distances_(n_local, n_global), kernel_(n_local, n_global), attraction_(n_local, dim),
      repulsion_(n_local, 2 * dim), score_dot_position_(n_global), repulsion_sum_(n_local),
      repulsion_dot_(n_local), trace_term_(n_local) {
  if (local_begin < 0 || n_local < 0 || local_begin + n_local > n_global || dim < 1)
    throw Error("SteinKernel: local rows do not fit the particle count");
}

void SteinKernel::compute_distances() {
  auto positions = scores_positions_.rightCols(dim_);
  mean_ = positions.colwise().sum().transpose() / static_cast<double>(n_);
  positions.rowwise() -= mean_.transpose();
  norms_ = positions.rowwise().squaredNorm();
  distances_.noalias() = -2.0 * local_positions() * positions.transpose();
  distances_.colwise() += norms_.segment(begin_, n_local_);
  distances_.rowwise() += norms_.transpose();
  for (Index i = 0; i < n_local_; ++i)
    distances_(i, begin_ + i) = 0.0;
  flops_ = static_cast<double>(n_local_) * n_ * (2.0 * dim_ + 2.0) + 4.0 * n_ * dim_;
}

double SteinKernel::centred_positions_squared_norm() const {
  return scores_positions_.rightCols(dim_).squaredNorm();
}

void SteinKernel::compute_kernel(double h, bool with_discrepancy) {
  if (!(h > 0.0) || !std::isfinite(h))
    throw Error("SteinKernel: bandwidth must be positive and finite");
  bandwidth_ = h;
  with_discrepancy_ = with_discrepancy;
  const auto scores = scores_positions_.leftCols(dim_);
  const auto positions = scores_positions_.rightCols(dim_);
  const double entries = static_cast<double>(n_local_) * n_;
  if (with_discrepancy)
    score_dot_position_ = (scores.array() * positions.array()).rowwise().sum();

  if (type_ == KernelType::Rbf) {
    kernel_.array() = (distances_.array() * (-1.0 / h)).exp();
    if (with_discrepancy)
      trace_term_ = (distances_.array() * kernel_.array()).rowwise().sum() * (4.0 / (h * h));
    // R = (2/h) K: a single GEMM K·[S X] gives both the attraction and the repulsion.
    repulsion_.noalias() = kernel_ * scores_positions_;
    attraction_ = repulsion_.leftCols(dim_);
    repulsion_ *= 2.0 / h;
    repulsion_sum_ = kernel_.rowwise().sum() * (2.0 / h);
    if (with_discrepancy)
      repulsion_dot_.noalias() = (2.0 / h) * kernel_ * score_dot_position_;
    flops_ += entries * (4.0 * dim_ + 3.0);
  } else {
    kernel_.array() = (1.0 + distances_.array() * (1.0 / h)).sqrt().inverse();
    if (with_discrepancy)
      trace_term_ = (distances_.array() * kernel_.array().square().square() * kernel_.array())
                        .rowwise()
                        .sum() *
                    (3.0 / (h * h));
    // The distances are no longer needed: their buffer takes R = K³/h.
    Matrix& weights = distances_;
    weights.array() = kernel_.array().cube() * (1.0 / h);
    attraction_.noalias() = kernel_ * scores;
    if (with_discrepancy)
      repulsion_.noalias() = weights * scores_positions_;
    else
      repulsion_.rightCols(dim_).noalias() = weights * positions;
    repulsion_sum_ = weights.rowwise().sum();
    if (with_discrepancy)
      repulsion_dot_.noalias() = weights * score_dot_position_;
    flops_ += entries * ((with_discrepancy ? 6.0 : 4.0) * dim_ + 8.0);
  }
  if (with_discrepancy)
    flops_ += entries * 8.0;
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
  const double self_weight = repulsion_weight(type_, 1.0, bandwidth_);
  const double d = static_cast<double>(dim_);
  rows = (s * attraction_.array()).rowwise().sum() +
         (s * x).rowwise().sum() * repulsion_sum_.array() -
         (s * repulsion_.rightCols(dim_).array()).rowwise().sum() -
         (x * repulsion_.leftCols(dim_).array()).rowwise().sum() + repulsion_dot_.array() +
         d * repulsion_sum_.array() - trace_term_.array() - s.square().rowwise().sum() -
         d * self_weight;
}

} // namespace l0svgd
