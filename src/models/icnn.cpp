#include "l0svgd/models/icnn.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"

#include "icnn_activation.hpp"

#include <algorithm>
#include <cmath>

namespace l0svgd {
namespace {

using Kind = IcnnParameter::Kind;

// Shifted softplus σ(t) = softplus(t) − log 2 with σ' = sigmoid(t) and σ'' = sigmoid(t)(1 −
// sigmoid(t)), by the loop compiled for the host's widest vector unit (a third of a dense posterior
// gradient was spent here in Eigen's baseline SSE2 exp and log).
void activate(const DenseMatrix& h, DenseMatrix& z, DenseMatrix& s1, DenseMatrix& s2) {
  z.resize(h.rows(), h.cols());
  s1.resize(h.rows(), h.cols());
  s2.resize(h.rows(), h.cols());
  simd::shifted_softplus(h.data(), z.data(), s1.data(), s2.data(), h.size());
}

void resize_all(std::vector<DenseMatrix>& m, size_t n) {
  m.resize(n);
}

} // namespace

double softplus(double theta) {
  return std::max(theta, 0.0) + std::log1p(std::exp(-std::abs(theta)));
}

double softplus_inverse(double y) {
  if (!(y > 0))
    throw Error("softplus_inverse: argument must be positive");
  // log(e^y − 1) = y + log(1 − e^{−y}), accurate for large and small y alike.
  return y + std::log(-std::expm1(-y));
}

IcnnNetwork::IcnnNetwork(IcnnStructure structure) : structure_(std::move(structure)) {}

void IcnnNetwork::effective_weights(const ConstVectorRef& theta, VectorRef weights,
                                    VectorRef derivative) const {
  const auto& params = structure_.parameters();
  if (theta.size() != n_parameters())
    throw Error("IcnnNetwork: expected " + std::to_string(n_parameters()) + " parameters, got " +
                std::to_string(theta.size()));
  const bool want_w = weights.size() > 0, want_d = derivative.size() > 0;
  // softplus(θ) = max(θ, 0) + log1p(e) and sigmoid(θ) = (θ ≥ 0 ? 1 : e)/(1 + e) from one
  // e = exp(−|θ|), in vectorised chunks (one scalar at a time, this loop took 10–20 % of a dense
  // posterior gradient), with log1p(e) = log(u) − ((u − 1) − e)/u, u = 1 + e, accurate to a few ulp
  // because Eigen vectorises log but not log1p. θ is copied into the chunk first, so the outputs
  // may alias it.
  constexpr Index chunk = 64;
  Eigen::Array<double, chunk, 1> t_chunk, e_chunk;
  for (Index start = 0; start < theta.size(); start += chunk) {
    const Index m = std::min(chunk, theta.size() - start);
    auto t = t_chunk.head(m);
    auto e = e_chunk.head(m);
    t = theta.segment(start, m).array();
    e = (-t.abs()).exp();
    if (want_w)
      weights.segment(start, m).array() =
          t.max(0.0) + (1.0 + e).log() - (((1.0 + e) - 1.0) - e) / (1.0 + e);
    if (want_d)
      derivative.segment(start, m).array() = (t >= 0.0).select(1.0, e) / (1.0 + e);
    for (Index i = 0; i < m; ++i) {
      if (params[start + i].positive)
        continue;
      if (want_w)
        weights(start + i) = t(i);
      if (want_d)
        derivative(start + i) = 1.0;
    }
  }
}

void IcnnNetwork::forward(const ConstVectorRef& weights,
                          const Eigen::Ref<const DenseMatrix>& inputs, IcnnTape& t) const {
  const Index L = structure_.depth(), n_in = n_inputs(), n = inputs.cols();
  if (inputs.rows() != n_in)
    throw Error("IcnnNetwork: inputs have " + std::to_string(inputs.rows()) + " rows, expected " +
                std::to_string(n_in));
  if (weights.size() != n_parameters())
    throw Error("IcnnNetwork: expected " + std::to_string(n_parameters()) + " weights, got " +
                std::to_string(weights.size()));
  const size_t layers = static_cast<size_t>(L + 1);
  resize_all(t.W, layers);
  resize_all(t.A, layers);
  t.b.resize(L);
  for (Index l = 0; l <= L; ++l) {
    t.W[l].setZero(structure_.rows(l), structure_.w_cols(l));
    t.A[l].setZero(structure_.rows(l), n_in);
    if (l < L)
      t.b[l].setZero(structure_.rows(l));
  }
  const auto& params = structure_.parameters();
  for (Index k = 0; k < weights.size(); ++k) {
    const auto& p = params[k];
    if (p.kind == Kind::W)
      t.W[p.layer](p.row, p.col) = weights(k);
    else if (p.kind == Kind::A)
      t.A[p.layer](p.row, p.col) = weights(k);
    else
      t.b[p.layer](p.row) = weights(k);
  }

  t.X = inputs;
  for (auto* m : {&t.H, &t.Z, &t.S1, &t.S2, &t.G, &t.D})
    resize_all(*m, static_cast<size_t>(L));
  for (Index l = 0; l < L; ++l) {
    t.H[l].noalias() = t.A[l] * t.X;
    t.H[l].colwise() += t.b[l];
    if (l > 0)
      t.H[l].noalias() += t.W[l] * t.Z[l - 1];
    activate(t.H[l], t.Z[l], t.S1[l], t.S2[l]);
  }
  t.value.noalias() = t.A[L] * t.X;
  t.value.noalias() += t.W[L] * t.Z[L - 1];

  // ∂N/∂x by reverse mode: G_ℓ = ∂N/∂z_ℓ, D_ℓ = ∂N/∂h_ℓ.
  // Column by column: vectorised copies, where replicate() stores one scalar at a time (ten times
  // slower here).
  t.G[L - 1].resize(t.W[L].cols(), n);
  for (Index j = 0; j < n; ++j)
    t.G[L - 1].col(j) = t.W[L].transpose();
  for (Index l = L - 1; l >= 0; --l) {
    t.D[l] = t.G[l].cwiseProduct(t.S1[l]);
    if (l > 0)
      t.G[l - 1].noalias() = t.W[l].transpose() * t.D[l];
  }
  t.input_gradient.resize(n_in, n);
  for (Index j = 0; j < n; ++j)
    t.input_gradient.col(j) = t.A[L].transpose();
  for (Index l = 0; l < L; ++l)
    t.input_gradient.noalias() += t.A[l].transpose() * t.D[l];
}

void IcnnNetwork::parameter_gradient(IcnnTape& t,
                                     const Eigen::Ref<const Eigen::RowVectorXd>& value_cotangent,
                                     const Eigen::Ref<const DenseMatrix>& gradient_cotangent,
                                     VectorRef weight_gradient) const {
  const Index L = structure_.depth();
  const auto& c = value_cotangent;
  const auto& y_bar = gradient_cotangent;
  if (c.size() != t.X.cols() || y_bar.rows() != t.X.rows() || y_bar.cols() != t.X.cols())
    throw Error("IcnnNetwork::parameter_gradient: cotangents do not match the last forward pass");
  for (auto* m : {&t.W_bar, &t.A_bar})
    resize_all(*m, static_cast<size_t>(L + 1));
  for (auto* m : {&t.H_bar, &t.D_bar, &t.G_bar, &t.Z_bar})
    resize_all(*m, static_cast<size_t>(L));
  t.b_bar.resize(L);

  // Adjoint of the input-gradient sweep, which ran from the output down to layer 0, so its adjoint
  // runs upwards. D_bar = ∂F/∂D, G_bar = ∂F/∂G; σ'' terms start H_bar = ∂F/∂H.
  for (Index l = 0; l < L; ++l) {
    t.D_bar[l].noalias() = t.A[l] * y_bar;
    t.A_bar[l].noalias() = t.D[l] * y_bar.transpose();
    if (l > 0) {
      t.D_bar[l].noalias() += t.W[l] * t.G_bar[l - 1];
      t.W_bar[l].noalias() = t.D[l] * t.G_bar[l - 1].transpose();
    }
    t.G_bar[l] = t.D_bar[l].cwiseProduct(t.S1[l]);
    t.H_bar[l] = t.D_bar[l].array() * t.G[l].array() * t.S2[l].array();
  }
  t.W_bar[L] = t.G_bar[L - 1].rowwise().sum().transpose();
  t.W_bar[L].noalias() += c * t.Z[L - 1].transpose();
  t.A_bar[L] = y_bar.rowwise().sum().transpose();
  t.A_bar[L].noalias() += c * t.X.transpose();

  // Adjoint of the forward pass, seeded with the value cotangent.
  t.Z_bar[L - 1].noalias() = t.W[L].transpose() * c;
  for (Index l = L - 1; l >= 0; --l) {
    t.H_bar[l].array() += t.Z_bar[l].array() * t.S1[l].array();
    t.b_bar[l] = t.H_bar[l].rowwise().sum();
    t.A_bar[l].noalias() += t.H_bar[l] * t.X.transpose();
    if (l > 0) {
      t.W_bar[l].noalias() += t.H_bar[l] * t.Z[l - 1].transpose();
      t.Z_bar[l - 1].noalias() = t.W[l].transpose() * t.H_bar[l];
    }
  }

  const auto& params = structure_.parameters();
  if (weight_gradient.size() != n_parameters())
    throw Error("IcnnNetwork::parameter_gradient: gradient has the wrong size");
  for (Index k = 0; k < n_parameters(); ++k) {
    const auto& p = params[k];
    weight_gradient(k) = p.kind == Kind::W   ? t.W_bar[p.layer](p.row, p.col)
                         : p.kind == Kind::A ? t.A_bar[p.layer](p.row, p.col)
                                             : t.b_bar[p.layer](p.row);
  }
}

void IcnnNetwork::scale_output(VectorRef theta, double factor) const {
  if (!(factor > 0))
    throw Error("IcnnNetwork::scale_output: the factor must be positive");
  const auto& params = structure_.parameters();
  for (Index k = 0; k < n_parameters(); ++k) {
    if (params[k].layer != structure_.depth())
      continue;
    theta(k) =
        params[k].positive ? softplus_inverse(factor * softplus(theta(k))) : factor * theta(k);
  }
}

Vector IcnnNetwork::initial_parameters(uint64_t seed, uint64_t index) const {
  const auto& params = structure_.parameters();
  // Fan-in of each neuron (and of the output): the number of weights (not biases) entering it.
  std::vector<std::vector<Index>> fan(structure_.depth() + 1);
  for (Index l = 0; l <= structure_.depth(); ++l)
    fan[l].assign(structure_.rows(l), 0);
  for (const auto& p : params)
    if (p.kind != Kind::b)
      ++fan[p.layer][p.row];
  RandomSequence rng(seed, RngStream::Weights, index);
  Vector theta(n_parameters());
  for (Index k = 0; k < n_parameters(); ++k) {
    const auto& p = params[k];
    const double xi = rng.normal();
    const double f = static_cast<double>(std::max<Index>(fan[p.layer][p.row], 1));
    if (p.kind == Kind::b)
      theta(k) = 0.1 * xi;
    else if (p.positive)
      theta(k) = softplus_inverse(1.0 / f) + 0.1 * xi;
    else
      theta(k) = xi / std::sqrt(f);
  }
  return theta;
}

} // namespace l0svgd
