// Catch2 main for tests that run under MPI: MPI and PETSc are initialised once, non-root ranks are
// silenced, and a failure on any rank fails the run on every rank.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <mpi.h>
#include <petscsys.h>

#include "l0svgd/core/blas.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  // PETSc options for tests come from PETSC_OPTIONS; argv belongs to Catch.
  PetscInitializeNoArguments();
  l0svgd::install_petsc_error_capture();
  l0svgd::set_blas_threads(1); // as the application does: the ranks fill the cores
  l0svgd::Logger::instance().set_comm(MPI_COMM_WORLD);
  l0svgd::Logger::instance().set_level(l0svgd::LogLevel::Warning);

  std::ofstream devnull;
  std::streambuf* saved = nullptr;
  if (rank != 0) {
    devnull.open("/dev/null");
    saved = std::cout.rdbuf(devnull.rdbuf());
  }
  int failures = Catch::Session().run(argc, argv);
  if (saved)
    std::cout.rdbuf(saved);

  int worst = 0;
  MPI_Allreduce(&failures, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  PetscFinalize();
  MPI_Finalize();
  return worst > 0 ? 1 : 0;
}

#include "test_support.hpp"

namespace l0svgd::test {
ScopedOptions::ScopedOptions(const std::string& options) {
  PetscOptionsClear(nullptr);
  PetscOptionsInsertString(nullptr, options.c_str());
}
ScopedOptions::~ScopedOptions() {
  PetscOptionsClear(nullptr);
}
} // namespace l0svgd::test
