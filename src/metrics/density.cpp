#include "l0svgd/metrics/density.hpp"

namespace l0svgd {

std::pair<Vector, Vector> sampled_search_box(const NormalisedDensity& density, Index n_draws,
                                             uint64_t seed) {
  Matrix draws(n_draws, density.dim());
  density.sample(seed, RngStream::SearchBox, 0, draws);
  const Vector lo = draws.colwise().minCoeff().transpose(),
               hi = draws.colwise().maxCoeff().transpose();
  const Vector margin = 0.5 * (hi - lo);
  return {lo - margin, hi + margin};
}

} // namespace l0svgd
