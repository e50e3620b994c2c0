#include <catch2/catch.hpp>

#include <cmath>

#include "l0svgd/apps/hyperelastic/model.hpp"
#include "l0svgd/core/error.hpp"
#include "models/model_checks.hpp"

using namespace l0svgd;

namespace {

StressPoints mooney_rivlin_points(Index per_mode) {
  StressPoints p;
  for (LoadingMode mode : all_loading_modes())
    p.append(synthetic_points("mooney_rivlin", mode, per_mode, training_max_stretch(mode)));
  p.noise_std = Vector::Constant(p.size(), 0.02);
  return p;
}

HyperelasticSettings small_settings(NoiseModel noise) {
  HyperelasticSettings s;
  s.extended_inputs = true; // the four-input network exercises every input path
  s.width = 4;
  s.depth = 2;
  s.noise = noise;
  s.sigma = 0.05;
  s.prior_scale = 2.0;
  return s;
}

} // namespace

TEST_CASE("an exact Mooney-Rivlin ICNN gives the closed-form stresses", "[hyper][model]") {
  for (Index n_inputs : {2, 4}) {
    // Keep only the output skip weights of I1 and I2: N = C10 (I1 − 3) + C01 (I2 − 3) exactly.
    const auto dense = IcnnStructure::dense(std::vector<bool>(n_inputs, true), 3, 2);
    std::vector<bool> keep(dense.n_parameters(), false);
    keep[dense.n_parameters() - n_inputs] = keep[dense.n_parameters() - n_inputs + 1] = true;
    const auto reduction = dense.reduce(keep);
    REQUIRE(reduction.structure.n_parameters() == 2);
    StressPoints points;
    for (LoadingMode mode : all_loading_modes())
      points.append(synthetic_points("mooney_rivlin", mode, 11, extrapolation_max_stretch(mode)));
    const HyperelasticResponse response(reduction.structure, points);
    const MooneyRivlin mr;
    Matrix theta(1, 2);
    theta << softplus_inverse(mr.c10), softplus_inverse(mr.c01);
    const Matrix p = response.predict(theta);
    for (Index i = 0; i < points.size(); ++i)
      CHECK(p(0, i) == Approx(points.truth(i)).epsilon(1e-12).margin(1e-14));
    // Energies are normalised at the reference and ψ1, ψ2 are the MR constants.
    Vector w(2), none(0), energy(points.size());
    response.network().effective_weights(theta.row(0).transpose(), w, none);
    DenseMatrix psi(2, points.size());
    IcnnTape tape;
    response.energies(w, tape, energy, psi);
    for (Index i = 0; i < points.size(); ++i) {
      const auto inv = loading_invariants(points.mode[i], points.stretch(i));
      CHECK(energy(i) == Approx(mr.c10 * (inv[0] - 3) + mr.c01 * (inv[1] - 3)).margin(1e-12));
      CHECK(psi(0, i) == Approx(mr.c10).epsilon(1e-13));
      CHECK(psi(1, i) == Approx(mr.c01).epsilon(1e-13));
    }
  }
}

TEST_CASE("stresses of a dense ICNN are the virtual work of its energy", "[hyper][model]") {
  const auto points = mooney_rivlin_points(5);
  for (Index n_inputs : {2, 4}) {
    const HyperelasticResponse response(
        IcnnStructure::dense(std::vector<bool>(n_inputs, true), 6, 2), points);
    const Vector theta = response.network().initial_parameters(3, 0);
    Vector w(theta.size()), none(0), stress(points.size()), energy(points.size());
    response.network().effective_weights(theta, w, none);
    IcnnTape tape;
    response.stresses(w, tape, stress);
    DenseMatrix psi(2, points.size());
    response.energies(w, tape, energy, psi);
    CHECK(psi.minCoeff() >= 0.0);
    CHECK(energy(0) == Approx(0.0).margin(1e-14)); // λ = 1 is the reference
    // Energies at shifted stretches: dψ/dλ = P (UT, PS) or 2P (ET), by central differences.
    const double h = 1e-6;
    StressPoints plus = points, minus = points;
    plus.stretch.array() += h;
    minus.stretch.array() -= h;
    Vector e_plus(points.size()), e_minus(points.size());
    HyperelasticResponse(response.network().structure(), plus).energies(w, tape, e_plus, psi);
    HyperelasticResponse(response.network().structure(), minus).energies(w, tape, e_minus, psi);
    for (Index i = 0; i < points.size(); ++i) {
      const double factor = points.mode[i] == LoadingMode::Equibiaxial ? 0.5 : 1.0;
      INFO("inputs " << n_inputs << " point " << i);
      CHECK(stress(i) ==
            Approx(factor * (e_plus(i) - e_minus(i)) / (2 * h)).epsilon(1e-6).margin(1e-8));
    }
  }
}

