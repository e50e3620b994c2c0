#include "l0svgd/models/shear_frame.hpp"

#include "l0svgd/core/csv.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/core/rng.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <unsupported/Eigen/MatrixFunctions>

#include "target_options.hpp"

namespace l0svgd {
namespace {

std::string text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

} // namespace

void ShearFrameSettings::validate() const {
  const std::pair<const char*, double> positive[] = {{"target_m1", m1}, {"target_m2", m2},
                                                     {"target_k1", k1}, {"target_k2", k2},
                                                     {"target_dt", dt}, {"target_sigma", sigma}};
  for (const auto& [name, value] : positive)
    require_input(std::isfinite(value) && value > 0, std::string("option -") + name +
                                                         ": must be positive and finite, got " +
                                                         text(value));
  require_input(std::isfinite(u0), "option -target_u0: must be finite");
  require_input(n_obs >= 1, "option -target_n_obs: needs at least one observation");
  require_input(n_predict >= 0, "option -target_predict_steps: must not be negative");
  require_input(c_true.allFinite(), "option -target_c_true: must be finite");
  for (int i = 0; i < 2; ++i)
    require_input(std::isfinite(lower(i)) && std::isfinite(upper(i)) && lower(i) < upper(i),
                  "options -target_lower/-target_upper: the prior box needs finite lower < upper, "
                  "got [" +
                      text(lower(i)) + ", " + text(upper(i)) + "] for c" + std::to_string(i + 1));
}

ShearFrame::ShearFrame(const ShearFrameSettings& settings, const Vector& observations)
    : settings_(settings), observations_(observations) {
  settings_.validate();
  require_input(observations.size() >= 1 && observations.allFinite(),
                "shear frame: the observations must be finite and at least one");
  settings_.n_obs = observations.size();
  // dA/dc = [[0, 0], [0, −M⁻¹ dC/dc]] with dC/dc1 = [[1, 0], [0, 0]], dC/dc2 = [[1, −1], [−1, 1]].
  dA_dc1_.setZero();
  dA_dc1_(2, 2) = -1.0 / settings_.m1;
  dA_dc2_.setZero();
  dA_dc2_.bottomRightCorner<2, 2>() << -1.0 / settings_.m1, 1.0 / settings_.m1, 1.0 / settings_.m2,
      -1.0 / settings_.m2;
  const double area = (settings_.upper - settings_.lower).prod();
  log_constant_ =
      -static_cast<double>(settings_.n_obs) * std::log(settings_.sigma * std::sqrt(2 * M_PI)) -
      std::log(area);
}

ShearFrame::Matrix4 ShearFrame::system_matrix(const Eigen::Vector2d& c) const {
  const double m1 = settings_.m1, m2 = settings_.m2, k1 = settings_.k1, k2 = settings_.k2;
  Eigen::Matrix2d stiffness, damping, inverse_mass = Eigen::Vector2d(1 / m1, 1 / m2).asDiagonal();
  stiffness << k1 + k2, -k2, -k2, k2;
  damping << c(0) + c(1), -c(1), -c(1), c(1);
  Matrix4 a = Matrix4::Zero();
  a.topRightCorner<2, 2>().setIdentity();
  a.bottomLeftCorner<2, 2>() = -inverse_mass * stiffness;
  a.bottomRightCorner<2, 2>() = -inverse_mass * damping;
  return a;
}

void ShearFrame::trajectory(const Eigen::Vector2d& c, MatrixRef states) const {
  const Matrix4 step = (system_matrix(c) * settings_.dt).exp();
  Eigen::Vector4d s(0, settings_.u0, 0, 0);
  for (Index j = 0; j < states.rows(); ++j) {
    states.row(j) = s.head<2>().transpose();
    s = step * s;
  }
}

Vector ShearFrame::response(const Eigen::Vector2d& c) const {
  Matrix states(settings_.n_obs + 1, 2);
  trajectory(c, states);
  return states.col(0).tail(settings_.n_obs);
}

Vector ShearFrame::prediction_points() const {
  return Vector::LinSpaced(n_predict() + 1, 0.0, static_cast<double>(n_predict()) * settings_.dt);
}

std::vector<ObservedQuantity> ShearFrame::observed_quantities() const {
  ObservedQuantity floor1;
  floor1.points = Vector::LinSpaced(settings_.n_obs, settings_.dt,
                                    static_cast<double>(settings_.n_obs) * settings_.dt);
  floor1.values = observations_;
  return {floor1};
}

void ShearFrame::predict(const ConstMatrixRef& x, MatrixRef out) const {
  const Index n_points = n_predict() + 1;
  require_input(x.cols() == 2 && out.rows() == x.rows() && out.cols() == 2 * n_points,
                "shear frame: predict needs n x 2 parameters and n x " +
                    std::to_string(2 * n_points) + " outputs");
  Matrix states(n_points, 2);
  for (Index i = 0; i < x.rows(); ++i) {
    trajectory(x.row(i).transpose(), states);
    out.row(i).head(n_points) = states.col(0).transpose();
    out.row(i).tail(n_points) = states.col(1).transpose();
    if (!out.row(i).allFinite())
      throw ModelError("shear frame: the response at damping (" + text(x(i, 0)) + ", " +
                       text(x(i, 1)) + ") is not finite");
  }
}

Eigen::Vector2d ShearFrame::mirror(const Eigen::Vector2d& c) const {
  const double m1 = settings_.m1, m2 = settings_.m2;
  return {(m1 + m2) * c(1) / m2, m2 * c(0) / (m1 + m2)};
}

void ShearFrame::log_density(const ConstMatrixRef& x, VectorRef log_density) const {
  const double precision = 1.0 / (settings_.sigma * settings_.sigma);
  Matrix states(settings_.n_obs + 1, 2);
  for (Index i = 0; i < x.rows(); ++i) {
    trajectory(x.row(i).transpose(), states);
    const double sum_squares = (observations_ - states.col(0).tail(settings_.n_obs)).squaredNorm();
    log_density(i) = log_constant_ - 0.5 * precision * sum_squares;
  }
}

void ShearFrame::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                          MatrixRef gradient) const {
  using Matrix12 = Eigen::Matrix<double, 12, 12>;
  const double precision = 1.0 / (settings_.sigma * settings_.sigma);
  for (Index i = 0; i < x.rows(); ++i) {
    Matrix12 block = Matrix12::Zero();
    const Matrix4 a = system_matrix(x.row(i).transpose());
    block.block<4, 4>(0, 0) = block.block<4, 4>(4, 4) = block.block<4, 4>(8, 8) = a;
    block.block<4, 4>(0, 4) = dA_dc1_;
    block.block<4, 4>(0, 8) = dA_dc2_;
    const Matrix12 exponential = (block * settings_.dt).exp();
    const Matrix4 step = exponential.block<4, 4>(0, 0);
    const Matrix4 d_step1 = exponential.block<4, 4>(0, 4), d_step2 = exponential.block<4, 4>(0, 8);
    Eigen::Vector4d s(0, settings_.u0, 0, 0), ds1 = Eigen::Vector4d::Zero(), ds2 = ds1;
    double sum_squares = 0;
    Eigen::Vector2d g = Eigen::Vector2d::Zero();
    for (Index j = 0; j < settings_.n_obs; ++j) {
      // d(E s)/dc = dE/dc s + E ds/dc, with s the previous state.
      ds1 = d_step1 * s + step * ds1;
      ds2 = d_step2 * s + step * ds2;
      s = step * s;
      const double r = observations_(j) - s(0);
      sum_squares += r * r;
      g += r * Eigen::Vector2d(ds1(0), ds2(0));
    }
    log_density(i) = log_constant_ - 0.5 * precision * sum_squares;
    gradient.row(i) = precision * g.transpose();
  }
}

