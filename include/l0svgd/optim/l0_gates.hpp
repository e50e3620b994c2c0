#pragma once
/// Hard-concrete gates (Louizos, Welling & Kingma 2018; REFERENCE.md §3) in their deterministic
/// form: the mean gate used for training and the expected-L0 penalty.

namespace l0svgd {

/// Constants of the hard-concrete distribution.
struct HardConcrete {
  static constexpr double beta = 2.0 / 3.0;
  static constexpr double gamma = -0.1;
  static constexpr double zeta = 1.1;
};

/// Mean gate z̄ = clip(sigmoid(log α)(ζ − γ) + γ, 0, 1) and, if `derivative` is given, dz̄/d log α,
/// which is 0 where the clip is active (z̄ = 0 for sigmoid(log α) ≤ 1/12, z̄ = 1 for ≥ 11/12).
double mean_gate(double log_alpha, double* derivative = nullptr);

/// log α at which the mean gate first reaches 1, log((1 − γ)/(ζ − 1)) = log 11; it is exactly 0 for
/// log α ≤ −log 11.
double open_gate_log_alpha();

/// Probability that a gate is non-zero, sigmoid(log α − β log(−γ/ζ)) (one term of the expected L0
/// norm), and its derivative with respect to log α.
double gate_open_probability(double log_alpha, double* derivative = nullptr);

} // namespace l0svgd
