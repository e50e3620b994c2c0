#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>
#include <vector>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/models/icnn.hpp"
#include "model_checks.hpp"
// The activation loop is internal to the library; its accuracy is checked here directly.
#include "../../src/models/icnn_activation.hpp"

using namespace l0svgd;

namespace {

Vector random_vector(Index n, uint64_t seed, double scale) {
  RandomSequence rng(seed, RngStream::Test, 0);
  Vector v(n);
  for (Index i = 0; i < n; ++i)
    v(i) = scale * rng.normal();
  return v;
}

// Points with x ≥ 0, as the invariant shifts I − 3 are.
DenseMatrix random_inputs(Index n_in, Index n, uint64_t seed, double scale) {
  RandomSequence rng(seed, RngStream::Test, 1);
  DenseMatrix x(n_in, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < n_in; ++i)
      x(i, j) = scale * rng.uniform();
  return x;
}

Vector weights_of(const IcnnNetwork& net, const Vector& theta) {
  Vector w(net.n_parameters()), none(0);
  net.effective_weights(theta, w, none);
  return w;
}

// F(w) = Σ c_p N(x_p) + Σ ȳ_jp ∂N/∂x_j(x_p)
double functional(const IcnnNetwork& net, const Vector& w, const DenseMatrix& x,
                  const Eigen::RowVectorXd& c, const DenseMatrix& y_bar) {
  IcnnTape tape;
  net.forward(w, x, tape);
  return c.dot(tape.value) + (y_bar.array() * tape.input_gradient.array()).sum();
}

} // namespace

TEST_CASE("the default dense ICNN has 1002 parameters with the documented layout", "[icnn]") {
  const auto s = IcnnStructure::dense({true, true}, 20, 3);
  // layer 0: A 20x2 + b 20; layers 1, 2: W 20x20 + A 20x2 + b 20; output: W 1x20 + A 1x2.
  CHECK(s.n_parameters() == 1002);
  const auto names = s.parameter_names();
  CHECK(names.front() == "layer0.A[0,0]");
  CHECK(names[40] == "layer0.b[0,0]");
  CHECK(names[60] == "layer1.W[0,0]");
  CHECK(names.back() == "layer3.A[0,1]");
  const auto positive = s.positive();
  Index n_positive = 0;
  for (size_t k = 0; k < positive.size(); ++k) {
    const bool is_bias = s.parameters()[k].kind == IcnnParameter::Kind::b;
    CHECK(positive[k] == !is_bias);
    n_positive += positive[k];
  }
  CHECK(n_positive == 1002 - 60);
  CHECK_THROWS_AS(IcnnStructure::dense({true}, 0, 2), InputError);
  CHECK_THROWS_AS(IcnnStructure::dense({}, 3, 2), InputError);
}

TEST_CASE("softplus and its inverse", "[icnn]") {
  for (double t : {-30.0, -3.0, 0.0, 0.5, 20.0, 800.0})
    CHECK(softplus_inverse(softplus(t)) == Approx(t).epsilon(1e-10));
  CHECK(softplus(0.0) == Approx(std::log(2.0)));
  CHECK_THROWS(softplus_inverse(0.0));
}

TEST_CASE("the input gradient is the derivative of the ICNN value", "[icnn]") {
  for (const std::vector<bool>& convex : {std::vector<bool>{true, true}, {true, false, true}}) {
    const IcnnNetwork net(IcnnStructure::dense(convex, 6, 3));
    const Vector w = weights_of(net, random_vector(net.n_parameters(), 3, 0.7));
    const DenseMatrix x = random_inputs(net.n_inputs(), 7, 4, 5.0);
    IcnnTape tape;
    net.forward(w, x, tape);
    const DenseMatrix y = tape.input_gradient;
    const double h = 1e-6;
    DenseMatrix fd(net.n_inputs(), x.cols());
    for (Index j = 0; j < net.n_inputs(); ++j) {
      DenseMatrix plus = x, minus = x;
      plus.row(j).array() += h;
      minus.row(j).array() -= h;
      net.forward(w, plus, tape);
      const Eigen::RowVectorXd vp = tape.value;
      net.forward(w, minus, tape);
      fd.row(j) = (vp - tape.value) / (2 * h);
    }
    CHECK(test::max_scaled_error(y, fd) < 1e-7);
  }
}

