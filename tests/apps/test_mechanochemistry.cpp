// The mechanochemistry application: the benchmark free energy, its data, the partially
// input-convex network (derivatives, parameter gradients, convexity in the strain, reduction), the
// posterior and the L0 problem, against closed forms and finite differences.
#include <catch2/catch.hpp>

#include <cmath>

#include "l0svgd/apps/mechanochemistry/application.hpp"
#include "l0svgd/core/error.hpp"
#include "models/model_checks.hpp"

using namespace l0svgd;

namespace {

MechanoDataset small_data(double chi = 3.0) {
  MechanoDataOptions o;
  o.chi = chi;
  o.strain_points = 3;
  o.concentration_points = 4;
  o.grid_strain_points = 5;
  o.grid_concentration_points = 6;
  return make_mechano_data(o);
}

// Effective weights of random parameters of `network`.
Vector random_weights(const MechanoNetwork& network, uint64_t seed) {
  const Index d = network.n_parameters();
  Vector w(d), dw(d);
  network.effective_weights(test::test_points(1, d, seed, 0.7).row(0).transpose(), w, dw);
  return w;
}

double energy_at(const MechanoNetwork& network, const Vector& w, double e, double c) {
  MechanoTape tape;
  network.forward(w, Vector::Constant(1, e), Vector::Constant(1, c), tape);
  return tape.energy(0);
}

} // namespace

TEST_CASE("the benchmark's stress and chemical potential are the derivatives of its free energy",
          "[mechanochemistry]") {
  const double h = 1e-6;
  for (double chi : {1.5, 3.0})
    for (double e : {-0.08, 0.0, 0.04})
      for (double c : {0.05, 0.3, 0.7, 0.95}) {
        const double de =
            (mech_free_energy(e + h, c, chi) - mech_free_energy(e - h, c, chi)) / (2 * h);
        const double dc =
            (mech_free_energy(e, c + h, chi) - mech_free_energy(e, c - h, chi)) / (2 * h);
        CHECK(mech_stress(e, c) == Approx(de).epsilon(1e-7).margin(1e-8));
        CHECK(mech_potential(e, c, chi) == Approx(dc).epsilon(1e-7).margin(1e-8));
      }
  // χ = 3 has a double well: μ falls with c between the spinodals c(1 − c) = 1/6, χ = 1.5 none.
  CHECK(mech_potential(0, 0.45, 3.0) < mech_potential(0, 0.3, 3.0));
  CHECK(mech_potential(0, 0.45, 1.5) > mech_potential(0, 0.3, 1.5));
}

TEST_CASE("mechanochemistry data: grids, extrapolation marks and noise levels",
          "[mechanochemistry]") {
  const MechanoDataset d = small_data();
  REQUIRE(d.train.size() == 2 * 3 * 4);
  REQUIRE(d.test.size() == 2 * 5 * 6);
  const Vector& q = d.train.coordinate("quantity");
  const Index n = d.train.size() / 2;
  CHECK((q.head(n).array() == 0).all());
  CHECK((q.tail(n).array() == 1).all());
  // σ_q = κ max|q| on the training box, the same on the test grid.
  CHECK(d.train.noise_std(0) == Approx(0.05 * d.train.truth.head(n).cwiseAbs().maxCoeff()));
  CHECK(d.train.noise_std(n) == Approx(0.05 * d.train.truth.tail(n).cwiseAbs().maxCoeff()));
  CHECK(d.test.noise_std(0) == d.train.noise_std(0));
  for (Index i = 0; i < d.train.size(); ++i)
    CHECK_FALSE(d.train.extrapolation[static_cast<size_t>(i)]);
  const Vector& e = d.test.coordinate("strain");
  const Vector& c = d.test.coordinate("concentration");
  Index outside = 0;
  for (Index i = 0; i < d.test.size(); ++i) {
    const bool out = std::abs(e(i)) > 0.05 + 1e-12 || c(i) < 0.1 - 1e-12 || c(i) > 0.9 + 1e-12;
    CHECK(d.test.extrapolation[static_cast<size_t>(i)] == out);
    outside += out;
    CHECK(d.test.values(i) == d.test.truth(i));
  }
  CHECK(outside > 0);
  // Identical data from the same seed, other noise from another.
  CHECK(small_data().train.values == d.train.values);
  MechanoDataOptions other;
  other.strain_points = 3;
  other.concentration_points = 4;
  other.seed = 2;
  CHECK(make_mechano_data(other).train.values != d.train.values);
}

