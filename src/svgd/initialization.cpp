#include "l0svgd/svgd/initialization.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"

namespace l0svgd {

InitConfig configure_initialization(Options& options, InitType default_type) {
  InitConfig c;
  const std::string type = options.get_choice(
      "init_type", init_type_name(default_type), {"gaussian", "uniform", "file", "laplace"},
      "initial particles: gaussian (mean + scale*z), uniform on [lower, upper], file, or laplace "
      "(drawn from the Laplace approximation at the MAP, its sds times -init_scale)");
  c.type = type == "uniform"   ? InitType::Uniform
           : type == "file"    ? InitType::File
           : type == "laplace" ? InitType::Laplace
                               : InitType::Gaussian;
  const bool all = options.help_mode();
  if (all || c.type == InitType::Gaussian)
    c.mean = options.get_real_array("init_mean", c.mean,
                                    "gaussian initial mean, one value or one per coordinate");
  if (all || c.type == InitType::Gaussian || c.type == InitType::Laplace)
    c.scale = options.get_real_array(
        "init_scale", c.scale,
        "gaussian initial standard deviation, one value or one per coordinate (laplace: in "
        "units of the Laplace sds, whitened coordinates)");
  if (all || c.type == InitType::Uniform) {
    c.lower = options.get_real_array(
        "init_lower", c.lower, "uniform initial lower bound, one value or one per coordinate");
    c.upper = options.get_real_array(
        "init_upper", c.upper, "uniform initial upper bound, one value or one per coordinate");
  }
  if (all || c.type == InitType::File) {
    c.file = options.get_path("init_file", "", "HDF5 file with the initial particles");
    if (!all && c.file.empty())
      throw InputError("option -init_type file needs -init_file");
  }
  return c;
}

const char* init_type_name(InitType type) {
  switch (type) {
  case InitType::Uniform:
    return "uniform";
  case InitType::File:
    return "file";
  case InitType::Laplace:
    return "laplace";
  default:
    return "gaussian";
  }
}

Vector expand_per_coordinate(const std::vector<double>& values, Index dim,
                             const std::string& option) {
  const Index n = static_cast<Index>(values.size());
  if (n == 1)
    return Vector::Constant(dim, values[0]);
  if (n != dim)
    throw InputError("option -" + option + ": has " + std::to_string(n) +
                     " values, expected 1 or the dimension " + std::to_string(dim));
  return Eigen::Map<const Vector>(values.data(), n);
}

void validate_initialization(const InitConfig& config, Index dim) {
  if (config.type == InitType::Gaussian || config.type == InitType::Laplace) {
    if (config.type == InitType::Gaussian)
      expand_per_coordinate(config.mean, dim, "init_mean");
    if ((expand_per_coordinate(config.scale, dim, "init_scale").array() <= 0.0).any())
      throw InputError("option -init_scale: every scale must be positive");
  } else if (config.type == InitType::Uniform) {
    const Vector lower = expand_per_coordinate(config.lower, dim, "init_lower");
    const Vector upper = expand_per_coordinate(config.upper, dim, "init_upper");
    for (Index j = 0; j < dim; ++j)
      if (!(lower(j) < upper(j)))
        throw InputError("options -init_lower/-init_upper: lower bound " +
                         std::to_string(lower(j)) + " is not below upper bound " +
                         std::to_string(upper(j)) + " for coordinate " + std::to_string(j));
  }
}

Matrix draw_initial_particles(const InitConfig& config, const Partition& partition, Index dim,
                              uint64_t seed) {
  if (config.type == InitType::File)
    throw InputError("initial particles of type file are read from -init_file, not drawn");
  if (config.type == InitType::Laplace)
    throw InputError("initial particles of type laplace are drawn by the task from its Laplace "
                     "fit, in whitened coordinates (as type gaussian with mean 0)");
  validate_initialization(config, dim);
  const bool gaussian = config.type == InitType::Gaussian;
  const Vector offset = expand_per_coordinate(gaussian ? config.mean : config.lower, dim,
                                              gaussian ? "init_mean" : "init_lower");
  const Vector width =
      gaussian ? expand_per_coordinate(config.scale, dim, "init_scale")
               : Vector(expand_per_coordinate(config.upper, dim, "init_upper") - offset);
  Matrix x(partition.n_local(), dim);
  for (Index i = 0; i < partition.n_local(); ++i) {
    RandomSequence rng(seed, RngStream::ParticleInit,
                       static_cast<uint64_t>(partition.local_begin() + i));
    for (Index j = 0; j < dim; ++j)
      x(i, j) = offset(j) + width(j) * (gaussian ? rng.normal() : rng.uniform());
  }
  return x;
}

} // namespace l0svgd
