#pragma once
// Wall-clock timing shared by the benchmark programs.
#include <algorithm>
#include <chrono>

/// Seconds per call of `work`: the best of at least three batches, each repeating it until it took
/// `min_time`, adding batches (at most ten) until five times `min_time` have passed. The best batch
/// leaves out first touches (output, work space, Eigen's packing buffers).
template <class F> double seconds_per_call(F&& work, double min_time) {
  using Clock = std::chrono::steady_clock;
  double best = 1e300, total = 0.0;
  for (int batch = 0; batch < 10 && (batch < 3 || total < 5.0 * min_time); ++batch) {
    long calls = 0;
    const auto start = Clock::now();
    double elapsed = 0.0;
    do {
      work();
      ++calls;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < min_time);
    best = std::min(best, elapsed / static_cast<double>(calls));
    total += elapsed;
  }
  return best;
}
