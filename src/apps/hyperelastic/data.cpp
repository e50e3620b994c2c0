#include "l0svgd/apps/hyperelastic/data.hpp"

#include "l0svgd/core/csv.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"

#include <algorithm>
#include <sstream>

namespace l0svgd {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::vector<LoadingMode> parse_modes(const std::string& list) {
  std::vector<LoadingMode> modes;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    const LoadingMode mode = parse_loading_mode(trim(item));
    if (std::find(modes.begin(), modes.end(), mode) != modes.end())
      throw InputError("option -data_modes: mode '" + trim(item) + "' is listed twice");
    modes.push_back(mode);
  }
  if (modes.empty())
    throw InputError("option -data_modes: no loading mode given (expected e.g. ut,et,ps)");
  return modes;
}

double truth_stress(const std::string& truth, LoadingMode mode, double stretch) {
  if (truth == "mooney_rivlin")
    return mooney_rivlin_stress(MooneyRivlin{}, mode, stretch);
  if (truth == "ogden")
    return ogden_stress(Ogden{}, mode, stretch);
  throw InputError("unknown ground truth '" + truth + "' (expected mooney_rivlin or ogden)");
}

} // namespace

void StressPoints::append(const StressPoints& other) {
  const Index n = size(), m = other.size();
  // An optional column survives only if both sides have it for every point.
  auto join = [&](Vector& mine, const Vector& theirs, bool optional) {
    if (optional && (theirs.size() != m || (n > 0 && mine.size() != n))) {
      mine.resize(0);
      return;
    }
    Vector joined(n + m);
    joined.head(n) = mine;
    joined.tail(m) = theirs;
    mine.swap(joined);
  };
  join(stretch, other.stretch, false);
  join(stress, other.stress, false);
  join(truth, other.truth, true);
  join(noise_std, other.noise_std, true);
  mode.insert(mode.end(), other.mode.begin(), other.mode.end());
}

double training_max_stretch(LoadingMode mode) {
  return mode == LoadingMode::Equibiaxial ? 2.0 : 3.0;
}

double extrapolation_max_stretch(LoadingMode mode) {
  return mode == LoadingMode::Equibiaxial ? 4.0 : 6.0;
}

HyperelasticDataOptions HyperelasticDataOptions::configure(Options& options) {
  HyperelasticDataOptions d;
  d.source = options.get_choice("data_source", d.source, {"synthetic", "csv"},
                                "hyperelastic data: synthetic ground truth or CSV files");
  d.truth = options.get_choice("data_truth", d.truth, {"mooney_rivlin", "ogden"},
                               "ground truth of synthetic data");
  d.noise =
      options.get_real("data_noise", d.noise, 0.0, 1.0,
                       "noise level kappa: sigma = kappa * max|P| over each mode's training range");
  d.seed = static_cast<uint64_t>(
      options.get_int("data_seed", 1, 0, PETSC_MAX_INT, "seed of the synthetic data noise"));
  const std::string modes = options.get_string(
      "data_modes", "ut,et,ps", "training loading modes, comma-separated from ut,et,ps");
  if (!options.help_mode())
    d.modes = parse_modes(modes);
  d.points =
      options.get_int("data_points", d.points, 2, 100000,
                      "synthetic training stretches per mode (even in [1,3] UT/PS, [1,2] ET)");
  d.grid_points = options.get_int("data_grid_points", d.grid_points, 2, 100000,
                                  "synthetic test-grid stretches per mode (up to 6 UT/PS, 4 ET)");
  for (LoadingMode mode : all_loading_modes()) {
    const std::string name = loading_mode_name(mode);
    d.files[static_cast<int>(mode)] =
        options.get_path("data_" + name + "_file", "",
                         "CSV file (stretch,nominal_stress_MPa) of the " + name + " curve");
  }
  return d;
}

StressPoints synthetic_points(const std::string& truth, LoadingMode mode, Index n,
                              double max_stretch) {
  StressPoints p;
  p.mode.assign(n, mode);
  p.stretch = Vector::LinSpaced(n, 1.0, max_stretch);
  p.truth.resize(n);
  for (Index i = 0; i < n; ++i)
    p.truth(i) = truth_stress(truth, mode, p.stretch(i));
  p.stress = p.truth;
  return p;
}

