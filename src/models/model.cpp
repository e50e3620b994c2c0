#include "l0svgd/models/model.hpp"

#include "l0svgd/core/error.hpp"

#include <cmath>

namespace l0svgd {

std::vector<std::string> Model::parameter_names() const {
  std::vector<std::string> names;
  for (Index i = 0; i < dim(); ++i)
    names.push_back("x" + std::to_string(i));
  return names;
}

void Model::log_density(const ConstMatrixRef& x, VectorRef log_density) const {
  Matrix gradient(x.rows(), x.cols());
  evaluate(x, log_density, gradient);
}

void Model::log_likelihood_gradient(const ConstMatrixRef&, MatrixRef) const {
  throw Error("model '" + name() + "' does not provide a separate log-likelihood gradient");
}

DenseMatrix Model::hessian(const ConstVectorRef&) const {
  throw Error("model '" + name() + "' has no closed-form Hessian");
}

Vector Model::lower_bounds() const {
  return Vector::Constant(dim(), -std::numeric_limits<double>::infinity());
}

Vector Model::upper_bounds() const {
  return Vector::Constant(dim(), std::numeric_limits<double>::infinity());
}

double Model::evaluate_one(const ConstVectorRef& x, VectorRef gradient) const {
  Matrix row = x.transpose();
  Vector value(1);
  Matrix g(1, dim());
  evaluate(row, value, g);
  gradient = g.row(0).transpose();
  return value(0);
}

void check_finite(const Model& model, const ConstVectorRef& log_density,
                  const ConstMatrixRef& gradient, Index first_row, const std::string& context) {
  if (log_density.allFinite() && gradient.allFinite())
    return;
  Index row = 0;
  while (std::isfinite(log_density(row)) && gradient.row(row).allFinite())
    ++row;
  throw ModelError("model '" + model.name() +
                   "' returned a non-finite log density or gradient for "
                   "particle " +
                   std::to_string(first_row + row) + (context.empty() ? "" : " " + context));
}

} // namespace l0svgd
