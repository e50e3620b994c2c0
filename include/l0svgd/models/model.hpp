#pragma once
/// The one interface between inference algorithms (SVGD, TAO/MAP, HMC, VI) and what they infer.
#include <limits>
#include <string>
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// An unnormalised log density log p(x) on R^d (or on a box, see `lower_bounds`).
///
/// Evaluation is for a block of particles at once (one per row) so implementations can use
/// GEMM-shaped batched linear algebra. Evaluation is local: it is never collective, and it must not
/// depend on which rank calls it, so that results do not depend on the rank count.
class Model {
public:
  virtual ~Model() = default;

  /// Dimension d of the parameter space.
  virtual Index dim() const = 0;
  /// Short identifier of the model (its target type), stored in outputs and checked on restart.
  virtual std::string name() const = 0;
  /// Names of the d parameters; default "x0", "x1", ...
  virtual std::vector<std::string> parameter_names() const;

  /// log p (up to a constant) and its gradient for each row of `x` (n × d). `log_density` has n
  /// entries and `gradient` is n × d. Throws ModelError if the model cannot be evaluated.
  virtual void evaluate(const ConstMatrixRef& x, VectorRef log_density,
                        MatrixRef gradient) const = 0;

  /// log p only; the default calls `evaluate` and discards the gradient.
  virtual void log_density(const ConstMatrixRef& x, VectorRef log_density) const;

  /// Gradient of the log-likelihood part alone, for methods that need it (projected SVGD's
  /// Gauss–Newton basis). Default: throws, since not every target separates into prior and
  /// likelihood.
  virtual void log_likelihood_gradient(const ConstMatrixRef& x, MatrixRef gradient) const;
  virtual bool has_likelihood_gradient() const { return false; }

  /// Hessian of log p at one point (d × d), where a model has it in closed form.
  virtual bool has_hessian() const { return false; }
  virtual DenseMatrix hessian(const ConstVectorRef& x) const;

  /// Support of the density as a box: lower and upper bounds per coordinate (±infinity if
  /// unbounded). Optimisers use it as bounds, samplers as a domain check.
  virtual Vector lower_bounds() const;
  virtual Vector upper_bounds() const;

  /// Convenience for one point: returns log p and writes the gradient.
  double evaluate_one(const ConstVectorRef& x, VectorRef gradient) const;
};

/// Throws ModelError naming the model and the first offending particle (global index
/// `first_row` + local row, and `context`, e.g. "in SVGD iteration 3") if any value is not finite.
void check_finite(const Model& model, const ConstVectorRef& log_density,
                  const ConstMatrixRef& gradient, Index first_row = 0,
                  const std::string& context = "");

} // namespace l0svgd
