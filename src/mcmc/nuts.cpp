#include "l0svgd/mcmc/nuts.hpp"

#include <cmath>
#include <limits>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log_sum_exp.hpp"

namespace l0svgd {
namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

double dot(const Matrix& a, const Matrix& b) {
  return (a.array() * b.array()).sum();
}

} // namespace

void PhasePoint::resize(Index dim) {
  position.resize(1, dim);
  momentum.resize(1, dim);
  gradient.resize(1, dim);
}

void NutsTrajectory::Ends::resize(Index dim) {
  for (Matrix* m : {&p_begin, &p_end, &sharp_begin, &sharp_end, &rho})
    m->resize(1, dim);
}

NutsTrajectory::NutsTrajectory(Index dim, Index max_depth, double max_energy_error)
    : dim_(dim), max_depth_(max_depth), max_energy_error_(max_energy_error) {
  require_input(max_depth >= 1, "option -hmc_max_depth: must be at least 1");
  inverse_metric_.resize(1, dim);
  for (PhasePoint* z : {&edge_, &forward_, &backward_, &sample_, &proposal_})
    z->resize(dim);
  forward_ends_.resize(dim);
  backward_ends_.resize(dim);
  rho_.resize(1, dim);
  rho_extended_.resize(1, dim);
  levels_.resize(static_cast<size_t>(max_depth) + 1);
  for (Level& level : levels_) {
    level.final_proposal.resize(dim);
    for (Matrix* m :
         {&level.init_p_end, &level.init_sharp_end, &level.final_p_begin, &level.final_sharp_begin,
          &level.init_rho, &level.final_rho, &level.subtree_rho, &level.extended_rho})
      m->resize(1, dim);
  }
}

double NutsTrajectory::hamiltonian(const PhasePoint& z) const {
  return -z.log_density + 0.5 * (z.momentum.array().square() * inverse_metric_.array()).sum();
}

bool NutsTrajectory::no_u_turn(const Matrix& sharp_minus, const Matrix& sharp_plus,
                               const Matrix& rho) {
  return dot(sharp_plus, rho) > 0.0 && dot(sharp_minus, rho) > 0.0;
}

bool NutsTrajectory::build_tree(Index depth, PhasePoint& proposal, Matrix& sharp_begin,
                                Matrix& sharp_end, Matrix& rho, Matrix& p_begin, Matrix& p_end,
                                double& log_sum_weight) {
  if (depth == 0) {
    const bool stepped = (*leapfrog_)(edge_, sign_ * step_);
    ++result_.leapfrog_steps;
    double energy = stepped ? hamiltonian(edge_) : HUGE_VAL;
    if (std::isnan(energy))
      energy = HUGE_VAL;
    const double delta = start_energy_ - energy;
    if (!(-delta <= max_energy_error_))
      result_.diverged = true;
    log_sum_weight = log_sum_exp(log_sum_weight, delta);
    accept_sum_ += delta > 0.0 ? 1.0 : std::exp(delta);
    if (result_.diverged)
      return false; // edge_ may be half-updated: nothing of it is used
    proposal.position = edge_.position;
    proposal.gradient = edge_.gradient;
    proposal.log_density = edge_.log_density;
    sharp_begin = edge_.momentum.cwiseProduct(inverse_metric_);
    sharp_end = sharp_begin;
    rho += edge_.momentum;
    p_begin = edge_.momentum;
    p_end = p_begin;
    return true;
  }
  Level& level = levels_[static_cast<size_t>(depth)];
  double init_weight = kMinusInfinity;
  level.init_rho.setZero();
  if (!build_tree(depth - 1, proposal, sharp_begin, level.init_sharp_end, level.init_rho, p_begin,
                  level.init_p_end, init_weight))
    return false;
  double final_weight = kMinusInfinity;
  level.final_rho.setZero();
  if (!build_tree(depth - 1, level.final_proposal, level.final_sharp_begin, sharp_end,
                  level.final_rho, level.final_p_begin, p_end, final_weight))
    return false;
  // Inside a subtree the choice is uniform in the weights (the final half with probability
  // w_final / (w_init + w_final)).
  const double subtree_weight = log_sum_exp(init_weight, final_weight);
  log_sum_weight = log_sum_exp(log_sum_weight, subtree_weight);
  if (rng_->uniform() < std::exp(final_weight - subtree_weight)) {
    proposal.position = level.final_proposal.position;
    proposal.gradient = level.final_proposal.gradient;
    proposal.log_density = level.final_proposal.log_density;
  }
  level.subtree_rho = level.init_rho + level.final_rho;
  rho += level.subtree_rho;
  bool persist = no_u_turn(sharp_begin, sharp_end, level.subtree_rho);
  // Across the halves: each half extended by the other's nearest point.
  level.extended_rho = level.init_rho + level.final_p_begin;
  persist = persist && no_u_turn(sharp_begin, level.final_sharp_begin, level.extended_rho);
  level.extended_rho = level.final_rho + level.init_p_end;
  persist = persist && no_u_turn(level.init_sharp_end, sharp_end, level.extended_rho);
  return persist;
}