TEST_CASE("the network's stress and potential are its energy's derivatives, and it is convex in "
          "the strain",
          "[mechanochemistry]") {
  const bool squared = GENERATE(false, true); // with and without the input (ε/ε_s)²
  const MechanoNetwork network(MechanoStructure::dense(4, 2, 3, squared));
  const double h = 1e-6;
  for (uint64_t seed : {1u, 2u, 3u}) {
    const Vector w = random_weights(network, seed);
    const Vector e = Vector::LinSpaced(5, -0.09, 0.09), c = Vector::LinSpaced(5, 0.05, 0.95);
    MechanoTape tape;
    network.forward(w, e, c, tape);
    for (Index i = 0; i < e.size(); ++i) {
      const double de =
          (energy_at(network, w, e(i) + h, c(i)) - energy_at(network, w, e(i) - h, c(i))) / (2 * h);
      const double dc =
          (energy_at(network, w, e(i), c(i) + h) - energy_at(network, w, e(i), c(i) - h)) / (2 * h);
      CHECK(tape.stress(i) == Approx(de).epsilon(1e-6).margin(1e-7));
      CHECK(tape.potential(i) == Approx(dc).epsilon(1e-6).margin(1e-7));
    }
    // Second differences in ε are ≥ 0 at every c; in c they take both signs for some weights.
    for (double cc : {0.1, 0.5, 0.9})
      for (double ee = -0.1; ee <= 0.1; ee += 0.02) {
        const double k = 1e-2;
        const double second = energy_at(network, w, ee + k, cc) -
                              2 * energy_at(network, w, ee, cc) + energy_at(network, w, ee - k, cc);
        CHECK(second >= -1e-12);
      }
  }
}

TEST_CASE("the network's parameter gradient matches finite differences", "[mechanochemistry]") {
  const bool squared = GENERATE(false, true);
  const MechanoStructure structure = MechanoStructure::dense(3, 2, 4, squared);
  const MechanoNetwork network(structure);
  const Vector w = random_weights(network, 5);
  const Vector e = Vector::LinSpaced(6, -0.05, 0.05), c = Vector::LinSpaced(6, 0.1, 0.9);
  const Vector s_bar = test::test_points(1, 6, 8).row(0).transpose();
  const Vector m_bar = test::test_points(1, 6, 9).row(0).transpose();
  MechanoTape tape;
  const auto functional = [&](const Vector& weights) {
    MechanoTape t;
    network.forward(weights, e, c, t);
    return s_bar.dot(t.stress) + m_bar.dot(t.potential);
  };
  network.forward(w, e, c, tape);
  Vector g(network.n_parameters());
  network.gradient(tape, s_bar, m_bar, g);
  const double h = 1e-6;
  for (Index k = 0; k < w.size(); ++k) {
    Vector plus = w, minus = w;
    plus(k) += h;
    minus(k) -= h;
    INFO(structure.parameter_names()[static_cast<size_t>(k)]);
    CHECK(g(k) ==
          Approx((functional(plus) - functional(minus)) / (2 * h)).epsilon(1e-5).margin(1e-6));
  }
}

TEST_CASE("a reduced network computes what the masked dense one does", "[mechanochemistry]") {
  const bool squared = GENERATE(false, true);
  const MechanoStructure dense = MechanoStructure::dense(4, 2, 3, squared);
  const Index d = dense.n_parameters();
  // The default and the network without x₄ both have the paper's 148 parameters.
  REQUIRE(MechanoSettings().dense_structure().n_parameters() == 148);
  REQUIRE(MechanoStructure::dense(7, 2, 11, false).n_parameters() == 148);
  CHECK(MechanoStructure::dense(7, 2, 6, true).strain_squared());
  std::vector<bool> keep(static_cast<size_t>(d));
  for (Index k = 0; k < d; ++k)
    keep[static_cast<size_t>(k)] = (k * 7) % 3 != 0;
  const auto r = dense.reduce(keep);
  REQUIRE(r.structure.n_parameters() == static_cast<Index>(r.kept.size()));
  REQUIRE(r.structure.n_parameters() < d);
  const MechanoNetwork full(dense), reduced(r.structure);
  Vector w = random_weights(full, 4);
  for (Index k = 0; k < d; ++k)
    if (!keep[static_cast<size_t>(k)])
      w(k) = 0.0;
  Vector w_reduced(r.structure.n_parameters());
  for (size_t i = 0; i < r.kept.size(); ++i)
    w_reduced(static_cast<Index>(i)) = w(r.kept[i]);
  const Vector e = Vector::LinSpaced(7, -0.1, 0.1), c = Vector::LinSpaced(7, 0.02, 0.98);
  MechanoTape a, b;
  full.forward(w, e, c, a);
  reduced.forward(w_reduced, e, c, b);
  CHECK(test::max_scaled_error(b.stress, a.stress) < 1e-12);
  CHECK(test::max_scaled_error(b.potential, a.potential) < 1e-12);
  // A free unit without its a or w is removed with all its parameters.
  std::vector<bool> only_convex(static_cast<size_t>(d), true);
  only_convex[static_cast<size_t>(dense.n_convex_parameters())] = false; // unit 0's a
  CHECK(dense.reduce(only_convex).structure.free_units().size() == 2);
}

