#pragma once
/// One transition of the No-U-Turn Sampler (Hoffman & Gelman 2014) in the multinomial form Stan
/// uses (Betancourt 2017, "A conceptual introduction to Hamiltonian Monte Carlo", appendix A).
///
/// The trajectory doubles in a random direction, forwards or backwards in time, until it makes a
/// U-turn: until the sum ρ of its momenta points against the velocity M⁻¹p at one of its ends
/// (the generalised criterion), checked for every merged subtree and, as Stan does since 2.26,
/// also across the two halves of every merge. The draw is chosen among the trajectory's points in
/// proportion to exp(−H): uniformly inside each new subtree and, at each doubling, biased towards
/// the new half (the progressive sampling of Betancourt's appendix A.3.2), which keeps the target
/// invariant and moves further than uniform sampling.
#include <functional>
#include <vector>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// One chain's point in phase space. Rows (1 × d), so that a Model evaluates the position as is.
struct PhasePoint {
  Matrix position, momentum, gradient; ///< 1 × d each; gradient of log p
  double log_density = 0.0;
  void resize(Index dim);
};

/// Moves `z` by one leapfrog step of size `step` (negative: backwards in time), its gradient and
/// log density included. Returns false when the step cannot be completed (a non-finite value, a
/// model error, a box it cannot reflect into): the trajectory then ends as divergent.
using LeapfrogStep = std::function<bool(PhasePoint& z, double step)>;

/// What one transition did.
struct NutsResult {
  /// Mean of min(1, exp(H₀ − H)) over the points the trajectory added: the statistic dual
  /// averaging adapts the step size with (Hoffman & Gelman 2014, section 3.2.1).
  double accept_statistic = 0.0;
  Index leapfrog_steps = 0; ///< leapfrog steps taken, each one model evaluation
  Index depth = 0;          ///< doublings that were kept (the tree depth)
  bool diverged = false;    ///< an energy error above the limit or a failed leapfrog step
  bool moved = false;       ///< the draw differs from the starting point
};

/// The trajectory workspace of one chain at a time: sized once, so that a transition allocates
/// nothing. Not collective; deterministic given the chain's random sequence.
class NutsTrajectory {
public:
  /// `max_depth` ≥ 1 caps a trajectory at 2^max_depth − 1 leapfrog steps; a trajectory whose
  /// energy grows by more than `max_energy_error` is divergent and ends there.
  NutsTrajectory(Index dim, Index max_depth, double max_energy_error);

  /// One transition from `z` (position, gradient and log density of the chain's state, momentum
  /// freshly drawn from N(0, M)), with the diagonal `inverse_metric` (1 × d) and leapfrog `step`;
  /// on return `z` holds the draw. Uniforms come from `rng` (one for the direction of each
  /// doubling and one for each multinomial choice).
  NutsResult transition(PhasePoint& z, const ConstMatrixRef& inverse_metric, double step,
                        RandomSequence& rng, const LeapfrogStep& leapfrog);

private:
  /// The momenta at the ends of a (sub)tree, their velocities M⁻¹p ("sharp"), and their sum.
  struct Ends {
    Matrix p_begin, p_end, sharp_begin, sharp_end, rho;
    void resize(Index dim);
  };
  /// Builds a subtree of 2^depth steps from edge_ in the current direction, adding its momenta
  /// to `rho` and its weight to `log_sum_weight`; `proposal` becomes its multinomial choice.
  /// Returns false if it diverged or turned (its points are then not used).
  bool build_tree(Index depth, PhasePoint& proposal, Matrix& sharp_begin, Matrix& sharp_end,
                  Matrix& rho, Matrix& p_begin, Matrix& p_end, double& log_sum_weight);
  /// Both ends' velocities have a positive projection on ρ.
  static bool no_u_turn(const Matrix& sharp_minus, const Matrix& sharp_plus, const Matrix& rho);
  double hamiltonian(const PhasePoint& z) const;

  Index dim_, max_depth_;
  double max_energy_error_;
  // Per transition: the metric, step, direction, generator, integrator, start energy, counts.
  Matrix inverse_metric_; // 1 × d, copied per transition
  double step_ = 0.0, sign_ = 1.0, start_energy_ = 0.0, accept_sum_ = 0.0;
  RandomSequence* rng_ = nullptr;
  const LeapfrogStep* leapfrog_ = nullptr;
  NutsResult result_;

  PhasePoint edge_, forward_, backward_, sample_, proposal_;
  Ends forward_ends_, backward_ends_; // the forward and backward parts of the trajectory
  Matrix rho_, rho_extended_;
  /// Workspace of build_tree at each depth: the final half's proposal, the inner ends of the two
  /// halves and their momentum sums.
  struct Level {
    PhasePoint final_proposal;
    Matrix init_p_end, init_sharp_end, final_p_begin, final_sharp_begin;
    Matrix init_rho, final_rho, subtree_rho, extended_rho;
  };
  std::vector<Level> levels_;
};

} // namespace l0svgd
