#include "l0svgd/optim/map.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"

#include <algorithm>
#include <cmath>
#include <petsctao.h>
#include <sstream>

namespace l0svgd {
namespace {

// A point in a message: its first entries only (a network has a thousand), and the first entry
// that is wrong, named.
constexpr Index kListed = 6;

std::string format_point(const ConstVectorRef& x) {
  std::ostringstream s;
  s << "(";
  for (Index i = 0; i < std::min(x.size(), kListed); ++i)
    s << (i ? ", " : "") << x(i);
  if (x.size() > kListed)
    s << ", ... " << x.size() << " entries";
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
  for (Index i = 0; i < d; ++i) {
    const bool finite = std::isfinite(x0(i)), inside = x0(i) >= lower_(i) && x0(i) <= upper_(i);
    if (finite && inside)
      continue;
    const std::string name =
        "coordinate " + std::to_string(i) + " (" + model_.parameter_names()[i] + ")";
    if (!finite)
      throw InputError("MAP start point " + format_point(x0) + " is not finite at " + name);
    throw InputError("MAP start point " + format_point(x0) + " is outside the support of model '" +
                     model_.name() + "': " + name + " = " + format("%g", x0(i)) + " is outside [" +
                     format("%g", lower_(i)) + ", " + format("%g", upper_(i)) + "]");
  }

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