Vector ShearFrame::synthetic_observations(const ShearFrameSettings& settings) {
  settings.validate();
  ShearFrameSettings noiseless = settings;
  const ShearFrame model(noiseless, Vector::Zero(settings.n_obs));
  Vector y = model.response(settings.c_true);
  for (Index j = 0; j < settings.n_obs; ++j)
    y(j) += settings.sigma *
            RandomSequence(settings.seed, RngStream::Data, static_cast<uint64_t>(j)).normal();
  return y;
}

namespace {

// One column of floor-1 displacements y_j, or two, t_j and y_j, with the times checked against the
// model's t_j = j Δt (the response is computed there, so other times would be silently wrong). The
// table reader names the file and line of any bad cell.
Vector read_observations(const std::string& path, double dt) {
  const CsvTable table = read_csv(path);
  require_input(table.n_cols() == 1 || table.n_cols() == 2,
                "observation file '" + path + "' has " + std::to_string(table.n_cols()) +
                    " columns; the shear frame needs one (floor-1 displacements) or two (t, y)");
  if (table.n_cols() == 1)
    return table.values.col(0);
  for (Index j = 0; j < table.n_rows(); ++j) {
    const double expected = static_cast<double>(j + 1) * dt, t = table.values(j, 0);
    // Times written with a few digits (0.1, 0.2, ...) round; anything else is a different grid.
    require_input(std::abs(t - expected) <= 1e-6 * std::max(expected, dt),
                  "observation file '" + path + "': observation " + std::to_string(j + 1) +
                      " is at t = " + format("%.9g", t) + ", but the shear frame observes at " +
                      "t_j = j * dt = " + format("%.9g", expected) + " (-target_dt " +
                      format("%g", dt) + ")");
  }
  return table.values.col(1);
}

} // namespace