NutsResult NutsTrajectory::transition(PhasePoint& z, const ConstMatrixRef& inverse_metric,
                                      double step, RandomSequence& rng,
                                      const LeapfrogStep& leapfrog) {
  inverse_metric_ = inverse_metric;
  step_ = step;
  rng_ = &rng;
  leapfrog_ = &leapfrog;
  result_ = NutsResult();
  accept_sum_ = 0.0;
  start_energy_ = hamiltonian(z);
  forward_ = z;
  backward_ = z;
  sample_ = z;
  for (Ends* ends : {&forward_ends_, &backward_ends_}) {
    ends->p_begin = z.momentum;
    ends->p_end = z.momentum;
    ends->sharp_begin = z.momentum.cwiseProduct(inverse_metric_);
    ends->sharp_end = ends->sharp_begin;
  }
  rho_ = z.momentum;
  double log_sum_weight = 0.0; // the starting point's weight exp(H₀ − H₀)
  // forward_ends_ runs from the forward part's inner end (begin) to the trajectory's forward end;
  // backward_ends_ from the backward part's inner end to the trajectory's backward end.
  Ends& fwd = forward_ends_;
  Ends& bck = backward_ends_;
  while (result_.depth < max_depth_) {
    double subtree_weight = kMinusInfinity;
    bool valid = false;
    if (rng.uniform() > 0.5) {
      // The old trajectory becomes the backward part; its inner end is its forward end.
      bck.rho = rho_;
      bck.p_begin = fwd.p_end;
      bck.sharp_begin = fwd.sharp_end;
      fwd.rho.setZero();
      edge_ = forward_;
      sign_ = 1.0;
      valid = build_tree(result_.depth, proposal_, fwd.sharp_begin, fwd.sharp_end, fwd.rho,
                         fwd.p_begin, fwd.p_end, subtree_weight);
      forward_ = edge_;
    } else {
      fwd.rho = rho_;
      fwd.p_begin = bck.p_end;
      fwd.sharp_begin = bck.sharp_end;
      bck.rho.setZero();
      edge_ = backward_;
      sign_ = -1.0;
      valid = build_tree(result_.depth, proposal_, bck.sharp_begin, bck.sharp_end, bck.rho,
                         bck.p_begin, bck.p_end, subtree_weight);
      backward_ = edge_;
    }
    if (!valid)
      break;
    ++result_.depth;
    // Biased progressive sampling: the new subtree is taken with probability min(1, w_new/w_old).
    if (subtree_weight > log_sum_weight ||
        rng.uniform() < std::exp(subtree_weight - log_sum_weight))
      sample_ = proposal_;
    log_sum_weight = log_sum_exp(log_sum_weight, subtree_weight);
    rho_ = bck.rho + fwd.rho;
    bool persist = no_u_turn(bck.sharp_end, fwd.sharp_end, rho_);
    rho_extended_ = bck.rho + fwd.p_begin;
    persist = persist && no_u_turn(bck.sharp_end, fwd.sharp_begin, rho_extended_);
    rho_extended_ = fwd.rho + bck.p_begin;
    persist = persist && no_u_turn(bck.sharp_begin, fwd.sharp_end, rho_extended_);
    if (!persist)
      break;
  }
  result_.accept_statistic =
      result_.leapfrog_steps > 0 ? accept_sum_ / static_cast<double>(result_.leapfrog_steps) : 0.0;
  result_.moved = sample_.position != z.position;
  z.position = sample_.position;
  z.gradient = sample_.gradient;
  z.log_density = sample_.log_density;
  return result_;
}

} // namespace l0svgd
