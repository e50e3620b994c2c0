#pragma once
/// Exceptions used throughout l0svgd and the boundary where PETSc and MPI error codes become them.
#include <mpi.h>
#include <petscsys.h>
#include <stdexcept>
#include <string>

namespace l0svgd {

/// Base class of every l0svgd error. `what()` is one line meant for the user.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Bad input from the user: options, input files, data, restart files.
class InputError : public Error {
public:
  using Error::Error;
};

/// A model produced a non-finite value or failed to evaluate.
class ModelError : public Error {
public:
  using Error::Error;
};

/// An error code returned by PETSc, with PETSc's own message.
class PetscFailure : public Error {
public:
  PetscFailure(PetscErrorCode code, const std::string& message) : Error(message), code_(code) {}
  PetscErrorCode code() const { return code_; }

private:
  PetscErrorCode code_;
};

/// Installs a PETSc error handler that records the first message of an error instead of printing a
/// traceback, so that `check_petsc` can turn it into a one-line exception. Not collective.
void install_petsc_error_capture();

/// Throws PetscFailure carrying PETSc's message if `code` is non-zero. `context` names what was
/// attempted.
void check_petsc(PetscErrorCode code, const char* context);

/// Throws Error if an MPI call failed.
void check_mpi(int code, const char* context);

/// Collective: `text` as rank `root` has it, on every rank of `comm`.
std::string broadcast_string(std::string text, int root, MPI_Comm comm);

/// Collective: throws InputError on every rank with rank 0's `message` unless it is empty (the
/// other ranks' `message` is ignored): a check made on rank 0 alone, raised everywhere.
void raise_root_input_error(std::string message, MPI_Comm comm);

/// Throws InputError with `message` unless `condition` holds.
inline void require_input(bool condition, const std::string& message) {
  if (!condition)
    throw InputError(message);
}

} // namespace l0svgd

/// Calls a PETSc function and throws l0svgd::PetscFailure if it fails.
#define L0_PETSC(call) ::l0svgd::check_petsc((call), #call)
/// Calls an MPI function and throws l0svgd::Error if it fails.
#define L0_MPI(call) ::l0svgd::check_mpi((call), #call)
