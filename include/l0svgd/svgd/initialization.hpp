#pragma once
/// Initial particles: Gaussian or uniform draws keyed by the global particle index, or a file.
#include <cstdint>
#include <string>
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/parallel/partition.hpp"

namespace l0svgd {

/// gaussian: x = mean + scale ⊙ z, z ~ N(0, I). uniform: x ~ U[lower, upper] per coordinate. file:
/// particles read from `file` (by the io code; not drawn here). laplace: from the Laplace
/// approximation at the MAP, z ~ N(0, scale² I) in its whitened coordinates (drawn by the task,
/// which has the fit, with the same per-particle streams as gaussian).
enum class InitType { Gaussian, Uniform, File, Laplace };

/// Per-coordinate arrays have length 1 (broadcast to every coordinate) or d.
struct InitConfig {
  InitType type = InitType::Gaussian;
  std::vector<double> mean = {0.0};
  std::vector<double> scale = {1.0};
  std::vector<double> lower = {-1.0};
  std::vector<double> upper = {1.0};
  std::string file;
};

/// Reads -init_type (default `default_type`) and the options of that type: -init_mean, -init_scale
/// (gaussian); -init_scale (laplace); -init_lower, -init_upper (uniform); -init_file (file,
/// required). Every one in help mode. Not collective; the
/// lengths are checked against d later, by `validate_initialization`.
InitConfig configure_initialization(Options& options, InitType default_type = InitType::Gaussian);

/// "gaussian", "uniform", "file" or "laplace".
const char* init_type_name(InitType type);

/// Expands a per-coordinate option value to d entries; InputError naming -`option` unless its
/// length is 1 or d.
Vector expand_per_coordinate(const std::vector<double>& values, Index dim,
                             const std::string& option);

/// Throws InputError unless the arrays of the configured type have length 1 or d, scales are
/// positive and lower < upper.
void validate_initialization(const InitConfig& config, Index dim);

/// The rank's rows (partition.n_local() × dim) of a Gaussian or uniform initial ensemble. Particle
/// g uses RandomSequence(seed, RngStream::ParticleInit, g), one draw per coordinate in order, so
/// the ensemble is the same for every rank count. Not collective. Throws InputError for type file
/// or an invalid configuration.
Matrix draw_initial_particles(const InitConfig& config, const Partition& partition, Index dim,
                              uint64_t seed);

} // namespace l0svgd
