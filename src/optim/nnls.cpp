#include "l0svgd/optim/nnls.hpp"

#include "l0svgd/core/error.hpp"

#include <Eigen/QR>
#include <cmath>
#include <limits>
#include <vector>

namespace l0svgd {
namespace {

// Least-squares solution on the columns in `passive` (others zero).
Vector solve_passive(const DenseMatrix& a, const Vector& b, const std::vector<bool>& passive) {
  std::vector<Index> columns;
  for (Index j = 0; j < static_cast<Index>(passive.size()); ++j)
    if (passive[j])
      columns.push_back(j);
  Vector z = Vector::Zero(a.cols());
  if (columns.empty())
    return z;
  DenseMatrix sub(a.rows(), static_cast<Index>(columns.size()));
  for (size_t c = 0; c < columns.size(); ++c)
    sub.col(static_cast<Index>(c)) = a.col(columns[c]);
  const Vector z_sub = sub.colPivHouseholderQr().solve(b);
  for (size_t c = 0; c < columns.size(); ++c)
    z(columns[c]) = z_sub(static_cast<Index>(c));
  return z;
}

} // namespace

NnlsResult nnls(const DenseMatrix& a, const Vector& b, double tolerance, Index max_iterations) {
  const Index m = a.rows(), n = a.cols();
  if (b.size() != m)
    throw Error("nnls: A has " + std::to_string(m) + " rows but b has " + std::to_string(b.size()));
  if (!a.allFinite() || !b.allFinite())
    throw ModelError("nnls: the matrix or right-hand side is not finite");
  if (tolerance <= 0)
    tolerance = 10 * std::numeric_limits<double>::epsilon() * std::max(m, n) *
                a.cwiseAbs().colwise().sum().maxCoeff() * b.cwiseAbs().maxCoeff();
  if (max_iterations <= 0)
    max_iterations = 3 * n;

  NnlsResult result;
  Vector x = Vector::Zero(n);
  std::vector<bool> passive(n, false);
  Vector w = a.transpose() * b;
  while (result.iterations < max_iterations) {
    // Main loop: move the most promising active variable (largest positive dual) to the passive
    // set.
    Index best = -1;
    double best_w = tolerance;
    for (Index j = 0; j < n; ++j)
      if (!passive[j] && w(j) > best_w) {
        best_w = w(j);
        best = j;
      }
    if (best < 0) {
      result.converged = true;
      break;
    }
    ++result.iterations;
    passive[best] = true;
    Vector z = solve_passive(a, b, passive);
    if (z(best) <= 0) {
      // Round-off made the entering variable useless (Lawson & Hanson, step 6): try the next one.
      passive[best] = false;
      w(best) = 0;
      continue;
    }
    // Inner loop: step from x towards z until the first passive variable hits zero, drop it,
    // re-solve.
    while (true) {
      double alpha = std::numeric_limits<double>::infinity();
      Index blocking = -1;
      for (Index j = 0; j < n; ++j)
        if (passive[j] && z(j) <= 0 && x(j) / (x(j) - z(j)) < alpha) {
          alpha = x(j) / (x(j) - z(j));
          blocking = j;
        }
      if (blocking < 0)
        break;
      x += alpha * (z - x);
      x(blocking) = 0;
      for (Index j = 0; j < n; ++j)
        if (passive[j] && (j == blocking || x(j) <= 0)) {
          passive[j] = false;
          x(j) = 0;
        }
      z = solve_passive(a, b, passive);
    }
    x = z;
    w = a.transpose() * (b - a * x);
  }
  result.x = x;
  result.residual_norm = (a * x - b).norm();
  return result;
}

} // namespace l0svgd
