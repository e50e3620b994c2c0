#include "l0svgd/core/error.hpp"

#include <mpi.h>

namespace l0svgd {
namespace {
// The first message of the error being propagated; PETSc calls the handler again for every frame of
// the traceback (PETSC_ERROR_REPEAT) and those add nothing a user needs.
thread_local std::string last_petsc_message;

PetscErrorCode capture_handler(MPI_Comm, int, const char* function, const char*,
                               PetscErrorCode code, PetscErrorType type, const char* message,
                               void*) {
  if (type == PETSC_ERROR_INITIAL) {
    last_petsc_message = (message && *message) ? message : "";
    if (last_petsc_message.empty()) {
      const char* text = nullptr;
      PetscErrorMessage(code, &text, nullptr);
      last_petsc_message = text ? text : "PETSc error";
    }
    if (function && *function)
      last_petsc_message += std::string(" (in ") + function + ")";
  }
  return code;
}
} // namespace

void install_petsc_error_capture() {
  PetscPushErrorHandler(capture_handler, nullptr);
}

void check_petsc(PetscErrorCode code, const char* context) {
  if (!code)
    return;
  std::string message = last_petsc_message;
  last_petsc_message.clear();
  if (message.empty()) {
    const char* text = nullptr;
    PetscErrorMessage(code, &text, nullptr);
    message = text ? text : "PETSc error";
    message += std::string(" (from ") + context + ")";
  }
  throw PetscFailure(code, message);
}

void raise_root_input_error(std::string message, MPI_Comm comm) {
  int length = static_cast<int>(message.size());
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, 0, comm), "MPI_Bcast");
  if (length == 0)
    return;
  message.resize(static_cast<std::size_t>(length));
  check_mpi(MPI_Bcast(message.data(), length, MPI_CHAR, 0, comm), "MPI_Bcast");
  throw InputError(message);
}

void check_mpi(int code, const char* context) {
  if (code == MPI_SUCCESS)
    return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("MPI error in ") + context + ": " + std::string(text, length));
}

} // namespace l0svgd
