#include "l0svgd/svgd/spread.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "l0svgd/core/error.hpp"

namespace l0svgd {

Vector column_sd(const ConstMatrixRef& x) {
  const Matrix centred = x.rowwise() - x.colwise().mean();
  const double n = static_cast<double>(std::max<Index>(x.rows() - 1, 1));
  return (centred.colwise().squaredNorm().transpose() / n).cwiseSqrt();
}

Vector ensemble_sd(const SvgdEngine& engine, const AffineMap& map) {
  return column_sd(map.to_original(engine.gather_particles()));
}

SpreadRatio spread_ratio(const ConstVectorRef& sd, const ConstVectorRef& reference) {
  if (sd.size() < 1 || sd.size() != reference.size())
    throw Error("spread_ratio: the standard deviations and the reference differ in length");
  if (!(reference.array() > 0.0).all())
    throw Error("spread_ratio: a reference standard deviation is not positive");
  SpreadRatio r;
  r.ratio = sd.cwiseQuotient(reference);
  std::vector<double> v(r.ratio.data(), r.ratio.data() + r.ratio.size());
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  r.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  r.min = v.front();
  r.max = v.back();
  return r;
}

std::string describe(const SpreadRatio& r) {
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "median %.3g (%.3g to %.3g)", r.median, r.min, r.max);
  return buffer;
}

} // namespace l0svgd
