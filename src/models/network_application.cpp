#include "l0svgd/models/network_application.hpp"

#include <stdexcept>

namespace l0svgd {

const Vector& PredictionPoints::coordinate(const std::string& name) const {
  for (const auto& column : coordinates)
    if (column.name == name)
      return column.values;
  throw std::out_of_range("prediction points have no coordinate '" + name + "'");
}

} // namespace l0svgd
