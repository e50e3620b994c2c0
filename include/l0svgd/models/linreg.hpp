#pragma once
/// Bayesian linear regression with known noise (`-target_type linreg`): a data-driven target whose
/// posterior is Gaussian and known exactly.
#include <cstdint>
#include <memory>
#include <string>

#include "l0svgd/models/model.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

/// A regression data set: `features` n × d, `response` n; `true_weights` (d) only for synthetic
/// data.
struct RegressionData {
  Matrix features;
  Vector response;
  Vector true_weights;
};

/// Reads a CSV whose last column is the response and whose other columns are the features (optional
/// header, '#' comments; see read_csv). Throws InputError naming the file for a missing, empty or
/// malformed file or one with fewer than two columns. Not collective.
RegressionData read_regression_csv(const std::string& path);

/// Synthetic data y = X w + ε: w ~ N(0, τ² I) from RandomSequence(seed, RngStream::Data, 0); row i
/// draws its d standard-normal features, then ε_i ~ N(0, σ²), from RandomSequence(seed,
/// RngStream::Data, 1 + i).
RegressionData synthetic_regression_data(Index n_data, Index dim, double noise_sd,
                                         double prior_scale, uint64_t seed);

/// Posterior of the weights w given y = X w + ε, ε ~ N(0, σ² I), prior w ~ N(0, τ² I):
/// log p(w) = −‖y − X w‖²/(2σ²) − ‖w‖²/(2τ²) − (n/2) log(2πσ²) − (d/2) log(2πτ²) (the log joint).
/// Evaluation uses the sufficient statistics XᵀX, Xᵀy and yᵀy, so a block costs one m × d × d GEMM
/// whatever n. The posterior is N(m, S) with S = (XᵀX/σ² + I/τ²)⁻¹, m = S Xᵀy/σ².
class LinearRegressionModel : public Model {
public:
  /// Throws InputError if the sizes differ, there are no data or σ, τ are not positive.
  LinearRegressionModel(const Matrix& features, const Vector& response, double noise_sd,
                        double prior_scale);

  Index dim() const override { return posterior_mean_.size(); }
  std::string name() const override { return "linreg"; }
  /// "w_0", "w_1", ...
  std::vector<std::string> parameter_names() const override;
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  /// (Xᵀy − XᵀX w)/σ² per row.
  void log_likelihood_gradient(const ConstMatrixRef& x, MatrixRef gradient) const override;
  bool has_likelihood_gradient() const override { return true; }
  bool has_hessian() const override { return true; }
  /// −XᵀX/σ² − I/τ², whatever w.
  DenseMatrix hessian(const ConstVectorRef& x) const override;

  Index n_data() const { return n_data_; }
  double noise_sd() const { return noise_sd_; }
  double prior_scale() const { return prior_scale_; }
  const Vector& posterior_mean() const { return posterior_mean_; }
  const DenseMatrix& posterior_covariance() const { return posterior_covariance_; }

private:
  Index n_data_;
  double noise_sd_, prior_scale_;
  DenseMatrix neg_scaled_gram_;     // −XᵀX/σ²
  Eigen::RowVectorXd scaled_cross_; // (Xᵀy)ᵀ/σ²
  double likelihood_constant_;      // −yᵀy/(2σ²) − (n/2) log(2πσ²)
  double prior_constant_;           // −(d/2) log(2πτ²)
  Vector posterior_mean_;
  DenseMatrix posterior_covariance_;
};

/// Builder of `-target_type linreg`: -target_data (CSV; synthetic data from -target_n_data,
/// -target_dim and -target_seed when unset), -target_noise (σ), -target_prior_scale (τ).
std::unique_ptr<TargetBuilder> make_linreg_builder();

} // namespace l0svgd
