#pragma once
/// Input-convex neural networks (Amos, Xu & Kolter 2017) with exact first derivatives in the inputs
/// and exact parameter gradients of any linear functional of the value and of those input
/// derivatives (double back-propagation, derived by hand and batched over data points with GEMMs).
///
/// Architecture, for inputs x ∈ R^n_in (one data point per column of X) and hidden layers ℓ =
/// 0..L−1:
///
///     z_0 = σ(A_0 x + b_0),   z_ℓ = σ(W_ℓ z_{ℓ−1} + A_ℓ x + b_ℓ),   N(x) = W_L z_{L−1} + A_L x,
///
/// so every hidden layer and the output have a skip connection A_ℓ from the inputs. The output has
/// no bias: potentials are used as ψ = N(x) − N(x⁰), where a constant cancels. The activation is
/// the shifted softplus σ(t) = log(1 + eᵗ) − log 2: convex, non-decreasing, and σ(0) = 0, so a
/// neuron whose incoming weights and bias are all zero outputs exactly zero and can be removed
/// without changing the network.
///
/// Convexity: every W_ℓ (hidden-to-hidden and output) and every column of A_ℓ that multiplies a
/// convex input is kept ≥ 0 by the reparameterisation w = softplus(θ) with θ ∈ R unconstrained;
/// biases and the columns of A_ℓ for non-convex inputs are w = θ. Then N is convex and
/// non-decreasing in the convex inputs for any θ and any fixed value of the other inputs (a
/// partially input-convex network when some inputs are not convex, as mechanochemistry needs).
/// Optimisers and samplers work on θ; the kernels below work on the effective weights w, so gates
/// (L0) and masks can multiply w before evaluation.
#include <cstdint>
#include <string>
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// softplus(θ) = log(1 + e^θ), overflow-safe.
double softplus(double theta);
/// Inverse of softplus for y > 0: log(e^y − 1).
double softplus_inverse(double y);

/// One scalar parameter of a network: an entry of W_ℓ, A_ℓ or b_ℓ.
struct IcnnParameter {
  enum class Kind { W, A, b };
  int layer = 0; ///< 0..depth; `depth` is the output layer
  Kind kind = Kind::W;
  Index row = 0; ///< position in this network's (possibly reduced) matrices
  Index col = 0;
  Index label_row = 0; ///< position in the original dense network, used in names
  Index label_col = 0;
  bool positive = false; ///< w = softplus(θ) (kept ≥ 0) rather than w = θ
};

/// Name of a parameter, "layer<k>.<W|A|b>[row,col]" with the dense network's row and column (bias
/// column 0), e.g. "layer1.W[3,7]", "layer0.A[2,1]", "layer2.b[5,0]".
std::string parameter_name(const IcnnParameter& parameter);

/// Which parameters a network has and where they sit. A dense structure has every entry of every
/// matrix; a reduced one (see `reduce`) has narrower layers and only some entries, the rest being
/// zero.
class IcnnStructure {
public:
  /// Dense network: `depth` ≥ 1 hidden layers of `width` neurons, inputs flagged convex or not.
  /// Parameters are ordered layer by layer — W_ℓ (ℓ ≥ 1), A_ℓ, b_ℓ, each row-major; the output
  /// layer has W_L and A_L — so there are (n_in + 1) w + (L − 1)(w² + (n_in + 1) w) + w + n_in of
  /// them (w = width, L = depth): 1002 for 2 inputs and 20 × 3, 1030 for 4 inputs and 19 × 3.
  /// Throws InputError for width < 1, depth < 1 or no inputs.
  static IcnnStructure dense(const std::vector<bool>& convex_inputs, Index width, Index depth);

  Index n_inputs() const { return static_cast<Index>(convex_inputs_.size()); }
  const std::vector<bool>& convex_inputs() const { return convex_inputs_; }
  /// Number of hidden layers L.
  Index depth() const { return static_cast<Index>(widths_.size()); }
  /// Width of hidden layer ℓ (may be 0 in a reduced network).
  Index width(Index layer) const { return widths_[layer]; }
  const std::vector<Index>& widths() const { return widths_; }
  /// Number of rows of layer ℓ's matrices: width(ℓ) for hidden layers, 1 for the output layer.
  Index rows(Index layer) const { return layer < depth() ? widths_[layer] : 1; }
  /// Number of columns of W_ℓ: width(ℓ−1), 0 for layer 0.
  Index w_cols(Index layer) const { return layer > 0 ? widths_[layer - 1] : 0; }

