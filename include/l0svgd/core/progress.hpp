#pragma once
/// Elapsed time and estimated time to completion for the progress lines of long loops (SVGD, HMC,
/// VI, multistart, the L0 path).
#include <mpi.h>
#include <string>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// A loop of `total` steps of which `first` were done before it started (a resumed run): the
/// estimate uses the rate of this run's own steps. Not collective. `due` reads the calling
/// rank's clock, so its answer may differ between ranks: use it only to decide whether rank 0
/// logs a line, never to decide on a collective.
class Progress {
public:
  /// Lines between the regular ones once `interval_seconds` pass without one (a loop whose steps
  /// are slow would otherwise stay silent).
  static constexpr double kDefaultInterval = 10.0;

  Progress(Index first, Index total, double interval_seconds = kDefaultInterval);

  /// "time 1.23 s ETA 4.56 s" after `done` steps in all ("ETA -" before the first).
  std::string time_eta(Index done) const;
  /// The same text for a loop that took `elapsed` seconds for `steps_done` steps and has
  /// `steps_left` to go.
  static std::string time_eta(double elapsed, Index steps_done, Index steps_left);
  double elapsed() const { return MPI_Wtime() - start_; }
  /// Whether `interval_seconds` have passed since the last line (or the start); `printed()` records
  /// a line.
  bool due() const { return MPI_Wtime() - last_line_ >= interval_; }
  void printed() { last_line_ = MPI_Wtime(); }

private:
  Index first_, total_;
  double interval_, start_, last_line_;
};

} // namespace l0svgd
