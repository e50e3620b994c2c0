#include "l0svgd/svgd/convergence.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "l0svgd/core/error.hpp"

namespace l0svgd {

Index iterations_to_converge(const KsdTrace& trace, double band) {
  require_input(band >= 0.0, "KSD convergence band " + std::to_string(band) + " is negative");
  require_input(trace.iterations.size() == trace.ksd.size(),
                "KSD trace has " + std::to_string(trace.iterations.size()) + " iterations but " +
                    std::to_string(trace.ksd.size()) + " values");
  for (double k : trace.ksd)
    require_input(std::isfinite(k) && k >= 0.0, "KSD trace holds " + std::to_string(k));
  const std::size_t n = trace.ksd.size();
  if (n == 0)
    return -1;
  const std::size_t tail = std::max<std::size_t>(1, n / 4);
  std::vector<double> last(trace.ksd.end() - static_cast<std::ptrdiff_t>(tail), trace.ksd.end());
  std::sort(last.begin(), last.end());
  const double plateau = tail % 2 ? last[tail / 2] : 0.5 * (last[tail / 2 - 1] + last[tail / 2]);
  std::size_t first = n; // first index of the final run of values inside the band
  while (first > 0 && std::abs(trace.ksd[first - 1] - plateau) <= band * plateau)
    --first;
  // The plateau is a median of the tail, so some tail values may lie outside the band; the run
  // then starts after the last of them, which is still the honest answer.
  return first < n ? trace.iterations[first] : trace.iterations.back();
}

} // namespace l0svgd
