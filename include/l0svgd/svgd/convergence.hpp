#pragma once
/// When an SVGD run converged, judged from its KSD trace. The KSD of a finite ensemble does not go
/// to zero but settles at a level set by the particle count and, with the median bandwidth, by the
/// ensemble's own spread (a tight start can have a smaller KSD than the converged ensemble), so
/// convergence is the iteration from which the KSD stays close to its final level, from either
/// side.
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// KSD values recorded during a run, at increasing iteration counts.
struct KsdTrace {
  std::vector<Index> iterations;
  std::vector<double> ksd;
};

/// The first recorded iteration from which every later KSD stays within ±band × the plateau of it,
/// the plateau being the median KSD over the last quarter of the trace (at least one value); −1 for
/// an empty trace. Throws InputError if band < 0, the two vectors differ in length, or a KSD is
/// negative or not finite. Not collective.
Index iterations_to_converge(const KsdTrace& trace, double band);

} // namespace l0svgd