TEST_CASE("ICNN potentials are convex and non-decreasing for random admissible weights", "[icnn]") {
  // Any θ is admissible: the reparameterisation keeps every weight on a path from an input ≥ 0.
  double largest_curvature = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const IcnnNetwork net(IcnnStructure::dense({true, true}, 8, 3));
    const Vector w = weights_of(net, random_vector(net.n_parameters(), seed, 1.0));
    const DenseMatrix x = random_inputs(2, 30, seed + 10, 8.0);
    IcnnTape tape;
    net.forward(w, x, tape);
    CHECK(tape.input_gradient.minCoeff() >= 0.0);
    // Hessian in (I1, I2) by central differences of the exact gradient: truncation ~ h², rounding
    // ~ 1e-16 |∂N/∂x| / h, hence the tolerance relative to the gradient's size.
    const double h = 1e-4;
    const double tolerance = 1e-9 * std::max(1.0, tape.input_gradient.cwiseAbs().maxCoeff());
    std::array<DenseMatrix, 2> dy;
    for (Index j = 0; j < 2; ++j) {
      DenseMatrix plus = x, minus = x;
      plus.row(j).array() += h;
      minus.row(j).array() -= h;
      net.forward(w, plus, tape);
      const DenseMatrix yp = tape.input_gradient;
      net.forward(w, minus, tape);
      dy[j] = (yp - tape.input_gradient) / (2 * h);
    }
    for (Index p = 0; p < x.cols(); ++p) {
      Eigen::Matrix2d hess;
      hess << dy[0](0, p), dy[1](0, p), dy[0](1, p), dy[1](1, p);
      CHECK(std::abs(hess(0, 1) - hess(1, 0)) <= tolerance);
      const Eigen::Matrix2d sym = 0.5 * (hess + hess.transpose());
      const auto eig = Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d>(sym).eigenvalues();
      CHECK(eig(0) >= -tolerance);
      largest_curvature = std::max(largest_curvature, eig(1));
    }
  }
  // The sample is not all flat: the check sees real curvature.
  CHECK(largest_curvature > 1e-3);
}

TEST_CASE("a negative hidden weight can break convexity (the check can fail)", "[icnn]") {
  // Effective weights set directly, bypassing the reparameterisation: N = z_1 with
  // z_1 = σ(−5 σ(x) + 2 x) is not convex near the origin.
  const IcnnNetwork net(IcnnStructure::dense({true}, 1, 2));
  // Parameters: layer0 A, b; layer1 W, A, b; output W, A.
  Vector w(7);
  w << 1.0, 0.0, -5.0, 2.0, 0.0, 1.0, 0.0;
  DenseMatrix x(1, 3);
  x << 0.5 - 1e-3, 0.5, 0.5 + 1e-3;
  IcnnTape tape;
  net.forward(w, x, tape);
  const double second = (tape.value(2) - 2 * tape.value(1) + tape.value(0)) / 1e-6;
  CHECK(second < 0.0);
}

TEST_CASE("parameter gradients of value and input-gradient functionals match finite differences",
          "[icnn]") {
  for (const std::vector<bool>& convex : {std::vector<bool>{true, true}, {false, true}}) {
    const IcnnNetwork net(IcnnStructure::dense(convex, 5, 3));
    const Vector w = weights_of(net, random_vector(net.n_parameters(), 7, 0.8));
    const DenseMatrix x = random_inputs(2, 9, 8, 6.0);
    const Eigen::RowVectorXd c = random_vector(9, 9, 1.0).transpose();
    DenseMatrix y_bar(2, 9);
    y_bar.row(0) = random_vector(9, 10, 1.0).transpose();
    y_bar.row(1) = random_vector(9, 11, 1.0).transpose();
    IcnnTape tape;
    net.forward(w, x, tape);
    Vector g(net.n_parameters());
    net.parameter_gradient(tape, c, y_bar, g);
    // Central differences in every effective weight; error O(h²) ≈ 1e-10 relative.
    const double h = 1e-5;
    Vector fd(net.n_parameters());
    for (Index k = 0; k < net.n_parameters(); ++k) {
      Vector plus = w, minus = w;
      plus(k) += h;
      minus(k) -= h;
      fd(k) = (functional(net, plus, x, c, y_bar) - functional(net, minus, x, c, y_bar)) / (2 * h);
    }
    INFO("max error " << test::max_scaled_error(g, fd));
    CHECK(test::max_scaled_error(g, fd) < 1e-7);
    // The value part alone and the input-gradient part alone.
    const Eigen::RowVectorXd zero_c = Eigen::RowVectorXd::Zero(9);
    Vector g_y(net.n_parameters()), g_c(net.n_parameters());
    net.forward(w, x, tape);
    net.parameter_gradient(tape, zero_c, y_bar, g_y);
    net.parameter_gradient(tape, c, DenseMatrix::Zero(2, 9), g_c);
    CHECK((g_y + g_c - g).norm() <= 1e-12 * g.norm());
  }
}

