#pragma once
/// A mixture of sinh–arcsinh transformed Gaussians (`-target_type sas_mixture`): the skewed,
/// heavy- or light-tailed multimodal targets of the Laplace/VI talk's scalability study, with an
/// exact normalised density and an exact sampler.
#include <memory>
#include <vector>

#include "l0svgd/models/exact_target.hpp"
#include "l0svgd/models/mixture_sum.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

/// Component k is Y = μ_k + F(Z; s_k, t_k) with Z ~ N(0, Σ_k) and F applied to each coordinate,
/// F(z; s, t) = a_t sinh(t (asinh z + s)), a_t = 2 / sinh(t asinh 2) (REFERENCE.md §5): s skews, t
/// sets the tails (t > 1 heavier, t < 1 lighter), and s = 0, t = 1 is the identity, so the mixture
/// is then the Gaussian mixture (w, μ, Σ). The density follows by the change of variables
/// z_j = sinh(asinh(u_j / a_t)/t − s), u = y − μ_k:
/// log p_k(y) = log N(z; 0, Σ_k) + Σ_j log dz_j/du_j. A block is evaluated component by component
/// (one n × d GEMM each) and combined by MixtureSum. Evaluation reuses mutable workspace.
class SasMixtureModel : public Model, public ExactTarget {
public:
  /// K positive weights (normalised here), K × d means, K SPD covariances and K skewness and
  /// tail-weight values (t > 0). Throws InputError naming the component for a bad size or value.
  SasMixtureModel(const Vector& weights, const Matrix& means,
                  const std::vector<DenseMatrix>& covariances, const Vector& skewness,
                  const Vector& tail_weight);

  Index dim() const override { return means_.cols(); }
  std::string name() const override { return "sas_mixture"; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  /// One uniform picks the component, then d normals give z and y = μ_k + F(L_k ε).
  void sample_exact(uint64_t seed, RngStream stream, Index first, MatrixRef out) const override;

  Index n_components() const { return weights_.size(); }
  /// F(z; s_k, t_k) of component k, elementwise.
  double transform(Index k, double z) const;

private:
  void component(Index k, const ConstMatrixRef& x) const; // value_ and gradient_ of component k

  Vector weights_, skewness_, tail_weight_, amplitude_;
  Matrix means_;
  std::vector<DenseMatrix> cholesky_, precision_;
  Vector log_constant_; // log w_k − ½ log det(2π Σ_k)
  using RowArray = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  mutable RowArray r_, v_, z_, slope_; // u/a, asinh(r)/t − s, sinh(v), dv/du per entry
  mutable Matrix gradient_, pz_;
  mutable Vector value_;
  mutable MixtureSum sum_;
};

/// Builder of `-target_type sas_mixture`: the mixture of gmm_synthetic (its factors and seed)
/// with -target_skewness and -target_tailweight (one value, or one per component).
std::unique_ptr<TargetBuilder> make_sas_mixture_builder();

} // namespace l0svgd
