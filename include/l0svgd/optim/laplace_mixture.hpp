#pragma once
/// The Laplace mixture: Laplace components at the modes, weighted by non-negative least squares
/// against the target at points sampled from the components (REFERENCE.md §5, step 3).
#include <cstdint>
#include <mpi.h>
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/models/model.hpp"
#include "l0svgd/optim/gaussian_mixture.hpp"
#include "l0svgd/optim/laplace.hpp"

namespace l0svgd {

struct MixtureWeightSettings {
  /// -laplace_components: use the K best modes (0: every mode found). If fewer modes were found,
  /// all of them are used and a warning says so (documented fallback).
  Index components = 0;
  Index samples = 200; ///< -laplace_weight_samples: sample points per component for the NNLS fit
  uint64_t seed = 1;   ///< -laplace_seed

  /// Reads the options above (defaults: the current values). Not collective.
  void configure(Options& options);
};

enum class MixtureWeighting {
  Nnls,    ///< weights from the non-negative least-squares fit
  Evidence ///< fallback: Laplace masses a_k normalised (the NNLS fit degenerated)
};

/// A weighted Laplace mixture and how its weights were found.
struct LaplaceMixture {
  GaussianMixture mixture;                  ///< weights w, means μ_k, Cholesky factors of Σ_k
  std::vector<LaplaceComponent> components; ///< the components used, best mode first
  MixtureWeighting weighting = MixtureWeighting::Nnls;
  Vector evidence_weights; ///< a_k / Σ a_k from the Laplace masses
  /// log Σ_k a_k with a from the NNLS fit in units of p̃ (an estimate of log ∫p̃), or of the Laplace
  /// masses when weighting is Evidence.
  double log_evidence = 0.0;
  double relative_residual = 0.0; ///< ‖A a − b‖ / ‖b‖ of the fit (NaN for the fallback)
  Index n_samples = 0;            ///< points at which p̃ was evaluated
};

/// Fits the weights: z_i from the components (samples per component, RandomSequence(seed, Weights,
/// i)), A_ik = N(z_i; μ_k, Σ_k), b_i = p̃(z_i) e^{−M} with M = max_i log p̃(z_i), so neither side
/// underflows; the columns of A are scaled by their maxima for conditioning and the scaling undone
/// afterwards; a = NNLS(A, b), w = a / Σa. p̃ is taken as zero outside the model's support box (the
/// model is only asked inside). Falls back to the Laplace-evidence weights, with a warning, if a is
/// all zero or not finite. The evaluations of p̃ are split over ranks and gathered in sample order,
/// so the result is the same for any rank count. Collective on `comm`. Throws ModelError if the
/// model returns NaN, InputError if `components` is empty.
LaplaceMixture fit_laplace_mixture(const Model& model, std::vector<LaplaceComponent> components,
                                   const MixtureWeightSettings& settings, MPI_Comm comm);

} // namespace l0svgd
