#include "l0svgd/models/gaussian.hpp"

#include "l0svgd/core/error.hpp"
#include "target_options.hpp"

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <cmath>

namespace l0svgd {

DenseMatrix spd_cholesky(const DenseMatrix& a, const std::string& what) {
  if (a.rows() != a.cols())
    throw InputError(what + " is not square (" + std::to_string(a.rows()) + " x " +
                     std::to_string(a.cols()) + ")");
  const double scale = a.cwiseAbs().maxCoeff();
  for (Index i = 0; i < a.rows(); ++i)
    for (Index j = 0; j < i; ++j)
      if (std::abs(a(i, j) - a(j, i)) > 1e-10 * scale)
        throw InputError(what + " is not symmetric: entry (" + std::to_string(i) + ", " +
                         std::to_string(j) + ") differs from entry (" + std::to_string(j) + ", " +
                         std::to_string(i) + ")");
  const DenseMatrix symmetric = 0.5 * (a + a.transpose());
  Eigen::LLT<DenseMatrix> llt(symmetric);
  // LLT succeeds on some numerically singular matrices; their reciprocal condition number gives
  // them away, and their inverse would be noise.
  if (llt.info() != Eigen::Success || !(llt.rcond() > 1e-14))
    throw InputError(what + " is not positive definite");
  return llt.matrixL();
}

DenseMatrix random_spd_matrix(Index d, double cond, uint64_t seed) {
  DenseMatrix gaussian(d, d);
  for (Index i = 0; i < d; ++i) {
    RandomSequence sequence(seed, RngStream::Data, static_cast<uint64_t>(i));
    for (Index j = 0; j < d; ++j)
      gaussian(i, j) = sequence.normal();
  }
  Eigen::HouseholderQR<DenseMatrix> qr(gaussian);
  DenseMatrix q = qr.householderQ();
  // Fixing the signs of R's diagonal makes Q Haar-distributed rather than biased by the QR
  // convention.
  const DenseMatrix& r = qr.matrixQR();
  for (Index j = 0; j < d; ++j)
    if (r(j, j) < 0)
      q.col(j) *= -1.0;
  Vector eigenvalues = Vector::Ones(d);
  for (Index k = 0; k < d && d > 1; ++k)
    eigenvalues(k) = std::pow(cond, static_cast<double>(k) / static_cast<double>(d - 1) - 0.5);
  DenseMatrix spd = q * eigenvalues.asDiagonal() * q.transpose();
  return 0.5 * (spd + spd.transpose());
}

Matrix standard_normal_rows(Index n, Index d, uint64_t seed, RngStream stream, Index first_index) {
  Matrix z(n, d);
  for (Index i = 0; i < n; ++i) {
    RandomSequence sequence(seed, stream, static_cast<uint64_t>(first_index + i));
    for (Index j = 0; j < d; ++j)
      z(i, j) = sequence.normal();
  }
  return z;
}

GaussianModel::GaussianModel(const Vector& mean, const DenseMatrix& covariance) : mean_(mean) {
  if (covariance.rows() != mean.size() || covariance.cols() != mean.size())
    throw InputError("gaussian target: mean has " + std::to_string(mean.size()) +
                     " entries but the covariance is " + std::to_string(covariance.rows()) + " x " +
                     std::to_string(covariance.cols()));
  cholesky_ = spd_cholesky(covariance, "gaussian target: covariance");
  covariance_ = 0.5 * (covariance + covariance.transpose());
  const Index d = dim();
  DenseMatrix inverse_l =
      cholesky_.triangularView<Eigen::Lower>().solve(DenseMatrix::Identity(d, d));
  precision_ = inverse_l.transpose() * inverse_l;
  precision_ = 0.5 * (precision_ + precision_.transpose()).eval();
  mean_row_ = mean_.transpose();
  precision_mean_row_ = (precision_ * mean_).transpose();
  log_normaliser_ = -0.5 * static_cast<double>(d) * std::log(2.0 * M_PI) -
                    cholesky_.diagonal().array().log().sum();
}

void GaussianModel::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                             MatrixRef gradient) const {
  gradient.noalias() = -(x * precision_);
  gradient.rowwise() += precision_mean_row_;
  log_density = 0.5 * (x.rowwise() - mean_row_).cwiseProduct(gradient).rowwise().sum();
  log_density.array() += log_normaliser_;
}

DenseMatrix GaussianModel::hessian(const ConstVectorRef&) const {
  return -precision_;
}

Matrix GaussianModel::sample(Index n, uint64_t seed, RngStream stream, Index first_index) const {
  Matrix x = standard_normal_rows(n, dim(), seed, stream, first_index) * cholesky_.transpose();
  x.rowwise() += mean_row_;
  return x;
}

namespace {

class GaussianBuilder : public TargetBuilder {
public:
  void configure(Options& options) override {
    dim_ = detail::read_target_dim(options);
    const auto mean =
        options.get_real_array("target_mean", {0.0}, "gaussian: mean (d values, or one for all)");
    const auto cov = options.get_real_array(
        "target_cov", {}, "gaussian: covariance, d*d values row-major (default: identity)");
    const auto var = options.get_real_array(
        "target_var", {}, "gaussian: diagonal covariance (d values, or one for all)");
    random_cov_ =
        options.get_bool("target_random_cov", false,
                         "gaussian: random covariance with condition number -target_cond");
    cond_ = options.get_real("target_cond", 100.0, 1.0, 1e12,
                             "gaussian: condition number of the random covariance");
    seed_ = detail::read_target_seed(options);
    if (options.help_mode())
      return;
    if (int(!cov.empty()) + int(!var.empty()) + int(random_cov_) > 1)
      throw InputError(
          "options -target_cov, -target_var and -target_random_cov exclude each other");
    mean_ = detail::option_vector(mean, dim_, "target_mean", "target_dim = " + std::to_string(dim_),
                                  true);
    covariance_ = DenseMatrix::Identity(dim_, dim_);
    if (!cov.empty()) {
      detail::option_vector(cov, dim_ * dim_, "target_cov",
                            "target_dim^2 = " + std::to_string(dim_ * dim_), false);
      covariance_ = detail::option_block(cov, 0, dim_, dim_);
      spd_cholesky(covariance_, "option -target_cov: the covariance");
    } else if (!var.empty()) {
      const Vector diagonal = detail::option_vector(var, dim_, "target_var",
                                                    "target_dim = " + std::to_string(dim_), true);
      if (!(diagonal.array() > 0).all())
        throw InputError("option -target_var: variances must be positive");
      covariance_ = diagonal.asDiagonal();
    }
  }

  std::unique_ptr<Model> build(MPI_Comm) const override {
    if (random_cov_)
      return std::make_unique<GaussianModel>(mean_, random_spd_matrix(dim_, cond_, seed_));
    return std::make_unique<GaussianModel>(mean_, covariance_);
  }

private:
  Index dim_ = 0;
  bool random_cov_ = false;
  double cond_ = 1.0;
  uint64_t seed_ = 0;
  Vector mean_;
  DenseMatrix covariance_;
};

} // namespace

std::unique_ptr<TargetBuilder> make_gaussian_builder() {
  return std::make_unique<GaussianBuilder>();
}

} // namespace l0svgd
