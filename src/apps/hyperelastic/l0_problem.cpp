#include "l0svgd/apps/hyperelastic/l0_problem.hpp"

#include "l0svgd/core/error.hpp"

#include <algorithm>
#include <limits>

namespace l0svgd {

HyperelasticL0Problem::HyperelasticL0Problem(IcnnStructure structure, const StressPoints& train)
    : response_(std::move(structure), train), observed_(train.stress) {
  total_sum_of_squares_ = (observed_.array() - observed_.mean()).square().sum();
  require_input(train.size() > 0 && total_sum_of_squares_ > 0,
                "L0: the training stresses have no variance to fit");
  stress_.resize(train.size());
}

void HyperelasticL0Problem::reparameterise(const ConstVectorRef& theta, VectorRef g,
                                           VectorRef derivative) const {
  response_.network().effective_weights(theta, g, derivative);
}

double HyperelasticL0Problem::unconstrained(Index k, double w) const {
  // A weight that underflowed to 0 (θ below about −745) maps back to the most negative finite θ.
  if (response_.network().structure().parameters()[k].positive)
    return softplus_inverse(std::max(w, std::numeric_limits<double>::min()));
  return w;
}

double HyperelasticL0Problem::loss(const ConstVectorRef& weights, VectorRef gradient) const {
  response_.stresses(weights, tape_, stress_);
  stress_ -= observed_;
  const double value = stress_.squaredNorm() / total_sum_of_squares_;
  stress_ *= 2.0 / total_sum_of_squares_;
  response_.stress_gradient(tape_, stress_, gradient);
  return value;
}

double HyperelasticL0Problem::mse(const ConstVectorRef& weights) const {
  response_.stresses(weights, tape_, stress_);
  return (stress_ - observed_).squaredNorm() / static_cast<double>(observed_.size());
}

double HyperelasticL0Problem::r_squared(const ConstVectorRef& weights) const {
  return 1.0 - mse(weights) * static_cast<double>(observed_.size()) / total_sum_of_squares_;
}

std::vector<Index> HyperelasticL0Problem::surviving(const std::vector<bool>& support) const {
  return response_.network().structure().reduce(support).kept;
}

} // namespace l0svgd
