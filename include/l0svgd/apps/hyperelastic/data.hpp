#pragma once
/// Stress–stretch data for incompressible hyperelasticity: synthetic data from the Mooney–Rivlin or
/// Ogden ground truth (REFERENCE.md §4) with additive Gaussian noise, or measured curves from CSV
/// files (Treloar). Options are read by `HyperelasticDataOptions::configure` (prefix `data_`),
/// files by `load_hyperelastic_data`.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "l0svgd/apps/hyperelastic/loading.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/core/types.hpp"
#include "l0svgd/models/network_application.hpp"

namespace l0svgd {

/// A set of (mode, stretch, stress) points.
struct StressPoints {
  std::vector<LoadingMode> mode;
  Vector stretch;   ///< λ > 0
  Vector stress;    ///< nominal stress P11 in MPa: observed (noisy) for training, true for the grid
  Vector truth;     ///< noise-free ground-truth stress (synthetic data only; size 0 otherwise)
  Vector noise_std; ///< standard deviation of the noise that generated each point (synthetic only)

  Index size() const { return stretch.size(); }
  /// Appends the points of `other`; `truth` and `noise_std` are kept only if both sets have them.
  void append(const StressPoints& other);
};

/// Largest training stretch of the synthetic data: 3 (UT, PS), 2 (ET).
double training_max_stretch(LoadingMode mode);
/// Largest stretch of the synthetic extrapolation grid: 6 (UT, PS), 4 (ET).
double extrapolation_max_stretch(LoadingMode mode);

/// Settings of the data, from options with prefix `data_`.
struct HyperelasticDataOptions {
  std::string source = "synthetic";    ///< "synthetic" or "csv"
  std::string truth = "mooney_rivlin"; ///< synthetic ground truth: "mooney_rivlin" or "ogden"
  double noise = 0.01; ///< κ: noise σ = κ · max|P| over each mode's training range
  uint64_t seed = 1;   ///< noise seed (RandomSequence stream Data)
  std::vector<LoadingMode> modes = {LoadingMode::Uniaxial, LoadingMode::Equibiaxial,
                                    LoadingMode::PureShear}; ///< training modes
  Index points = 20;      ///< synthetic training stretches per mode
  Index grid_points = 51; ///< synthetic grid stretches per mode, over [1, extrapolation max]
  std::array<std::string, 3> files; ///< CSV file per mode (ut, et, ps); empty = none

  /// Reads -data_source, -data_truth, -data_noise, -data_seed, -data_modes (comma-separated
  /// ut,et,ps), -data_points, -data_grid_points, -data_ut_file, -data_et_file, -data_ps_file. Reads
  /// options only (works in help mode). Not collective. Throws InputError for an unknown or
  /// repeated mode.
  static HyperelasticDataOptions configure(Options& options);
};

/// Training data and a held-out set.
struct HyperelasticDataset {
  /// Training points, in the order of `modes` and by increasing stretch within a mode.
  StressPoints train;
  /// Synthetic: noise-free stresses on an even grid over [1, 6] (UT, PS) and [1, 4] (ET) for all
  /// three modes (training range and extrapolation). CSV: the curves of modes that have a file but
  /// are not training modes (Treloar: train on UT and ET, hold PS out).
  StressPoints test;
  std::string description; ///< e.g. "synthetic mooney_rivlin, noise 0.01" or "csv"
};

/// The points as the pipeline sees them: coordinates "mode" (0 UT, 1 ET, 2 PS, integers) and
/// "stretch", values "stress", truth and noise_std when known, and a point marked as extrapolation
/// when synthetic data put it beyond its mode's training stretch (measured sets: none).
PredictionPoints to_prediction_points(const StressPoints& points);
/// Mode and stretch of prediction points made by to_prediction_points (values not copied). Throws
/// std::out_of_range without those coordinates.
StressPoints stress_points(const PredictionPoints& points);

/// Noise-free synthetic points of one mode on `n` evenly spaced stretches in [1, max_stretch].
StressPoints synthetic_points(const std::string& truth, LoadingMode mode, Index n,
                              double max_stretch);

/// Reads a two-column CSV "stretch,nominal_stress_MPa" (optional header line; blank lines and '#'
/// comments skipped; core/csv.hpp). Throws InputError naming the file for a missing file, a
/// malformed or non-finite cell, a row of another length, a number of columns other than two, a
/// stretch ≤ 0 or a file without data rows.
StressPoints read_stress_csv(const std::string& path, LoadingMode mode);

/// Builds the data set: generates synthetic data (noise from RandomSequence(seed, Data, point
/// index), so identical on every rank) or reads the CSV files. Not collective; call on every rank.
/// Throws InputError for bad data or a training mode without a file.
HyperelasticDataset load_hyperelastic_data(const HyperelasticDataOptions& options);

} // namespace l0svgd
