#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "l0svgd/core/rng.hpp"

using namespace l0svgd;

TEST_CASE("Philox4x32-10 reproduces the Random123 known-answer vectors", "[rng]") {
  const auto zero = philox4x32(0, {0, 0, 0, 0});
  CHECK(zero[0] == 0x6627e8d5u);
  CHECK(zero[1] == 0xe169c58du);
  CHECK(zero[2] == 0xbc57ac4cu);
  CHECK(zero[3] == 0x9b00dbd8u);
  const auto ones =
      philox4x32(0xffffffffffffffffull, {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu});
  CHECK(ones[0] == 0x408f276du);
  CHECK(ones[1] == 0x41c83b0eu);
  CHECK(ones[2] == 0xa20bc7c6u);
  CHECK(ones[3] == 0x6d5451fdu);
}

TEST_CASE("RandomSequence is a pure function of seed, stream, index and position", "[rng]") {
  RandomSequence a(42, RngStream::Test, 7), b(42, RngStream::Test, 7);
  for (int i = 0; i < 5; ++i)
    a.normal();
  const double sixth = a.normal();
  b.seek(5);
  CHECK(b.normal() == sixth);
  RandomSequence other_index(42, RngStream::Test, 8), other_stream(42, RngStream::ParticleInit, 7);
  RandomSequence c(42, RngStream::Test, 7);
  const double first = c.uniform();
  CHECK(other_index.uniform() != first);
  CHECK(other_stream.uniform() != first);
}

TEST_CASE("uniform and normal draws have the right moments", "[rng]") {
  const int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0, sn4 = 0;
  for (int i = 0; i < n; ++i) {
    RandomSequence s(1, RngStream::Test, i);
    const double u = s.uniform(), z = s.normal();
    REQUIRE(u > 0.0);
    REQUIRE(u < 1.0);
    su += u;
    su2 += u * u;
    sn += z;
    sn2 += z * z;
    sn4 += z * z * z * z;
  }
  // Tolerances: about 5 standard errors of each estimator at n = 2e5.
  CHECK(su / n == Approx(0.5).margin(5 * std::sqrt(1.0 / 12 / n)));
  CHECK(su2 / n == Approx(1.0 / 3).margin(0.003));
  CHECK(sn / n == Approx(0.0).margin(5 / std::sqrt(n)));
  CHECK(sn2 / n == Approx(1.0).margin(5 * std::sqrt(2.0 / n)));
  CHECK(sn4 / n == Approx(3.0).margin(5 * std::sqrt(96.0 / n)));
}
