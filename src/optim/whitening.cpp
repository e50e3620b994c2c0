#include "l0svgd/optim/whitening.hpp"

#include "l0svgd/core/error.hpp"

namespace l0svgd {

const char* whitening_name(Whitening type) {
  switch (type) {
  case Whitening::LaplaceDiag:
    return "laplace_diag";
  case Whitening::LaplaceFull:
    return "laplace_full";
  default:
    return "none";
  }
}

Whitening configure_whitening(Options& options, const std::string& option, Whitening default_type) {
  const std::string type = options.get_choice(
      option, whitening_name(default_type), {"none", "laplace_diag", "laplace_full"},
      "SVGD coordinates: none (the target's own), laplace_diag (scaled by the Laplace marginal "
      "sds at the MAP) or laplace_full (whitened by the Laplace covariance: x = MAP + L z); the "
      "MAP by TAO (-map_tao_*), the Hessian exact or by finite differences (-laplace_*). With a "
      "preconditioner the defaults are -svgd_kernel auto -svgd_step_rule plain -svgd_step "
      "0.1, with none rbf, adagrad, 0.01");
  if (type == "laplace_diag")
    return Whitening::LaplaceDiag;
  return type == "laplace_full" ? Whitening::LaplaceFull : Whitening::None;
}

LaplaceFit fit_laplace(MapSolver& solver, const ConstVectorRef& x0,
                       const LaplaceSettings& settings) {
  LaplaceFit fit;
  fit.map = solver.solve(x0);
  Vector log_density(1);
  log_density(0) = fit.map.log_density;
  fit.laplace =
      laplace_components(solver.model(), fit.map.x.transpose(), log_density, settings).front();
  fit.sd = fit.laplace.covariance.diagonal().cwiseSqrt();
  return fit;
}

AffineMap whitening_map(const LaplaceFit& fit, Whitening type) {
  const Index d = fit.map.x.size();
  switch (type) {
  case Whitening::LaplaceFull:
    return AffineMap::triangular(fit.laplace.cholesky, fit.map.x);
  case Whitening::LaplaceDiag:
    return AffineMap::scaling(fit.sd, fit.map.x);
  default:
    return AffineMap::identity(d);
  }
}

} // namespace l0svgd
