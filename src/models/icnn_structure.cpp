#include "l0svgd/core/error.hpp"
#include "l0svgd/models/icnn.hpp"

namespace l0svgd {
namespace {

const char* kind_name(IcnnParameter::Kind kind) {
  switch (kind) {
  case IcnnParameter::Kind::W:
    return "W";
  case IcnnParameter::Kind::A:
    return "A";
  default:
    return "b";
  }
}

// Flags per neuron of every hidden layer.
using NeuronFlags = std::vector<std::vector<char>>;

} // namespace

std::string parameter_name(const IcnnParameter& p) {
  return "layer" + std::to_string(p.layer) + "." + kind_name(p.kind) + "[" +
         std::to_string(p.label_row) + "," + std::to_string(p.label_col) + "]";
}

IcnnStructure IcnnStructure::dense(const std::vector<bool>& convex_inputs, Index width,
                                   Index depth) {
  require_input(!convex_inputs.empty(), "ICNN: the network needs at least one input");
  require_input(width >= 1, "ICNN: width must be at least 1, got " + std::to_string(width));
  require_input(depth >= 1, "ICNN: depth must be at least 1, got " + std::to_string(depth));
  IcnnStructure s;
  s.convex_inputs_ = convex_inputs;
  s.widths_.assign(depth, width);
  const Index n_in = s.n_inputs();
  auto add = [&](int layer, IcnnParameter::Kind kind, Index row, Index col, bool positive) {
    s.parameters_.push_back({layer, kind, row, col, row, col, positive});
  };
  // Order: per layer W (row-major), A (row-major), b; the output layer has W and A only.
  for (Index layer = 0; layer <= depth; ++layer) {
    const int l = static_cast<int>(layer);
    for (Index i = 0; i < s.rows(layer); ++i)
      for (Index j = 0; j < s.w_cols(layer); ++j)
        add(l, IcnnParameter::Kind::W, i, j, true);
    for (Index i = 0; i < s.rows(layer); ++i)
      for (Index j = 0; j < n_in; ++j)
        add(l, IcnnParameter::Kind::A, i, j, convex_inputs[j]);
    if (layer < depth)
      for (Index i = 0; i < s.rows(layer); ++i)
        add(l, IcnnParameter::Kind::b, i, 0, false);
  }
  return s;
}

std::vector<std::string> IcnnStructure::parameter_names() const {
  std::vector<std::string> names;
  names.reserve(parameters_.size());
  for (const auto& p : parameters_)
    names.push_back(parameter_name(p));
  return names;
}

std::vector<bool> IcnnStructure::positive() const {
  std::vector<bool> flags;
  flags.reserve(parameters_.size());
  for (const auto& p : parameters_)
    flags.push_back(p.positive);
  return flags;
}

IcnnStructure::Reduction IcnnStructure::reduce(const std::vector<bool>& keep) const {
  if (static_cast<Index>(keep.size()) != n_parameters())
    throw Error("IcnnStructure::reduce: mask has " + std::to_string(keep.size()) + " entries for " +
                std::to_string(n_parameters()) + " parameters");
  const Index L = depth();
  NeuronFlags sourced(L), used(L);
  for (Index l = 0; l < L; ++l) {
    sourced[l].assign(widths_[l], 0);
    used[l].assign(widths_[l], 0);
  }
  // A neuron is sourced if an input, a bias or a sourced neuron feeds it through a kept weight;
  // layers in forward order, and parameters are stored layer by layer, so one pass suffices.
  for (size_t k = 0; k < parameters_.size(); ++k) {
    const auto& p = parameters_[k];
    if (!keep[k] || p.layer >= L)
      continue;
    if (p.kind != IcnnParameter::Kind::W || sourced[p.layer - 1][p.col])
      sourced[p.layer][p.row] = 1;
  }
  // A neuron is used if it feeds the output or a used neuron; layers in backward order.
  for (size_t k = parameters_.size(); k-- > 0;) {
    const auto& p = parameters_[k];
    if (!keep[k] || p.kind != IcnnParameter::Kind::W)
      continue;
    if (p.layer == L || used[p.layer][p.row])
      used[p.layer - 1][p.col] = 1;
  }
  // Compact indices of live neurons.
  std::vector<std::vector<Index>> index(L);
  Reduction r;
  r.structure.convex_inputs_ = convex_inputs_;
  r.structure.widths_.assign(L, 0);
  for (Index l = 0; l < L; ++l) {
    index[l].assign(widths_[l], -1);
    for (Index i = 0; i < widths_[l]; ++i)
      if (sourced[l][i] && used[l][i])
        index[l][i] = r.structure.widths_[l]++;
  }
  auto row_of = [&](const IcnnParameter& p) -> Index {
    return p.layer == L ? 0 : index[p.layer][p.row];
  };
  for (size_t k = 0; k < parameters_.size(); ++k) {
    if (!keep[k])
      continue;
    IcnnParameter p = parameters_[k];
    const Index row = row_of(p);
    const Index col = p.kind == IcnnParameter::Kind::W ? index[p.layer - 1][p.col] : p.col;
    if (row < 0 || col < 0)
      continue;
    p.row = row;
    p.col = col;
    r.structure.parameters_.push_back(p);
    r.kept.push_back(static_cast<Index>(k));
  }
  return r;
}

} // namespace l0svgd
