#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/parallel/gather.hpp"
#include "l0svgd/parallel/partition.hpp"
#include "l0svgd/svgd/kernel.hpp"
#include "l0svgd/svgd/pair_median.hpp"
#include "test_support.hpp"
// The vector loops are internal to the library; their accuracy is checked here directly.
#include "../../src/svgd/kernel_simd.hpp"
#include <string>

using namespace l0svgd;

namespace {

double k_of(KernelType type, const Vector& x, const Vector& y, double h) {
  return kernel_value(type, (x - y).squaredNorm(), h);
}

// Closed forms, written out independently of the library; checked against finite differences below.
// grad_y is ∇_y k(x, y); the trace is tr(∇_x ∇_y k(x, y)).
Vector grad_y(KernelType type, const Vector& x, const Vector& y, double h) {
  const double k = k_of(type, x, y, h);
  return type == KernelType::Rbf ? Vector((2.0 / h) * k * (x - y))
                                 : Vector(std::pow(k, 3) / h * (x - y));
}
double trace_xy(KernelType type, const Vector& x, const Vector& y, double h) {
  const double k = k_of(type, x, y, h), r2 = (x - y).squaredNorm();
  const double d = static_cast<double>(x.size());
  return type == KernelType::Rbf ? (2.0 * d / h - 4.0 * r2 / (h * h)) * k
                                 : d * std::pow(k, 3) / h - 3.0 * r2 * std::pow(k, 5) / (h * h);
}

double serial_pair_median(const Matrix& x) {
  std::vector<double> values;
  for (Index i = 0; i < x.rows(); ++i)
    for (Index j = i + 1; j < x.rows(); ++j)
      values.push_back((x.row(i) - x.row(j)).squaredNorm());
  const size_t m = values.size();
  std::nth_element(values.begin(), values.begin() + (m - 1) / 2, values.end());
  const double lower = values[(m - 1) / 2];
  if (m % 2 == 1)
    return lower;
  return 0.5 * (lower + *std::min_element(values.begin() + m / 2, values.end()));
}

// φ(x_i) = (1/N) Σ_j [k(x_j, x_i) s_j + ∇_{x_j} k(x_j, x_i)], pair by pair.
Matrix reference_direction(KernelType type, const Matrix& x, const Matrix& s, double h) {
  const Index n = x.rows();
  Matrix phi = Matrix::Zero(n, x.cols());
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) {
      const Vector xi = x.row(i).transpose(), xj = x.row(j).transpose();
      phi.row(i) += k_of(type, xj, xi, h) * s.row(j) + grad_y(type, xi, xj, h).transpose();
    }
  return phi / static_cast<double>(n);
}

// KSD² = 1/(N(N−1)) Σ_{i≠j} u(x_i, x_j), pair by pair.
double reference_ksd_squared(KernelType type, const Matrix& x, const Matrix& s, double h) {
  const Index n = x.rows();
  double total = 0.0;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) {
      if (i == j)
        continue;
      const Vector xi = x.row(i).transpose(), xj = x.row(j).transpose();
      const Vector si = s.row(i).transpose(), sj = s.row(j).transpose();
      // ∇_x k(x, y) = −∇_y k(x, y) for a kernel of x − y.
      total += si.dot(sj) * k_of(type, xi, xj, h) + si.dot(grad_y(type, xi, xj, h)) -
               sj.dot(grad_y(type, xi, xj, h)) + trace_xy(type, xi, xj, h);
    }
  return total / (static_cast<double>(n) * static_cast<double>(n - 1));
}

struct KernelRun {
  Matrix phi;         // all N rows, gathered
  double ksd_squared; // from the gathered per-row sums, added in global order
  double bandwidth;
};

