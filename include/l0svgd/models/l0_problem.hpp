#pragma once
/// The interface between a network and L0 sparsification (optim/l0_sparsifier.hpp). It lives with
/// the models so that an application implements it without including an optimiser: the sparsifier
/// depends on this interface, never the other way round.
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// What L0 sparsification needs from a model, in terms of its effective weights.
class L0Problem {
public:
  virtual ~L0Problem() = default;
  virtual Index n_weights() const = 0;
  /// Number of data the loss fits (for the information criterion).
  virtual Index n_data() const = 0;
  /// The reparameterisation g(θ) of every weight and its derivative g'(θ), elementwise.
  virtual void reparameterise(const ConstVectorRef& theta, VectorRef g,
                              VectorRef derivative) const = 0;
  /// θ with g(θ) = w for weight k (w > 0 for weights kept positive).
  virtual double unconstrained(Index k, double w) const = 0;
  /// Data loss at effective weights `weights`, writing its gradient.
  virtual double loss(const ConstVectorRef& weights, VectorRef gradient) const = 0;
  /// Training R² at effective weights `weights`.
  virtual double r_squared(const ConstVectorRef& weights) const = 0;
  /// Indices of the weights of `support` that remain once every neuron without a path from a source
  /// to the output is removed, in increasing order.
  virtual std::vector<Index> surviving(const std::vector<bool>& support) const = 0;
};

} // namespace l0svgd