TEST_CASE("a reduced network reproduces the dense one with the masked weights set to zero",
          "[icnn]") {
  const auto dense = IcnnStructure::dense({true, true}, 10, 3);
  const IcnnNetwork net(dense);
  const Vector theta = random_vector(dense.n_parameters(), 21, 1.0);
  const Vector w = weights_of(net, theta);
  const DenseMatrix x = random_inputs(2, 12, 22, 20.0);
  for (double keep_fraction : {1.0, 0.3, 0.08, 0.0}) {
    RandomSequence rng(23, RngStream::Test, 5);
    std::vector<bool> keep(dense.n_parameters());
    for (auto&& k : keep)
      k = rng.uniform() < keep_fraction;
    // Keep the output skip weights so the network is never empty.
    keep[dense.n_parameters() - 1] = keep[dense.n_parameters() - 2] = true;
    const auto reduction = dense.reduce(keep);
    const IcnnNetwork reduced(reduction.structure);
    Vector masked = Vector::Zero(w.size());
    for (Index k = 0; k < w.size(); ++k)
      if (keep[k])
        masked(k) = w(k);
    Vector w_reduced(reduced.n_parameters());
    Vector theta_reduced(reduced.n_parameters());
    for (Index i = 0; i < reduced.n_parameters(); ++i) {
      w_reduced(i) = w(reduction.kept[i]);
      theta_reduced(i) = theta(reduction.kept[i]);
      CHECK(keep[reduction.kept[i]]);
      CHECK(reduction.structure.parameter_names()[i] == dense.parameter_names()[reduction.kept[i]]);
    }
    // The reduced parameters map to the same effective weights.
    CHECK((weights_of(reduced, theta_reduced) - w_reduced).norm() == 0.0);
    IcnnTape t_dense, t_reduced;
    net.forward(masked, x, t_dense);
    reduced.forward(w_reduced, x, t_reduced);
    INFO("keep fraction " << keep_fraction << ", widths " << reduction.structure.width(0) << " "
                          << reduction.structure.width(1) << " " << reduction.structure.width(2));
    // Same sums without the exact-zero terms: equal up to rounding of the summation order.
    CHECK(test::max_scaled_error(t_reduced.value, t_dense.value) < 1e-13);
    CHECK(test::max_scaled_error(t_reduced.input_gradient, t_dense.input_gradient) < 1e-13);
    // Parameter gradients agree on the kept parameters.
    const Eigen::RowVectorXd c = Eigen::RowVectorXd::Ones(12);
    const DenseMatrix y_bar = DenseMatrix::Ones(2, 12);
    Vector g_dense(dense.n_parameters()), g_reduced(reduced.n_parameters());
    net.parameter_gradient(t_dense, c, y_bar, g_dense);
    reduced.parameter_gradient(t_reduced, c, y_bar, g_reduced);
    for (Index i = 0; i < reduced.n_parameters(); ++i)
      CHECK(g_reduced(i) == Approx(g_dense(reduction.kept[i])).epsilon(1e-12).margin(1e-14));
    if (keep_fraction == 1.0) {
      CHECK(reduced.n_parameters() == dense.n_parameters());
    } else {
      // Sparse masks leave dead neurons; removing them makes the network narrower.
      Index width = 0;
      for (Index l = 0; l < 3; ++l)
        width += reduction.structure.width(l);
      CHECK(width < 30);
      CHECK(reduced.n_parameters() <= std::count(keep.begin(), keep.end(), true));
    }
  }
}

