#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <vector>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/parallel/partition.hpp"
#include "l0svgd/svgd/pair_median.hpp"
#include "test_support.hpp"

using namespace l0svgd;

namespace {

// Symmetric N × N matrix whose (i, j) entry, i < j, is value(u) for a uniform u keyed by the pair.
Matrix symmetric_matrix(Index n, const std::function<double(double)>& value) {
  Matrix d = Matrix::Zero(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j) {
      RandomSequence rng(5, RngStream::Test, static_cast<uint64_t>(i * n + j));
      d(i, j) = d(j, i) = value(rng.uniform());
    }
  return d;
}

// numpy.median of the strict upper triangle, by nth_element; negative values count as 0.
double serial_median(const Matrix& d) {
  std::vector<double> values;
  for (Index i = 0; i < d.rows(); ++i)
    for (Index j = i + 1; j < d.cols(); ++j)
      values.push_back(std::max(d(i, j), 0.0));
  const size_t m = values.size();
  std::nth_element(values.begin(), values.begin() + (m - 1) / 2, values.end());
  const double lower = values[(m - 1) / 2];
  if (m % 2 == 1)
    return lower;
  std::nth_element(values.begin(), values.begin() + m / 2, values.end());
  return 0.5 * (lower + values[m / 2]);
}

double distributed_median(const Matrix& d) {
  Partition part(d.rows(), MPI_COMM_WORLD);
  PairMedian median(MPI_COMM_WORLD);
  return median(d.middleRows(part.local_begin(), part.n_local()), part.local_begin());
}

} // namespace

TEST_CASE("distributed pair median equals nth_element over all pairs", "[median]") {
  // Sizes with an odd and an even number of pairs, and N below the rank count (empty ranks).
  for (Index n : {2, 3, 4, 5, 8, 37, 64, 150}) {
    const std::vector<std::pair<const char*, std::function<double(double)>>> families = {
        {"continuous", [](double u) { return -std::log(u); }},
        {"wide range", [](double u) { return std::pow(10.0, 12.0 * u - 6.0); }},
        {"few ties", [](double u) { return std::floor(4 * u) * 0.5; }},
        {"many zeros", [](double u) { return u < 0.6 ? 0.0 : u; }},
        {"round-off", [](double u) { return u < 0.3 ? -1e-17 * u : (u < 0.5 ? -0.0 : u); }},
        {"close values", [](double u) { return 1.0 + 1e-15 * std::floor(8 * u); }}};
    for (const auto& [name, value] : families) {
      INFO("N = " << n << ", " << name);
      const Matrix d = symmetric_matrix(n, value);
      CHECK(distributed_median(d) == serial_median(d));
    }
  }
}

TEST_CASE("pair median needs two particles", "[median]") {
  PairMedian median(MPI_COMM_WORLD);
  const Matrix one = Matrix::Zero(test::rank() == 0 ? 1 : 0, 1);
  CHECK_THROWS(median(one, 0));
}
