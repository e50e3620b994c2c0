#include "l0svgd/models/scaled_model.hpp"

#include <cmath>
#include <string>

#include "l0svgd/core/error.hpp"

namespace l0svgd {

ScaledModel::ScaledModel(const Model& inner, Vector scale)
    : inner_(inner), scale_(std::move(scale)) {
  require_input(scale_.size() == inner.dim(),
                "coordinate scales have dimension " + std::to_string(scale_.size()) + ", model '" +
                    inner.name() + "' has " + std::to_string(inner.dim()));
  for (Index i = 0; i < scale_.size(); ++i)
    require_input(std::isfinite(scale_(i)) && scale_(i) > 0.0,
                  "coordinate scale " + std::to_string(scale_(i)) + " of parameter " +
                      std::to_string(i) + " is not a finite positive number");
}

void ScaledModel::set_work_block(const ConstMatrixRef& z) const {
  if (x_.rows() != z.rows() || x_.cols() != z.cols())
    x_.resize(z.rows(), z.cols());
  x_ = z.array().rowwise() * scale_.transpose().array();
}

void ScaledModel::evaluate(const ConstMatrixRef& z, VectorRef log_density,
                           MatrixRef gradient) const {
  set_work_block(z);
  inner_.evaluate(x_, log_density, gradient);
  gradient.array().rowwise() *= scale_.transpose().array();
}

void ScaledModel::log_likelihood_gradient(const ConstMatrixRef& z, MatrixRef gradient) const {
  set_work_block(z);
  inner_.log_likelihood_gradient(x_, gradient);
  gradient.array().rowwise() *= scale_.transpose().array();
}

DenseMatrix ScaledModel::hessian(const ConstVectorRef& z) const {
  const DenseMatrix h = inner_.hessian(z.cwiseProduct(scale_));
  return scale_.asDiagonal() * h * scale_.asDiagonal();
}

Vector ScaledModel::lower_bounds() const {
  return inner_.lower_bounds().cwiseQuotient(scale_);
}
Vector ScaledModel::upper_bounds() const {
  return inner_.upper_bounds().cwiseQuotient(scale_);
}

Matrix ScaledModel::to_original(const ConstMatrixRef& z) const {
  return z.array().rowwise() * scale_.transpose().array();
}

Matrix ScaledModel::to_scaled(const ConstMatrixRef& x) const {
  return x.array().rowwise() / scale_.transpose().array();
}

} // namespace l0svgd
