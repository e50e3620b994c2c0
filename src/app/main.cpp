// The l0svgd executable: `mpirun -n P l0svgd inputs/<case>.yaml [-option value ...]`.
#include <mpi.h>

#include "l0svgd/drivers/task.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const int code = l0svgd::run_application(argc, argv);
  MPI_Finalize();
  return code;
}
