#include "l0svgd/models/banana.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/models/gaussian.hpp"

#include <cmath>

namespace l0svgd {

BananaModel::BananaModel(double a, double b) : a_(a), b_(b) {
  if (!(a > 0) || !std::isfinite(a) || !std::isfinite(b))
    throw InputError("banana target: a must be positive and finite and b finite");
}

void BananaModel::evaluate(const ConstMatrixRef& x, VectorRef log_density,
                           MatrixRef gradient) const {
  const double inv_a2 = 1.0 / (a_ * a_), shift = a_ * a_ * b_;
  const double log_normaliser = -std::log(2.0 * M_PI * a_);
  for (Index i = 0; i < x.rows(); ++i) {
    const double x1 = x(i, 0);
    // (b x1) x1 rather than b (x1 x1): with b = 0 a huge x1 gives 0, not 0 · inf = NaN.
    const double t = x(i, 1) - (b_ * x1) * x1 + shift;
    log_density(i) = -0.5 * (x1 * x1 * inv_a2 + t * t) + log_normaliser;
    gradient(i, 0) = -x1 * inv_a2 + 2.0 * (b_ * x1) * t;
    gradient(i, 1) = -t;
  }
}

DenseMatrix BananaModel::hessian(const ConstVectorRef& x) const {
  const double x1 = x(0), t = x(1) - b_ * x1 * x1 + a_ * a_ * b_;
  DenseMatrix h(2, 2);
  h(0, 0) = -1.0 / (a_ * a_) + 2.0 * b_ * t - 4.0 * b_ * b_ * x1 * x1;
  h(0, 1) = h(1, 0) = 2.0 * b_ * x1;
  h(1, 1) = -1.0;
  return h;
}

DenseMatrix BananaModel::covariance() const {
  DenseMatrix c = DenseMatrix::Zero(2, 2);
  c(0, 0) = a_ * a_;
  c(1, 1) = 1.0 + 2.0 * std::pow(a_, 4) * b_ * b_;
  return c;
}

Matrix BananaModel::sample(Index n, uint64_t seed, RngStream stream, Index first_index) const {
  Matrix x = standard_normal_rows(n, 2, seed, stream, first_index);
  x.col(0) *= a_;
  x.col(1).array() += b_ * x.col(0).array().square() - a_ * a_ * b_;
  return x;
}

namespace {

class BananaBuilder : public TargetBuilder {
public:
  void configure(Options& options) override {
    a_ = options.get_real("target_a", 1.0, 0.0, 1e6, "banana: scale a of x1", true);
    b_ = options.get_real("target_b", 1.0, -1e6, 1e6, "banana: curvature b");
  }
  std::unique_ptr<Model> build(MPI_Comm) const override {
    return std::make_unique<BananaModel>(a_, b_);
  }

private:
  double a_ = 1.0, b_ = 1.0;
};

} // namespace

std::unique_ptr<TargetBuilder> make_banana_builder() {
  return std::make_unique<BananaBuilder>();
}

} // namespace l0svgd
