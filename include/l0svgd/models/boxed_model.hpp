#pragma once
/// A model seen through a search box: the same density, with finite bounds for algorithms that need
/// a box (multistart designs, cold starts, grid references) when the model itself is unbounded.
#include "l0svgd/models/model.hpp"

namespace l0svgd {

/// Forwards every evaluation to `inner` (which must outlive it) and reports `lower`/`upper` as
/// bounds, intersected with the inner model's own support.
class BoxedModel : public Model {
public:
  BoxedModel(const Model& inner, const Vector& lower, const Vector& upper);

  Index dim() const override { return inner_.dim(); }
  std::string name() const override { return inner_.name(); }
  std::vector<std::string> parameter_names() const override { return inner_.parameter_names(); }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override {
    inner_.evaluate(x, log_density, gradient);
  }
  void log_density(const ConstMatrixRef& x, VectorRef log_density) const override {
    inner_.log_density(x, log_density);
  }
  bool has_hessian() const override { return inner_.has_hessian(); }
  DenseMatrix hessian(const ConstVectorRef& x) const override { return inner_.hessian(x); }
  Vector lower_bounds() const override { return lower_; }
  Vector upper_bounds() const override { return upper_; }

private:
  const Model& inner_;
  Vector lower_, upper_;
};

} // namespace l0svgd
