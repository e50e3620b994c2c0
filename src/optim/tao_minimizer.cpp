#include "l0svgd/optim/tao_minimizer.hpp"

#include "l0svgd/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <sstream>

namespace l0svgd {
namespace {

struct Callback {
  const ObjectiveGradient* f;
  const IterateCheck* check;
  Vector x, g;
  std::exception_ptr error;
  PetscInt evaluations = 0, non_finite = 0;
  double best = std::numeric_limits<double>::infinity(); // lowest finite f seen so far
};

// f(x) into g; false if f is not finite there or throws ModelError.
bool finite_value(const ObjectiveGradient& f, const ConstVectorRef& x, VectorRef g, double& value) {
  try {
    value = f(x, g);
  } catch (const ModelError&) {
    return false;
  }
  return std::isfinite(value) && g.allFinite();
}

// C frame: no exception may cross it, so a C++ failure is stored and reported to TAO as an error
// code.
PetscErrorCode objective_and_gradient(Tao, Vec x, PetscReal* value, Vec gradient, void* context) {
  auto* cb = static_cast<Callback*>(context);
  const PetscScalar* xa = nullptr;
  PetscScalar* ga = nullptr;
  PetscCall(VecGetArrayRead(x, &xa));
  cb->x = Eigen::Map<const Vector>(xa, cb->x.size());
  PetscCall(VecRestoreArrayRead(x, &xa));
  const bool start = ++cb->evaluations == 1;
  bool finite = false;
  try {
    if (start) {
      *value = (*cb->f)(cb->x, cb->g);
      finite = std::isfinite(*value) && cb->g.allFinite();
      if (!finite)
        throw ModelError("the objective is not finite at the start point of the TAO search");
    } else {
      finite = finite_value(*cb->f, cb->x, cb->g, *value);
    }
  } catch (...) {
    cb->error = std::current_exception();
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER, "objective evaluation failed");
  }
  if (finite) {
    cb->best = std::min(cb->best, static_cast<double>(*value));
  } else {
    ++cb->non_finite;
    cb->g.setZero();
    *value = cb->best + 1e3 * (1.0 + std::abs(cb->best));
  }
  PetscCall(VecGetArray(gradient, &ga));
  Eigen::Map<Vector>(ga, cb->g.size()) = cb->g;
  PetscCall(VecRestoreArray(gradient, &ga));
  return 0;
}

// TAO's own tests first; the caller's check only decides iterations they would continue.
PetscErrorCode convergence_test(Tao tao, void* context) {
  auto* cb = static_cast<Callback*>(context);
  PetscCall(TaoDefaultConvergenceTest(tao, nullptr));
  TaoConvergedReason reason;
  PetscCall(TaoGetConvergedReason(tao, &reason));
  if (reason != TAO_CONTINUE_ITERATING)
    return 0;
  PetscInt its = 0;
  PetscReal f = 0;
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, nullptr, nullptr, nullptr, nullptr));
  Vec x = nullptr;
  PetscCall(TaoGetSolution(tao, &x));
  const PetscScalar* xa = nullptr;
  PetscCall(VecGetArrayRead(x, &xa));
  cb->x = Eigen::Map<const Vector>(xa, cb->x.size());
  PetscCall(VecRestoreArrayRead(x, &xa));
  bool stop = false;
  try {
    stop = (*cb->check)(cb->x, f, its);
  } catch (...) {
    cb->error = std::current_exception();
    PetscCall(TaoSetConvergedReason(tao, TAO_DIVERGED_USER));
    return 0;
  }
  if (stop)
    PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
  return 0;
}

Vec make_vec(Index dim) {
  Vec v = nullptr;
  L0_PETSC(VecCreateSeq(PETSC_COMM_SELF, static_cast<PetscInt>(dim), &v));
  return v;
}

void copy_in(Vec v, const ConstVectorRef& values) {
  PetscScalar* a = nullptr;
  L0_PETSC(VecGetArray(v, &a));
  Eigen::Map<Vector>(a, values.size()) = values;
  L0_PETSC(VecRestoreArray(v, &a));
}

} // namespace

