// l0svgd with one more target, `-target_type arrhenius`; every task, option and output is
// l0svgd's own: mpirun -n 2 arrhenius_l0svgd arrhenius.yaml
#include <mpi.h>

#include "arrhenius.hpp"
#include "l0svgd/drivers/task.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  arrhenius::register_arrhenius();
  const int code = l0svgd::run_application(argc, argv);
  MPI_Finalize();
  return code;
}
