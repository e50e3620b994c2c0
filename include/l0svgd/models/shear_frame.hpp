#pragma once
/// Two-storey shear frame (REFERENCE.md §5): infer the damping coefficients (c1, c2) of a 2-DOF
/// mass–spring–damper from noisy floor-1 displacements after an initial floor-2 displacement.
#include <array>
#include <cstdint>
#include <memory>
#include <mpi.h>
#include <string>

#include <Eigen/Core>

#include "l0svgd/models/model.hpp"
#include "l0svgd/models/predictive.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

/// Physical and observation settings; the defaults are our benchmark choice (REFERENCE.md §5).
struct ShearFrameSettings {
  double m1 = 1.0, m2 = 1.0; ///< -target_m1, -target_m2: floor masses
  double k1 = 1.0, k2 = 0.5; ///< -target_k1, -target_k2: storey stiffnesses
  double u0 = 1.0;           ///< -target_u0: initial floor-2 displacement
  double dt = 0.5;           ///< -target_dt: observation interval
  Index n_obs = 60;          ///< -target_n_obs: observations at t_j = j Δt, j = 1..n
  Index n_predict = 0; ///< -target_predict_steps: predictions at t_j = j Δt, j = 0..n (0: n_obs)
  double sigma = 0.02; ///< -target_sigma: observation noise standard deviation
  Eigen::Vector2d c_true{0.2, 0.5}; ///< -target_c_true: damping of the synthetic data
  Eigen::Vector2d lower{0.0, 0.0};  ///< -target_lower: uniform prior box
  Eigen::Vector2d upper{1.5, 1.5};  ///< -target_upper
  uint64_t seed = 1;                ///< -target_seed: noise of the synthetic data
  std::string data_path;            ///< -target_data: CSV of observations (instead of synthetic)

  /// Throws InputError naming the first invalid value (non-positive mass, inverted box, ...).
  void validate() const;
};

/// log p(c | y) = Σ_j log N(y_j; x1(t_j; c), σ²) − log |box|: Gaussian likelihood of the floor-1
/// displacement x1(t_j) = [expm(A Δt)^j s(0)]_1 with s(0) = (0, u0, 0, 0), times the uniform prior
/// on the box. Outside the box the same formula is returned (no −∞ wall, which gradient-based
/// samplers cannot handle); the box is exposed as lower_bounds()/upper_bounds(). The gradient is
/// exact: the derivatives of expm(A Δt) with respect to c1 and c2 are the Fréchet derivatives read
/// off one block-triangular exponential expm([[A, dA/dc1, dA/dc2], [0, A, 0], [0, 0, A]] Δt) and
/// propagated through the powers.
///
/// As a Predictive model it predicts both floors' displacements x1, x2 at t_j = j Δt,
/// j = 0..n_predict (floor 1 observed at j ≥ 1), to show what the data say about the unobserved
/// floor and, beyond the observation window, about the future.
class ShearFrame : public Model, public Predictive {
public:
  /// `observations` y_1..y_n (n ≥ 1). Throws InputError for invalid settings.
  ShearFrame(const ShearFrameSettings& settings, const Vector& observations);

  Index dim() const override { return 2; }
  std::string name() const override { return "shear_frame"; }
  std::vector<std::string> parameter_names() const override { return {"c1", "c2"}; }
  void evaluate(const ConstMatrixRef& x, VectorRef log_density, MatrixRef gradient) const override;
  void log_density(const ConstMatrixRef& x, VectorRef log_density) const override;
  Vector lower_bounds() const override { return settings_.lower; }
  Vector upper_bounds() const override { return settings_.upper; }

  std::vector<std::string> quantity_names() const override { return {"x1", "x2"}; }
  std::string point_name() const override { return "time"; }
  Vector prediction_points() const override;
  std::vector<ObservedQuantity> observed_quantities() const override;
  void predict(const ConstMatrixRef& x, MatrixRef out) const override;

  /// Noise-free floor-1 displacements x1(t_j), j = 1..n_obs, for damping c.
  Vector response(const Eigen::Vector2d& c) const;
  /// The damping pair the floor-1 response cannot tell from c when k1/k2 = (m1+m2)/m2:
  /// ((m1+m2) c2 / m2, m2 c1 / (m1+m2)).
  Eigen::Vector2d mirror(const Eigen::Vector2d& c) const;
  const Vector& observations() const { return observations_; }
  const ShearFrameSettings& settings() const { return settings_; }

  /// y_j = x1(t_j; c_true) + σ e_j with e_j the first normal of RandomSequence(seed, Data, j − 1).
  static Vector synthetic_observations(const ShearFrameSettings& settings);

private:
  using Matrix4 = Eigen::Matrix4d;
  Matrix4 system_matrix(const Eigen::Vector2d& c) const;
  /// Noise-free displacements (x1, x2) at t_j = j dt, j = 0 … states.rows() − 1, into `states`
  /// (rows × 2): the one time stepper behind response, predict and log_density.
  void trajectory(const Eigen::Vector2d& c, MatrixRef states) const;
  Index n_predict() const {
    return settings_.n_predict > 0 ? settings_.n_predict : settings_.n_obs;
  }

  ShearFrameSettings settings_;
  Vector observations_;
  Matrix4 dA_dc1_, dA_dc2_;
  double log_constant_; // −n log(σ √(2π)) − log |box|
};

/// `-target_type shear_frame`: reads the -target_* options above; build() generates the synthetic
/// data or reads -target_data (a one-column CSV of floor-1 displacements y_1..y_n, optional header
/// line,
/// '#' comments; it sets n and excludes -target_n_obs) on rank 0 and broadcasts it. build() is
/// collective.
class ShearFrameBuilder : public TargetBuilder {
public:
  void configure(Options& options) override;
  std::unique_ptr<Model> build(MPI_Comm comm) const override;

  const ShearFrameSettings& settings() const { return settings_; }

private:
  ShearFrameSettings settings_;
};

/// Factory for the target registry (`-target_type shear_frame`).
std::unique_ptr<TargetBuilder> make_shear_frame_builder();

} // namespace l0svgd
