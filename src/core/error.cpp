#include "l0svgd/core/error.hpp"

#include <mpi.h>

#include <utility>

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

std::string broadcast_string(std::string text, int root, MPI_Comm comm) {
  int length = static_cast<int>(text.size());
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, root, comm), "MPI_Bcast");
  text.resize(static_cast<std::size_t>(length));
  if (length > 0)
    check_mpi(MPI_Bcast(text.data(), length, MPI_CHAR, root, comm), "MPI_Bcast");
  return text;
}

void raise_root_input_error(std::string message, MPI_Comm comm) {
  message = broadcast_string(std::move(message), 0, comm);
  if (!message.empty())
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
