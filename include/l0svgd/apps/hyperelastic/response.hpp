#pragma once
/// The hyperelastic response of an ICNN potential N(I1, I2) at a fixed set of loading points:
/// nominal stresses from ψ1 = ∂N/∂I1 and ψ2 = ∂N/∂I2 (REFERENCE.md §4), normalised energies ψ =
/// N(I) − N(3, 3), and the exact gradient of Σ_i r_i P_i with respect to the network's effective
/// weights.
///
/// A network with two inputs sees x = (I1 − 3, I2 − 3) ≥ 0; one with four inputs ("extended") sees
/// in addition (√I1 − √3, √I2 − √3). √I1 = |F| and √I2 = |cof F| are convex in F and cof F, so a
/// potential convex and non-decreasing in all four inputs is still polyconvex, while it can soften
/// in I1 the way Ogden's α = 1.3 term does — which no function convex in (I1, I2) can (the best
/// convex fit of the Ogden ground truth in (I1, I2) is the Mooney–Rivlin fit, training R² ≈ 0.968).
/// The stress-free reference is x⁰ = 0 in both cases. All points are evaluated in one batched pass
/// (data points are the columns of every GEMM), with the reference point appended as a last column
/// for the normalisation.
#include "l0svgd/apps/hyperelastic/data.hpp"
#include "l0svgd/models/icnn.hpp"

namespace l0svgd {

/// Not collective. Stateless apart from the caller's IcnnTape.
class HyperelasticResponse {
public:
  /// `structure` must have two or four inputs, all convex. Throws Error otherwise.
  HyperelasticResponse(IcnnStructure structure, const StressPoints& points);

  const IcnnNetwork& network() const { return network_; }
  Index n_points() const { return coefficients_.cols(); }

  /// Nominal stresses P at every point for effective weights `weights`; keeps the pass on `tape`
  /// for `stress_gradient`.
  void stresses(const ConstVectorRef& weights, IcnnTape& tape, VectorRef stress) const;
  /// Gradient of Σ_i cotangent_i P_i with respect to the effective weights, at the weights of the
  /// last `stresses` call on `tape`.
  void stress_gradient(IcnnTape& tape, const ConstVectorRef& cotangent,
                       VectorRef weight_gradient) const;
  /// Normalised energies ψ = N(x) − N(x⁰) and (ψ1, ψ2) = (∂ψ/∂I1, ∂ψ/∂I2) (2 × n_points) at every
  /// point.
  void energies(const ConstVectorRef& weights, IcnnTape& tape, VectorRef energy,
                Eigen::Ref<DenseMatrix> psi_derivatives) const;

  /// Stresses for a block of particles: row p of `theta` holds unconstrained parameters θ, row p of
  /// the result the stresses (n_particles × n_points).
  Matrix predict(const ConstMatrixRef& theta) const;

  /// θ with the output layer rescaled (IcnnNetwork::scale_output) by the least-squares factor that
  /// best fits `observed` (stresses are linear in the output layer's weights), so that optimisation
  /// starts at the scale of the data; the factor is kept in [1e-6, 1e6].
  Vector scale_to_data(const ConstVectorRef& theta, const ConstVectorRef& observed) const;

private:
  IcnnNetwork network_;
  DenseMatrix inputs_;       // n_inputs × (n_points + 1), last column the reference
  DenseMatrix coefficients_; // n_inputs × n_points: P = Σ_j coefficients(j, i) ∂N/∂x_j
  DenseMatrix root_factors_; // 2 × n_points: ∂√I/∂I = 1/(2√I), for four inputs
};

} // namespace l0svgd
