#pragma once
/// Homogeneous incompressible loadings and their nominal stresses (REFERENCE.md §4): invariants of
/// C = FᵀF, nominal stress P11 from ψ1 = ∂ψ/∂I1 and ψ2 = ∂ψ/∂I2, and the closed-form stresses of
/// the Mooney–Rivlin and Ogden ground truths.
#include <array>
#include <string>
#include <vector>

namespace l0svgd {

/// Uniaxial tension (UT), equibiaxial tension (ET) and pure shear (PS).
enum class LoadingMode { Uniaxial = 0, Equibiaxial = 1, PureShear = 2 };

/// All modes in their fixed order UT, ET, PS.
const std::vector<LoadingMode>& all_loading_modes();
/// "ut", "et" or "ps".
std::string loading_mode_name(LoadingMode mode);
/// Parses "ut", "et" or "ps" (case-insensitive); throws InputError naming the unknown mode
/// otherwise.
LoadingMode parse_loading_mode(const std::string& name);

/// (I1, I2) of the incompressible deformation with stretch λ > 0.
std::array<double, 2> loading_invariants(LoadingMode mode, double stretch);

/// (c1, c2) with P11 = c1 ψ1 + c2 ψ2: UT 2(λ − λ⁻²)(1, 1/λ), ET 2(λ − λ⁻⁵)(1, λ²), PS 2(λ − λ⁻³)(1,
/// 1).
std::array<double, 2> stress_coefficients(LoadingMode mode, double stretch);

/// Nominal stress P11 from ψ1 and ψ2.
double nominal_stress(LoadingMode mode, double stretch, double psi1, double psi2);

/// Parameters of the ground truths (REFERENCE.md §4; MPa).
struct MooneyRivlin {
  double c10 = 0.16, c01 = 0.014;
};
struct Ogden {
  std::vector<double> mu = {0.63, 0.0012, -0.01};
  std::vector<double> alpha = {1.3, 5.0, -2.0};
};

/// Closed-form nominal stress of Mooney–Rivlin, ψ = C10 (I1 − 3) + C01 (I2 − 3).
double mooney_rivlin_stress(const MooneyRivlin& model, LoadingMode mode, double stretch);
/// Closed-form nominal stress of incompressible Ogden, ψ = Σ μ_p/α_p (λ1^α_p + λ2^α_p + λ3^α_p −
/// 3).
double ogden_stress(const Ogden& model, LoadingMode mode, double stretch);
/// Ogden strain energy along the loading path (for checks of the stress by virtual work).
double ogden_energy(const Ogden& model, LoadingMode mode, double stretch);

} // namespace l0svgd
