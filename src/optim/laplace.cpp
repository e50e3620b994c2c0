#include "l0svgd/optim/laplace.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <limits>
#include <sstream>

namespace l0svgd {

void LaplaceSettings::configure(Options& options) {
  fd_step = options.get_real("laplace_fd_step", fd_step, 0.0, 0.1,
                             "relative central-difference step of the Hessian (models without one)",
                             /*lo_open=*/true);
  eigenvalue_floor = options.get_real(
      "laplace_eigenvalue_floor", eigenvalue_floor, 0.0, 1.0,
      "Hessian eigenvalues below this fraction of the largest are clipped up to it", true);
}

DenseMatrix negative_log_hessian(const Model& model, const ConstVectorRef& x, double fd_step) {
  const Index d = model.dim();
  DenseMatrix h(d, d);
  if (model.has_hessian()) {
    h = -model.hessian(x);
  } else {
    // Rows 2i and 2i+1 are x ± h_i e_i: one batched evaluation for all 2d gradients.
    Matrix points = x.transpose().replicate(2 * d, 1);
    Vector steps(d);
    for (Index i = 0; i < d; ++i) {
      steps(i) = fd_step * std::max(1.0, std::abs(x(i)));
      points(2 * i, i) += steps(i);
      points(2 * i + 1, i) -= steps(i);
    }
    Vector values(2 * d);
    Matrix gradients(2 * d, d);
    model.evaluate(points, values, gradients);
    check_finite(model, values, gradients);
    for (Index i = 0; i < d; ++i)
      h.row(i) = -(gradients.row(2 * i) - gradients.row(2 * i + 1)) / (2 * steps(i));
  }
  if (!h.allFinite())
    throw ModelError("model '" + model.name() + "' gave a non-finite Hessian");
  return 0.5 * (h + h.transpose());
}

RepairedHessian repair_hessian(const DenseMatrix& hessian, double relative_floor,
                               const ConstVectorRef& lower, const ConstVectorRef& upper,
                               const RepairOptions& options) {
  Eigen::SelfAdjointEigenSolver<DenseMatrix> eigen(hessian);
  if (eigen.info() != Eigen::Success)
    throw ModelError("eigendecomposition of the Hessian failed");
  const Vector lambda =
      options.absolute_values ? Vector(eigen.eigenvalues().cwiseAbs()) : eigen.eigenvalues();
  const double diameter = (upper - lower).norm();
  double floor = std::max(relative_floor * lambda.maxCoeff(), options.absolute_floor);
  if (std::isfinite(diameter))
    floor = std::max(floor, 1.0 / (diameter * diameter));
  if (!(floor > 0))
    throw ModelError(
        "the Hessian of -log p has no positive eigenvalue and the support is unbounded: "
        "no Laplace approximation exists here");
  RepairedHessian repaired;
  repaired.floor = floor;
  repaired.n_clipped = (lambda.array() < floor).count();
  repaired.precision =
      eigen.eigenvectors() * lambda.cwiseMax(floor).asDiagonal() * eigen.eigenvectors().transpose();
  repaired.precision = 0.5 * (repaired.precision + repaired.precision.transpose());
  return repaired;
}

std::vector<LaplaceComponent> laplace_components(const Model& model, const ConstMatrixRef& modes,
                                                 const ConstVectorRef& log_density,
                                                 const LaplaceSettings& settings) {
  LogEventScope scope(log_event("L0LaplaceHessian"));
  const Index d = model.dim();
  if (modes.cols() != d || modes.rows() != log_density.size())
    throw Error("laplace_components: modes and log densities do not match the model");
  const Vector lower = model.lower_bounds(), upper = model.upper_bounds();
  std::vector<LaplaceComponent> components;
  for (Index k = 0; k < modes.rows(); ++k) {
    LaplaceComponent c;
    c.mean = modes.row(k).transpose();
    c.log_density = log_density(k);
    const DenseMatrix h = negative_log_hessian(model, c.mean, settings.fd_step);
    const RepairedHessian repaired = repair_hessian(h, settings.eigenvalue_floor, lower, upper);
    if (repaired.n_clipped > 0) {
      std::ostringstream where;
      for (Index i = 0; i < d; ++i)
        where << (i ? ", " : "") << c.mean(i);
      logger().warning("Laplace: the Hessian of -log p at mode ", k, " (", where.str(),
                       ") is not positive definite; ", repaired.n_clipped,
                       " eigenvalue(s) clipped to ", repaired.floor);
    }
    c.n_clipped = repaired.n_clipped;
    c.precision = repaired.precision;
    c.covariance = c.precision.llt().solve(DenseMatrix::Identity(d, d));
    c.covariance = 0.5 * (c.covariance + c.covariance.transpose());
    Eigen::LLT<DenseMatrix> llt(c.covariance);
    if (llt.info() != Eigen::Success)
      throw ModelError("Laplace: the covariance at mode " + std::to_string(k) +
                       " is numerically singular");
    c.cholesky = llt.matrixL();
    c.log_mass =
        c.log_density + 0.5 * d * std::log(2 * M_PI) + c.cholesky.diagonal().array().log().sum();
    components.push_back(std::move(c));
  }
  return components;
}

} // namespace l0svgd