  Index n_parameters() const { return static_cast<Index>(parameters_.size()); }
  const std::vector<IcnnParameter>& parameters() const { return parameters_; }
  std::vector<std::string> parameter_names() const;
  /// True for every parameter with w = softplus(θ).
  std::vector<bool> positive() const;

  /// The network with only the parameters flagged in `keep` (size n_parameters()), with every
  /// neuron removed that is not on a path from a source (an input or a kept bias) to the output. A
  /// removed neuron has a zero pre-activation (so output σ(0) = 0) or no effect on the output,
  /// hence the reduced network computes exactly what this one computes with the other weights set
  /// to zero, at lower cost. `kept` lists, for each parameter of the result, its index in this
  /// structure; parameters in `keep` that only touch removed neurons are dropped.
  struct Reduction;
  Reduction reduce(const std::vector<bool>& keep) const;

  /// An empty structure (no inputs, no parameters), to be assigned later.
  IcnnStructure() = default;

private:
  std::vector<bool> convex_inputs_;
  std::vector<Index> widths_;
  std::vector<IcnnParameter> parameters_;
};

struct IcnnStructure::Reduction {
  IcnnStructure structure;
  std::vector<Index> kept;
};

/// Intermediate values of one batched evaluation, kept for the parameter gradient, plus scratch
/// space. Reusing one tape across calls with the same shapes allocates nothing.
struct IcnnTape {
  std::vector<DenseMatrix> W, A; ///< effective weights, unpacked (W[0] is empty)
  std::vector<Vector> b;
  std::vector<DenseMatrix> H, Z, S1, S2, G, D; ///< per hidden layer: width × n_points
  DenseMatrix X;                               ///< inputs, n_inputs × n_points
  Eigen::RowVectorXd value;                    ///< N at each point
  DenseMatrix input_gradient;                  ///< ∂N/∂x, n_inputs × n_points
  // Adjoints of the parameter gradient.
  std::vector<DenseMatrix> W_bar, A_bar, H_bar, D_bar, G_bar, Z_bar;
  std::vector<Vector> b_bar;
  // Cotangents built by callers (e.g. from stress residuals), kept here so they need no allocation.
  Eigen::RowVectorXd value_cotangent;
  DenseMatrix gradient_cotangent;
};

/// Evaluation of an ICNN of a given structure for one parameter vector at many points at once (the
/// points are the columns of every matrix product). Stateless: all intermediate values live in an
/// IcnnTape, so one network can be shared. Nothing here is collective.
class IcnnNetwork {
public:
  explicit IcnnNetwork(IcnnStructure structure);

  const IcnnStructure& structure() const { return structure_; }
  Index n_parameters() const { return structure_.n_parameters(); }
  Index n_inputs() const { return structure_.n_inputs(); }

  /// Effective weights w(θ) and their elementwise derivative dw/dθ (either output may be
  /// empty-sized to skip it: pass a vector of size 0).
  void effective_weights(const ConstVectorRef& theta, VectorRef weights,
                         VectorRef derivative) const;

  /// Forward pass and input gradient at the columns of `inputs` (n_inputs × n_points) for effective
  /// weights `weights`: fills tape.value (N) and tape.input_gradient (∂N/∂x) and keeps what
  /// `parameter_gradient` needs.
  void forward(const ConstVectorRef& weights, const Eigen::Ref<const DenseMatrix>& inputs,
               IcnnTape& tape) const;

  /// Gradient with respect to the effective weights of
  ///     F = Σ_p value_cotangent(p) N(x_p) + Σ_{j,p} gradient_cotangent(j, p) ∂N/∂x_j(x_p)
  /// at the weights and points of the last `forward` on `tape`. This is the mixed second derivative
  /// that training on ∂N/∂x needs (double back-propagation).
  void parameter_gradient(IcnnTape& tape,
                          const Eigen::Ref<const Eigen::RowVectorXd>& value_cotangent,
                          const Eigen::Ref<const DenseMatrix>& gradient_cotangent,
                          VectorRef weight_gradient) const;

  /// Multiplies the effective weights of the output layer (W_L and A_L) by `factor` > 0 in place,
  /// which multiplies N and ∂N/∂x by `factor`.
  void scale_output(VectorRef theta, double factor) const;

  /// Start point θ for optimisation or particle `index`: positive weights near 1/fan-in (θ =
  /// softplus⁻¹(1/fan_in) + 0.1 ξ), biases 0.1 ξ, weights of non-convex inputs ξ/√fan_in, with ξ
  /// standard normal from RandomSequence(seed, Weights, index).
  Vector initial_parameters(uint64_t seed, uint64_t index) const;

private:
  IcnnStructure structure_;
};

} // namespace l0svgd