// The distributed computation exactly as the engine does it, on MPI_COMM_WORLD. `streamed`
// forces the tiled path that recomputes distances (a memory budget of one byte, tiles of 4
// columns) instead of the kept distance matrix.
KernelRun distributed_run(KernelType type, const Matrix& x, const Matrix& s, double fixed_h,
                          bool streamed = false, Exchange exchange = Exchange::Allgather) {
  const Index n = x.rows(), d = x.cols();
  Partition part(n, MPI_COMM_WORLD);
  KernelSettings settings;
  settings.type = type;
  settings.bandwidth = fixed_h;
  settings.exchange = exchange;
  if (streamed) {
    settings.memory_bytes = 1.0;
    settings.tile = 4;
  }
  SteinKernel kernel(settings, part, d, MPI_COMM_WORLD);
  // Distances are kept only for the median heuristic, and only when they fit.
  CHECK(kernel.stores_distances() == (!streamed && !(fixed_h > 0)));
  Matrix local(part.n_local(), 2 * d);
  local << s.middleRows(part.local_begin(), part.n_local()),
      x.middleRows(part.local_begin(), part.n_local());
  kernel.exchange(local);
  const double h = kernel.compute(true);
  Matrix phi_local(part.n_local(), d);
  kernel.direction(phi_local);
  Vector rows(part.n_local());
  kernel.discrepancy_row_sums(rows);
  KernelRun run{Matrix(n, d), 0.0, h};
  RowGather(part, d, MPI_COMM_WORLD).gather(phi_local, run.phi);
  Matrix all_rows(n, 1);
  RowGather(part, 1, MPI_COMM_WORLD)
      .gather(Eigen::Map<const Matrix>(rows.data(), part.n_local(), 1), all_rows);
  for (Index g = 0; g < n; ++g)
    run.ksd_squared += all_rows(g, 0);
  run.ksd_squared /= static_cast<double>(n) * static_cast<double>(n - 1);
  return run;
}

} // namespace

TEST_CASE("kernel values match their definitions", "[kernel]") {
  CHECK(kernel_value(KernelType::Rbf, 0.0, 2.0) == 1.0);
  CHECK(kernel_value(KernelType::Imq, 0.0, 2.0) == 1.0);
  CHECK(kernel_value(KernelType::Rbf, 3.0, 2.0) == Approx(std::exp(-1.5)).epsilon(1e-15));
  CHECK(kernel_value(KernelType::Imq, 3.0, 2.0) == Approx(1.0 / std::sqrt(2.5)).epsilon(1e-15));
  CHECK(median_heuristic_bandwidth(4.0, 99) == Approx(4.0 / std::log(100.0)).epsilon(1e-15));
}

TEST_CASE("kernel gradients and the Stein trace term match finite differences", "[kernel]") {
  const Index d = 3;
  const Matrix points = test::normal_matrix(2, d, 7);
  const Vector x = points.row(0).transpose(), y = points.row(1).transpose();
  const double h = 1.7, e = 1e-5;
  for (KernelType type : {KernelType::Rbf, KernelType::Imq}) {
    INFO(kernel_name(type));
    const double k = k_of(type, x, y, h);
    // The library's repulsion weight: ∇_{x_j} k(x_j, x_i) = (x_i − x_j) w.
    const Vector library_grad = (x - y) * repulsion_weight(type, k, h);
    for (Index a = 0; a < d; ++a) {
      Vector yp = y, ym = y;
      yp(a) += e;
      ym(a) -= e;
      const double fd = (k_of(type, x, yp, h) - k_of(type, x, ym, h)) / (2 * e);
      CHECK(grad_y(type, x, y, h)(a) == Approx(fd).epsilon(1e-8).margin(1e-11));
      CHECK(library_grad(a) == Approx(fd).epsilon(1e-8).margin(1e-11));
    }
    // tr(∇_x ∇_y k) = Σ_a ∂²k / ∂x_a ∂y_a by the mixed central difference.
    const double e2 = 1e-4;
    double trace = 0.0;
    for (Index a = 0; a < d; ++a) {
      Vector xp = x, xm = x, yp = y, ym = y;
      xp(a) += e2;
      xm(a) -= e2;
      yp(a) += e2;
      ym(a) -= e2;
      trace += (k_of(type, xp, yp, h) - k_of(type, xp, ym, h) - k_of(type, xm, yp, h) +
                k_of(type, xm, ym, h)) /
               (4 * e2 * e2);
    }
    CHECK(trace_xy(type, x, y, h) == Approx(trace).epsilon(1e-6));
  }
}

