#pragma once
/// The optimised BLAS every large dense product goes through (OpenBLAS, which picks its kernels
/// for the CPU it runs on when it is loaded). Eigen hands its products to it (EIGEN_USE_BLAS), and
/// PETSc's BLAS resolves to the same library, so a process holds one BLAS.
#include <string>

namespace l0svgd {

/// Sets the number of threads BLAS uses in this process. One per MPI rank is the default of l0svgd
/// (ranks already fill the cores); more suits hybrid MPI + threads runs (-blas_threads). Not
/// collective.
void set_blas_threads(int threads);
/// The current BLAS thread count.
int blas_threads();
/// "OpenBLAS 0.3.21 … (core Haswell)": the library's configuration and the kernel it picked here.
std::string blas_description();

} // namespace l0svgd