TEST_CASE("mechanochemistry posterior and L0 loss: gradients match finite differences",
          "[mechanochemistry]") {
  const MechanoDataset data = small_data(1.5);
  MechanoSettings settings;
  settings.width = 3;
  settings.free_width = 2;
  settings.prior_scale = 2.0;
  const MechanoModel model(settings.dense_structure(), data.train, settings);
  const Matrix x = test::test_points(3, model.dim(), 11, 0.5);
  Vector log_density(3);
  Matrix gradient(3, model.dim());
  model.evaluate(x, log_density, gradient);
  // Step 1e-5: the sums over the points cancel enough digits that 1e-6 is already roundoff-bound
  // (errors ~1e-5 there, ~1e-3 at 1e-7, against ~1e-7 here).
  CHECK(test::max_scaled_error(gradient, test::fd_gradient(model, x, 1e-5)) < 1e-5);
  // The likelihood gradient is the posterior's without the prior.
  Matrix likelihood(3, model.dim());
  model.log_likelihood_gradient(x, likelihood);
  CHECK(test::max_scaled_error(
            likelihood, gradient + x / (settings.prior_scale * settings.prior_scale)) < 1e-10);
  // Predictions on the training points are what the likelihood fits.
  const Matrix q = model.predict(x, data.train);
  CHECK(q.cols() == data.train.size());
  CHECK(model.noise_std(x.row(0).transpose(), data.test) == data.test.noise_std);

  const MechanoL0Problem l0(settings.dense_structure(), data.train);
  const Index d = l0.n_weights();
  Vector w(d), dw(d);
  l0.reparameterise(x.row(0).transpose(), w, dw);
  Vector g(d);
  const double loss = l0.loss(w, g);
  CHECK(l0.r_squared(w) == Approx(1.0 - loss));
  const double h = 1e-5;
  Vector scratch(d);
  for (Index k = 0; k < d; ++k) {
    Vector plus = w, minus = w;
    plus(k) += h;
    minus(k) -= h;
    CHECK(g(k) == Approx((l0.loss(plus, scratch) - l0.loss(minus, scratch)) / (2 * h))
                      .epsilon(1e-5)
                      .margin(1e-7));
  }
  // unconstrained inverts the reparameterisation.
  for (Index k = 0; k < d; ++k)
    CHECK(l0.unconstrained(k, w(k)) == Approx(x(0, k)).epsilon(1e-9).margin(1e-9));
}

TEST_CASE("an output without variance and a point without noise are refused",
          "[mechanochemistry][errors]") {
  MechanoDataset data = small_data();
  MechanoSettings settings;
  const MechanoL0Problem l0(settings.dense_structure(), data.train);
  CHECK(l0.n_data() == data.train.size());
  data.train.values.setConstant(1.0);
  CHECK_THROWS_WITH(MechanoL0Problem(settings.dense_structure(), data.train),
                    Catch::Contains("the training stresses have no variance to fit"));
  data.train.noise_std(0) = 0.0;
  CHECK_THROWS_AS(MechanoModel(settings.dense_structure(), data.train, settings), InputError);
}

TEST_CASE("the application's initial network is scaled to the data", "[mechanochemistry]") {
  test::ScopedOptions scoped("-mech_chi 3 -mech_noise 0.01");
  MechanochemistryApplication app;
  Options options;
  app.configure(options);
  app.load();
  CHECK(app.dense_weight_names().size() == 148);
  const auto model = app.dense_model();
  const Vector theta = app.initial_network();
  const Matrix q = model->predict(theta.transpose(), app.train_points());
  // The weighted least-squares scale makes the fit no worse than predicting zero (in the weights
  // of the fit, each output's 1/variance).
  const Vector& y = app.train_points().values;
  const Vector weight = inverse_sum_of_squares(app.train_points());
  CHECK((q.row(0).transpose() - y).cwiseAbs2().dot(weight) <= y.cwiseAbs2().dot(weight));
  CHECK(app.reduced_model(std::vector<bool>(148, true))->dim() <= 148);
}
