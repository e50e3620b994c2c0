#include "l0svgd/models/gmm.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/gaussian.hpp"
#include "target_options.hpp"

#include <cmath>

namespace l0svgd {

GaussianMixtureModel::GaussianMixtureModel(const Vector& weights, const Matrix& means,
                                           const std::vector<DenseMatrix>& covariances)
    : means_(means) {
  const Index n_comp = weights.size(), d = means.cols();
  if (n_comp == 0 || means.rows() != n_comp || static_cast<Index>(covariances.size()) != n_comp)
    throw InputError("gmm target: " + std::to_string(weights.size()) + " weights, " +
                     std::to_string(means.rows()) + " means and " +
                     std::to_string(covariances.size()) + " covariances; they must agree");
  if (d == 0)
    throw InputError("gmm target: the means have no coordinates");
  if (!(weights.array() > 0).all() || !std::isfinite(weights.sum()))
    throw InputError("gmm target: weights must be positive and finite");
  weights_ = weights / weights.sum();

  precision_mean_.resize(n_comp, d);
  neg_precision_diagonal_.resize(n_comp, d);
  log_constant_.resize(n_comp);
  diagonal_ = true;
  for (Index k = 0; k < n_comp; ++k) {
    const std::string what = "gmm target: covariance of component " + std::to_string(k);
    if (covariances[k].rows() != d || covariances[k].cols() != d)
      throw InputError(what + " is " + std::to_string(covariances[k].rows()) + " x " +
                       std::to_string(covariances[k].cols()) + ", expected " + std::to_string(d) +
                       " x " + std::to_string(d));
    cholesky_.push_back(spd_cholesky(covariances[k], what));
    covariances_.push_back(0.5 * (covariances[k] + covariances[k].transpose()));
    const DenseMatrix inverse_l =
        cholesky_[k].triangularView<Eigen::Lower>().solve(DenseMatrix::Identity(d, d));
    DenseMatrix precision = inverse_l.transpose() * inverse_l;
    precision = 0.5 * (precision + precision.transpose()).eval();
    neg_precision_.push_back(-precision);
    precision_mean_.row(k) = (precision * means_.row(k).transpose()).transpose();
    neg_precision_diagonal_.row(k) = -precision.diagonal().transpose();
    diagonal_ = diagonal_ && covariances_[k].isDiagonal(0.0);
    log_constant_(k) = std::log(weights_(k)) - 0.5 * static_cast<double>(d) * std::log(2.0 * M_PI) -
                       cholesky_[k].diagonal().array().log().sum();
  }
}

void GaussianMixtureModel::component_gradient(Index k, const ConstMatrixRef& x,
                                              MatrixRef out) const {
  if (diagonal_) {
    out = (x.rowwise() - means_.row(k)).array().rowwise() * neg_precision_diagonal_.row(k).array();
  } else {
    out.noalias() = x * neg_precision_[k];
    out.rowwise() += precision_mean_.row(k);
  }
}

void GaussianMixtureModel::component_log_density(Index k, const ConstMatrixRef& x,
                                                 const ConstMatrixRef& gradient,
                                                 VectorRef out) const {
  out = 0.5 * (x.rowwise() - means_.row(k)).cwiseProduct(gradient).rowwise().sum();
  out.array() += log_constant_(k);
}

void GaussianMixtureModel::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                                    MatrixRef gradient) const {
  const Index n = x.rows();
  component_workspace_.resize(n, dim());
  value_workspace_.resize(n);
  sum_.start(n);
  for (Index k = 0; k < n_components(); ++k) {
    component_gradient(k, x, component_workspace_);
    component_log_density(k, x, component_workspace_, value_workspace_);
    sum_.add(value_workspace_, component_workspace_, log_density, gradient);
  }
  sum_.finish(log_density, gradient);
}

DenseMatrix GaussianMixtureModel::hessian(const ConstVectorRef& x) const {
  const Index d = dim(), n_comp = n_components();
  const Matrix point = x.transpose();
  Matrix gradients(n_comp, d);
  Vector values(n_comp), one(1);
  for (Index k = 0; k < n_comp; ++k) {
    component_gradient(k, point, gradients.row(k));
    component_log_density(k, point, gradients.row(k), one);
    values(k) = one(0);
  }
  const Vector responsibility = (values.array() - values.maxCoeff()).exp().matrix();
  const Vector r = responsibility / responsibility.sum();
  const Vector mean_gradient = gradients.transpose() * r;
  DenseMatrix h = -mean_gradient * mean_gradient.transpose();
  for (Index k = 0; k < n_comp; ++k)
    h += r(k) * (gradients.row(k).transpose() * gradients.row(k) + neg_precision_[k]);
  return h;
}

