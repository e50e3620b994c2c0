/// The machine's limit for one SVGD iteration, measured on the cores a run uses: OpenBLAS DGEMM
/// GFLOP/s at the shapes of the kernel phase for the whole problem (the same library, kernel and
/// thread count l0svgd runs with), and the rate of the kernel's vectorised exponential.
///   distances  D = X · Xᵀ      (N × d) · (d × N)
///   product    Y = K · [S X]   (N × N) · (N × 2d)
/// One iteration is ≈ 6 N² d flops (both products), so its limit is 6 N² d / (combined rate); for
/// small d the N² exponentials (on T cores: T × the one-core rate) are added.
///
/// Usage: bench_gemm [-min_time SECONDS] N:d:T [N:d:T ...]   (T = BLAS threads = cores used)
/// Prints CSV: N,d,threads,distance_gflops,product_gflops,combined_gflops,exp_gper_s_one_core
#include <Eigen/Core>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "../src/core/simd_math.hpp"
#include "../src/svgd/kernel_simd.hpp"
#include "l0svgd/core/blas.hpp"
#include "l0svgd/core/types.hpp"
#include "timing.hpp"

namespace {

using l0svgd::Index;
using l0svgd::Matrix;

struct Case {
  Index n, d, threads;
};

Case parse_case(const std::string& text) {
  char tail = 0;
  long n = 0, d = 0, t = 0;
  if (std::sscanf(text.c_str(), "%ld:%ld:%ld%c", &n, &d, &t, &tail) != 3 || n < 2 || d < 1 || t < 1)
    throw std::invalid_argument("bench_gemm: expected N:d:T with N >= 2, d >= 1, T >= 1, got '" +
                                text + "'");
  return Case{n, d, t};
}

void run_case(const Case& c, double min_time) {
  l0svgd::set_blas_threads(static_cast<int>(c.threads));
  const Matrix scores_positions = Matrix::Random(c.n, 2 * c.d);
  Eigen::MatrixXd distances(c.n, c.n);
  const Eigen::MatrixXd kernel = Eigen::MatrixXd::Random(c.n, c.n);
  Matrix product(c.n, 2 * c.d);
  const auto positions = scores_positions.rightCols(c.d);
  const double t_distances =
      seconds_per_call([&] { distances.noalias() = positions * positions.transpose(); }, min_time);
  const double t_product =
      seconds_per_call([&] { product.noalias() = kernel * scores_positions; }, min_time);
  // Exponential rate on one core over an L2-sized block, as the kernel's tiles are.
  const Index m = 32768;
  std::vector<double> x(m), y(m);
  for (Index i = 0; i < m; ++i)
    x[i] = -20.0 * static_cast<double>(i) / static_cast<double>(m);
  const double t_exp =
      seconds_per_call([&] { l0svgd::simd::exp_nonpositive(x.data(), y.data(), m); }, min_time);

  const double nn = static_cast<double>(c.n) * static_cast<double>(c.n);
  const double f_distances = 2.0 * nn * c.d, f_product = 4.0 * nn * c.d;
  std::printf("%ld,%ld,%ld,%.4f,%.4f,%.4f,%.4f\n", static_cast<long>(c.n), static_cast<long>(c.d),
              static_cast<long>(c.threads), f_distances / t_distances / 1e9,
              f_product / t_product / 1e9,
              (f_distances + f_product) / (t_distances + t_product) / 1e9,
              static_cast<double>(m) / t_exp / 1e9);
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
      throw std::invalid_argument("usage: bench_gemm [-min_time SECONDS] N:d:T [N:d:T ...]");
    std::fprintf(stderr, "bench_gemm: %s; exponential loops: %s\n",
                 l0svgd::blas_description().c_str(), l0svgd::simd::instruction_set());
    std::printf("N,d,threads,distance_gflops,product_gflops,combined_gflops,exp_gper_s_one_core\n");
    for (const Case& c : cases)
      run_case(c, min_time);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
