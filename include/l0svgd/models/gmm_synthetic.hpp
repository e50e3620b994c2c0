#pragma once
/// Generated Gaussian mixtures for studies over their shape (`-target_type gmm_synthetic`): the
/// targets of the multimodal Laplace/VI talk's robustness study, described by the dimension d, the
/// number of components K, the weight decay ω, the correlation c and the overlap λ, and a seed.
#include <cstdint>
#include <memory>
#include <vector>

#include "l0svgd/core/types.hpp"
#include "l0svgd/models/target_registry.hpp"

namespace l0svgd {

/// The factors of a generated mixture.
struct SyntheticMixtureSpec {
  Index dim = 2;            ///< d ≥ 1
  Index components = 3;     ///< K ≥ 2
  double decay = 1.5;       ///< ω ≥ 0: weights ∝ exp(−ω k)
  double correlation = 0.3; ///< c in (−1/(d−1), 1): the equicorrelation of every component
  double overlap = 1e-3;    ///< λ in (0, 1): the largest pairwise Dice overlap
  uint64_t seed = 1;        ///< component k draws from RandomSequence(seed, RngStream::Data, k)
};

/// A generated mixture.
struct SyntheticMixture {
  Vector weights;
  Matrix means; ///< K × d
  std::vector<DenseMatrix> covariances;
};

/// Our construction (the talk does not publish its own):
/// - weights w_k = exp(−ω k) / Σ_j exp(−ω j), k = 0 … K−1 (component 0 the heaviest);
/// - covariances Σ_k = Q_k R Q_kᵀ with the equicorrelation matrix R = (1 − c) I + c 11ᵀ (unit
///   variances, eigenvalues 1 − c and 1 + (d − 1) c) and Q_k a uniformly random rotation (the Q of
///   the QR factorisation of a d × d standard-normal matrix, columns signed so that R's diagonal is
///   positive), so every component is correlated along its own directions;
/// - means μ_k = s u_k with u_k ~ N(0, I) and the one s > 0 at which the largest pairwise Dice
///   overlap (gaussian_dice) equals λ. Each pair's Dice falls with s as exp(−s² q_ij / 2) times a
///   constant, so s is the largest of the pairs' closed-form solutions.
/// Throws InputError naming the factor for a value out of range, or when λ exceeds the overlap
/// even coincident components would have (possible only for unequal covariances). Not collective;
/// deterministic in the spec.
SyntheticMixture synthetic_mixture(const SyntheticMixtureSpec& spec);

/// The L2 Dice overlap 2 ∫ p q / (∫ p² + ∫ q²) of two Gaussian densities, in (0, 1], exactly:
/// ∫ p q = N(μ_p − μ_q; 0, Σ_p + Σ_q) and ∫ p² = |4π Σ_p|^{−1/2}. For equal covariances it is
/// exp(−Δ²/4), Δ the Mahalanobis distance of the means.
double gaussian_dice(const ConstVectorRef& mean_p, const DenseMatrix& cov_p,
                     const ConstVectorRef& mean_q, const DenseMatrix& cov_q);

/// Reads -target_dim, -target_components, -target_decay, -target_correlation, -target_overlap and
/// -target_seed (ranges are checked by synthetic_mixture). Not collective.
SyntheticMixtureSpec configure_synthetic_mixture(Options& options);

/// Builder of `-target_type gmm_synthetic`: -target_dim, -target_components, -target_decay,
/// -target_correlation, -target_overlap, -target_seed; the model is a GaussianMixtureModel (exact
/// density and sampler).
std::unique_ptr<TargetBuilder> make_gmm_synthetic_builder();

} // namespace l0svgd
