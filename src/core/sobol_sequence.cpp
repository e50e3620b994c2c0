#include "l0svgd/core/sobol_sequence.hpp"

#include <gsl/gsl_qrng.h>
#include <new>
#include <string>

#include "l0svgd/core/error.hpp"

namespace l0svgd {

struct SobolSequence::Generator {
  gsl_qrng* qrng = nullptr;
  ~Generator() { gsl_qrng_free(qrng); }
};

SobolSequence::SobolSequence(Index dim) : dim_(dim) {
  // GSL allocates a generator past its dimension limit without complaint and then returns
  // garbage, so the limit is checked here.
  if (dim < 1 || dim > kMaxDim)
    throw InputError("a Sobol' sequence has 1 to " + std::to_string(kMaxDim) +
                     " dimensions (GSL's gsl_qrng_sobol), " + std::to_string(dim) + " were asked");
  generator_ = std::make_unique<Generator>();
  generator_->qrng = gsl_qrng_alloc(gsl_qrng_sobol, static_cast<unsigned>(dim));
  if (!generator_->qrng)
    throw std::bad_alloc();
}

SobolSequence::~SobolSequence() = default;

Matrix SobolSequence::next(Index n) {
  Matrix points(n, dim_);
  Vector point(dim_);
  for (Index i = 0; i < n; ++i) {
    gsl_qrng_get(generator_->qrng, point.data());
    points.row(i) = point.transpose();
  }
  return points;
}

} // namespace l0svgd
