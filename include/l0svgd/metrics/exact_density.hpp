#pragma once
/// An exactly sampled target (ExactTarget) seen as the NormalisedDensity the divergence estimators
/// take, so that any synthetic benchmark, not only a Gaussian mixture, can be the reference.
#include "l0svgd/metrics/density.hpp"
#include "l0svgd/models/exact_target.hpp"
#include "l0svgd/models/model.hpp"

namespace l0svgd {

class ExactTargetDensity : public NormalisedDensity {
public:
  /// `model` is the target (its log density normalised) and `exact` its sampler, usually the same
  /// object; both must outlive this one.
  ExactTargetDensity(const Model& model, const ExactTarget& exact) : model_(model), exact_(exact) {}
  Index dim() const override { return model_.dim(); }
  void log_density(const ConstMatrixRef& x, VectorRef log_density) const override {
    model_.log_density(x, log_density);
  }
  void sample(uint64_t seed, RngStream stream, Index first, MatrixRef out) const override {
    exact_.sample_exact(seed, stream, first, out);
  }

private:
  const Model& model_;
  const ExactTarget& exact_;
};

} // namespace l0svgd