TEST_CASE("stress gradients with respect to the parameters match finite differences",
          "[hyper][model]") {
  const auto points = mooney_rivlin_points(6);
  for (Index n_inputs : {2, 4}) {
    const HyperelasticResponse response(
        IcnnStructure::dense(std::vector<bool>(n_inputs, true), 5, 3), points);
    const auto& net = response.network();
    const Vector theta = net.initial_parameters(4, 2);
    const Vector r = test::test_points(1, points.size(), 5).row(0).transpose();
    Vector w(theta.size()), dw(theta.size()), stress(points.size()), g(theta.size());
    net.effective_weights(theta, w, dw);
    IcnnTape tape;
    response.stresses(w, tape, stress);
    response.stress_gradient(tape, r, g);
    const Vector analytic = g.cwiseProduct(dw); // d(rᵀP)/dθ
    // Central differences, truncation O(h²) ≈ 1e-12 relative.
    const double h = 1e-6;
    Vector fd(theta.size());
    for (Index k = 0; k < theta.size(); ++k) {
      Matrix plus = theta.transpose(), minus = theta.transpose();
      plus(0, k) += h;
      minus(0, k) -= h;
      fd(k) =
          (response.predict(plus).row(0).dot(r) - response.predict(minus).row(0).dot(r)) / (2 * h);
    }
    INFO("inputs " << n_inputs << ", max error " << test::max_scaled_error(analytic, fd));
    CHECK(test::max_scaled_error(analytic, fd) < 1e-7);
  }
}

TEST_CASE("scaling the output layer to the data fits the stress scale", "[hyper][model]") {
  const auto points = mooney_rivlin_points(6);
  const HyperelasticResponse response(IcnnStructure::dense({true, true, true, true}, 5, 2), points);
  const Vector theta = response.network().initial_parameters(2, 0);
  const Vector before = response.predict(theta.transpose()).row(0).transpose();
  const Vector scaled = response.scale_to_data(theta, points.stress);
  const Vector after = response.predict(scaled.transpose()).row(0).transpose();
  // Stresses are linear in the output layer: the result is the least-squares multiple of `before`.
  const double factor = before.dot(points.stress) / before.squaredNorm();
  CHECK(test::max_scaled_error(after, factor * before) < 1e-12);
  CHECK((after - points.stress).norm() <= (before - points.stress).norm());
}

TEST_CASE("log-posterior gradients match finite differences for every noise model",
          "[hyper][model]") {
  auto points = mooney_rivlin_points(5);
  points.stress.array() += 0.01; // a misfit so that the likelihood gradient is not tiny
  for (NoiseModel noise : {NoiseModel::Data, NoiseModel::Fixed, NoiseModel::Inferred}) {
    const HyperelasticSettings settings = small_settings(noise);
    const HyperelasticModel model(settings.dense_structure(), points, settings);
    CHECK(model.dim() == 64 + (noise == NoiseModel::Inferred ? 1 : 0));
    CHECK(model.parameter_names().size() == static_cast<size_t>(model.dim()));
    Matrix x(3, model.dim());
    for (Index p = 0; p < 3; ++p)
      x.row(p) = model.initial_point(7, p).transpose();
    if (model.infers_sigma()) {
      CHECK(model.parameter_names().back() == "log_sigma");
      x.col(model.dim() - 1) << -3.0, -2.0, -1.0;
    }
    Vector logp(3);
    Matrix grad(3, model.dim());
    model.evaluate(x, logp, grad);
    const Matrix fd = test::fd_gradient(model, x, 1e-6);
    INFO("noise model " << static_cast<int>(noise) << ", max error "
                        << test::max_scaled_error(grad, fd));
    CHECK(test::max_scaled_error(grad, fd) < 1e-6);
    // The likelihood gradient is the posterior gradient minus the (analytic) prior gradient.
    Matrix lik(3, model.dim());
    model.log_likelihood_gradient(x, lik);
    Matrix prior = -x / (settings.prior_scale * settings.prior_scale);
    if (model.infers_sigma())
      prior.col(model.dim() - 1) =
          -(x.col(model.dim() - 1).array() - settings.log_sigma_prior_mean) /
          (settings.log_sigma_prior_scale * settings.log_sigma_prior_scale);
    CHECK(test::max_scaled_error(lik + prior, grad) < 1e-12);
  }
}