TEST_CASE("Stein direction and KSD match pair-by-pair references on every rank count", "[kernel]") {
  const Index n = 13, d = 3;
  const Matrix s = test::normal_matrix(n, d, 11);
  for (double offset : {0.0, 1e3}) {
    // Far from the origin the expanded distance formula would lose digits without centring.
    const Matrix x = test::normal_matrix(n, d, 12).array() + offset;
    for (KernelType type : {KernelType::Rbf, KernelType::Imq})
      for (double fixed_h : {0.0, 0.8})
        for (bool streamed : {false, true})
          for (Exchange exchange : {Exchange::Allgather, Exchange::Ring}) {
            INFO(kernel_name(type) << " offset " << offset << " h " << fixed_h << " streamed "
                                   << streamed << " ring " << (exchange == Exchange::Ring));
            const KernelRun run = distributed_run(type, x, s, fixed_h, streamed, exchange);
            const double h =
                fixed_h > 0 ? fixed_h : median_heuristic_bandwidth(serial_pair_median(x), n);
            const double tol = offset > 0 ? 1e-9 : 1e-13;
            CHECK(run.bandwidth == Approx(h).epsilon(tol));
            const Matrix phi = reference_direction(type, x, s, h);
            CHECK((run.phi - phi).cwiseAbs().maxCoeff() <= tol * phi.cwiseAbs().maxCoeff());
            const double ksd = reference_ksd_squared(type, x, s, h);
            CHECK(run.ksd_squared == Approx(ksd).epsilon(100 * tol));
          }
  }
}

TEST_CASE("KSD is small for particles that match the target and large otherwise", "[kernel]") {
  // Standard normal target, scores s = −x: exact samples versus samples shifted by 1.
  const Index n = 200, d = 2;
  const Matrix x = test::normal_matrix(n, d, 21);
  const double exact = distributed_run(KernelType::Rbf, x, -x, 0.0).ksd_squared;
  const Matrix shifted = x.array() + 1.0;
  const double wrong = distributed_run(KernelType::Rbf, shifted, -shifted, 0.0).ksd_squared;
  CHECK(std::abs(exact) < 0.02);
  CHECK(wrong > 10 * std::abs(exact));
}

TEST_CASE("kept, streamed and ring-exchanged distances give the same Stein direction to rounding",
          "[kernel]") {
  // Several tiles, a tile narrower than the local block, the median heuristic: the two paths visit
  // the same tiles in the same order, so only the distance GEMM's blocking can differ.
  const Index n = 300, d = 20;
  const Matrix x = test::normal_matrix(n, d, 31), s = test::normal_matrix(n, d, 32);
  for (KernelType type : {KernelType::Rbf, KernelType::Imq}) {
    INFO(kernel_name(type));
    const KernelRun kept = distributed_run(type, x, s, 0.0, false);
    for (Exchange exchange : {Exchange::Allgather, Exchange::Ring}) {
      INFO("ring " << (exchange == Exchange::Ring));
      const KernelRun streamed = distributed_run(type, x, s, 0.0, true, exchange);
      CHECK(kept.bandwidth == Approx(streamed.bandwidth).epsilon(1e-14));
      CHECK((kept.phi - streamed.phi).cwiseAbs().maxCoeff() <=
            1e-13 * kept.phi.cwiseAbs().maxCoeff());
      CHECK(kept.ksd_squared == Approx(streamed.ksd_squared).epsilon(1e-12));
    }
  }
}

