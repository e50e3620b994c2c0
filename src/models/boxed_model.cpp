#include "l0svgd/models/boxed_model.hpp"

#include "l0svgd/core/error.hpp"

namespace l0svgd {

BoxedModel::BoxedModel(const Model& inner, const Vector& lower, const Vector& upper)
    : inner_(inner) {
  if (lower.size() != inner.dim() || upper.size() != inner.dim())
    throw InputError("search box has dimension " + std::to_string(lower.size()) +
                     ", the target has " + std::to_string(inner.dim()));
  lower_ = lower.cwiseMax(inner.lower_bounds());
  upper_ = upper.cwiseMin(inner.upper_bounds());
  for (Index i = 0; i < inner.dim(); ++i)
    if (!(lower_(i) < upper_(i)))
      throw InputError("search box is empty or inverted in coordinate " + std::to_string(i) + " (" +
                       std::to_string(lower_(i)) + " >= " + std::to_string(upper_(i)) + ")");
}

} // namespace l0svgd
