#include "l0svgd/apps/hyperelastic/response.hpp"

#include "l0svgd/core/error.hpp"

#include <algorithm>
#include <cmath>

namespace l0svgd {

HyperelasticResponse::HyperelasticResponse(IcnnStructure structure, const StressPoints& points)
    : network_(std::move(structure)) {
  const auto& convex = network_.structure().convex_inputs();
  const Index n_in = network_.n_inputs();
  if ((n_in != 2 && n_in != 4) || std::find(convex.begin(), convex.end(), false) != convex.end())
    throw Error("HyperelasticResponse: the network must have 2 or 4 inputs, all convex");
  const Index n = points.size();
  inputs_.setZero(n_in, n + 1);
  coefficients_.resize(n_in, n);
  root_factors_.resize(2, n);
  for (Index i = 0; i < n; ++i) {
    const auto inv = loading_invariants(points.mode[i], points.stretch(i));
    const auto c = stress_coefficients(points.mode[i], points.stretch(i));
    for (Index j = 0; j < 2; ++j) {
      inputs_(j, i) = inv[j] - 3.0;
      coefficients_(j, i) = c[j];
      root_factors_(j, i) = 0.5 / std::sqrt(inv[j]);
      if (n_in == 4) {
        // P = c1 ψ1 + c2 ψ2 with ψ_j = ∂N/∂x_j + ∂N/∂x_{j+2} / (2√I_j).
        inputs_(j + 2, i) = std::sqrt(inv[j]) - std::sqrt(3.0);
        coefficients_(j + 2, i) = c[j] * root_factors_(j, i);
      }
    }
  }
}

void HyperelasticResponse::stresses(const ConstVectorRef& weights, IcnnTape& tape,
                                    VectorRef stress) const {
  network_.forward(weights, inputs_, tape);
  stress = (coefficients_.array() * tape.input_gradient.leftCols(n_points()).array())
               .colwise()
               .sum()
               .transpose();
}

void HyperelasticResponse::stress_gradient(IcnnTape& tape, const ConstVectorRef& cotangent,
                                           VectorRef weight_gradient) const {
  const Index n = n_points();
  if (cotangent.size() != n)
    throw Error("HyperelasticResponse: stress cotangent has the wrong size");
  // P_i = Σ_j coefficients(j, i) ∂N/∂x_j, so the cotangent of ∂N/∂x_j at point i is
  // r_i coefficients(j, i); the reference column and the value carry none.
  tape.value_cotangent.setZero(n + 1);
  tape.gradient_cotangent.resize(network_.n_inputs(), n + 1);
  tape.gradient_cotangent.leftCols(n) =
      coefficients_.array().rowwise() * cotangent.transpose().array();
  tape.gradient_cotangent.col(n).setZero();
  network_.parameter_gradient(tape, tape.value_cotangent, tape.gradient_cotangent, weight_gradient);
}

void HyperelasticResponse::energies(const ConstVectorRef& weights, IcnnTape& tape, VectorRef energy,
                                    Eigen::Ref<DenseMatrix> psi_derivatives) const {
  network_.forward(weights, inputs_, tape);
  const Index n = n_points();
  energy = (tape.value.head(n).array() - tape.value(n)).transpose();
  psi_derivatives = tape.input_gradient.topLeftCorner(2, n);
  if (network_.n_inputs() == 4)
    psi_derivatives.array() +=
        tape.input_gradient.bottomLeftCorner(2, n).array() * root_factors_.array();
}

Matrix HyperelasticResponse::predict(const ConstMatrixRef& theta) const {
  Matrix out(theta.rows(), n_points());
  Vector w(network_.n_parameters()), stress(n_points()), none(0);
  IcnnTape tape;
  for (Index p = 0; p < theta.rows(); ++p) {
    network_.effective_weights(theta.row(p).transpose(), w, none);
    stresses(w, tape, stress);
    out.row(p) = stress.transpose();
  }
  return out;
}

Vector HyperelasticResponse::scale_to_data(const ConstVectorRef& theta,
                                           const ConstVectorRef& observed) const {
  if (observed.size() != n_points())
    throw Error("HyperelasticResponse::scale_to_data: wrong number of observations");
  const Vector p = predict(theta.transpose()).row(0).transpose();
  const double pp = p.squaredNorm();
  const double factor = pp > 0 ? std::clamp(p.dot(observed) / pp, 1e-6, 1e6) : 1.0;
  Vector scaled = theta;
  network_.scale_output(scaled, factor);
  return scaled;
}

} // namespace l0svgd
