#pragma once
/// Stopping cleanly on a scheduler's signal: SIGTERM (SLURM at the time limit, or earlier with
/// --signal), SIGINT (Ctrl-C) and SIGUSR1 ask a run to stop at the end of its current iteration,
/// every rank at the same one, so that it can write a checkpoint and say how to resume.
#include <mpi.h>
#include <string>

#include "l0svgd/core/error.hpp"

namespace l0svgd {

/// Exit code of a run stopped by a signal after writing its checkpoint (EX_TEMPFAIL of sysexits.h:
/// "try again", the resume command is printed); distinct from 1, an error.
constexpr int kExitInterrupted = 75;

/// Thrown by a task that stopped on a signal after saving its state; `what()` is the one line that
/// says how to resume.
class Interrupted : public Error {
public:
  using Error::Error;
};

/// While alive, SIGTERM, SIGINT and SIGUSR1 set a flag instead of ending the process (a second
/// signal ends it at once, as the default action would). The previous handlers come back on
/// destruction. Construct it on every rank at the same point (stop_requested is collective only
/// while one exists).
class StopSignals {
public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
};

/// Collective on `comm` while a StopSignals exists (free otherwise): the number of a stop signal
/// received by any rank, or 0, the same on every rank.
int stop_requested(MPI_Comm comm);

/// "SIGTERM", "SIGINT", "SIGUSR1" or "signal N".
std::string signal_name(int signal);

} // namespace l0svgd
