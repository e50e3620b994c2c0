#include "l0svgd/optim/laplace_mixture.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/optim/nnls.hpp"
#include "l0svgd/parallel/collective_error.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"

#include <cmath>
#include <limits>
#include <sstream>

namespace l0svgd {
namespace {

double log_sum_exp(const Vector& v) {
  const double m = v.maxCoeff();
  if (!std::isfinite(m))
    return m;
  return m + std::log((v.array() - m).exp().sum());
}

Vector normalised_exp(const Vector& log_values) {
  const Vector w = (log_values.array() - log_values.maxCoeff()).exp();
  return w / w.sum();
}

GaussianMixture equal_weight_mixture(const std::vector<LaplaceComponent>& components) {
  const Index k_count = static_cast<Index>(components.size()), d = components[0].mean.size();
  Matrix means(k_count, d);
  std::vector<DenseMatrix> factors;
  for (Index k = 0; k < k_count; ++k) {
    means.row(k) = components[k].mean.transpose();
    factors.push_back(components[k].cholesky);
  }
  return GaussianMixture(Vector::Ones(k_count), means, factors);
}

} // namespace

void MixtureWeightSettings::configure(Options& options) {
  components = options.get_int("laplace_components", components, 0, 100000,
                               "number of best modes in the Laplace mixture (0: all found)");
  samples = options.get_int("laplace_weight_samples", samples, 1, 100000000,
                            "sample points per component for the NNLS weight fit");
  seed = static_cast<uint64_t>(options.get_int("laplace_seed", static_cast<PetscInt>(seed), 0,
                                               PETSC_MAX_INT, "seed of the weight-fit samples"));
}

LaplaceMixture fit_laplace_mixture(const Model& model, std::vector<LaplaceComponent> components,
                                   const MixtureWeightSettings& settings, MPI_Comm comm) {
  LogEventScope scope(log_event("L0LaplaceWeights"));
  require_input(!components.empty(), "Laplace mixture: no modes to build it from");
  const Index found = static_cast<Index>(components.size());
  if (settings.components > found)
    logger().warning("Laplace mixture: ", settings.components,
                     " components requested (-laplace_"
                     "components) but only ",
                     found, " distinct mode(s) found; using ", found);
  else if (settings.components > 0)
    components.resize(static_cast<size_t>(settings.components));
  const Index k_count = static_cast<Index>(components.size()), d = model.dim();

  Vector log_mass(k_count);
  for (Index k = 0; k < k_count; ++k)
    log_mass(k) = components[k].log_mass;
  const GaussianMixture shapes = equal_weight_mixture(components);

  // Sample i belongs to component i / samples; columns of a gathered row: log p̃, then log N_k.
  const Index n = k_count * settings.samples;
  const Partition partition(n, comm);
  Matrix local(partition.n_local(), k_count + 1);
  bool failed = false;
  std::string message;
  try {
    const Vector lower = model.lower_bounds(), upper = model.upper_bounds();
    Matrix z(partition.n_local(), d);
    Vector eps(d);
    for (Index r = 0; r < partition.n_local(); ++r) {
      const Index i = partition.local_begin() + r, k = i / settings.samples;
      RandomSequence sequence(settings.seed, RngStream::Weights, static_cast<uint64_t>(i));
      for (Index j = 0; j < d; ++j)
        eps(j) = sequence.normal();
      z.row(r) = components[k].mean.transpose() + (components[k].cholesky * eps).transpose();
    }
    std::vector<Index> inside;
    for (Index r = 0; r < z.rows(); ++r)
      if ((z.row(r).transpose().array() >= lower.array()).all() &&
          (z.row(r).transpose().array() <= upper.array()).all())
        inside.push_back(r);
    Matrix z_inside(static_cast<Index>(inside.size()), d);
    for (size_t r = 0; r < inside.size(); ++r)
      z_inside.row(static_cast<Index>(r)) = z.row(inside[r]);
    Vector log_p(z_inside.rows());
    model.log_density(z_inside, log_p);
    local.col(0).setConstant(-std::numeric_limits<double>::infinity());
    for (size_t r = 0; r < inside.size(); ++r) {
      const double v = log_p(static_cast<Index>(r));
      if (std::isnan(v) || v == std::numeric_limits<double>::infinity()) {
        std::ostringstream s;
        s << "model '" << model.name() << "' returned " << v << " at (" << z_inside.row(r)
          << ") while fitting the Laplace mixture weights";
        throw ModelError(s.str());
      }
      local(inside[r], 0) = v;
    }
    shapes.component_log_densities(z, local.rightCols(k_count));
  } catch (const Error& e) {
    failed = true;
    message = e.what();
    local.setConstant(std::numeric_limits<double>::quiet_NaN());
  }
  Matrix all(n, k_count + 1);
  RowGather(partition, k_count + 1, comm).gather(local, all);
  if (all.hasNaN())
    raise_if_any(failed, message, comm);

  // Everything below is the same computation on every rank.
  const Vector log_p = all.col(0);
  const double m = log_p.maxCoeff();
  const Vector evidence_weights = normalised_exp(log_mass);
  LaplaceMixture result{shapes,
                        components,
                        MixtureWeighting::Nnls,
                        evidence_weights,
                        0.0,
                        std::numeric_limits<double>::quiet_NaN(),
                        n};
  Vector log_a = Vector::Constant(k_count, -std::numeric_limits<double>::infinity());
  if (std::isfinite(m)) {
    const Vector b = (log_p.array() - m).exp();
    const Vector column_max = all.rightCols(k_count).colwise().maxCoeff().transpose();
    const DenseMatrix a_matrix =
        (all.rightCols(k_count).rowwise() - column_max.transpose()).array().exp().matrix();
    const NnlsResult fit = nnls(a_matrix, b);
    result.relative_residual = fit.residual_norm / b.norm();
    // a_k in units of p̃: Σ_k N_ik e^{−c_k} a'_k = p̃_i e^{−M} means a_k = a'_k e^{M − c_k}.
    for (Index k = 0; k < k_count; ++k)
      if (fit.x(k) > 0)
        log_a(k) = std::log(fit.x(k)) - column_max(k) + m;
  }
  if (!std::isfinite(log_a.maxCoeff()) || log_a.array().isNaN().any()) {
    logger().warning("Laplace mixture: the NNLS weight fit degenerated (",
                     std::isfinite(m) ? "all weights zero" : "p~ is zero at every sample point",
                     "); using the Laplace-evidence weights instead");
    result.weighting = MixtureWeighting::Evidence;
    result.log_evidence = log_sum_exp(log_mass);
    result.relative_residual = std::numeric_limits<double>::quiet_NaN();
    result.mixture.set(evidence_weights, shapes.means(), shapes.cholesky_factors());
  } else {
    result.log_evidence = log_sum_exp(log_a);
    result.mixture.set(normalised_exp(log_a), shapes.means(), shapes.cholesky_factors());
  }
  std::ostringstream w;
  for (Index k = 0; k < k_count; ++k)
    w << (k ? ", " : "") << result.mixture.weights()(k);
  logger().info("Laplace mixture: ", k_count, " component(s), weights (", w.str(),
                "), log evidence ", result.log_evidence);
  return result;
}

} // namespace l0svgd
