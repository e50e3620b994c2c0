#include <catch2/catch.hpp>

#include "l0svgd/core/progress.hpp"

using namespace l0svgd;

TEST_CASE("progress: time and ETA from the rate of this run's own steps", "[progress]") {
  // 4 of 10 steps in 2 s: 6 more take 3 s.
  CHECK(Progress::time_eta(2.0, 4, 6) == "time 2.00 s ETA 3.00 s");
  // No step yet: no rate, no estimate.
  CHECK(Progress::time_eta(0.5, 0, 10) == "time 0.50 s ETA -");
  // A resumed loop (first = 5 of 10) counts only the steps it did.
  const Progress resumed(5, 10);
  CHECK(resumed.time_eta(5).find("ETA -") != std::string::npos);
  CHECK(resumed.time_eta(10).find("ETA 0.00 s") != std::string::npos);
}

TEST_CASE("progress: a line is due once the interval has passed since the last", "[progress]") {
  Progress hourly(0, 10, 3600.0);
  CHECK_FALSE(hourly.due());
  Progress always(0, 10, 0.0);
  CHECK(always.due());
  always.printed();
  CHECK(always.due());
}
