#pragma once
/// Turning an error seen on some ranks into the same exception on every rank, so that no rank is
/// left waiting in a collective and rank 0 can report the message.
#include <mpi.h>
#include <string>

namespace l0svgd {

/// Collective: if any rank passes `failed == true`, every rank throws ModelError with the message
/// of the lowest failing rank. Returns normally on every rank otherwise.
void raise_if_any(bool failed, const std::string& message, MPI_Comm comm);

/// Collective: runs `work` and converts an l0svgd::Error thrown on some ranks into the same
/// ModelError on all ranks (with the message of the lowest failing rank).
template <class Work> void run_collectively(Work&& work, MPI_Comm comm);

} // namespace l0svgd

#include "l0svgd/core/error.hpp"

namespace l0svgd {
template <class Work> void run_collectively(Work&& work, MPI_Comm comm) {
  bool failed = false;
  std::string message;
  try {
    work();
  } catch (const Error& e) {
    failed = true;
    message = e.what();
  }
  raise_if_any(failed, message, comm);
}
} // namespace l0svgd
