#include "l0svgd/models/linreg.hpp"

#include "l0svgd/core/csv.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/models/gaussian.hpp"
#include "target_options.hpp"

#include <cmath>

namespace l0svgd {

RegressionData read_regression_csv(const std::string& path) {
  const CsvTable table = read_csv(path);
  if (table.n_cols() < 2)
    throw InputError("data file '" + path +
                     "': needs feature columns and a response column, found " +
                     std::to_string(table.n_cols()) + " column");
  RegressionData data;
  data.features = table.values.leftCols(table.n_cols() - 1);
  data.response = table.values.col(table.n_cols() - 1);
  return data;
}

RegressionData synthetic_regression_data(Index n_data, Index dim, double noise_sd,
                                         double prior_scale, uint64_t seed) {
  RegressionData data;
  RandomSequence weights(seed, RngStream::Data, 0);
  data.true_weights.resize(dim);
  for (Index j = 0; j < dim; ++j)
    data.true_weights(j) = prior_scale * weights.normal();
  data.features.resize(n_data, dim);
  data.response.resize(n_data);
  for (Index i = 0; i < n_data; ++i) {
    RandomSequence row(seed, RngStream::Data, static_cast<uint64_t>(1 + i));
    for (Index j = 0; j < dim; ++j)
      data.features(i, j) = row.normal();
    data.response(i) = data.features.row(i).dot(data.true_weights) + noise_sd * row.normal();
  }
  return data;
}

LinearRegressionModel::LinearRegressionModel(const Matrix& features, const Vector& response,
                                             double noise_sd, double prior_scale)
    : n_data_(features.rows()), noise_sd_(noise_sd), prior_scale_(prior_scale) {
  if (features.rows() != response.size() || features.rows() == 0 || features.cols() == 0)
    throw InputError("linreg target: " + std::to_string(features.rows()) + " x " +
                     std::to_string(features.cols()) + " features and " +
                     std::to_string(response.size()) + " responses; need matching, non-empty data");
  if (!(noise_sd > 0) || !(prior_scale > 0))
    throw InputError("linreg target: noise and prior standard deviations must be positive");
  const Index d = features.cols();
  const double noise_var = noise_sd * noise_sd, prior_var = prior_scale * prior_scale;
  const DenseMatrix gram = features.transpose() * features;
  const Vector cross = features.transpose() * response;
  neg_scaled_gram_ = -gram / noise_var;
  scaled_cross_ = cross.transpose() / noise_var;
  likelihood_constant_ = -response.squaredNorm() / (2.0 * noise_var) -
                         0.5 * static_cast<double>(n_data_) * std::log(2.0 * M_PI * noise_var);
  prior_constant_ = -0.5 * static_cast<double>(d) * std::log(2.0 * M_PI * prior_var);

  DenseMatrix posterior_precision = gram / noise_var;
  posterior_precision.diagonal().array() += 1.0 / prior_var;
  const DenseMatrix l = spd_cholesky(posterior_precision, "linreg target: posterior precision");
  const DenseMatrix inverse_l = l.triangularView<Eigen::Lower>().solve(DenseMatrix::Identity(d, d));
  posterior_covariance_ = inverse_l.transpose() * inverse_l;
  posterior_mean_ = posterior_covariance_ * scaled_cross_.transpose();
}

std::vector<std::string> LinearRegressionModel::parameter_names() const {
  std::vector<std::string> names;
  for (Index j = 0; j < dim(); ++j)
    names.push_back("w_" + std::to_string(j));
  return names;
}

void LinearRegressionModel::log_likelihood_gradient(const ConstMatrixRef& x,
                                                    MatrixRef gradient) const {
  gradient.noalias() = x * neg_scaled_gram_;
  gradient.rowwise() += scaled_cross_;
}

void LinearRegressionModel::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                                     MatrixRef gradient) const {
  log_likelihood_gradient(x, gradient);
  // With g = b − A w (b = Xᵀy/σ², A = XᵀX/σ²): ½ w·(g + b) = w·b − ½ wᵀA w.
  log_density = 0.5 * x.cwiseProduct(gradient.rowwise() + scaled_cross_).rowwise().sum();
  const double inv_prior_var = 1.0 / (prior_scale_ * prior_scale_);
  log_density -= 0.5 * inv_prior_var * x.rowwise().squaredNorm();
  log_density.array() += likelihood_constant_ + prior_constant_;
  gradient -= inv_prior_var * x;
}

DenseMatrix LinearRegressionModel::hessian(const ConstVectorRef&) const {
  DenseMatrix h = neg_scaled_gram_;
  h.diagonal().array() -= 1.0 / (prior_scale_ * prior_scale_);
  return h;
}

namespace {

class LinregBuilder : public TargetBuilder {
public:
  void configure(Options& options) override {
    data_ = detail::read_target_data(options);
    n_data_ = options.get_int("target_n_data", 100, 1, 100000000,
                              "linreg: number of synthetic data points (without -target_data)");
    dim_ = detail::read_target_dim(options);
    seed_ = detail::read_target_seed(options);
    noise_sd_ = options.get_real("target_noise", 0.5, 0.0, 1e10,
                                 "linreg: known noise standard deviation sigma", true);
    prior_scale_ = detail::read_target_prior_scale(options);
    if (options.help_mode() || data_.empty())
      return;
    for (const char* synthetic : {"target_n_data", "target_dim", "target_seed"})
      if (options.is_set(synthetic))
        throw InputError(std::string("option -") + synthetic +
                         " describes synthetic data and cannot be combined with -target_data");
  }

  std::unique_ptr<Model> build(MPI_Comm) const override {
    const RegressionData data =
        data_.empty() ? synthetic_regression_data(n_data_, dim_, noise_sd_, prior_scale_, seed_)
                      : read_regression_csv(data_);
    return std::make_unique<LinearRegressionModel>(data.features, data.response, noise_sd_,
                                                   prior_scale_);
  }

private:
  std::string data_;
  Index n_data_ = 0, dim_ = 0;
  uint64_t seed_ = 0;
  double noise_sd_ = 1.0, prior_scale_ = 1.0;
};

} // namespace

std::unique_ptr<TargetBuilder> make_linreg_builder() {
  return std::make_unique<LinregBuilder>();
}

} // namespace l0svgd