TaoMinimizer::TaoMinimizer(Index dim, const std::string& prefix, const std::string& default_type)
    : dim_(dim) {
  x_ = make_vec(dim);
  L0_PETSC(TaoCreate(PETSC_COMM_SELF, &tao_));
  L0_PETSC(TaoSetType(tao_, default_type.c_str()));
  L0_PETSC(TaoSetOptionsPrefix(tao_, prefix.c_str()));
  L0_PETSC(TaoSetSolution(tao_, x_));
  try {
    L0_PETSC(TaoSetFromOptions(tao_));
  } catch (const PetscFailure& e) {
    throw InputError("TAO options -" + prefix + "tao_*: " + e.what());
  }
}

TaoMinimizer::~TaoMinimizer() {
  TaoDestroy(&tao_);
  VecDestroy(&x_);
  VecDestroy(&lower_);
  VecDestroy(&upper_);
}

void TaoMinimizer::set_bounds(const ConstVectorRef& lower, const ConstVectorRef& upper) {
  if (lower.size() != dim_ || upper.size() != dim_)
    throw Error("TaoMinimizer: bounds have the wrong dimension");
  for (Index i = 0; i < dim_; ++i)
    if (!(lower(i) < upper(i)))
      throw InputError("lower bound " + std::to_string(lower(i)) + " is not below upper bound " +
                       std::to_string(upper(i)) + " for coordinate " + std::to_string(i));
  if (!lower_) {
    lower_ = make_vec(dim_);
    upper_ = make_vec(dim_);
  }
  // TAO's convention for "no bound" is ±PETSC_INFINITY.
  copy_in(lower_, lower.cwiseMax(PETSC_NINFINITY));
  copy_in(upper_, upper.cwiseMin(PETSC_INFINITY));
  L0_PETSC(TaoSetVariableBounds(tao_, lower_, upper_));
}

TaoResult TaoMinimizer::minimize(const ObjectiveGradient& f, const ConstVectorRef& x0,
                                 const IterateCheck& check) {
  if (x0.size() != dim_)
    throw Error("TaoMinimizer: start point has the wrong dimension");
  Callback cb{&f, &check, Vector(dim_), Vector(dim_), nullptr};
  copy_in(x_, x0);
  L0_PETSC(TaoSetObjectiveAndGradient(tao_, nullptr, objective_and_gradient, &cb));
  if (check)
    L0_PETSC(TaoSetConvergenceTest(tao_, convergence_test, &cb));
  else
    L0_PETSC(TaoSetConvergenceTest(tao_, TaoDefaultConvergenceTest, nullptr));
  const PetscErrorCode code = TaoSolve(tao_);
  if (cb.error)
    std::rethrow_exception(cb.error);
  L0_PETSC(code);

  TaoResult result;
  TaoConvergedReason reason;
  PetscReal f_value = 0, gnorm = 0, cnorm = 0, xdiff = 0;
  PetscInt its = 0;
  L0_PETSC(TaoGetSolutionStatus(tao_, &its, &f_value, &gnorm, &cnorm, &xdiff, &reason));
  result.iterations = its;
  result.objective = f_value;
  result.gradient_norm = gnorm;
  result.converged = reason > 0;
  result.reason = TaoConvergedReasons[reason];
  result.reason_code = static_cast<int>(reason);
  result.evaluations = cb.evaluations;
  result.non_finite_trials = cb.non_finite;
  const PetscScalar* a = nullptr;
  L0_PETSC(VecGetArrayRead(x_, &a));
  result.x = Eigen::Map<const Vector>(a, dim_);
  L0_PETSC(VecRestoreArrayRead(x_, &a));
  // A failed line search can leave TAO on a stepped-back trial point.
  double value = 0.0;
  if (cb.non_finite > 0 && !finite_value(f, result.x, cb.g, value)) {
    std::ostringstream point;
    point << result.x.transpose();
    throw ModelError("the TAO search ended where the objective is not finite: (" + point.str() +
                     ")");
  }
  return result;
}

std::string TaoMinimizer::type() const {
  TaoType type = nullptr;
  L0_PETSC(TaoGetType(tao_, &type));
  return type ? type : "";
}

} // namespace l0svgd
