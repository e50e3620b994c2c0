/// GFLOP/s of the two Eigen GEMMs of the SVGD kernel phase, single-threaded like one MPI rank, for
/// the row block of rank 0 (the largest, ceil(N/P) rows) of a block partition of N particles over P
/// ranks:
///   distances  D = X_loc · Xᵀ          (n_local × d) · (d × N)
///   product    Y = K · [S X]           (n_local × N) · (N × 2d)
/// Operands are blocks of a row-major N × 2d matrix [S X], exactly the expressions of SteinKernel,
/// so the strides and storage orders match the engine's.
///
/// Usage: bench_gemm [-min_time SECONDS] N:d:P [N:d:P ...]
/// Prints CSV: N,d,P,n_local,distance_gflops,product_gflops,combined_gflops, where combined is the
/// total flops of both GEMMs over their total time (the peak the kernel phase is compared with).
#include <Eigen/Core>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "l0svgd/core/types.hpp"
#include "timing.hpp"

namespace {

using l0svgd::Index;
using l0svgd::Matrix;

struct Case {
  Index n, d, p;
};

Case parse_case(const std::string& text) {
  Case c{};
  char tail = 0;
  long n = 0, d = 0, p = 0;
  if (std::sscanf(text.c_str(), "%ld:%ld:%ld%c", &n, &d, &p, &tail) != 3 || n < 2 || d < 1 ||
      p < 1 || p > n)
    throw std::invalid_argument("bench_gemm: expected N:d:P with N >= P >= 1 and d >= 1, got '" +
                                text + "'");
  c.n = n;
  c.d = d;
  c.p = p;
  return c;
}

void run_case(const Case& c, double min_time) {
  const Index n_local = (c.n + c.p - 1) / c.p;
  Matrix scores_positions = Matrix::Random(c.n, 2 * c.d);
  Matrix distances(n_local, c.n);
  Matrix kernel = Matrix::Random(n_local, c.n);
  Matrix product(n_local, 2 * c.d);
  const auto positions = scores_positions.rightCols(c.d);
  const auto local_positions = scores_positions.block(0, c.d, n_local, c.d);

  const double t_distances = seconds_per_call(
      [&] { distances.noalias() = -2.0 * local_positions * positions.transpose(); }, min_time);
  const double t_product =
      seconds_per_call([&] { product.noalias() = kernel * scores_positions; }, min_time);

  const double f_distances = 2.0 * n_local * c.n * c.d;
  const double f_product = 2.0 * n_local * c.n * 2.0 * c.d;
  std::printf("%ld,%ld,%ld,%ld,%.4f,%.4f,%.4f\n", static_cast<long>(c.n), static_cast<long>(c.d),
              static_cast<long>(c.p), static_cast<long>(n_local), f_distances / t_distances / 1e9,
              f_product / t_product / 1e9,
              (f_distances + f_product) / (t_distances + t_product) / 1e9);
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  try {
    double min_time = 0.1;
    std::vector<Case> cases;
    for (int a = 1; a < argc; ++a) {
      const std::string arg = argv[a];
      if (arg == "-min_time" && a + 1 < argc)
        min_time = std::atof(argv[++a]);
      else
        cases.push_back(parse_case(arg));
    }
    if (cases.empty())
      throw std::invalid_argument("usage: bench_gemm [-min_time SECONDS] N:d:P [N:d:P ...]");
    std::printf("N,d,P,n_local,distance_gflops,product_gflops,combined_gflops\n");
    for (const Case& c : cases)
      run_case(c, min_time);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
