#pragma once
/// Jensen–Shannon divergence JSD(P, Q) = ½ KL(P‖M) + ½ KL(Q‖M), M = (P + Q)/2, in nats (≤ log 2).
#include <cstdint>
#include <mpi.h>

#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/metrics/density.hpp"
#include "l0svgd/models/model.hpp"

namespace l0svgd {

struct JsdEstimate {
  double value = 0.0;
  /// Monte Carlo: the standard error of the estimate. Grid quadrature: the Richardson estimate
  /// |J_n − J_{n/2}| / 3 of the discretisation error of the second-order rule.
  double standard_error = 0.0;
};

/// Monte Carlo JSD from n draws of each density: draw i of P is P's sample i and draw i of Q is Q's
/// sample n + i of the (seed, Metrics) sequence. JSD = ½ mean_P[log p − log m] + ½ mean_Q[log q −
/// log m], standard error ½ (var_P/n + var_Q/n)^{1/2}. The draws are split over ranks and the terms
/// gathered and added in draw order, so the value does not depend on the rank count. Collective on
/// `comm`.
JsdEstimate jsd_monte_carlo(const NormalisedDensity& p, const NormalisedDensity& q, Index n,
                            uint64_t seed, MPI_Comm comm);

/// An unnormalised 2-D target tabulated on the (n+1) × (n+1) nodes of a regular grid over a box and
/// normalised there by the trapezoid rule: a reference posterior for 2-D problems (the shear
/// frame).
class GridPosterior {
public:
  /// Evaluates log p̃ at the nodes, split over ranks and gathered in node order. `n` must be even
  /// (the error estimate uses the every-other-node grid). Throws InputError for d ≠ 2, a non-finite
  /// or inverted box, or an odd or too small n; ModelError (on every rank) if the target returns
  /// NaN or +inf (−inf is a zero density). Collective on `comm`.
  GridPosterior(const Model& target, const ConstVectorRef& lower, const ConstVectorRef& upper,
                Index n, MPI_Comm comm);

  /// JSD between the grid-normalised target and a normalised density q. The target is taken as zero
  /// outside the box, so q's mass outside it (1 − ∫_box q) adds ½ log 2 times that mass.
  /// Collective.
  JsdEstimate jsd(const NormalisedDensity& q) const;

  /// Draws rows `first` … `first + out.rows() − 1` of the (seed, stream) sequence, draw i from
  /// RandomSequence(seed, stream, i) alone: a node with probability its trapezoid mass, then a
  /// point uniform over the node's cell (the part inside the box of x_i ± h_x/2, y_j ± h_y/2). The
  /// draws follow the piecewise-constant density whose integrals are the trapezoid rule's. Not
  /// collective.
  void sample(uint64_t seed, RngStream stream, Index first, MatrixRef out) const;

  Index n() const { return n_; }
  /// Node coordinates, ((n+1)² × 2), node (i, j) in row i (n+1) + j at (x_i, y_j).
  const Matrix& nodes() const { return nodes_; }
  /// log of the grid-normalised target density at the nodes.
  const Vector& log_density() const { return log_density_; }
  /// log ∫_box p̃ by the trapezoid rule (an estimate of the log evidence when p̃ vanishes outside).
  double log_normaliser() const { return log_normaliser_; }

private:
  Index n_;
  MPI_Comm comm_;
  Vector lower_, upper_;
  Matrix nodes_;
  Vector log_target_;  // unnormalised log p̃ at the nodes
  Vector log_density_; // normalised on the fine grid
  Vector cumulative_;  // running sum of the nodes' trapezoid masses, in node order (last: 1)
  double log_normaliser_ = 0.0;
};

} // namespace l0svgd
