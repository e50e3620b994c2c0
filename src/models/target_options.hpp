#pragma once
// Options shared by several target families (one definition of each, so `-help` describes it once)
// and conversion of flat option arrays (`-target_mean 1,2`) into vectors and matrices of a required
// size, with errors that name the option. Private to the target builders.
#include <cstdint>
#include <string>
#include <vector>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"

namespace l0svgd::detail {

inline Index read_target_dim(Options& options) {
  return options.get_int(
      "target_dim", 2, 1, 100000,
      "parameter dimension d (gaussian, gmm_synthetic; linreg with synthetic data)");
}

inline uint64_t read_target_seed(Options& options) {
  return static_cast<uint64_t>(options.get_int(
      "target_seed", 1, 0, PETSC_MAX_INT,
      "seed of generated target data (gaussian random covariance, gmm_synthetic mixture, "
      "linreg synthetic data)"));
}

inline std::string read_target_data(Options& options) {
  return options.get_path("target_data", "",
                          "CSV data file, last column the response or 0/1 label (linreg: synthetic "
                          "data when unset; logreg: required, e.g. data/uci/breast_cancer.csv; "
                          "shear_frame: floor-1 displacements, one column y or two t,y)");
}

inline double read_target_prior_scale(Options& options) {
  return options.get_real("target_prior_scale", 1.0, 0.0, 1e10,
                          "standard deviation tau of the Gaussian prior N(0, tau^2 I) on the "
                          "regression weights (linreg, logreg)",
                          true);
}

/// Exactly `n` values, or one value repeated `n` times when `allow_broadcast`.
inline Vector option_vector(const std::vector<double>& values, Index n, const std::string& option,
                            const std::string& expected, bool allow_broadcast) {
  const Index size = static_cast<Index>(values.size());
  if (allow_broadcast && size == 1)
    return Vector::Constant(n, values[0]);
  if (size != n)
    throw InputError("option -" + option + ": " + std::to_string(size) + " values, expected " +
                     expected + (allow_broadcast ? " (or one value for all)" : ""));
  return Eigen::Map<const Vector>(values.data(), n);
}

/// Block `block` (rows × cols, row-major in the flat array) of an array of such blocks.
inline DenseMatrix option_block(const std::vector<double>& values, Index block, Index rows,
                                Index cols) {
  return Eigen::Map<const Matrix>(values.data() + block * rows * cols, rows, cols);
}

} // namespace l0svgd::detail
