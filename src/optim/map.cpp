#include "l0svgd/optim/map.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"

#include <cmath>
#include <petsctao.h>
#include <sstream>

namespace l0svgd {
namespace {

std::string format_point(const ConstVectorRef& x) {
  std::ostringstream s;
  s << "(";
  for (Index i = 0; i < x.size(); ++i)
    s << (i ? ", " : "") << x(i);
  s << ")";
  return s.str();
}

} // namespace

std::string tao_reason_name(int reason_code) {
  return TaoConvergedReasons[static_cast<TaoConvergedReason>(reason_code)];
}

MapSolver::MapSolver(const Model& model, const std::string& prefix, const std::string& default_type)
    : model_(model), tao_(model.dim(), prefix, default_type), lower_(model.lower_bounds()),
      upper_(model.upper_bounds()), point_(1, model.dim()), gradient_(1, model.dim()), value_(1) {
  for (Index i = 0; i < model.dim(); ++i)
    require_input(lower_(i) < upper_(i),
                  "model '" + model.name() + "': lower bound " + std::to_string(lower_(i)) +
                      " is not below upper bound " + std::to_string(upper_(i)) + " for parameter " +
                      model.parameter_names()[i]);
  tao_.set_bounds(lower_, upper_);
}

MapResult MapSolver::solve(const ConstVectorRef& x0, bool warn) {
  const Index d = model_.dim();
  require_input(x0.size() == d, "MAP start point has " + std::to_string(x0.size()) +
                                    " entries, model '" + model_.name() + "' has dimension " +
                                    std::to_string(d));
  require_input(x0.allFinite(), "MAP start point " + format_point(x0) + " is not finite");
  require_input((x0.array() >= lower_.array()).all() && (x0.array() <= upper_.array()).all(),
                "MAP start point " + format_point(x0) + " is outside the support of model '" +
                    model_.name() + "'");

  bool at_start = true;
  auto objective = [&](const ConstVectorRef& x, VectorRef g) {
    point_.row(0) = x.transpose();
    if (!at_start) {
      // Later trial points may leave the model's domain: TaoMinimizer steps back from them.
      model_.evaluate(point_, value_, gradient_);
    } else {
      at_start = false;
      bool finite = false;
      try {
        model_.evaluate(point_, value_, gradient_);
        finite = std::isfinite(value_(0)) && gradient_.allFinite();
      } catch (const ModelError&) {
      }
      if (!finite)
        throw ModelError("model '" + model_.name() +
                         "' returned a non-finite log density or gradient at the MAP start point " +
                         format_point(x));
    }
    g = -gradient_.row(0).transpose();
    return -value_(0);
  };
  const TaoResult tao = tao_.minimize(objective, x0);

  MapResult result;
  result.x = tao.x;
  result.log_density = -tao.objective;
  result.gradient_norm = tao.gradient_norm;
  result.iterations = tao.iterations;
  result.evaluations = tao.evaluations;
  result.converged = tao.converged;
  result.reason = tao.reason;
  result.reason_code = tao.reason_code;
  result.non_finite_trials = tao.non_finite_trials;
  if (warn && !result.converged)
    logger().warning("MAP search from ", format_point(x0), " stopped without converging (",
                     result.reason, ") at ", format_point(result.x),
                     ", |grad| = ", result.gradient_norm);
  return result;
}

} // namespace l0svgd
