#pragma once
/// Distributed multistart global optimisation of log p with the MLSL start rule (Rinnooy Kan &
/// Timmer 1987): sample the prior box, start local TAO searches only from sample points with no
/// better sample nearby, gather and deduplicate the local maxima.
#include <cstdint>
#include <mpi.h>
#include <string>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/optim/design.hpp"
#include "l0svgd/optim/laplace.hpp"
#include "l0svgd/optim/map.hpp"

namespace l0svgd {

struct MultistartSettings {
  DesignType design = DesignType::Halton; ///< -multistart_design halton|uniform
  Index samples = 256;                    ///< -multistart_samples: N sample points in the box
  /// -multistart_max_local: cap on local searches; 0 (default) means max(32, 8 d) for a
  /// d-dimensional model, since the number of basins worth a search grows with d.
  Index max_local = 0;
  uint64_t seed = 1; ///< -multistart_seed: design shift / uniform points
  /// -multistart_merge_distance: two maxima closer than this Mahalanobis distance (under the better
  /// one's Laplace covariance) are one mode.
  double merge_distance = 1.0;
  /// Options prefix of the local TAO searches (-<prefix>tao_type, ...); "map_" shares them with
  /// MAP.
  std::string local_prefix = "map_";
  /// Hessian settings used for the Mahalanobis deduplication.
  LaplaceSettings laplace;

  /// Reads the -multistart_* options (defaults: the current values). Not collective.
  void configure(Options& options);
};

/// Critical distance of MLSL, r = π^{-1/2} (Γ(1+d/2) σ vol(S) log(kN)/(kN))^{1/d}, with σ = 2.
double mlsl_critical_distance(Index d, double volume, Index k_times_n, double sigma = 2.0);

/// What a multistart run found. Identical on every rank and for every rank count.
struct MultistartResult {
  Matrix modes;        ///< K × d distinct local maxima of log p, best first
  Vector log_density;  ///< log p̃ at each mode
  Matrix starts;       ///< start points of the local searches, in start order (best sample first)
  Index n_samples = 0; ///< sample points of the design
  Index n_local_searches = 0; ///< local TAO searches run
  Index n_unconverged = 0;    ///< local searches that stopped without converging (warned about)
  Index n_evaluations = 0;    ///< model evaluations in total (samples, searches, Hessians)
};

/// Multistart driver for one model. The box is the model's support (lower_bounds()/upper_bounds()),
/// which must be finite.
///
/// The rule is one MLSL iteration (k = 1) over N design points, with distances measured after
/// scaling the box to the unit cube (so vol(S) = 1 and the rule does not depend on the units of
/// each parameter): a point starts a local search when no sample with larger log p lies within r.
/// The best point always qualifies; at most max_local starts are taken, best first. Sample log
/// densities are evaluated block-wise across ranks and gathered, so every rank selects the same
/// starts; the local searches are split over ranks in start order; their end points (converged or
/// not — a search that stops without converging is reported in a warning with TAO's reasons, and
/// its end point is still a candidate) are gathered, merged by Mahalanobis distance keeping the
/// better one, and ranked by log p̃.
class Multistart {
public:
  /// Creates the local TAO solver (reads -<local_prefix>tao_* options). Throws InputError if the
  /// box is not finite or is inverted. Not collective.
  Multistart(const Model& model, const MultistartSettings& settings, MPI_Comm comm);

  /// Collective on the communicator. Throws ModelError (on every rank) if the model fails or
  /// returns NaN at any sample or during any search.
  MultistartResult run();

private:
  const Model& model_;
  MultistartSettings settings_;
  MPI_Comm comm_;
  Vector lower_, upper_;
  MapSolver solver_;
};

} // namespace l0svgd
