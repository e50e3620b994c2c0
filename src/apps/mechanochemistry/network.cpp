#include "l0svgd/apps/mechanochemistry/network.hpp"

#include "l0svgd/apps/mechanochemistry/data.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"

namespace l0svgd {
namespace {

constexpr double kStrainScale = kMechStrainLimit;
constexpr double kConcentrationCentre = 0.5 * (kMechConcentrationLow + kMechConcentrationHigh);
constexpr double kConcentrationScale = 0.5 * (kMechConcentrationHigh - kMechConcentrationLow);

Index unit_size(const MechanoStructure::FreeUnit& u) {
  return u.has_bias ? 3 : 2;
}

} // namespace

MechanoStructure MechanoStructure::dense(Index width, Index depth, Index free_width,
                                         bool strain_squared) {
  require_input(free_width >= 0, "mechanochemistry network: free width must be >= 0");
  MechanoStructure s;
  std::vector<bool> convex_inputs{true, true, false};
  if (strain_squared)
    convex_inputs.push_back(true);
  s.convex_ = IcnnStructure::dense(convex_inputs, width, depth);
  for (Index k = 0; k < free_width; ++k)
    s.free_.push_back({k, true});
  return s;
}

Index MechanoStructure::n_parameters() const {
  Index n = convex_.n_parameters();
  for (const auto& u : free_)
    n += unit_size(u);
  return n;
}

std::vector<std::string> MechanoStructure::parameter_names() const {
  std::vector<std::string> names = convex_.parameter_names();
  for (const auto& u : free_) {
    const std::string k = "[" + std::to_string(u.label) + "]";
    names.push_back("free.a" + k);
    names.push_back("free.w" + k);
    if (u.has_bias)
      names.push_back("free.b" + k);
  }
  return names;
}

std::vector<bool> MechanoStructure::positive() const {
  std::vector<bool> p = convex_.positive();
  p.resize(static_cast<size_t>(n_parameters()), false);
  return p;
}

MechanoStructure::Reduction MechanoStructure::reduce(const std::vector<bool>& keep) const {
  require_input(static_cast<Index>(keep.size()) == n_parameters(),
                "mechanochemistry network: support of the wrong size");
  const Index nc = convex_.n_parameters();
  Reduction r;
  auto convex = convex_.reduce(std::vector<bool>(keep.begin(), keep.begin() + nc));
  r.structure.convex_ = std::move(convex.structure);
  r.kept = std::move(convex.kept);
  Index offset = nc;
  for (const auto& u : free_) {
    const auto k = static_cast<size_t>(offset);
    if (keep[k] && keep[k + 1]) {
      const bool bias = u.has_bias && keep[k + 2];
      r.structure.free_.push_back({u.label, bias});
      r.kept.push_back(offset);
      r.kept.push_back(offset + 1);
      if (bias)
        r.kept.push_back(offset + 2);
    }
    offset += unit_size(u);
  }
  return r;
}

MechanoNetwork::MechanoNetwork(MechanoStructure structure)
    : structure_(std::move(structure)), icnn_(structure_.convex()) {}

void MechanoNetwork::effective_weights(const ConstVectorRef& theta, VectorRef weights,
                                       VectorRef derivative) const {
  const Index nc = structure_.n_convex_parameters(), nf = n_parameters() - nc;
  icnn_.effective_weights(theta.head(nc), weights.head(nc), derivative.head(nc));
  weights.tail(nf) = theta.tail(nf);
  derivative.tail(nf).setOnes();
}

void MechanoNetwork::forward(const ConstVectorRef& weights, const ConstVectorRef& strain,
                             const ConstVectorRef& concentration, MechanoTape& tape) const {
  const Index n = strain.size(), nc = structure_.n_convex_parameters();
  const auto& units = structure_.free_units();
  const Index K = static_cast<Index>(units.size());
  const bool squared = structure_.strain_squared();
  tape.inputs.resize(squared ? 4 : 3, n);
  tape.inputs.row(0) = strain.transpose() / kStrainScale;
  tape.inputs.row(1) = -tape.inputs.row(0);
  tape.inputs.row(2) =
      (concentration.array() - kConcentrationCentre).matrix().transpose() / kConcentrationScale;
  if (squared)
    tape.inputs.row(3) = tape.inputs.row(0).array().square().matrix();
  icnn_.forward(weights.head(nc), tape.inputs, tape.icnn);
  const DenseMatrix& g = tape.icnn.input_gradient;
  tape.stress = (g.row(0) - g.row(1)).transpose() / kStrainScale;
  if (squared) // ∂x₄/∂ε = 2 x₁ / ε_s
    tape.stress.array() +=
        2.0 * (g.row(3).array() * tape.inputs.row(0).array()).transpose() / kStrainScale;
  tape.potential = g.row(2).transpose();
  tape.energy = tape.icnn.value.transpose();
  tape.T.resize(K, n);
  tape.S.resize(K, n);
  tape.free_a.resize(K);
  tape.free_w.resize(K);
  Index offset = nc;
  for (Index k = 0; k < K; ++k) {
    const double a = weights(offset), w = weights(offset + 1);
    const double b = units[static_cast<size_t>(k)].has_bias ? weights(offset + 2) : 0.0;
    tape.free_a(k) = a;
    tape.free_w(k) = w;
    tape.T.row(k) = (w * tape.inputs.row(2).array() + b).tanh().matrix();
    tape.S.row(k) = 1.0 - tape.T.row(k).array().square();
    tape.potential += (a * w) * tape.S.row(k).transpose();
    tape.energy += a * tape.T.row(k).transpose();
    offset += unit_size(units[static_cast<size_t>(k)]);
  }
  tape.potential /= kConcentrationScale;
}

void MechanoNetwork::gradient(MechanoTape& tape, const ConstVectorRef& stress_cotangent,
                              const ConstVectorRef& potential_cotangent,
                              VectorRef weight_gradient) const {
  const Index n = tape.inputs.cols(), nc = structure_.n_convex_parameters();
  // σ and μ are input derivatives of N weighted per point (forward), so their cotangents are those
  // weights times the callers' cotangents.
  tape.cotangent.resize(tape.inputs.rows(), n);
  tape.cotangent.row(0) = stress_cotangent.transpose() / kStrainScale;
  tape.cotangent.row(1) = -tape.cotangent.row(0);
  tape.cotangent.row(2) = potential_cotangent.transpose() / kConcentrationScale;
  if (structure_.strain_squared())
    tape.cotangent.row(3) =
        (2.0 * tape.cotangent.row(0).array() * tape.inputs.row(0).array()).matrix();
  tape.zero_row.setZero(n);
  icnn_.parameter_gradient(tape.icnn, tape.zero_row, tape.cotangent, weight_gradient.head(nc));
  // μ's free part is Σ_k a_k w_k (1 − t_k²) / c_s with t_k = tanh(w_k x₃ + b_k), whose
  // derivatives are w s, a s − 2 a w t s x₃ and −2 a w t s (s = 1 − t²).
  const auto v = tape.cotangent.row(2).array();
  const auto x = tape.inputs.row(2).array();
  Index offset = nc;
  const auto& units = structure_.free_units();
  for (size_t k = 0; k < units.size(); ++k) {
    const double a = tape.free_a(static_cast<Index>(k)), w = tape.free_w(static_cast<Index>(k));
    const auto t = tape.T.row(static_cast<Index>(k)).array();
    const auto sv = (tape.S.row(static_cast<Index>(k)).array() * v).eval();
    const double sum_sv = sv.sum(), sum_tsv = (t * sv).sum();
    weight_gradient(offset) = w * sum_sv;
    weight_gradient(offset + 1) = a * sum_sv - 2 * a * w * (t * sv * x).sum();
    if (units[k].has_bias)
      weight_gradient(offset + 2) = -2 * a * w * sum_tsv;
    offset += unit_size(units[k]);
  }
}

void MechanoNetwork::scale_output(VectorRef theta, double factor) const {
  const Index nc = structure_.n_convex_parameters();
  icnn_.scale_output(theta.head(nc), factor);
  Index offset = nc;
  for (const auto& u : structure_.free_units()) {
    theta(offset) *= factor;
    offset += unit_size(u);
  }
}

Vector MechanoNetwork::initial_parameters(uint64_t seed) const {
  const Index nc = structure_.n_convex_parameters();
  Vector theta(n_parameters());
  theta.head(nc) = icnn_.initial_parameters(seed, 0);
  RandomSequence rng(seed, RngStream::Weights, 1);
  Index offset = nc;
  for (const auto& u : structure_.free_units()) {
    theta(offset) = 0.1 * rng.normal();
    theta(offset + 1) = rng.normal();
    if (u.has_bias)
      theta(offset + 2) = rng.normal();
    offset += unit_size(u);
  }
  return theta;
}

} // namespace l0svgd
