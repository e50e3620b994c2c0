#pragma once
/// A model whose parameters push forward to quantities a user predicts and sometimes observes (the
/// floor displacements of the shear frame over time): what a posterior predictive needs.
#include <string>
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// Data of one predicted quantity: its values at some of the prediction points' coordinates.
struct ObservedQuantity {
  Index quantity = 0; ///< index into quantity_names()
  Vector points;      ///< coordinates (e.g. times) of the observations
  Vector values;      ///< the observed values
};

class Predictive {
public:
  virtual ~Predictive() = default;
  /// Names of the n_q predicted quantities, e.g. {"x1", "x2"}.
  virtual std::vector<std::string> quantity_names() const = 0;
  /// Name of the coordinate the quantities are predicted along, e.g. "time".
  virtual std::string point_name() const = 0;
  /// The n_p coordinates every quantity is predicted at.
  virtual Vector prediction_points() const = 0;
  /// The quantities that have data, and the data.
  virtual std::vector<ObservedQuantity> observed_quantities() const = 0;
  /// Noise-free predictions for each parameter row of `x` (n × d): `out` is n × (n_q n_p), quantity
  /// q at point j in column q n_p + j. Not collective; throws ModelError if a row cannot be
  /// evaluated.
  virtual void predict(const ConstMatrixRef& x, MatrixRef out) const = 0;

  Index n_quantities() const { return static_cast<Index>(quantity_names().size()); }
};

} // namespace l0svgd
