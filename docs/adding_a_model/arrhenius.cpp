#include "arrhenius.hpp"

#include <cmath>

#include "l0svgd/core/csv.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/options.hpp"

namespace arrhenius {

using l0svgd::InputError;

RateData read_rate_data(const std::string& path) {
  const l0svgd::CsvTable table = l0svgd::read_csv(path); // names the file and line on errors
  const std::string where = "data file '" + path + "': ";
  if (table.n_cols() != 2)
    throw InputError(where + "needs 2 columns (T in K, k in 1/s), found " +
                     std::to_string(table.n_cols()));
  RateData data{table.values.col(0), table.values.col(1)};
  for (Index i = 0; i < table.n_rows(); ++i)
    if (!(data.temperature(i) > 0) || !(data.rate(i) > 0))
      throw InputError(where + "data row " + std::to_string(i + 1) +
                       ": temperature and rate must be positive");
  return data;
}

ArrheniusModel::ArrheniusModel(const RateData& data, double noise_sd, const Vector& prior_mean,
                               const Vector& prior_sd)
    : design_(data.temperature.size(), 2), log_rate_(data.rate.array().log().matrix()),
      noise_sd_(noise_sd), prior_mean_(prior_mean), prior_sd_(prior_sd) {
  if (!(noise_sd > 0) || !std::isfinite(noise_sd))
    throw InputError("arrhenius: the noise sd must be positive and finite");
  if (prior_mean.size() != 2 || prior_sd.size() != 2 || !prior_mean.allFinite() ||
      !prior_sd.allFinite() || !(prior_sd.array() > 0).all())
    throw InputError("arrhenius: the prior needs 2 finite means and 2 positive finite sds");
  inv_prior_var_ = prior_sd_.array().square().inverse().matrix();
  design_.col(0).setOnes();
  design_.col(1) = -(kGasConstant * data.temperature.array()).inverse().matrix();
}

void ArrheniusModel::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                              MatrixRef gradient) const {
  const double inv_var = 1.0 / (noise_sd_ * noise_sd_);
  // r = ln k − θ Dᵀ for every particle at once: one GEMM-shaped product instead of a loop over
  // particles and measurements.
  residual_.resize(x.rows(), design_.rows());
  residual_.noalias() = -x * design_.transpose();
  residual_.rowwise() += log_rate_.transpose();
  log_density = -0.5 * inv_var * residual_.rowwise().squaredNorm();
  gradient.noalias() = inv_var * residual_ * design_;
  for (Index j = 0; j < 2; ++j) {
    const auto centred = (x.col(j).array() - prior_mean_(j));
    log_density.array() -= 0.5 * inv_prior_var_(j) * centred.square();
    gradient.col(j).array() -= inv_prior_var_(j) * centred;
  }
}

DenseMatrix ArrheniusModel::hessian(const ConstVectorRef&) const {
  DenseMatrix h = -(design_.transpose() * design_) / (noise_sd_ * noise_sd_);
  h.diagonal() -= inv_prior_var_;
  return h;
}

namespace {

// Reads the options (configure, also in -help mode, where every target describes itself) and
// builds the model later (build), after every option has been checked.
class ArrheniusBuilder : public l0svgd::TargetBuilder {
public:
  void configure(l0svgd::Options& options) override {
    data_ = options.get_path("arrhenius_data", "", "arrhenius: CSV of T (K) and k (1/s)");
    noise_ =
        options.get_real("arrhenius_noise", 0.1, 0.0, 1e3, "arrhenius: noise sd of ln k", true);
    prior_mean_ = options.get_real_array("arrhenius_prior_mean", {0.0, 50.0},
                                         "arrhenius: prior means of ln A and Ea (kJ/mol)");
    prior_sd_ = options.get_real_array("arrhenius_prior_sd", {50.0, 100.0},
                                       "arrhenius: prior sds of ln A and Ea (kJ/mol)");
    if (options.help_mode())
      return;
    if (data_.empty())
      throw InputError("option -arrhenius_data is required for -target_type arrhenius");
    if (prior_mean_.size() != 2 || prior_sd_.size() != 2)
      throw InputError("options -arrhenius_prior_mean and -arrhenius_prior_sd need 2 values each");
  }
  std::unique_ptr<l0svgd::Model> build(MPI_Comm) const override {
    return std::make_unique<ArrheniusModel>(read_rate_data(data_), noise_,
                                            Eigen::Map<const Vector>(prior_mean_.data(), 2),
                                            Eigen::Map<const Vector>(prior_sd_.data(), 2));
  }

private:
  std::string data_;
  double noise_ = 0.1;
  std::vector<double> prior_mean_, prior_sd_;
};

} // namespace

void register_arrhenius() {
  l0svgd::register_target({"arrhenius", "Arrhenius kinetics on a CSV of rate constants",
                           [] { return std::make_unique<ArrheniusBuilder>(); }});
}

} // namespace arrhenius
