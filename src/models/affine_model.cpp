#include "l0svgd/models/affine_model.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "l0svgd/core/error.hpp"

namespace l0svgd {

AffineMap AffineMap::identity(Index dim) {
  return scaling(Vector::Ones(dim), Vector::Zero(dim));
}

AffineMap AffineMap::scaling(Vector scale, Vector shift) {
  AffineMap map;
  map.scale = std::move(scale);
  map.shift = std::move(shift);
  return map;
}

AffineMap AffineMap::triangular(DenseMatrix lower, Vector shift) {
  AffineMap map;
  map.factor = lower.triangularView<Eigen::Lower>();
  map.shift = std::move(shift);
  return map;
}

void AffineMap::to_original(const ConstMatrixRef& z, MatrixRef x) const {
  if (diagonal())
    x = z.array().rowwise() * scale.transpose().array();
  else
    x.noalias() = z * factor.transpose();
  x.rowwise() += shift.transpose();
}

Matrix AffineMap::to_original(const ConstMatrixRef& z) const {
  Matrix x(z.rows(), z.cols());
  to_original(z, x);
  return x;
}

DenseMatrix AffineMap::pull_back_hessian(const DenseMatrix& h) const {
  if (diagonal())
    return scale.asDiagonal() * h * scale.asDiagonal();
  return factor.transpose() * h * factor;
}

Matrix AffineMap::to_whitened(const ConstMatrixRef& x) const {
  const Matrix centred = x.rowwise() - shift.transpose();
  if (diagonal())
    return centred.array().rowwise() / scale.transpose().array();
  // z L^T = centred, i.e. L z = x - m per row.
  return factor.triangularView<Eigen::Lower>().solve(centred.transpose()).transpose();
}

Vector AffineMap::original_sd(const DenseMatrix& c) const {
  if (diagonal())
    return c.diagonal().cwiseSqrt().cwiseProduct(scale);
  return (factor * c * factor.transpose()).diagonal().cwiseSqrt();
}

AffineModel::AffineModel(const Model& inner, AffineMap map) : inner_(inner), map_(std::move(map)) {
  const Index d = inner.dim();
  require_input(map_.dim() == d && map_.shift.size() == d,
                "coordinate map has dimension " + std::to_string(map_.dim()) + ", model '" +
                    inner.name() + "' has " + std::to_string(d));
  require_input(map_.shift.allFinite(), "coordinate shift is not finite");
  if (map_.diagonal()) {
    for (Index i = 0; i < d; ++i)
      require_input(std::isfinite(map_.scale(i)) && map_.scale(i) > 0.0,
                    "coordinate scale " + std::to_string(map_.scale(i)) + " of parameter " +
                        std::to_string(i) + " is not a finite positive number");
  } else {
    require_input(map_.factor.cols() == d && map_.factor.allFinite() &&
                      (map_.factor.diagonal().array() > 0.0).all(),
                  "coordinate factor is not a finite lower-triangular matrix with a positive "
                  "diagonal");
  }
}

void AffineModel::set_work_block(const ConstMatrixRef& z) const {
  if (x_.rows() != z.rows() || x_.cols() != z.cols())
    x_.resize(z.rows(), z.cols());
  map_.to_original(z, x_);
}

// ∇_z = Lᵀ ∇_x for each row: G_z = G_x L (through the work block, since the product cannot be
// formed in place).
void AffineModel::pull_back(MatrixRef gradient) const {
  if (map_.diagonal()) {
    gradient.array().rowwise() *= map_.scale.transpose().array();
    return;
  }
  x_.noalias() = gradient * map_.factor.triangularView<Eigen::Lower>();
  gradient = x_;
}

void AffineModel::evaluate(const ConstMatrixRef& z, VectorRef log_density,
                           MatrixRef gradient) const {
  set_work_block(z);
  inner_.evaluate(x_, log_density, gradient);
  pull_back(gradient);
}

void AffineModel::log_likelihood_gradient(const ConstMatrixRef& z, MatrixRef gradient) const {
  set_work_block(z);
  inner_.log_likelihood_gradient(x_, gradient);
  pull_back(gradient);
}

DenseMatrix AffineModel::hessian(const ConstVectorRef& z) const {
  const Vector x = map_.to_original(z.transpose()).row(0).transpose();
  return map_.pull_back_hessian(inner_.hessian(x));
}

Vector AffineModel::lower_bounds() const {
  if (!map_.diagonal())
    return Vector::Constant(dim(), -std::numeric_limits<double>::infinity());
  return (inner_.lower_bounds() - map_.shift).cwiseQuotient(map_.scale);
}

Vector AffineModel::upper_bounds() const {
  if (!map_.diagonal())
    return Vector::Constant(dim(), std::numeric_limits<double>::infinity());
  return (inner_.upper_bounds() - map_.shift).cwiseQuotient(map_.scale);
}

} // namespace l0svgd
