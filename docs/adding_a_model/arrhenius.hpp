#pragma once
/// The worked example of docs/adding_a_model.md: Arrhenius kinetics, k(T) = A exp(−Ea / (R T)),
/// inferred from measured rate constants. The parameters are θ = (ln A, Ea in kJ/mol). Each
/// measured ln k carries Gaussian noise of known sd σ, and θ has a Gaussian prior, so the
/// posterior is Gaussian and known in closed form; the example's test checks SVGD against it.
#include <memory>
#include <string>
#include <vector>

#include "l0svgd/models/model.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace arrhenius {

using l0svgd::ConstMatrixRef;
using l0svgd::ConstVectorRef;
using l0svgd::DenseMatrix;
using l0svgd::Index;
using l0svgd::Matrix;
using l0svgd::MatrixRef;
using l0svgd::Vector;
using l0svgd::VectorRef;

/// The gas constant in kJ/(mol K), so that Ea is in kJ/mol.
constexpr double kGasConstant = 8.314462618e-3;

/// Measured rate constants: temperature (K) and k (1/s), one entry per measurement.
struct RateData {
  Vector temperature, rate;
};

/// Reads a CSV with two columns, T in K and k in 1/s (a header line and '#' comments allowed).
/// Throws InputError naming the file if it is not such a table or a temperature or rate is not
/// positive. Not collective.
RateData read_rate_data(const std::string& path);

/// ln k_i = ln A − Ea / (R T_i) + ε_i with ε_i ~ N(0, σ²); θ ~ N(prior_mean, diag(prior_sd²)).
class ArrheniusModel : public l0svgd::Model {
public:
  /// Throws InputError unless σ and every prior sd are positive and finite, and there are 2 of
  /// each prior value.
  ArrheniusModel(const RateData& data, double noise_sd, const Vector& prior_mean,
                 const Vector& prior_sd);

  Index dim() const override { return 2; }
  std::string name() const override { return "arrhenius"; }
  std::vector<std::string> parameter_names() const override { return {"ln_A", "Ea"}; }
  /// For a block of n particles: the n × m predicted ln k in one product with the m × 2 design.
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  // The log density is quadratic in θ: its Hessian is constant, and the MAP and Laplace steps
  // that -task svgd takes before SVGD are exact.
  bool has_hessian() const override { return true; }
  DenseMatrix hessian(const ConstVectorRef& x) const override;

  double noise_sd() const { return noise_sd_; }
  const Vector& prior_mean() const { return prior_mean_; }
  const Vector& prior_sd() const { return prior_sd_; }

private:
  Matrix design_; ///< m × 2, row i = (1, −1 / (R T_i)): ln k_i = design_i · θ
  Vector log_rate_;
  double noise_sd_;
  Vector prior_mean_, prior_sd_;
  Vector inv_prior_var_;    ///< 1 / prior_sd², computed once
  mutable Matrix residual_; ///< n × m workspace, kept between calls so evaluate does not allocate
};

/// Adds `-target_type arrhenius` to the registry, with the options -arrhenius_data,
/// -arrhenius_noise, -arrhenius_prior_mean and -arrhenius_prior_sd. Call it on every rank
/// before l0svgd::run_application.
void register_arrhenius();

} // namespace arrhenius