TEST_CASE("the vectorised exponential matches std::exp to two ulps", "[kernel]") {
  // The whole range the RBF kernel meets, 0 down to the underflow limit, and past it (0 there).
  const Index m = 200001;
  std::vector<double> x(m), y(m);
  for (Index i = 0; i < m; ++i)
    x[i] = -750.0 * static_cast<double>(i) / static_cast<double>(m - 1);
  l0svgd::simd::exp_nonpositive(x.data(), y.data(), m);
  double worst = 0.0;
  for (Index i = 0; i < m; ++i) {
    const double e = std::exp(x[i]);
    if (x[i] >= -708.0)
      worst = std::max(worst, std::abs(y[i] - e) / e);
    else
      CHECK(y[i] == 0.0);
  }
  CHECK(worst <= 4.5e-16);
  CHECK(std::string(kernel_instruction_set()).size() > 0);
}

namespace {

// The 1-D pair median of every coordinate, pair by pair (numpy semantics).
Vector serial_coordinate_medians(const Matrix& x) {
  Vector m(x.cols());
  for (Index k = 0; k < x.cols(); ++k)
    m(k) = serial_pair_median(x.col(k));
  return m;
}

// K(x, y) = diag_k exp(−(x_k − y_k)²/h_k): coordinate k of φ is the 1-D SVGD direction, and
// u(x, y) = Σ_k k_k [s_k(x) s_k(y) + (2δ/h_k)(s_k(x) − s_k(y)) + 2/h_k − 4δ²/h_k²], δ = x_k − y_k
// (∇_y k_k = (2δ/h_k) k_k, ∇_x k_k = −∇_y k_k, ∂_x∂_y k_k = (2/h_k − 4δ²/h_k²) k_k).
Matrix reference_coordinate_direction(const Matrix& x, const Matrix& s, const Vector& h) {
  Matrix phi = Matrix::Zero(x.rows(), x.cols());
  for (Index i = 0; i < x.rows(); ++i)
    for (Index j = 0; j < x.rows(); ++j)
      for (Index k = 0; k < x.cols(); ++k) {
        const double delta = x(i, k) - x(j, k), e = std::exp(-delta * delta / h(k));
        phi(i, k) += e * s(j, k) + 2.0 / h(k) * delta * e;
      }
  return phi / static_cast<double>(x.rows());
}

double reference_coordinate_ksd_squared(const Matrix& x, const Matrix& s, const Vector& h) {
  const Index n = x.rows();
  double total = 0.0;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j)
      for (Index k = 0; k < x.cols(); ++k) {
        if (i == j)
          continue;
        const double delta = x(i, k) - x(j, k), e = std::exp(-delta * delta / h(k));
        total += e * (s(i, k) * s(j, k) + 2.0 * delta / h(k) * (s(i, k) - s(j, k)) + 2.0 / h(k) -
                      4.0 * delta * delta / (h(k) * h(k)));
      }
  return total / (static_cast<double>(n) * static_cast<double>(n - 1));
}

} // namespace

TEST_CASE("the 1-D pair median is exact for odd and even pair counts and ties", "[kernel]") {
  std::vector<double> work;
  // Up to 46 pairs go straight to selection; from n = 1000 on the bracket is bisected first.
  for (Index n : {2, 3, 4, 5, 17, 64, 1000, 2001}) {
    Matrix v = test::normal_matrix(n, 1, 40 + n);
    if (n > 4)
      v(3, 0) = v(1, 0); // a tie
    INFO("n " << n);
    CHECK(pair_median_1d(v.data(), n, work) == serial_pair_median(v));
    Matrix clusters = v; // two tight clusters far apart: the median lies in a sparse gap's edge
    for (Index i = 0; i < n; i += 2)
      clusters(i, 0) = 1e-3 * v(i, 0) + 100.0;
    CHECK(pair_median_1d(clusters.data(), n, work) == serial_pair_median(clusters));
    Matrix levels = (3.0 * v.array()).round() / 3.0; // heavy ties: whole bands of equal differences
    CHECK(pair_median_1d(levels.data(), n, work) == serial_pair_median(levels));
  }
  const double same[] = {1.0, 1.0, 1.0};
  CHECK(pair_median_1d(same, 3, work) == 0.0);
  CHECK_THROWS(pair_median_1d(same, 1, work));
}

