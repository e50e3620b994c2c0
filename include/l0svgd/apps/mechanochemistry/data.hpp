#pragma once
/// The mechanochemistry benchmark (our construction; the L0+SVGD paper's model is not public): the
/// homogeneous part of a Cahn–Hilliard free energy with a Vegard-law eigenstrain, dimensionless,
///
///     ψ(ε, c) = ½ E (ε − Ω c)² + c ln c + (1 − c) ln(1 − c) + χ c (1 − c),   E = 10, Ω = 0.1,
///     σ = ∂ψ/∂ε = E (ε − Ω c),   μ = ∂ψ/∂c = −E Ω (ε − Ω c) + ln(c / (1 − c)) + χ (1 − 2c).
///
/// χ = 1.5 gives one well in c, χ = 3 a double well (phase separation: μ falls with c between the
/// spinodals c(1 − c) = 1/(2χ)). Training data: σ and μ on an even grid of ε ∈ [−0.05, 0.05] ×
/// c ∈ [0.1, 0.9] with Gaussian noise of σ_q = κ · max |q| over that box for each output q; test
/// points: the noise-free truth on an even grid of ε ∈ [−0.1, 0.1] × c ∈ [0.02, 0.98], the points
/// outside the training box marked as extrapolation.
#include <cstdint>
#include <string>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/models/network_application.hpp"

namespace l0svgd {

constexpr double kMechStiffness = 10.0; ///< E
constexpr double kMechVegard = 0.1;     ///< Ω
/// The training box, which also normalises the network's inputs (network.hpp).
constexpr double kMechStrainLimit = 0.05;
constexpr double kMechConcentrationLow = 0.1, kMechConcentrationHigh = 0.9;

/// ψ, σ = ∂ψ/∂ε and μ = ∂ψ/∂c of the ground truth for interaction parameter `chi`; c ∈ (0, 1).
double mech_free_energy(double strain, double concentration, double chi);
double mech_stress(double strain, double concentration);
double mech_potential(double strain, double concentration, double chi);

/// Which output a prediction point holds (its "quantity" coordinate).
enum class MechQuantity { Stress = 0, Potential = 1 };

/// Settings of the data, from options with prefix `mech_`.
struct MechanoDataOptions {
  double chi = 3.0;
  double noise = 0.05;                               ///< κ
  uint64_t seed = 1;                                 ///< noise seed (RandomSequence stream Data)
  Index strain_points = 5, concentration_points = 9; ///< training grid
  Index grid_strain_points = 21, grid_concentration_points = 25; ///< test grid

  /// Reads -mech_chi, -mech_noise, -mech_seed, -mech_strain_points, -mech_concentration_points,
  /// -mech_grid_strain_points, -mech_grid_concentration_points. Options only; not collective.
  static MechanoDataOptions configure(Options& options);
};

/// Training and test points, each location once per output: coordinates "quantity" (0 σ, 1 μ,
/// integers), "strain" and "concentration"; values "value".
struct MechanoDataset {
  PredictionPoints train, test;
  std::string description; ///< e.g. "synthetic chi 3, noise 0.05"
};

/// Per point: 1 / Σ_j (v_j − mean)² over the points of the same quantity, so that weighting squared
/// errors by it puts both outputs on one scale. Throws InputError if an output has no variance.
Vector inverse_sum_of_squares(const PredictionPoints& points);

/// Generates the data (noise from RandomSequence(seed, Data, entry index): identical on every
/// rank). Not collective. κ > 0 (the option's range): the likelihood's σ is the data-generating
/// one.
MechanoDataset make_mechano_data(const MechanoDataOptions& options);

} // namespace l0svgd
