#pragma once
/// Convergence diagnostics of MCMC draws: split-R̂ and the effective sample size.
///
/// Draws of C chains of n draws each are stored as a (C·n) × d matrix, chain after chain (row
/// c·n + s is draw s of chain c), one column per parameter. Nothing here is collective: compute on
/// gathered draws and every rank gets the same numbers.
#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// Split-R̂ of every parameter (Gelman et al., BDA3, Section 11.4, without rank normalisation):
/// each chain is split into its first and last ⌊n/2⌋ draws (the middle draw of an odd n is
/// dropped), and with m = 2C halves of length k, B/k the variance of the half means, W the mean of
/// the half variances, R̂ = sqrt(((k − 1)/k · W + B/k) / W). Throws InputError for C < 1, rows not
/// divisible by C, or fewer than 4 draws per chain. A parameter that is constant in every half
/// gives NaN (R̂ undefined).
Vector split_rhat(const ConstMatrixRef& draws, Index n_chains);

/// Effective sample size of every parameter over the combined chains, as Stan's
/// compute_effective_sample_size: autocorrelations ρ_t = 1 − (W − mean_c acov_c(t)) / var⁺ with
/// var⁺ = (n−1)/n · W + B/n, summed by Geyer's initial positive sequence made monotone, and
/// ESS = C n / τ, τ = −1 + 2 Σ_{t ≤ T} ρ_t + ρ_{T+1} (bounded below by 1/log10(C n)). Needs at
/// least 4 draws per chain. A parameter that is constant gives NaN.
Vector effective_sample_size(const ConstMatrixRef& draws, Index n_chains);

/// Bulk effective sample size (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021, section 4.3):
/// effective_sample_size of the rank-normalised draws, z = Φ⁻¹((r − 3/8)/(C n + 1/4)) with r the
/// rank among all chains' draws (ties: the average rank), over the 2C split half-chains. It
/// measures the centre of the distribution and exists where the variance does not. NaN for a
/// constant parameter; needs at least 8 draws per chain.
Vector bulk_effective_sample_size(const ConstMatrixRef& draws, Index n_chains);

/// Tail effective sample size (Vehtari et al. 2021, section 4.3): the smaller of the effective
/// sample sizes of the indicators I(x ≤ q₀.₀₅) and I(x ≤ q₀.₉₅), quantiles of all chains' draws,
/// over the 2C split half-chains: how well the 5 % and 95 % quantiles are estimated. NaN for a
/// constant parameter or indicator; needs at least 8 draws per chain.
Vector tail_effective_sample_size(const ConstMatrixRef& draws, Index n_chains);

/// The 2C half-chains of ⌊n/2⌋ draws each (the middle draw of an odd n dropped), in order.
Matrix split_chains(const ConstMatrixRef& draws, Index n_chains);

/// Biased autocovariance acov(t) = (1/n) Σ_{i<n−t} (x_i − x̄)(x_{i+t} − x̄), t = 0 … n−1, by FFT.
Vector autocovariance(const ConstVectorRef& chain);

} // namespace l0svgd
