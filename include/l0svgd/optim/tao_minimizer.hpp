#pragma once
/// Minimisation of a smooth objective with PETSc/TAO, configured from prefixed options
/// (prefix "map_" gives -map_tao_type, -map_tao_gatol, -map_tao_monitor, -map_tao_test_gradient,
/// ...).
#include <functional>
#include <mpi.h>
#include <petsctao.h>
#include <string>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// f(x), writing ∇f(x) into `gradient`. May throw l0svgd::Error, which ends the search and reaches
/// the caller; a ModelError or a non-finite value at a trial point after the start is a domain
/// violation instead (see TaoMinimizer::minimize).
using ObjectiveGradient = std::function<double(const ConstVectorRef& x, VectorRef gradient)>;

/// A stopping rule of the caller's on top of TAO's tolerances: called after every TAO iteration
/// that TAO's own test lets continue, with the iterate, its objective and the iteration count;
/// returning true ends the solve with TAO's reason CONVERGED_USER.
using IterateCheck =
    std::function<bool(const ConstVectorRef& x, double objective, PetscInt iteration)>;

struct TaoResult {
  Vector x;               ///< final point
  double objective = 0.0; ///< f(x)
  double gradient_norm = 0.0;
  PetscInt iterations = 0;
  bool converged = false;   ///< TAO's reason is positive
  std::string reason;       ///< TAO's converged reason, e.g. "CONVERGED_GATOL"
  int reason_code = 0;      ///< the same reason as TAO's integer TaoConvergedReason
  PetscInt evaluations = 0; ///< calls of f made by TAO
  /// trial points where f was not finite (or threw ModelError); the line search stepped back
  PetscInt non_finite_trials = 0;
};

/// A TAO solver for problems of a fixed dimension on one process (PETSC_COMM_SELF), so that every
/// rank can run its own local searches. Construct during setup: the constructor calls
/// TaoSetFromOptions, which reads (and marks used) the prefixed options.
class TaoMinimizer {
public:
  /// `default_type` is used unless -<prefix>tao_type overrides it (bounded quasi-Newton by
  /// default).
  TaoMinimizer(Index dim, const std::string& prefix, const std::string& default_type = "blmvm");
  ~TaoMinimizer();
  TaoMinimizer(const TaoMinimizer&) = delete;
  TaoMinimizer& operator=(const TaoMinimizer&) = delete;

  /// Box constraints; ±infinity entries mean unbounded. Only bounded types (blmvm, bqnls, ...) use
  /// them.
  void set_bounds(const ConstVectorRef& lower, const ConstVectorRef& upper);
  /// Runs TAO from `x0`, stopping also when `check` (if given) says so. Not collective. Rethrows
  /// an l0svgd::Error raised inside `f` or `check`, except that a trial point after the start where
  /// f is not finite or throws ModelError (an overflowing exponential, say) is a domain violation:
  /// TAO is given a value far above every one seen, with a flat gradient, so its line search
  /// shortens the step. Throws ModelError if f is not finite at `x0`, or if the search ends on
  /// such a point.
  TaoResult minimize(const ObjectiveGradient& f, const ConstVectorRef& x0,
                     const IterateCheck& check = {});
  /// The TAO type actually in use (after options).
  std::string type() const;

private:
  Tao tao_ = nullptr;
  Vec x_ = nullptr, lower_ = nullptr, upper_ = nullptr;
  Index dim_;
};

} // namespace l0svgd
