#pragma once
/// Sorting of doubles in linear time, for the metrics that sort long samples column by column (the
/// Wasserstein distances and bands of a posterior predictive with 10^5 draws per point).
#include <vector>

namespace l0svgd {

/// Sorts `values` ascending, as std::sort would (−0 and +0, which compare equal, in either order),
/// by a least-significant-digit radix sort on order-preserving bit patterns: six passes of 11 bits,
/// a pass skipped when every value shares its digit; std::sort for short inputs. The values must
/// not be NaN. Not collective.
void sort_values(std::vector<double>& values);

} // namespace l0svgd
