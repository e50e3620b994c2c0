#pragma once
/// PETSc log events, so that `-log_view` shows where the time of a run goes, and their totals.
#include <mpi.h>
#include <petsclog.h>

namespace l0svgd {

/// The event registered under `name` (registered on first use). Not collective, but every rank must
/// reach the same events in the same order so that -log_view lines up.
PetscLogEvent log_event(const char* name);

/// Begins an event on construction and ends it on destruction, also when an exception leaves the
/// scope.
class LogEventScope {
public:
  explicit LogEventScope(PetscLogEvent event) : event_(event) {
    PetscLogEventBegin(event_, 0, 0, 0, 0);
  }
  ~LogEventScope() { PetscLogEventEnd(event_, 0, 0, 0, 0); }
  LogEventScope(const LogEventScope&) = delete;
  LogEventScope& operator=(const LogEventScope&) = delete;

private:
  PetscLogEvent event_;
};

/// Totals of one event over the run so far.
struct EventTotals {
  double max_seconds = 0.0; ///< largest time over the ranks
  double total_flops = 0.0; ///< flops summed over the ranks (as logged with PetscLogFlops)
};

/// Collective: totals of the event named `name` (zero if it never ran).
EventTotals event_totals(const char* name, MPI_Comm comm);

/// Memory this process could still use, in bytes: the node's MemAvailable, or the cgroup's limit
/// (a batch job's, a container's) when lower; infinite when neither is known. Not collective.
double available_memory_bytes();

/// Collective: largest peak resident memory over the ranks, in MiB.
double peak_memory_mib(MPI_Comm comm);

} // namespace l0svgd
