#include "l0svgd/core/blas.hpp"

// OpenBLAS's own entry points (declared here rather than through its cblas.h, which would clash
// with the prototypes Eigen's BLAS binding declares).
extern "C" {
void openblas_set_num_threads(int threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace l0svgd {

void set_blas_threads(int threads) {
  openblas_set_num_threads(threads < 1 ? 1 : threads);
}

int blas_threads() {
  return openblas_get_num_threads();
}

std::string blas_description() {
  std::string text = openblas_get_config();
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text + " (core " + openblas_get_corename() + ")";
}

} // namespace l0svgd