void ShearFrameBuilder::configure(Options& options) {
  ShearFrameSettings& s = settings_;
  const double big = std::numeric_limits<double>::max();
  s.m1 = options.get_real("target_m1", s.m1, 0.0, big, "shear frame: floor-1 mass", true);
  s.m2 = options.get_real("target_m2", s.m2, 0.0, big, "shear frame: floor-2 mass", true);
  s.k1 = options.get_real("target_k1", s.k1, 0.0, big, "shear frame: storey-1 stiffness", true);
  s.k2 = options.get_real("target_k2", s.k2, 0.0, big, "shear frame: storey-2 stiffness", true);
  s.u0 =
      options.get_real("target_u0", s.u0, -big, big, "shear frame: initial floor-2 displacement");
  s.dt = options.get_real("target_dt", s.dt, 0.0, big, "shear frame: observation interval", true);
  s.n_obs = options.get_int("target_n_obs", s.n_obs, 1, 100000000,
                            "shear frame: number of synthetic observations");
  s.n_predict = options.get_int("target_predict_steps", s.n_predict, 0, 100000000,
                                "shear frame: predictions at t_j = j dt, j = 0..n, of the "
                                "posterior predictive (0: the observation window)");
  s.sigma = options.get_real("target_sigma", s.sigma, 0.0, big,
                             "shear frame: noise standard deviation", true);
  auto pair = [&](const char* name, const Eigen::Vector2d& def, const char* help) {
    const std::vector<double> v = options.get_real_array(name, {def(0), def(1)}, help);
    if (options.help_mode())
      return def;
    require_input(v.size() == 2, std::string("option -") + name +
                                     ": needs 2 values (c1, c2), got " + std::to_string(v.size()));
    return Eigen::Vector2d(v[0], v[1]);
  };
  s.c_true = pair("target_c_true", s.c_true, "shear frame: damping (c1, c2) of the synthetic data");
  s.lower = pair("target_lower", s.lower, "shear frame: lower corner of the uniform prior box");
  s.upper = pair("target_upper", s.upper, "shear frame: upper corner of the uniform prior box");
  s.seed = detail::read_target_seed(options);
  const bool n_obs_set = options.is_set("target_n_obs");
  s.data_path = detail::read_target_data(options);
  if (options.help_mode())
    return;
  s.validate();
  require_input(
      s.data_path.empty() || !n_obs_set,
      "options -target_data and -target_n_obs exclude each other (the file sets the count)");
}

std::unique_ptr<Model> ShearFrameBuilder::build(MPI_Comm comm) const {
  if (settings_.data_path.empty())
    return std::make_unique<ShearFrame>(settings_, ShearFrame::synthetic_observations(settings_));
  // Rank 0 reads; every rank then fails or succeeds together.
  int rank = 0;
  L0_MPI(MPI_Comm_rank(comm, &rank));
  Vector values;
  std::string message;
  if (rank == 0) {
    try {
      values = read_observations(settings_.data_path, settings_.dt);
    } catch (const InputError& e) {
      message = e.what();
    }
  }
  long long sizes[2] = {static_cast<long long>(values.size()),
                        static_cast<long long>(message.size())};
  L0_MPI(MPI_Bcast(sizes, 2, MPI_LONG_LONG, 0, comm));
  if (sizes[1] > 0) {
    message.resize(static_cast<size_t>(sizes[1]));
    L0_MPI(MPI_Bcast(message.data(), static_cast<int>(sizes[1]), MPI_CHAR, 0, comm));
    throw InputError(message);
  }
  values.resize(static_cast<Index>(sizes[0]));
  L0_MPI(MPI_Bcast(values.data(), static_cast<int>(sizes[0]), MPI_DOUBLE, 0, comm));
  return std::make_unique<ShearFrame>(settings_, values);
}

std::unique_ptr<TargetBuilder> make_shear_frame_builder() {
  return std::make_unique<ShearFrameBuilder>();
}

} // namespace l0svgd
