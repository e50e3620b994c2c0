#pragma once
/// Maximum a posteriori point of any Model: minimisation of −log p with PETSc/TAO inside the
/// model's support box.
#include <petscsys.h>
#include <string>

#include "l0svgd/core/types.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/optim/tao_minimizer.hpp"

namespace l0svgd {

/// Outcome of one local search for a maximum of log p.
struct MapResult {
  Vector x;                   ///< final point
  double log_density = 0.0;   ///< log p(x) (unnormalised)
  double gradient_norm = 0.0; ///< TAO's (projected) gradient norm of −log p at x
  PetscInt iterations = 0;
  PetscInt evaluations = 0; ///< model evaluations (log p and gradient) made by this search
  /// trial points where the model was not finite; the line search stepped back from them
  PetscInt non_finite_trials = 0;
  bool converged = false; ///< TAO's converged reason is positive
  int reason_code = 0;    ///< TAO's TaoConvergedReason as an integer (for gathering across ranks)
  std::string reason;     ///< TAO's converged reason, e.g. "CONVERGED_GATOL"
};

/// Name of a TaoConvergedReason code, e.g. "DIVERGED_MAXITS".
std::string tao_reason_name(int reason_code);

/// Local maximiser of log p for one model. Runs on one process (PETSC_COMM_SELF), so every rank can
/// run its own searches; nothing here is collective.
///
/// Construct during setup: the TAO solver reads -<prefix>tao_* options (type, tolerances, monitors,
/// -<prefix>tao_test_gradient) when it is created. The default type is a bounded quasi-Newton
/// (BLMVM) with the model's lower_bounds()/upper_bounds() as bounds (infinite entries are no
/// bound).
class MapSolver {
public:
  /// Throws InputError if the model's bounds are inverted (some lower ≥ upper).
  MapSolver(const Model& model, const std::string& prefix = "map_",
            const std::string& default_type = "blmvm");

  /// Maximises log p from `x0`. Throws InputError if `x0` is not finite or lies outside the support
  /// box, ModelError if the model is not finite at `x0` (or the search ends where it is not). A
  /// non-finite value (or a ModelError) at a later trial point is a domain violation, not an
  /// error: TaoMinimizer makes the line search back off. A search that
  /// stops without converging is returned (converged = false, TAO's reason) and, if `warn` is set,
  /// reported through the logger — the logger prints on rank 0 only, so callers running searches on
  /// other ranks gather the results and report there (as multistart does).
  MapResult solve(const ConstVectorRef& x0, bool warn = true);

  const Model& model() const { return model_; }
  /// The TAO type in use after options.
  std::string tao_type() const { return tao_.type(); }

private:
  const Model& model_;
  TaoMinimizer tao_;
  Vector lower_, upper_;
  // Buffers of the objective callback, reused by every evaluation.
  Matrix point_, gradient_;
  Vector value_;
};

} // namespace l0svgd
