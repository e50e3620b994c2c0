#pragma once
/// A free energy network ψ_NN(ε, c) convex in the strain ε (mechanical stability) and free in the
/// concentration c (so that it can represent a double well), trained on σ = ∂ψ/∂ε and μ = ∂ψ/∂c:
///
///     ψ_NN(ε, c) = N(x₁, x₂, x₃, x₄) + Σ_k a_k tanh(w_k x₃ + b_k),
///     x₁ = ε / ε_s,  x₂ = −ε / ε_s,  x₃ = (c − c₀) / c_s,  x₄ = x₁²,
///
/// with N an ICNN (models/icnn.hpp) whose inputs x₁, x₂, x₄ are convex and x₃ is not, and a free
/// one-layer tanh network in x₃ alone. N is convex and non-decreasing in (x₁, x₂, x₄), and x₄ is
/// convex in ε, so N is convex in ε for every c (a convex non-decreasing function of convex
/// functions) — the pair (ε, −ε) lets it be non-monotone in ε, and x₄ lets one output weight carry
/// a quadratic elastic energy such as ½E(ε − Ωc)², which softplus units alone only approximate
/// (they grow linearly, so a sparse network's stress would saturate beyond the training strains).
/// x₄ is optional (MechanoStructure::dense); without it N has the three inputs. The free term adds
/// any function of c. This is a partially input-convex network in the sense of Amos, Xu & Kolter
/// (2017, §3.2): convex in ε by reparameterisation (softplus weights), unconstrained in c; ours is
/// the additive special case, which keeps the ICNN's exact double back-propagation. The inputs are
/// normalised by the training box (ε_s = 0.05, c₀ = 0.5, c_s = 0.4, data.hpp).
///
/// Parameters: N's (IcnnStructure order), then per free unit a_k, w_k and, unless pruned, b_k. A
/// free unit without a_k or w_k contributes nothing to σ or μ and is removed by `reduce`. Nothing
/// here is collective.
#include <cstdint>
#include <string>
#include <vector>

#include "l0svgd/core/types.hpp"
#include "l0svgd/models/icnn.hpp"

namespace l0svgd {

/// Which parameters a mechanochemistry network has.
class MechanoStructure {
public:
  /// A unit of the free network: its dense index (for names) and whether its bias is kept.
  struct FreeUnit {
    Index label = 0;
    bool has_bias = true;
  };

  /// Dense network: N with `depth` hidden layers of `width` (with the input x₄ = x₁² when
  /// `strain_squared`), and `free_width` free units. Throws InputError for a width or depth < 1
  /// or free_width < 0.
  static MechanoStructure dense(Index width, Index depth, Index free_width, bool strain_squared);
  /// Whether N has the input x₄ = x₁².
  bool strain_squared() const { return convex_.n_inputs() == 4; }

  const IcnnStructure& convex() const { return convex_; }
  const std::vector<FreeUnit>& free_units() const { return free_; }
  Index n_convex_parameters() const { return convex_.n_parameters(); }
  Index n_parameters() const;
  /// Convex part's names (IcnnStructure) then "free.a[k]", "free.w[k]", "free.b[k]".
  std::vector<std::string> parameter_names() const;
  /// True for every parameter kept ≥ 0 by w = softplus(θ) (only N has any).
  std::vector<bool> positive() const;

  struct Reduction;
  /// The network with the parameters flagged in `keep`: N reduced by IcnnStructure::reduce, free
  /// units kept when both a_k and w_k are. `kept` maps each result parameter to its index here.
  Reduction reduce(const std::vector<bool>& keep) const;

  MechanoStructure() = default;

private:
  IcnnStructure convex_;
  std::vector<FreeUnit> free_;
};

struct MechanoStructure::Reduction {
  MechanoStructure structure;
  std::vector<Index> kept;
};

/// Intermediate values of one batched evaluation.
struct MechanoTape {
  IcnnTape icnn;
  DenseMatrix inputs;    ///< 3 or 4 × n: x₁, x₂, x₃ (, x₄)
  DenseMatrix T, S;      ///< free units × n: tanh(w x₃ + b) and 1 − tanh²
  Vector free_a, free_w; ///< the free units' a_k and w_k of the pass
  Vector stress, potential, energy;
  DenseMatrix cotangent; ///< inputs' shape, work space of the gradient
  Eigen::RowVectorXd zero_row;
};

/// Evaluation for one effective-weight vector at many (ε, c) locations.
class MechanoNetwork {
public:
  explicit MechanoNetwork(MechanoStructure structure);
  const MechanoStructure& structure() const { return structure_; }
  Index n_parameters() const { return structure_.n_parameters(); }

  /// w(θ) and dw/dθ (both of size n_parameters()): softplus for N's positive weights, identity
  /// otherwise.
  void effective_weights(const ConstVectorRef& theta, VectorRef weights,
                         VectorRef derivative) const;
  /// σ, μ and ψ_NN at the locations (fills tape.stress, tape.potential, tape.energy).
  void forward(const ConstVectorRef& weights, const ConstVectorRef& strain,
               const ConstVectorRef& concentration, MechanoTape& tape) const;
  /// Gradient of Σ_p (s_p σ_p + m_p μ_p) with respect to the effective weights, at the last
  /// `forward` on `tape`.
  void gradient(MechanoTape& tape, const ConstVectorRef& stress_cotangent,
                const ConstVectorRef& potential_cotangent, VectorRef weight_gradient) const;
  /// Multiplies ψ_NN (hence σ and μ) by `factor` > 0 in θ: N's output layer and every a_k.
  void scale_output(VectorRef theta, double factor) const;
  /// Start point: N's IcnnNetwork::initial_parameters(seed, 0); free units a_k = 0.1 ξ, w_k = ξ,
  /// b_k = ξ with ξ standard normal from RandomSequence(seed, Weights, 1).
  Vector initial_parameters(uint64_t seed) const;

private:
  MechanoStructure structure_;
  IcnnNetwork icnn_;
};

} // namespace l0svgd
