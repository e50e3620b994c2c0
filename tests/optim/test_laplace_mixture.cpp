#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/optim/laplace_mixture.hpp"
#include "test_support.hpp"
#include "test_targets.hpp"

#include <mpi.h>

using namespace l0svgd;

namespace {
const double kLogConstant = 7.5; // p̃ = e^c × (normalised mixture), so ∫ p̃ = e^c

Matrix two_means() {
  Matrix means(2, 2);
  means << -1.5, 0.0, 1.5, 0.5;
  return means;
}

std::vector<DenseMatrix> two_covariances() {
  return {test::covariance_2d(0.5, 0.3, 0.6), test::covariance_2d(0.4, 0.6, -0.3)};
}

test::MixtureTarget two_modes(const Vector& weights) {
  return test::MixtureTarget(weights, two_means(), two_covariances(), Vector::Constant(2, -6.0),
                             Vector::Constant(2, 6.0), kLogConstant);
}

// Components centred on the mixture's component means with its covariances: the target is exactly a
// non-negative combination of them, so the NNLS fit must recover the weights and the evidence.
std::vector<LaplaceComponent> exact_components() {
  std::vector<LaplaceComponent> components;
  for (Index k = 0; k < 2; ++k) {
    LaplaceComponent c;
    c.mean = two_means().row(k).transpose();
    c.covariance = two_covariances()[k];
    c.precision = c.covariance.inverse();
    c.cholesky = c.covariance.llt().matrixL();
    c.log_mass = 0.0;
    components.push_back(c);
  }
  return components;
}
} // namespace

TEST_CASE("NNLS weights recover an exact mixture and its evidence on any rank count", "[weights]") {
  const Vector weights = Vector::Map(std::vector<double>{0.3, 0.7}.data(), 2);
  const test::MixtureTarget model = two_modes(weights);
  MixtureWeightSettings settings;
  settings.samples = 50;
  const LaplaceMixture world =
      fit_laplace_mixture(model, exact_components(), settings, MPI_COMM_WORLD);
  CHECK(world.weighting == MixtureWeighting::Nnls);
  CHECK((world.mixture.weights() - weights).norm() < 1e-9);
  CHECK(world.log_evidence == Approx(kLogConstant).margin(1e-9));
  CHECK(world.relative_residual < 1e-9);
  CHECK(world.n_samples == 100);

  const LaplaceMixture alone =
      fit_laplace_mixture(model, exact_components(), settings, MPI_COMM_SELF);
  CHECK((alone.mixture.weights() - world.mixture.weights()).norm() < 1e-14);
}

TEST_CASE("Laplace-mixture fallbacks: more components than modes, degenerate fit",
          "[weights][errors]") {
  const test::MixtureTarget model = two_modes(Vector::Ones(2));
  MixtureWeightSettings settings;
  settings.samples = 20;
  settings.components = 5; // documented fallback: all found modes are used, with a warning
  const LaplaceMixture more =
      fit_laplace_mixture(model, exact_components(), settings, MPI_COMM_WORLD);
  CHECK(more.mixture.n_components() == 2);

  settings.components = 1; // the best mode only
  const LaplaceMixture one =
      fit_laplace_mixture(model, exact_components(), settings, MPI_COMM_WORLD);
  CHECK(one.mixture.n_components() == 1);
  CHECK(one.mixture.weights()(0) == 1.0);

  // Every weight-fit sample falls outside the support box, where p̃ counts as zero: the fit
  // degenerates and the Laplace-evidence weights are used.
  settings.components = 0;
  test::GaussianTarget far(Vector::Constant(2, 50.0), DenseMatrix::Identity(2, 2));
  far.set_box(Vector::Constant(2, 40.0), Vector::Constant(2, 60.0));
  std::vector<LaplaceComponent> components = exact_components();
  components[0].log_mass = std::log(0.25);
  components[1].log_mass = std::log(0.75);
  const LaplaceMixture fallback = fit_laplace_mixture(far, components, settings, MPI_COMM_WORLD);
  CHECK(fallback.weighting == MixtureWeighting::Evidence);
  CHECK(fallback.mixture.weights()(0) == Approx(0.25));
  CHECK(fallback.log_evidence == Approx(0.0).margin(1e-12));

  CHECK_THROWS_AS(fit_laplace_mixture(model, {}, settings, MPI_COMM_WORLD), InputError);
}

TEST_CASE("a NaN in the weight fit is a ModelError on every rank", "[weights][errors]") {
  const test::NanTarget model(-10.0); // NaN everywhere inside its box
  MixtureWeightSettings settings;
  settings.samples = 8;
  std::vector<LaplaceComponent> components = exact_components();
  CHECK_THROWS_AS(fit_laplace_mixture(model, components, settings, MPI_COMM_WORLD), ModelError);
}
