# Every dependency comes from a Debian 12 package; see README.md for the apt line.
find_package(MPI REQUIRED COMPONENTS C CXX)

find_package(PkgConfig REQUIRED)
pkg_check_modules(PETSC REQUIRED IMPORTED_TARGET PETSc>=3.18)
# libyaml (PETSc's own YAML reader uses it): the input file's checks that PETSc does not make.
pkg_check_modules(YAML IMPORTED_TARGET yaml-0.1)
if(NOT YAML_FOUND)
  message(FATAL_ERROR "l0svgd needs libyaml (yaml-0.1), which was not found. On Debian: "
                      "apt-get install libyaml-dev")
endif()

set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C HL)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "l0svgd needs a parallel (MPI) HDF5, but the HDF5 found is serial "
    "(${HDF5_C_INCLUDE_DIRS}). Install libhdf5-openmpi-dev.")
endif()

find_package(Eigen3 3.4 REQUIRED NO_MODULE)

# OpenBLAS: every large dense product goes through it (Eigen's BLAS backend), and Debian's build
# picks Haswell, SkylakeX or Zen kernels at run time, so one portable binary is fast on every node.
set(BLA_VENDOR OpenBLAS)
find_package(BLAS QUIET)
if(NOT BLAS_FOUND)
  message(FATAL_ERROR
    "l0svgd needs OpenBLAS (libopenblas.so), which was not found. On Debian: "
    "apt-get install libopenblas-dev (scripts/install_deps.sh installs it).")
endif()
find_package(Catch2 2 QUIET)


# GSL for its Sobol' low-discrepancy sequence (gsl_qrng_sobol) in the sensitivity designs. Only libgsl
# is linked, after OpenBLAS: Debian's libgsl also pulls in libgslcblas, and linking OpenBLAS first
# keeps every cblas_* symbol resolving to OpenBLAS (one BLAS per process).
find_path(GSL_INCLUDE_DIR gsl/gsl_qrng.h)
find_library(GSL_LIBRARY gsl)
if(NOT GSL_INCLUDE_DIR OR NOT GSL_LIBRARY)
  message(FATAL_ERROR "l0svgd needs GSL (gsl/gsl_qrng.h, libgsl.so), which was not found. On Debian: "
                      "apt-get install libgsl-dev (scripts/install_deps.sh installs it).")
endif()
add_library(l0svgd::gsl INTERFACE IMPORTED)
set_target_properties(l0svgd::gsl PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${GSL_INCLUDE_DIR}"
                      INTERFACE_LINK_LIBRARIES "${GSL_LIBRARY}")
