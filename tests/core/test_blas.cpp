#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <string>

#include "l0svgd/core/blas.hpp"

using namespace l0svgd;

namespace {
// The shared object that defines `symbol` for this process (the global lookup PETSc's calls go
// through too).
std::string library_of(const char* symbol) {
  void* address = dlsym(RTLD_DEFAULT, symbol);
  Dl_info info{};
  if (!address || !dladdr(address, &info) || !info.dli_fname)
    return "";
  return info.dli_fname;
}
} // namespace

TEST_CASE("the process holds one BLAS, OpenBLAS, for Eigen and PETSc alike", "[blas]") {
  // Eigen's products (EIGEN_USE_BLAS) and PETSc's BLAS/LAPACK calls both bind to these symbols.
  for (const char* symbol : {"dgemm_", "dgemv_", "dsyrk_", "dtrsm_"}) {
    INFO(symbol);
    CHECK(library_of(symbol).find("openblas") != std::string::npos);
  }
  CHECK(blas_description().find("OpenBLAS") != std::string::npos);
}

TEST_CASE("BLAS threads can be set and are one per rank by default", "[blas]") {
  CHECK(blas_threads() == 1); // the test main sets what the application sets
  set_blas_threads(2);
  CHECK(blas_threads() == 2);
  set_blas_threads(0); // clamped
  CHECK(blas_threads() == 1);
}
