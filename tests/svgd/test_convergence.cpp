#include <catch2/catch.hpp>

#include "l0svgd/core/error.hpp"
#include "l0svgd/svgd/convergence.hpp"

using namespace l0svgd;

TEST_CASE("KSD convergence is where the trace enters the band above its final plateau", "[ksd]") {
  KsdTrace trace;
  // Geometric decay 10·0.5^t onto a floor of 1 with ±3% wiggle: 10·0.5^t ± 0.03 ≤ 0.1 from t = 8.
  for (Index t = 0; t < 40; ++t) {
    trace.iterations.push_back(10 * (t + 1));
    trace.ksd.push_back(1.0 + 10.0 * std::pow(0.5, t) + (t % 2 ? 0.03 : -0.03));
  }
  CHECK(iterations_to_converge(trace, 0.1) == 90);
  // A wider band is entered earlier: 10·0.5^t ± 0.03 ≤ 0.5 from t = 5.
  CHECK(iterations_to_converge(trace, 0.5) == 60);
  // With no band the last value, above the median, is never inside: the answer is the end.
  CHECK(iterations_to_converge(trace, 0.0) == 400);
}

TEST_CASE("a KSD that starts below its final level has not converged there", "[ksd]") {
  // A tight start: small KSD, then a rise onto the level 10 that the ensemble settles at.
  const KsdTrace trace{{10, 20, 30, 40, 50, 60, 70, 80},
                       {2.0, 6.0, 9.5, 10.2, 9.9, 10.0, 10.1, 10.0}};
  CHECK(iterations_to_converge(trace, 0.1) == 30);
  CHECK(iterations_to_converge(trace, 0.01) == 60); // plateau 10.05: 9.9 is outside
}

TEST_CASE("a KSD that rises again resets convergence", "[ksd]") {
  const KsdTrace trace{{1, 2, 3, 4, 5, 6, 7, 8}, {5.0, 1.0, 1.0, 3.0, 1.0, 1.0, 1.0, 1.0}};
  CHECK(iterations_to_converge(trace, 0.2) == 5);
}

TEST_CASE("KSD convergence of short and bad traces", "[ksd][errors]") {
  CHECK(iterations_to_converge(KsdTrace{}, 0.1) == -1);
  CHECK(iterations_to_converge(KsdTrace{{100}, {0.3}}, 0.1) == 100);
  CHECK_THROWS_AS(iterations_to_converge(KsdTrace{{1, 2}, {1.0}}, 0.1), InputError);
  CHECK_THROWS_AS(iterations_to_converge(KsdTrace{{1}, {1.0}}, -0.1), InputError);
  CHECK_THROWS_WITH(iterations_to_converge(KsdTrace{{1}, {std::nan("")}}, 0.1),
                    Catch::Contains("KSD trace holds"));
}