TEST_CASE("the log density at the truth-fitting point has the Gaussian form", "[hyper][model]") {
  // Fixed σ, a 2-parameter exact Mooney–Rivlin network: residuals are exactly the data offset.
  auto points = mooney_rivlin_points(4);
  points.stress.array() += 0.1;
  HyperelasticSettings settings = small_settings(NoiseModel::Fixed);
  const auto dense = IcnnStructure::dense({true, true}, 2, 1);
  std::vector<bool> keep(dense.n_parameters(), false);
  keep[dense.n_parameters() - 2] = keep[dense.n_parameters() - 1] = true;
  const HyperelasticModel model(dense.reduce(keep).structure, points, settings);
  Matrix x(1, 2);
  x << softplus_inverse(0.16), softplus_inverse(0.014);
  Vector logp(1);
  model.log_density(x, logp);
  const double n = static_cast<double>(points.size());
  const double expected = -0.5 * n * std::pow(0.1 / settings.sigma, 2) -
                          n * std::log(settings.sigma) -
                          0.5 * x.squaredNorm() / (settings.prior_scale * settings.prior_scale);
  CHECK(logp(0) == Approx(expected).epsilon(1e-12));
  CHECK(model.predict_stress(x, points).cols() == points.size());
}

TEST_CASE("the data noise model needs data-generating noise", "[hyper][model]") {
  auto points = mooney_rivlin_points(3);
  points.noise_std.setZero();
  const HyperelasticSettings settings = small_settings(NoiseModel::Data);
  CHECK_THROWS_AS(HyperelasticModel(settings.dense_structure(), points, settings), InputError);
  CHECK_THROWS_AS(HyperelasticModel(settings.dense_structure(), StressPoints{}, settings),
                  InputError);
}

TEST_CASE("hyperelastic options are read and validated", "[hyper][model]") {
  {
    test::ScopedOptions scoped(
        "-icnn_inputs invariants -icnn_width 7 -icnn_depth 2 -hyper_sigma_mode inferred");
    Options options;
    const auto s = HyperelasticSettings::configure(options);
    CHECK(s.width == 7);
    CHECK(s.depth == 2);
    CHECK(s.noise == NoiseModel::Inferred);
    CHECK(s.dense_structure().n_parameters() == 7 * 7 + 7 * 7 + 2);
  }
  {
    // Defaults: the invariants I1, I2, 20 × 3: 20·3 + 2·(20·20 + 20·3) + 20 + 2 = 1002 parameters;
    // extended inputs, 19 × 3: 19·5 + 2·(19·19 + 19·5) + 19 + 4 = 1030.
    test::ScopedOptions scoped("");
    Options options;
    const auto s = HyperelasticSettings::configure(options);
    CHECK(s.dense_structure().n_inputs() == 2);
    CHECK(s.dense_structure().n_parameters() == 1002);
    test::ScopedOptions extended("-icnn_inputs extended");
    Options other;
    const auto e = HyperelasticSettings::configure(other);
    CHECK(e.dense_structure().n_inputs() == 4);
    CHECK(e.dense_structure().n_parameters() == 1030);
  }
  {
    test::ScopedOptions scoped("-hyper_sigma_mode sometimes");
    Options options;
    CHECK_THROWS_AS(HyperelasticSettings::configure(options), InputError);
  }
  {
    test::ScopedOptions scoped("-icnn_width 0");
    Options options;
    CHECK_THROWS_AS(HyperelasticSettings::configure(options), InputError);
  }
}
