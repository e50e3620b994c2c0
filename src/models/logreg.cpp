#include "l0svgd/models/logreg.hpp"

#include "l0svgd/core/csv.hpp"
#include "l0svgd/core/error.hpp"
#include "target_options.hpp"

#include <charconv>
#include <cmath>
#include <sstream>

namespace l0svgd {
namespace {

bool parse_count(const std::string& cell, long& value) {
  const auto result = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  return result.ec == std::errc() && result.ptr == cell.data() + cell.size() && value >= 0;
}

void check_labels(const Vector& labels, const std::string& where) {
  for (Index i = 0; i < labels.size(); ++i)
    if (labels(i) != 0.0 && labels(i) != 1.0) {
      std::ostringstream value;
      value << labels(i);
      throw InputError(where + "label " + value.str() + " in data row " + std::to_string(i + 1) +
                       " is not 0 or 1");
    }
}

} // namespace

ClassificationData read_classification_csv(const std::string& path) {
  const CsvTable table = read_csv(path);
  const std::string where = "data file '" + path + "': ";
  if (table.n_cols() < 2)
    throw InputError(where + "needs feature columns and a label column, found " +
                     std::to_string(table.n_cols()) + " column");
  const Index p = table.n_cols() - 1;
  long rows = 0, features = 0;
  if (static_cast<Index>(table.header.size()) != table.n_cols() && table.header.size() >= 2 &&
      parse_count(table.header[0], rows) && parse_count(table.header[1], features) &&
      (rows != table.n_rows() || features != p))
    throw InputError(where + "header announces " + std::to_string(rows) + " rows and " +
                     std::to_string(features) + " features, the data have " +
                     std::to_string(table.n_rows()) + " rows and " + std::to_string(p) +
                     " features");
  ClassificationData data;
  data.features = table.values.leftCols(p);
  data.labels = table.values.col(p);
  check_labels(data.labels, where);
  return data;
}

LogisticRegressionModel::LogisticRegressionModel(const Matrix& features, const Vector& labels,
                                                 double prior_scale)
    : labels_(labels), prior_scale_(prior_scale) {
  const Index n = features.rows(), p = features.cols();
  if (n != labels.size() || n == 0 || p == 0)
    throw InputError("logreg target: " + std::to_string(n) + " x " + std::to_string(p) +
                     " features and " + std::to_string(labels.size()) +
                     " labels; need matching, non-empty data");
  if (!(prior_scale > 0))
    throw InputError("logreg target: the prior standard deviation must be positive");
  check_labels(labels, "logreg target: ");

  feature_mean_ = features.colwise().mean().transpose();
  const Matrix centred = features.rowwise() - feature_mean_.transpose();
  feature_scale_ =
      (centred.colwise().squaredNorm() / static_cast<double>(n)).cwiseSqrt().transpose();
  for (Index j = 0; j < p; ++j)
    if (!(feature_scale_(j) > 1e-12 * (1.0 + std::abs(feature_mean_(j)))))
      feature_scale_(j) = 1.0;
  design_.resize(n, p + 1);
  design_.col(0).setOnes();
  design_.rightCols(p) = centred.array().rowwise() / feature_scale_.transpose().array();
  prior_constant_ =
      -0.5 * static_cast<double>(p + 1) * std::log(2.0 * M_PI * prior_scale * prior_scale);
}

std::vector<std::string> LogisticRegressionModel::parameter_names() const {
  std::vector<std::string> names = {"bias"};
  for (Index j = 0; j < n_features(); ++j)
    names.push_back("w_" + std::to_string(j));
  return names;
}

void LogisticRegressionModel::likelihood(const ConstMatrixRef& x, VectorRef log_likelihood,
                                         MatrixRef gradient) const {
  logits_.resize(x.rows(), n_data());
  logits_.noalias() = x * design_.transpose();
  // y s − log(1 + e^s), with log(1 + e^s) = max(s, 0) + log1p(e^−|s|) so that nothing overflows.
  log_likelihood.noalias() = logits_ * labels_;
  log_likelihood -=
      (logits_.array().max(0.0) + (-logits_.array().abs()).exp().log1p()).matrix().rowwise().sum();
  // Residuals y − σ(s) in place; σ(s) = 1/(1 + e^−s) is 0, not NaN, when e^−s overflows.
  logits_.array() = (1.0 + (-logits_.array()).exp()).inverse();
  logits_ = -logits_;
  logits_.rowwise() += labels_.transpose();
  gradient.noalias() = logits_ * design_;
}

void LogisticRegressionModel::log_likelihood_gradient(const ConstMatrixRef& x,
                                                      MatrixRef gradient) const {
  value_workspace_.resize(x.rows());
  likelihood(x, value_workspace_, gradient);
}

void LogisticRegressionModel::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                                       MatrixRef gradient) const {
  likelihood(x, log_density, gradient);
  const double inv_prior_var = 1.0 / (prior_scale_ * prior_scale_);
  log_density -= 0.5 * inv_prior_var * x.rowwise().squaredNorm();
  log_density.array() += prior_constant_;
  gradient -= inv_prior_var * x;
}

DenseMatrix LogisticRegressionModel::hessian(const ConstVectorRef& x) const {
  const Vector logits = design_ * x;
  const Vector p = (1.0 + (-logits.array()).exp()).inverse().matrix();
  const Vector curvature = (p.array() * (1.0 - p.array())).matrix();
  DenseMatrix h = -(design_.transpose() * curvature.asDiagonal() * design_);
  h.diagonal().array() -= 1.0 / (prior_scale_ * prior_scale_);
  return h;
}

namespace {

class LogregBuilder : public TargetBuilder {
public:
  void configure(Options& options) override {
    data_ = detail::read_target_data(options);
    prior_scale_ = detail::read_target_prior_scale(options);
    if (!options.help_mode() && data_.empty())
      throw InputError("option -target_data is required for -target_type logreg (for example "
                       "data/uci/breast_cancer.csv)");
  }

  std::unique_ptr<Model> build(MPI_Comm) const override {
    const ClassificationData data = read_classification_csv(data_);
    return std::make_unique<LogisticRegressionModel>(data.features, data.labels, prior_scale_);
  }

private:
  std::string data_;
  double prior_scale_ = 1.0;
};

} // namespace

std::unique_ptr<TargetBuilder> make_logreg_builder() {
  return std::make_unique<LogregBuilder>();
}

} // namespace l0svgd
