#pragma once
/// What the L0+SVGD pipeline (drivers/network_pipeline.hpp) needs from an application of a
/// physics-constrained network: its data, its network as a posterior (dense, or reduced to the
/// weights L0 keeps) and the quantities it predicts. Everything else — L0, the MAP, the Laplace
/// scaling, the samplers, the push-forward, the metrics and the output — is the pipeline's, so an
/// application is a folder of its own (src/apps/<name>/) that never includes an optimiser or a
/// sampler. docs/applications.md shows how to add one.
#include <memory>
#include <string>
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/models/l0_problem.hpp"
#include "l0svgd/models/model.hpp"

namespace l0svgd {

/// Points at which an application predicts one scalar each (a stress at a loading mode and
/// stretch, a chemical potential at a strain and concentration), with what is known there. The
/// pipeline writes every column under /data/<set>/ and compares a reference run's coordinates with
/// this run's before it compares push-forwards.
struct PredictionPoints {
  /// A coordinate that locates the points, written as a dataset of its name.
  struct Column {
    std::string name;
    Vector values;
    bool integer = false; ///< written as integers (e.g. a loading mode)
  };
  std::vector<Column> coordinates;
  std::string value_name = "value"; ///< name of `values` in the output, e.g. "stress"
  /// Observed values: noisy data for training points; on a test set the measured values, or the
  /// noise-free truth of synthetic data.
  Vector values;
  Vector truth;     ///< noise-free values (synthetic data only; size 0 otherwise)
  Vector noise_std; ///< σ of the noise that generated each value (synthetic data only)
  /// Per point: outside the training range (metrics are averaged separately there).
  std::vector<bool> extrapolation;

  Index size() const { return values.size(); }
  /// Whether truth and noise_std are known at every point (synthetic data).
  bool synthetic() const { return truth.size() == size() && noise_std.size() == size(); }
  /// The coordinate named `name`. Throws std::out_of_range if there is none.
  const Vector& coordinate(const std::string& name) const;
};

/// A posterior over a network's parameters (and perhaps noise parameters) whose rows push forward
/// to the application's predictions. Evaluation is local and not collective.
class NetworkModel : public Model {
public:
  /// Parameters of the network alone (dim() minus noise parameters such as log σ).
  virtual Index n_network_parameters() const = 0;
  /// Noise-free predictions for each row of `x`: n_rows × points.size(). Throws ModelError if a
  /// row cannot be evaluated.
  virtual Matrix predict(const ConstMatrixRef& x, const PredictionPoints& points) const = 0;
  /// The likelihood's noise σ at each of `points` for parameters `x` (one row): the
  /// data-generating σ, a fixed one or the row's inferred σ.
  virtual Vector noise_std(const ConstVectorRef& x, const PredictionPoints& points) const = 0;
  /// A full parameter vector from network parameters alone: noise parameters at their prior
  /// means.
  virtual Vector with_noise_parameters(const ConstVectorRef& network) const = 0;
};

/// One application of the pipeline. Its options use its own prefix (-hyper_*, -mech_*); the
/// pipeline's are -uq_*.
class NetworkApplication {
public:
  virtual ~NetworkApplication() = default;
  /// Name of the task and of the result file's `task` attribute, e.g. "hyperelastic".
  virtual std::string name() const = 0;
  /// Reads and checks the application's options (data, network, likelihood); no files touched,
  /// so that -help can call it. Not collective.
  virtual void configure(Options& options) = 0;
  /// Reads or generates the data. Not collective, but call it on every rank (identical data
  /// everywhere); throws InputError for bad data.
  virtual void load() = 0;
  /// One line about the data, e.g. "synthetic mooney_rivlin, noise 0.01".
  virtual std::string data_description() const = 0;
  virtual const PredictionPoints& train_points() const = 0;
  virtual const PredictionPoints& test_points() const = 0;

  /// The dense network's posterior.
  virtual std::unique_ptr<NetworkModel> dense_model() const = 0;
  /// The posterior of the network reduced to the dense weights flagged in `support` (dead
  /// neurons removed).
  virtual std::unique_ptr<NetworkModel> reduced_model(const std::vector<bool>& support) const = 0;
  /// The dense network's L0 sparsification problem on the training data.
  virtual std::unique_ptr<L0Problem> l0_problem() const = 0;
  /// Names of the dense network's parameters, in L0Problem's weight order.
  virtual std::vector<std::string> dense_weight_names() const = 0;
  /// Unconstrained dense network parameters to start from (the L0 path and the dense MAP).
  virtual Vector initial_network() const = 0;
};

} // namespace l0svgd
