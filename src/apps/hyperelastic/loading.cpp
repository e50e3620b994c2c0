#include "l0svgd/apps/hyperelastic/loading.hpp"

#include "l0svgd/core/error.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace l0svgd {
namespace {

// Principal stretches (λ1, λ2, λ3) of each incompressible loading.
std::array<double, 3> principal_stretches(LoadingMode mode, double l) {
  switch (mode) {
  case LoadingMode::Uniaxial:
    return {l, 1.0 / std::sqrt(l), 1.0 / std::sqrt(l)};
  case LoadingMode::Equibiaxial:
    return {l, l, 1.0 / (l * l)};
  default:
    return {l, 1.0, 1.0 / l};
  }
}

} // namespace

const std::vector<LoadingMode>& all_loading_modes() {
  static const std::vector<LoadingMode> modes = {LoadingMode::Uniaxial, LoadingMode::Equibiaxial,
                                                 LoadingMode::PureShear};
  return modes;
}

std::string loading_mode_name(LoadingMode mode) {
  switch (mode) {
  case LoadingMode::Uniaxial:
    return "ut";
  case LoadingMode::Equibiaxial:
    return "et";
  default:
    return "ps";
  }
}

LoadingMode parse_loading_mode(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (LoadingMode mode : all_loading_modes())
    if (lower == loading_mode_name(mode))
      return mode;
  throw InputError("unknown loading mode '" + name + "' (expected ut, et or ps)");
}

std::array<double, 2> loading_invariants(LoadingMode mode, double l) {
  switch (mode) {
  case LoadingMode::Uniaxial:
    return {l * l + 2.0 / l, 2.0 * l + 1.0 / (l * l)};
  case LoadingMode::Equibiaxial:
    return {2.0 * l * l + 1.0 / std::pow(l, 4), std::pow(l, 4) + 2.0 / (l * l)};
  default: {
    const double i = l * l + 1.0 + 1.0 / (l * l);
    return {i, i};
  }
  }
}

std::array<double, 2> stress_coefficients(LoadingMode mode, double l) {
  switch (mode) {
  case LoadingMode::Uniaxial: {
    const double f = 2.0 * (l - 1.0 / (l * l));
    return {f, f / l};
  }
  case LoadingMode::Equibiaxial: {
    const double f = 2.0 * (l - std::pow(l, -5));
    return {f, f * l * l};
  }
  default: {
    const double f = 2.0 * (l - std::pow(l, -3));
    return {f, f};
  }
  }
}

double nominal_stress(LoadingMode mode, double stretch, double psi1, double psi2) {
  const auto c = stress_coefficients(mode, stretch);
  return c[0] * psi1 + c[1] * psi2;
}

double mooney_rivlin_stress(const MooneyRivlin& m, LoadingMode mode, double l) {
  switch (mode) {
  case LoadingMode::Uniaxial:
    return 2.0 * (l - 1.0 / (l * l)) * (m.c10 + m.c01 / l);
  case LoadingMode::Equibiaxial:
    return 2.0 * (l - std::pow(l, -5)) * (m.c10 + m.c01 * l * l);
  default:
    return 2.0 * (l - std::pow(l, -3)) * (m.c10 + m.c01);
  }
}

double ogden_stress(const Ogden& m, LoadingMode mode, double l) {
  double p = 0;
  for (size_t k = 0; k < m.mu.size(); ++k) {
    const double a = m.alpha[k];
    const double lateral = mode == LoadingMode::Uniaxial      ? std::pow(l, -a / 2.0 - 1.0)
                           : mode == LoadingMode::Equibiaxial ? std::pow(l, -2.0 * a - 1.0)
                                                              : std::pow(l, -a - 1.0);
    p += m.mu[k] * (std::pow(l, a - 1.0) - lateral);
  }
  return p;
}

double ogden_energy(const Ogden& m, LoadingMode mode, double l) {
  const auto s = principal_stretches(mode, l);
  double w = 0;
  for (size_t k = 0; k < m.mu.size(); ++k) {
    const double a = m.alpha[k];
    w += m.mu[k] / a * (std::pow(s[0], a) + std::pow(s[1], a) + std::pow(s[2], a) - 3.0);
  }
  return w;
}

} // namespace l0svgd