Matrix GaussianMixtureModel::sample(Index n, uint64_t seed, RngStream stream,
                                    Index first_index) const {
  const Index d = dim();
  Matrix x(n, d);
  Vector z(d);
  for (Index i = 0; i < n; ++i) {
    RandomSequence sequence(seed, stream, static_cast<uint64_t>(first_index + i));
    const Index k = pick_component(weights_, sequence.uniform());
    for (Index j = 0; j < d; ++j)
      z(j) = sequence.normal();
    x.row(i) = means_.row(k) + (cholesky_[k] * z).transpose();
  }
  return x;
}

namespace {

class GmmBuilder : public TargetBuilder {
public:
  void configure(Options& options) override {
    const auto weights = options.get_real_array(
        "target_weights", {0.5, 0.5}, "gmm: mixture weights, one per component (normalised)");
    const auto means =
        options.get_real_array("target_means", {-2.0, 0.0, 2.0, 0.0},
                               "gmm: component means, K*d values, component by component");
    const auto covs = options.get_real_array(
        "target_covs", {},
        "gmm: component covariances, K*d*d values (row-major, component by component)");
    const auto vars = options.get_real_array(
        "target_vars", {},
        "gmm: diagonal component covariances, K*d values (component by component)");
    const double sigma = options.get_real(
        "target_sigma", 1.0, 0.0, 1e10,
        "gmm: standard deviation of every component when neither covs nor vars are given", true);
    if (options.help_mode())
      return;
    const Index n_comp = static_cast<Index>(weights.size());
    const Index n_means = static_cast<Index>(means.size());
    if (n_comp == 0 || n_means == 0 || n_means % n_comp != 0)
      throw InputError("option -target_means: " + std::to_string(n_means) +
                       " values is not a positive multiple of the " + std::to_string(n_comp) +
                       " components given by -target_weights");
    const Index d = n_means / n_comp;
    if (int(!covs.empty()) + int(!vars.empty()) + int(options.is_set("target_sigma")) > 1)
      throw InputError("options -target_covs, -target_vars and -target_sigma exclude each other");
    weights_ = Eigen::Map<const Vector>(weights.data(), n_comp);
    if (!(weights_.array() > 0).all())
      throw InputError("option -target_weights: weights must be positive");
    means_ = Eigen::Map<const Matrix>(means.data(), n_comp, d);
    const std::string components = std::to_string(n_comp) + " components";
    if (!covs.empty())
      detail::option_vector(covs, n_comp * d * d, "target_covs",
                            "K*d*d = " + std::to_string(n_comp * d * d) + " for " + components +
                                " in " + std::to_string(d) + " dimensions",
                            false);
    Matrix variances = Matrix::Constant(n_comp, d, sigma * sigma);
    if (!vars.empty()) {
      detail::option_vector(vars, n_comp * d, "target_vars",
                            "K*d = " + std::to_string(n_comp * d) + " for " + components + " in " +
                                std::to_string(d) + " dimensions",
                            false);
      variances = Eigen::Map<const Matrix>(vars.data(), n_comp, d);
      if (!(variances.array() > 0).all())
        throw InputError("option -target_vars: variances must be positive");
    }
    covariances_.clear();
    for (Index k = 0; k < n_comp; ++k) {
      if (covs.empty())
        covariances_.push_back(variances.row(k).transpose().asDiagonal());
      else
        covariances_.push_back(detail::option_block(covs, k, d, d));
      spd_cholesky(covariances_.back(),
                   "option -target_covs: the covariance of component " + std::to_string(k));
    }
  }

  std::unique_ptr<Model> build(MPI_Comm) const override {
    return std::make_unique<GaussianMixtureModel>(weights_, means_, covariances_);
  }

private:
  Vector weights_;
  Matrix means_;
  std::vector<DenseMatrix> covariances_;
};

} // namespace

std::unique_ptr<TargetBuilder> make_gmm_builder() {
  return std::make_unique<GmmBuilder>();
}

} // namespace l0svgd
