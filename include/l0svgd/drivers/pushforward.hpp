#pragma once
/// The posterior predictive of a Predictive model under a reference posterior and its
/// approximations (the talk's last slide: the shear frame's floor displacements under the grid
/// posterior, the Laplace mixture and the VI-refined mixture). HDF5 layout:
///   /pushforward/{points (n_p), quantities (n_q names)}, attributes point_name, level, draws;
///   /pushforward/data/<quantity>/{points, values} for each observed quantity;
///   /pushforward/<source>/{mean, median, lower, upper} (n_q × n_p): the predictive's mean, median
///     and central `level` band of every quantity at every point;
///   /pushforward/<source>/{w1 (n_q × n_p), w1_mean (n_q)}: W1 between the source's predictive and
///     the reference's at every point, and its mean over the points;
///   /pushforward/reference/w1_floor (n_q): the same mean W1 between two independent draw sets of
///     the reference, the Monte Carlo floor below which a distance means nothing.
#include <cstdint>
#include <functional>
#include <mpi.h>
#include <string>
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/models/predictive.hpp"

namespace l0svgd {

/// -pushforward_draws, -pushforward_level.
struct PushforwardSettings {
  Index n_draws = 2000; ///< parameter draws per source (0: no push-forward)
  double level = 0.95;  ///< probability of the central band
  void configure(Options& options);
};

/// Draws rows `first` … of a density's (seed, stream) sample sequence (NormalisedDensity::sample
/// and GridPosterior::sample have this shape).
using DrawFunction = std::function<void(uint64_t seed, RngStream stream, Index first, MatrixRef)>;

struct PushforwardSource {
  std::string name; ///< the group under /pushforward
  DrawFunction draw;
};

/// Collective: pushes `settings.n_draws` draws of `reference` (if given) and of each approximation
/// through `model` and writes the layout above. Draw i of the reference is its sample i of the
/// (seed, Metrics) sequence, of its second set (seed + 1, Metrics), of an approximation
/// (seed + 2, Metrics): every distance is between independent draws. The draws are split over the
/// ranks and gathered in order, so the file does not depend on the rank count. Logs each
/// approximation's mean W1 per quantity.
void write_pushforward(H5File& file, const Predictive& model, Index dim,
                       const PushforwardSettings& settings, const PushforwardSource* reference,
                       const std::vector<PushforwardSource>& approximations, uint64_t seed,
                       MPI_Comm comm);

} // namespace l0svgd
