#include "l0svgd/optim/l0_gates.hpp"

#include <cmath>

namespace l0svgd {
namespace {
double sigmoid(double t) {
  return 1.0 / (1.0 + std::exp(-t));
}
} // namespace

double mean_gate(double log_alpha, double* derivative) {
  constexpr double span = HardConcrete::zeta - HardConcrete::gamma;
  const double s = sigmoid(log_alpha);
  const double z = s * span + HardConcrete::gamma;
  const bool clipped = z <= 0.0 || z >= 1.0;
  if (derivative)
    *derivative = clipped ? 0.0 : span * s * (1.0 - s);
  return z <= 0.0 ? 0.0 : (z >= 1.0 ? 1.0 : z);
}

double open_gate_log_alpha() {
  return std::log((1.0 - HardConcrete::gamma) / (HardConcrete::zeta - 1.0));
}

double gate_open_probability(double log_alpha, double* derivative) {
  const double shift = HardConcrete::beta * std::log(-HardConcrete::gamma / HardConcrete::zeta);
  const double p = sigmoid(log_alpha - shift);
  if (derivative)
    *derivative = p * (1.0 - p);
  return p;
}

} // namespace l0svgd
