#pragma once
// The iteration loop shared by the SVGD engines: stopping rule, observer and monitor lines.
#include <cstdio>
#include <mpi.h>
#include <string>

#include "l0svgd/core/log.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/svgd/engine.hpp"

namespace l0svgd {

/// Steps `engine` until settings.iterations are done in total or the relative step norm falls below
/// the tolerance, calling `observer(engine, info)` after every step and logging a monitor line
/// (`label`, then `extra()` text) every settings.monitor_every iterations and at the end.
/// Collective; `extra` is called on every rank, so it may be collective too. Stops early, with
/// summary.stop_signal set, when a stop signal arrived while a StopSignals guard is alive.
template <class Engine, class Observer, class Extra>
SvgdRunSummary run_iterations(Engine& engine, const SvgdSettings& settings, const char* label,
                              const Observer& observer, const Extra& extra) {
  SvgdRunSummary summary;
  const double start = MPI_Wtime();
  const Index first = engine.iteration();
  const Index total = settings.iterations;
  while (engine.iteration() < total) {
    const IterationInfo info = engine.step();
    summary.last = info;
    if (observer)
      observer(engine, info);
    summary.converged = settings.tolerance > 0.0 && info.relative_step_norm < settings.tolerance;
    const bool last = summary.converged || engine.iteration() == total;
    const Index every = settings.monitor_every;
    if (every > 0 && (info.iteration % every == 0 || last)) {
      const std::string more = extra();
      const double elapsed = MPI_Wtime() - start;
      const double eta = elapsed / static_cast<double>(engine.iteration() - first) *
                         static_cast<double>(total - engine.iteration());
      logger().info("  ", info.iteration, " ", label, " time ", format("%.2f", elapsed), " s ETA ",
                    format("%.2f", eta), " s", more, " |step| ", format("%.4e", info.step_norm),
                    " rel ", format("%.4e", info.relative_step_norm), " h ",
                    format("%.4e", info.bandwidth), " mean log p ",
                    format("%.6e", info.mean_log_density), " KSD^2 ",
                    info.has_ksd ? format("%.4e", info.ksd_squared) : std::string("-"));
    }
    if (summary.converged)
      break;
    // A stop signal (StopSignals) on any rank ends the run here, on every rank at this iteration.
    summary.stop_signal = stop_requested(engine.comm());
    if (summary.stop_signal)
      break;
  }
  summary.iterations = engine.iteration();
  summary.elapsed_seconds = MPI_Wtime() - start;
  return summary;
}

/// Why run_iterations stopped, for the engines' last log line.
inline std::string stop_reason(const SvgdRunSummary& summary) {
  if (summary.stop_signal)
    return "stopped by " + signal_name(summary.stop_signal);
  return summary.converged ? "converged (relative step norm below -svgd_tol)"
                           : "iteration limit reached";
}

} // namespace l0svgd
