#pragma once
/// Bayesian logistic regression on a CSV data set (`-target_type logreg`), the standard real-data
/// benchmark of SVGD.
#include <memory>
#include <string>
#include <vector>

#include "l0svgd/models/model.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

/// A binary-classification data set: `features` n × p and `labels` n values, each 0 or 1.
struct ClassificationData {
  Matrix features;
  Vector labels;
};

/// Reads a CSV whose last column is a 0/1 label and whose other columns are features (optional
/// header,
/// '#' comments; see read_csv). A header that does not name the columns but starts with two
/// integers
/// (`569,30,malignant,benign`: rows, features, class names) is checked against the data. Throws
/// InputError naming the file for a missing, empty or malformed file, fewer than two columns, a
/// label other than 0 or 1, or a header that disagrees with the data. Not collective.
ClassificationData read_classification_csv(const std::string& path);

/// Posterior of θ = (bias, w) with y_i ~ Bernoulli(σ(θ₀ + z_iᵀ w)), z_i the z-scored features (mean
/// and population standard deviation of each column of the data; a constant column is only
/// centred), prior θ ~ N(0, τ² I): log p(θ) = Σ_i [y_i s_i − log(1 + e^{s_i})] − ‖θ‖²/(2τ²) − (D/2)
/// log(2πτ²), s = Z_aug θ, Z_aug = [1 Z]. A block Θ (m × D) costs two GEMMs: S = Θ Z_augᵀ and ∇ =
/// (Y − σ(S)) Z_aug − Θ/τ²; log(1 + e^s) is evaluated stably, so values are finite for any finite
/// θ. Evaluation reuses an m × n mutable workspace: not for concurrent threads.
class LogisticRegressionModel : public Model {
public:
  /// Throws InputError if sizes differ, there are no data or features, a label is not 0 or 1, or
  /// τ is not positive.
  LogisticRegressionModel(const Matrix& features, const Vector& labels, double prior_scale);

  Index dim() const override { return design_.cols(); }
  std::string name() const override { return "logreg"; }
  /// "bias", "w_0", "w_1", ... (w_j belongs to feature column j).
  std::vector<std::string> parameter_names() const override;
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  /// (Y − σ(S)) Z_aug per row.
  void log_likelihood_gradient(const ConstMatrixRef& x, MatrixRef gradient) const override;
  bool has_likelihood_gradient() const override { return true; }
  bool has_hessian() const override { return true; }
  /// −Z_augᵀ diag(σ(s)(1 − σ(s))) Z_aug − I/τ².
  DenseMatrix hessian(const ConstVectorRef& x) const override;

  Index n_data() const { return design_.rows(); }
  Index n_features() const { return design_.cols() - 1; }
  double prior_scale() const { return prior_scale_; }
  /// Column means and scales used to standardise the features.
  const Vector& feature_mean() const { return feature_mean_; }
  const Vector& feature_scale() const { return feature_scale_; }
  /// Z_aug: n × (p + 1), a column of ones then the standardised features.
  const Matrix& design() const { return design_; }
  const Vector& labels() const { return labels_; }

private:
  // Log-likelihood and its gradient per row of x.
  void likelihood(const ConstMatrixRef& x, VectorRef log_likelihood, MatrixRef gradient) const;

  Matrix design_;
  Vector labels_;
  Vector feature_mean_, feature_scale_;
  double prior_scale_, prior_constant_;
  mutable Matrix logits_;
  mutable Vector value_workspace_;
};

/// Builder of `-target_type logreg`: -target_data (required), -target_prior_scale (τ).
std::unique_ptr<TargetBuilder> make_logreg_builder();

} // namespace l0svgd
