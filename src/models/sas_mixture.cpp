#include "l0svgd/models/sas_mixture.hpp"

#include <cmath>
#include <string>

#include <Eigen/Dense>

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/gmm_synthetic.hpp"
#include "target_options.hpp"

namespace l0svgd {

SasMixtureModel::SasMixtureModel(const Vector& weights, const Matrix& means,
                                 const std::vector<DenseMatrix>& covariances,
                                 const Vector& skewness, const Vector& tail_weight)
    : weights_(weights), skewness_(skewness), tail_weight_(tail_weight), means_(means) {
  const Index k_count = weights.size(), d = means.cols();
  require_input(k_count >= 1 && means.rows() == k_count &&
                    static_cast<Index>(covariances.size()) == k_count &&
                    skewness.size() == k_count && tail_weight.size() == k_count,
                "sas_mixture: weights, means, covariances, skewness and tail weights must have "
                "one entry per component");
  require_input((weights.array() > 0.0).all(), "sas_mixture: weights must be positive");
  require_input(skewness.allFinite(), "option -target_skewness: values must be finite");
  require_input((tail_weight.array() > 0.0).all() && tail_weight.allFinite(),
                "option -target_tailweight: values must be positive and finite");
  weights_ /= weights_.sum();
  amplitude_.resize(k_count);
  log_constant_.resize(k_count);
  for (Index k = 0; k < k_count; ++k) {
    require_input(covariances[k].rows() == d && covariances[k].cols() == d,
                  "sas_mixture: the covariance of component " + std::to_string(k) +
                      " is not d x d");
    const Eigen::LLT<DenseMatrix> llt(covariances[k]);
    require_input(llt.info() == Eigen::Success, "sas_mixture: the covariance of component " +
                                                    std::to_string(k) +
                                                    " is not positive definite");
    cholesky_.push_back(llt.matrixL());
    precision_.push_back(llt.solve(DenseMatrix::Identity(d, d)));
    const double log_det = 2.0 * cholesky_.back().diagonal().array().log().sum();
    log_constant_(k) =
        std::log(weights_(k)) - 0.5 * (static_cast<double>(d) * std::log(2.0 * M_PI) + log_det);
    amplitude_(k) = 2.0 / std::sinh(tail_weight(k) * std::asinh(2.0));
  }
}

double SasMixtureModel::transform(Index k, double z) const {
  return amplitude_(k) * std::sinh(tail_weight_(k) * (std::asinh(z) + skewness_(k)));
}

void SasMixtureModel::component(Index k, const ConstMatrixRef& x) const {
  const double a = amplitude_(k), t = tail_weight_(k), s = skewness_(k);
  r_ = (x.rowwise() - means_.row(k)).array() / a;
  v_ = r_.asinh() / t - s;
  z_ = v_.sinh();
  const RowArray root = (1.0 + r_.square()).sqrt(); // sqrt(1 + r²)
  slope_ = 1.0 / (t * a * root);                    // dv/du
  pz_.noalias() = z_.matrix() * precision_[k];      // (Σ⁻¹ z)ᵀ per row (Σ⁻¹ symmetric)
  // log dz/du = log cosh v + log dv/du, with log cosh v = |v| + log1p(e^{−2|v|}) − log 2.
  const RowArray log_jacobian =
      v_.abs() + (-2.0 * v_.abs()).exp().log1p() - std::log(2.0) + slope_.log();
  value_ =
      log_constant_(k) - 0.5 * (z_ * pz_.array()).rowwise().sum() + log_jacobian.rowwise().sum();
  // ∂/∂u: −(Σ⁻¹z)_j dz_j/du_j + tanh(v_j) dv_j/du_j − (r_j/a)/(1 + r_j²).
  gradient_ =
      (-pz_.array() * v_.cosh() * slope_ + v_.tanh() * slope_ - r_ / (a * root.square())).matrix();
}

void SasMixtureModel::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                               MatrixRef gradient) const {
  sum_.start(x.rows());
  for (Index k = 0; k < n_components(); ++k) {
    component(k, x);
    sum_.add(value_, gradient_, log_density, gradient);
  }
  sum_.finish(log_density, gradient);
}

void SasMixtureModel::sample_exact(uint64_t seed, RngStream stream, Index first,
                                   MatrixRef out) const {
  const Index d = dim();
  Vector e(d);
  for (Index i = 0; i < out.rows(); ++i) {
    RandomSequence sequence(seed, stream, static_cast<uint64_t>(first + i));
    const Index k = pick_component(weights_, sequence.uniform());
    for (Index j = 0; j < d; ++j)
      e(j) = sequence.normal();
    const Vector z = cholesky_[k] * e;
    for (Index j = 0; j < d; ++j)
      out(i, j) = means_(k, j) + transform(k, z(j));
  }
}

namespace {

class SasMixtureBuilder : public TargetBuilder {
public:
  void configure(Options& options) override {
    spec_ = configure_synthetic_mixture(options);
    skewness_ = options.get_real_array(
        "target_skewness", {0.5},
        "sas_mixture: skewness s of each component's sinh-arcsinh transform (one value or K)");
    tail_weight_ = options.get_real_array(
        "target_tailweight", {1.0},
        "sas_mixture: tail weight t > 0 of each component's transform, 1 = Gaussian tails (one "
        "value or K)");
    if (options.help_mode())
      return;
    mixture_ = synthetic_mixture(spec_);
    const std::string count = "K = " + std::to_string(spec_.components) + " components";
    skew_ = detail::option_vector(skewness_, spec_.components, "target_skewness", count, true);
    tail_ = detail::option_vector(tail_weight_, spec_.components, "target_tailweight", count, true);
    // The model checks them too; here they fail at setup, before anything runs.
    require_input((tail_.array() > 0.0).all() && tail_.allFinite(),
                  "option -target_tailweight: values must be positive and finite");
    require_input(skew_.allFinite(), "option -target_skewness: values must be finite");
  }

  std::unique_ptr<Model> build(MPI_Comm) const override {
    return std::make_unique<SasMixtureModel>(mixture_.weights, mixture_.means, mixture_.covariances,
                                             skew_, tail_);
  }

private:
  SyntheticMixtureSpec spec_;
  SyntheticMixture mixture_;
  std::vector<double> skewness_, tail_weight_;
  Vector skew_, tail_;
};

} // namespace

std::unique_ptr<TargetBuilder> make_sas_mixture_builder() {
  return std::make_unique<SasMixtureBuilder>();
}

} // namespace l0svgd
