#pragma once
/// The HDF5 layout of the Laplace and VI tasks:
///   /modes (K×d), /modes_log_density (K), /laplace/{mean (K×d), covariance (K×d×d), log_mass (K)},
///   /mixture/<stage>/{weights (K), means (K×d), cholesky (K×d×d)} for stage initial and final,
///   /vi/history/{iteration,time,elbo,jsd,jsd_error}, /samples (n×d draws from the last mixture).
#include <string>
#include <vector>

#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/optim/gaussian_mixture.hpp"
#include "l0svgd/optim/gmm_vi.hpp"
#include "l0svgd/optim/laplace_mixture.hpp"
#include "l0svgd/optim/multistart.hpp"

namespace l0svgd {

/// Collective: weights, means and Cholesky factors of `mixture` under `group`.
void write_mixture(H5File& file, const std::string& group, const GaussianMixture& mixture);

/// Collective: the modes found and the Laplace components with the weighting facts as attributes.
void write_laplace(H5File& file, const MultistartResult& modes, const LaplaceMixture& laplace);

/// Collective: the VI history records as columns of /vi/history.
void write_vi_history(H5File& file, const std::vector<ViRecord>& history);
/// Collective: the records write_vi_history wrote.
std::vector<ViRecord> read_vi_history(const H5File& file);

/// Collective: `n` draws from `density` into `path` (default /samples), each rank drawing and
/// writing its own rows (draw i from RandomSequence(seed, stream, i), so any rank count gives the
/// same samples).
void write_density_samples(H5File& file, const NormalisedDensity& density, Index n, uint64_t seed,
                           const std::string& path = "/samples",
                           RngStream stream = RngStream::VariationalDraws);

} // namespace l0svgd