TEST_CASE("dead neurons are those without a source or without a path to the output", "[icnn]") {
  // 1 input, width 2, depth 2. Parameters: layer0 A[0,0] A[1,0] b[0] b[1] (0..3);
  // layer1 W[0,0] W[0,1] W[1,0] W[1,1] (4..7), A[0,0] A[1,0] (8, 9), b[0] b[1] (10, 11);
  // output W[0,0] W[0,1] (12, 13), A[0,0] (14).
  const auto s = IcnnStructure::dense({true}, 2, 2);
  REQUIRE(s.n_parameters() == 15);
  std::vector<bool> keep(15, false);
  keep[0] = true;  // input → neuron (0,0)
  keep[3] = true;  // bias of neuron (0,1): a constant source
  keep[5] = true;  // (0,1) → (1,0)
  keep[6] = true;  // (0,0) → (1,1), but (1,1) does not reach the output
  keep[12] = true; // (1,0) → output
  const auto r = s.reduce(keep);
  CHECK(r.structure.width(0) == 1); // (0,1) lives (bias source, reaches output); (0,0) is unused
  CHECK(r.structure.width(1) == 1); // (1,0) lives; (1,1) is unused
  CHECK(r.kept == std::vector<Index>{3, 5, 12});
  CHECK(r.structure.parameter_names() ==
        std::vector<std::string>{"layer0.b[1,0]", "layer1.W[0,1]", "layer2.W[0,0]"});
  CHECK_THROWS(s.reduce(std::vector<bool>(3, true)));
}

TEST_CASE("initial parameters are reproducible and give moderate weights", "[icnn]") {
  const IcnnNetwork net(IcnnStructure::dense({true, true}, 20, 3));
  const Vector a = net.initial_parameters(5, 0), b = net.initial_parameters(5, 0);
  const Vector c = net.initial_parameters(5, 1);
  CHECK(a == b);
  CHECK(a != c);
  const Vector w = weights_of(net, a);
  CHECK(w.allFinite());
  CHECK(w.cwiseAbs().maxCoeff() < 2.0);
}

TEST_CASE("the vectorised shifted softplus matches its definition to a few ulp", "[icnn]") {
  // From far negative (σ → −log 2, σ' → e^h) through 0 to far positive, where log1p(e) has its
  // branch point of the argument reduction (e = √2 − 1) and its small-e regime.
  const Index m = 400001;
  std::vector<double> h(m), z(m), s1(m), s2(m);
  for (Index i = 0; i < m; ++i)
    h[i] = -60.0 + 120.0 * static_cast<double>(i) / static_cast<double>(m - 1);
  h.push_back(std::log(std::sqrt(2.0) - 1.0)); // e exactly at the branch point
  z.resize(h.size());
  s1.resize(h.size());
  s2.resize(h.size());
  l0svgd::simd::shifted_softplus(h.data(), z.data(), s1.data(), s2.data(),
                                 static_cast<Index>(h.size()));
  double worst_z = 0.0, worst_s = 0.0, worst_s2 = 0.0;
  for (size_t i = 0; i < h.size(); ++i) {
    const double a = h[i], e = std::exp(-std::abs(a));
    const double zr = std::max(a, 0.0) + std::log1p(e) - std::log(2.0);
    const double sr = a >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    worst_z = std::max(worst_z, std::abs(z[i] - zr) / std::max(1.0, std::abs(zr)));
    worst_s = std::max(worst_s, std::abs(s1[i] - sr) / sr);
    // s2 = s1 (1 − s1): an ulp of s1 near 1 is a large relative change of 1 − s1, so the bound
    // is absolute, |Δs2| ≤ |1 − 2 s1| |Δs1| + rounding.
    worst_s2 = std::max(worst_s2, std::abs(s2[i] - sr * (1.0 - sr)));
  }
  INFO("worst relative error of z " << worst_z << ", of s1 " << worst_s << "; worst |Δs2| "
                                    << worst_s2);
  CHECK(worst_z <= 1e-15);
  CHECK(worst_s <= 1e-15);
  CHECK(worst_s2 <= 5e-16); // the bound on Δs1 above plus the rounding of one product
}
