#pragma once
// Finite-difference references and small helpers shared by the model tests.
#include <cstdio>
#include <string>

#include <memory>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/models/target_registry.hpp"
#include "test_support.hpp"

namespace l0svgd::test {

/// Configures the target from `options` (a command line) and checks that every option given was
/// read.
inline std::unique_ptr<TargetBuilder> configure_target_from(const std::string& options) {
  ScopedOptions scoped(options);
  Options reader;
  auto builder = configure_target(reader);
  Options::check_all_used();
  return builder;
}

/// The model `options` configure, built on MPI_COMM_WORLD.
inline std::unique_ptr<Model> build_target(const std::string& options) {
  return configure_target_from(options)->build(MPI_COMM_WORLD);
}

/// Log densities of a block.
inline Vector log_densities(const Model& model, const Matrix& x) {
  Vector values(x.rows());
  model.log_density(x, values);
  return values;
}

/// Central differences of log p for every row of x, one coordinate at a time for the whole block.
inline Matrix fd_gradient(const Model& model, const Matrix& x, double h) {
  Matrix gradient(x.rows(), x.cols());
  for (Index j = 0; j < x.cols(); ++j) {
    Matrix plus = x, minus = x;
    plus.col(j).array() += h;
    minus.col(j).array() -= h;
    gradient.col(j) = (log_densities(model, plus) - log_densities(model, minus)) / (2.0 * h);
  }
  return gradient;
}

/// Central differences of the analytic gradient at one point.
inline DenseMatrix fd_hessian(const Model& model, const Vector& x, double h) {
  const Index d = x.size();
  DenseMatrix hessian(d, d);
  Vector g_plus(d), g_minus(d);
  for (Index j = 0; j < d; ++j) {
    Vector plus = x, minus = x;
    plus(j) += h;
    minus(j) -= h;
    model.evaluate_one(plus, g_plus);
    model.evaluate_one(minus, g_minus);
    hessian.col(j) = (g_plus - g_minus) / (2.0 * h);
  }
  return hessian;
}

/// Largest |a − b| / (1 + |b|) over all entries.
template <class A, class B> double max_scaled_error(const A& a, const B& b) {
  return ((a - b).array().abs() / (1.0 + b.array().abs())).maxCoeff();
}

/// Standard-normal block from the test stream.
inline Matrix test_points(Index n, Index d, uint64_t seed, double scale = 1.0) {
  Matrix x(n, d);
  for (Index i = 0; i < n; ++i) {
    RandomSequence sequence(seed, RngStream::Test, static_cast<uint64_t>(i));
    for (Index j = 0; j < d; ++j)
      x(i, j) = scale * sequence.normal();
  }
  return x;
}

/// Writes `text` to a scratch file private to this rank and returns its path.
inline std::string write_scratch(const std::string& name, const std::string& text) {
  const std::string path = scratch_path("rank" + std::to_string(rank()) + "_" + name);
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

} // namespace l0svgd::test