StressPoints read_stress_csv(const std::string& path, LoadingMode mode) {
  const CsvTable table = read_csv(path, {CsvSeparator::Comma, CsvHeader::Detect});
  require_input(table.n_cols() == 2, "data file '" + path + "' has " +
                                         std::to_string(table.n_cols()) +
                                         " columns; expected stretch,nominal_stress_MPa");
  for (Index i = 0; i < table.n_rows(); ++i)
    require_input(table.values(i, 0) > 0,
                  "data file '" + path + "' data row " + std::to_string(i + 1) + ": stretch " +
                      std::to_string(table.values(i, 0)) + " is not positive");
  StressPoints p;
  p.mode.assign(table.n_rows(), mode);
  p.stretch = table.values.col(0);
  p.stress = table.values.col(1);
  return p;
}

HyperelasticDataset load_hyperelastic_data(const HyperelasticDataOptions& o) {
  HyperelasticDataset data;
  if (o.source == "synthetic") {
    for (LoadingMode mode : o.modes) {
      StressPoints p = synthetic_points(o.truth, mode, o.points, training_max_stretch(mode));
      const double sigma = o.noise * p.truth.cwiseAbs().maxCoeff();
      p.noise_std = Vector::Constant(p.size(), sigma);
      for (Index i = 0; i < p.size(); ++i) {
        // One random sequence per (mode, point) so a mode's noise does not depend on the other
        // modes.
        RandomSequence rng(o.seed, RngStream::Data,
                           static_cast<uint64_t>(static_cast<int>(mode) * o.points + i));
        p.stress(i) += sigma * rng.normal();
      }
      data.train.append(p);
    }
    for (LoadingMode mode : all_loading_modes()) {
      StressPoints g =
          synthetic_points(o.truth, mode, o.grid_points, extrapolation_max_stretch(mode));
      const double sigma =
          o.noise * synthetic_points(o.truth, mode, o.points, training_max_stretch(mode))
                        .truth.cwiseAbs()
                        .maxCoeff();
      g.noise_std = Vector::Constant(g.size(), sigma);
      data.test.append(g);
    }
    std::ostringstream d;
    d << "synthetic " << o.truth << ", noise " << o.noise;
    data.description = d.str();
    return data;
  }
  for (LoadingMode mode : o.modes)
    require_input(!o.files[static_cast<int>(mode)].empty(),
                  "training mode " + loading_mode_name(mode) + " has no data file (set -data_" +
                      loading_mode_name(mode) + "_file)");
  for (LoadingMode mode : all_loading_modes()) {
    const std::string& file = o.files[static_cast<int>(mode)];
    if (file.empty())
      continue;
    const bool training = std::find(o.modes.begin(), o.modes.end(), mode) != o.modes.end();
    if (!training)
      data.test.append(read_stress_csv(file, mode));
  }
  for (LoadingMode mode : o.modes)
    data.train.append(read_stress_csv(o.files[static_cast<int>(mode)], mode));
  data.description = "csv";
  return data;
}

PredictionPoints to_prediction_points(const StressPoints& points) {
  PredictionPoints out;
  Vector mode(points.size());
  for (Index i = 0; i < points.size(); ++i)
    mode(i) = static_cast<double>(points.mode[static_cast<size_t>(i)]);
  out.coordinates = {{"mode", mode, true}, {"stretch", points.stretch, false}};
  out.value_name = "stress";
  out.values = points.stress;
  out.truth = points.truth;
  out.noise_std = points.noise_std;
  const bool synthetic = points.truth.size() == points.size();
  for (Index i = 0; i < points.size(); ++i)
    out.extrapolation.push_back(
        synthetic &&
        points.stretch(i) > training_max_stretch(points.mode[static_cast<size_t>(i)]) + 1e-12);
  return out;
}

StressPoints stress_points(const PredictionPoints& points) {
  StressPoints out;
  const Vector& mode = points.coordinate("mode");
  for (Index i = 0; i < mode.size(); ++i)
    out.mode.push_back(static_cast<LoadingMode>(static_cast<int>(mode(i))));
  out.stretch = points.coordinate("stretch");
  out.stress = Vector::Zero(out.stretch.size());
  return out;
}

} // namespace l0svgd
