#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/sorting.hpp"

using namespace l0svgd;

TEST_CASE("the radix sort orders doubles as std::sort does", "[sorting]") {
  const double inf = std::numeric_limits<double>::infinity();
  for (const size_t n : {0, 1, 7, 511, 512, 5000, 100003}) {
    std::vector<double> v(n);
    for (size_t i = 0; i < n; ++i) {
      RandomSequence rng(5, RngStream::Data, i);
      // Mixed signs and magnitudes, ties, signed zeros, subnormals and infinities.
      const double x = rng.normal() * std::pow(10.0, std::floor(12.0 * rng.uniform() - 6.0));
      const int kind = static_cast<int>(i % 97);
      v[i] = kind == 0   ? 0.0
             : kind == 1 ? -0.0
             : kind == 2 ? inf
             : kind == 3 ? -inf
             : kind == 4 ? 4.9e-324
             : kind == 5 ? -4.9e-324
             : kind < 20 ? std::round(x)
                         : x;
    }
    std::vector<double> expected = v;
    std::sort(expected.begin(), expected.end());
    sort_values(v);
    REQUIRE(v.size() == expected.size());
    CHECK(v == expected); // == on doubles: −0 and +0 compare equal, as std::sort leaves them
    CHECK(std::is_sorted(v.begin(), v.end()));
  }
}

TEST_CASE("the radix sort skips shared digits and keeps a constant input", "[sorting]") {
  std::vector<double> same(2000, 3.25);
  sort_values(same);
  CHECK(std::all_of(same.begin(), same.end(), [](double x) { return x == 3.25; }));
  std::vector<double> two(1000);
  for (size_t i = 0; i < two.size(); ++i)
    two[i] = i % 2 == 0 ? 1.0 : -1.0;
  sort_values(two);
  CHECK(two[499] == -1.0);
  CHECK(two[500] == 1.0);
}
