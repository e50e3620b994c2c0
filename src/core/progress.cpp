#include "l0svgd/core/progress.hpp"

#include "l0svgd/core/log.hpp"

namespace l0svgd {

Progress::Progress(Index first, Index total, double interval_seconds)
    : first_(first), total_(total), interval_(interval_seconds), start_(MPI_Wtime()),
      last_line_(start_) {}

std::string Progress::time_eta(Index done) const {
  return time_eta(elapsed(), done - first_, total_ - done);
}

std::string Progress::time_eta(double elapsed, Index steps_done, Index steps_left) {
  std::string text = "time " + format("%.2f", elapsed) + " s ETA ";
  if (steps_done <= 0)
    return text + "-";
  const double eta = elapsed / static_cast<double>(steps_done) * static_cast<double>(steps_left);
  return text + format("%.2f", eta) + " s";
}

} // namespace l0svgd