TEST_CASE("coordinate-wise RBF: direction, KSD and bandwidths match pair-by-pair references on "
          "every rank count",
          "[kernel]") {
  // 600 particles: more local rows than one block of the loop (512) on one rank.
  for (Index n : {13, 600}) {
    const Index d = 4;
    Matrix x = test::normal_matrix(n, d, 51);
    x.col(1) *= 30.0; // widths differing by orders of magnitude, each with its own bandwidth
    x.col(2) *= 0.01;
    x.array() += 1e3;
    const Matrix s = test::normal_matrix(n, d, 52);
    for (double fixed_h : {0.0, 0.8}) {
      INFO("n " << n << " h " << fixed_h);
      Partition part(n, MPI_COMM_WORLD);
      KernelSettings settings;
      settings.type = KernelType::RbfCoordinate;
      settings.bandwidth = fixed_h;
      SteinKernel kernel(settings, part, d, MPI_COMM_WORLD);
      Matrix local(part.n_local(), 2 * d);
      local << s.middleRows(part.local_begin(), part.n_local()),
          x.middleRows(part.local_begin(), part.n_local());
      kernel.exchange(local);
      kernel.compute(true);
      Vector h = Vector::Constant(d, fixed_h);
      if (!(fixed_h > 0)) {
        const Matrix centred = x.rowwise() - x.colwise().mean();
        h = serial_coordinate_medians(centred) / std::log(n + 1.0);
      }
      CHECK((kernel.coordinate_bandwidths() - h).cwiseAbs().maxCoeff() <= 1e-12 * h.maxCoeff());
      CHECK(kernel.bandwidth() == Approx(h.mean()).epsilon(1e-12));
      Matrix phi_local(part.n_local(), d);
      kernel.direction(phi_local);
      Matrix phi(n, d);
      RowGather(part, d, MPI_COMM_WORLD).gather(phi_local, phi);
      const Matrix expected = reference_coordinate_direction(x, s, h);
      CHECK((phi - expected).cwiseAbs().maxCoeff() <= 1e-10 * expected.cwiseAbs().maxCoeff());
      Vector rows(part.n_local());
      kernel.discrepancy_row_sums(rows);
      Matrix all_rows(n, 1);
      RowGather(part, 1, MPI_COMM_WORLD)
          .gather(Eigen::Map<const Matrix>(rows.data(), part.n_local(), 1), all_rows);
      const double ksd = all_rows.sum() / (static_cast<double>(n) * (n - 1.0));
      CHECK(ksd == Approx(reference_coordinate_ksd_squared(x, s, h)).epsilon(1e-9));
    }
  }
}

TEST_CASE("coordinate-wise RBF: a standard normal sample has a small KSD, a shifted one not",
          "[kernel]") {
  const Index n = 200, d = 3;
  const Matrix x = test::normal_matrix(n, d, 61), shifted = x.array() + 2.0;
  KernelSettings settings;
  settings.type = KernelType::RbfCoordinate;
  const auto ksd = [&](const Matrix& p) {
    Partition part(n, MPI_COMM_WORLD);
    SteinKernel kernel(settings, part, d, MPI_COMM_WORLD);
    Matrix local(part.n_local(), 2 * d);
    local << -p.middleRows(part.local_begin(), part.n_local()),
        p.middleRows(part.local_begin(), part.n_local());
    kernel.exchange(local);
    kernel.compute(true);
    Vector rows(part.n_local());
    kernel.discrepancy_row_sums(rows);
    Matrix all(n, 1);
    RowGather(part, 1, MPI_COMM_WORLD)
        .gather(Eigen::Map<const Matrix>(rows.data(), part.n_local(), 1), all);
    return all.sum() / (n * (n - 1.0));
  };
  // Three 1-D U-statistics of 200 draws each: their sampling noise is about 0.05.
  const double exact = ksd(x), wrong = ksd(shifted);
  CHECK(std::abs(exact) < 0.15);
  CHECK(wrong > 10 * std::abs(exact));
}
