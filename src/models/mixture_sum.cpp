#include "l0svgd/models/mixture_sum.hpp"

#include <cmath>

namespace l0svgd {

void MixtureSum::start(Index rows) {
  sums_.resize(rows);
  first_ = true;
}

void MixtureSum::add(const ConstVectorRef& value, const ConstMatrixRef& component_gradient,
                     VectorRef log_density, MatrixRef gradient) {
  if (first_) {
    log_density = value;
    sums_.setOnes();
    gradient = component_gradient;
    first_ = false;
    return;
  }
  // Rescaled whenever a component raises a row's maximum.
  for (Index i = 0; i < value.size(); ++i) {
    const double v = value(i), maximum = log_density(i);
    if (v > maximum) {
      const double scale = std::exp(maximum - v);
      sums_(i) = sums_(i) * scale + 1.0;
      gradient.row(i) = scale * gradient.row(i) + component_gradient.row(i);
      log_density(i) = v;
    } else {
      // A component that underflows to −inf contributes nothing (and would give NaN here).
      const double scale = std::exp(v - maximum);
      if (scale > 0) {
        sums_(i) += scale;
        gradient.row(i) += scale * component_gradient.row(i);
      }
    }
  }
}

void MixtureSum::finish(VectorRef log_density, MatrixRef gradient) const {
  gradient.array().colwise() /= sums_.array();
  log_density.array() += sums_.array().log();
}

Index pick_component(const Vector& weights, double u) {
  Index k = 0;
  for (double cumulative = weights(0); k + 1 < weights.size() && u >= cumulative;)
    cumulative += weights(++k);
  return k;
}

} // namespace l0svgd
