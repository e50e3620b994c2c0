#include <catch2/catch.hpp>

#include <cmath>

#include "l0svgd/apps/hyperelastic/loading.hpp"
#include "l0svgd/core/error.hpp"

using namespace l0svgd;

namespace {

// Principal stretches of each incompressible loading, written out independently of the library.
std::array<double, 3> stretches(LoadingMode mode, double l) {
  if (mode == LoadingMode::Uniaxial)
    return {l, 1 / std::sqrt(l), 1 / std::sqrt(l)};
  if (mode == LoadingMode::Equibiaxial)
    return {l, l, 1 / (l * l)};
  return {l, 1.0, 1 / l};
}

// Virtual work along the loading path: dW/dλ = P11 (UT, PS) and 2 P11 (ET: two loaded directions).
template <class Energy> double stress_by_virtual_work(LoadingMode mode, double l, Energy energy) {
  const double h = 1e-6;
  const double dw = (energy(l + h) - energy(l - h)) / (2 * h);
  return mode == LoadingMode::Equibiaxial ? dw / 2 : dw;
}

// A nonlinear polyconvex ψ(I1, I2) with its derivatives, to exercise the invariant stress formula.
double psi(double i1, double i2) {
  return 0.2 * (i1 - 3) + 0.01 * (i1 - 3) * (i1 - 3) + 0.05 * std::pow(i2 - 3 + 1, 1.5);
}
double psi1(double i1, double) {
  return 0.2 + 0.02 * (i1 - 3);
}
double psi2(double, double i2) {
  return 0.075 * std::sqrt(i2 - 3 + 1);
}

} // namespace

TEST_CASE("invariants match the principal stretches", "[hyper][loading]") {
  for (LoadingMode mode : all_loading_modes())
    for (double l : {0.7, 1.0, 1.3, 2.5, 5.0}) {
      const auto s = stretches(mode, l);
      const double i1 = s[0] * s[0] + s[1] * s[1] + s[2] * s[2];
      const double i2 =
          s[0] * s[0] * s[1] * s[1] + s[1] * s[1] * s[2] * s[2] + s[0] * s[0] * s[2] * s[2];
      const auto inv = loading_invariants(mode, l);
      CHECK(inv[0] == Approx(i1).epsilon(1e-14));
      CHECK(inv[1] == Approx(i2).epsilon(1e-14));
      CHECK(s[0] * s[1] * s[2] == Approx(1.0).epsilon(1e-14));
    }
}

TEST_CASE("nominal stress of an invariant-based energy equals the virtual work",
          "[hyper][loading]") {
  for (LoadingMode mode : all_loading_modes())
    for (double l : {0.8, 1.2, 2.0, 3.0, 4.5}) {
      auto energy = [&](double s) {
        const auto inv = loading_invariants(mode, s);
        return psi(inv[0], inv[1]);
      };
      const auto inv = loading_invariants(mode, l);
      const double p = nominal_stress(mode, l, psi1(inv[0], inv[1]), psi2(inv[0], inv[1]));
      INFO(loading_mode_name(mode) << " lambda " << l);
      CHECK(p == Approx(stress_by_virtual_work(mode, l, energy)).epsilon(1e-7));
    }
}

TEST_CASE("Mooney-Rivlin through the stress formula matches the closed form", "[hyper][loading]") {
  const MooneyRivlin mr;
  for (LoadingMode mode : all_loading_modes())
    for (double l : {1.0, 1.1, 1.7, 2.0, 3.0, 6.0}) {
      const double p = nominal_stress(mode, l, mr.c10, mr.c01);
      CHECK(p == Approx(mooney_rivlin_stress(mr, mode, l)).epsilon(1e-13).margin(1e-15));
      auto energy = [&](double s) {
        const auto inv = loading_invariants(mode, s);
        return mr.c10 * (inv[0] - 3) + mr.c01 * (inv[1] - 3);
      };
      CHECK(p == Approx(stress_by_virtual_work(mode, l, energy)).epsilon(1e-7).margin(1e-9));
    }
  // Uniaxial closed form written out: 2(λ − λ⁻²)(C10 + C01/λ) at λ = 2.
  CHECK(mooney_rivlin_stress(mr, LoadingMode::Uniaxial, 2.0) ==
        Approx(2 * (2 - 0.25) * (0.16 + 0.007)).epsilon(1e-14));
}

TEST_CASE("Ogden closed-form stresses equal the virtual work of the Ogden energy",
          "[hyper][loading]") {
  const Ogden og;
  for (LoadingMode mode : all_loading_modes())
    for (double l : {1.0, 1.5, 2.0, 3.0, 4.0, 6.0}) {
      auto energy = [&](double s) { return ogden_energy(og, mode, s); };
      INFO(loading_mode_name(mode) << " lambda " << l);
      CHECK(ogden_stress(og, mode, l) ==
            Approx(stress_by_virtual_work(mode, l, energy)).epsilon(1e-7).margin(1e-9));
    }
  CHECK(ogden_stress(og, LoadingMode::Uniaxial, 1.0) == 0.0);
}

TEST_CASE("loading modes parse and unknown modes are input errors", "[hyper][loading]") {
  CHECK(parse_loading_mode("UT") == LoadingMode::Uniaxial);
  CHECK(parse_loading_mode("et") == LoadingMode::Equibiaxial);
  CHECK(parse_loading_mode("ps") == LoadingMode::PureShear);
  CHECK_THROWS_AS(parse_loading_mode("shear"), InputError);
  CHECK_THROWS_WITH(parse_loading_mode("xx"), Catch::Contains("unknown loading mode 'xx'"));
}
