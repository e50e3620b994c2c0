#include "l0svgd/apps/mechanochemistry/data.hpp"

#include <cmath>
#include <sstream>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/rng.hpp"

namespace l0svgd {
namespace {

/// Both outputs on the grid `strains` × `concentrations`: every stress first, then every potential,
/// each block ordered by concentration within strain. Values are the truth.
PredictionPoints truth_grid(const Vector& strains, const Vector& concentrations, double chi) {
  const Index n = strains.size() * concentrations.size();
  Vector quantity(2 * n), strain(2 * n), concentration(2 * n);
  PredictionPoints p;
  p.truth.resize(2 * n);
  for (Index q = 0; q < 2; ++q)
    for (Index i = 0; i < strains.size(); ++i)
      for (Index j = 0; j < concentrations.size(); ++j) {
        const Index k = q * n + i * concentrations.size() + j;
        const double e = strains(i), c = concentrations(j);
        quantity(k) = static_cast<double>(q);
        strain(k) = e;
        concentration(k) = c;
        p.truth(k) = q == 0 ? mech_stress(e, c) : mech_potential(e, c, chi);
        const bool inside = std::abs(e) <= kMechStrainLimit + 1e-12 &&
                            c >= kMechConcentrationLow - 1e-12 &&
                            c <= kMechConcentrationHigh + 1e-12;
        p.extrapolation.push_back(!inside);
      }
  p.coordinates = {{"quantity", quantity, true},
                   {"strain", strain, false},
                   {"concentration", concentration, false}};
  p.value_name = "value";
  p.values = p.truth;
  return p;
}

} // namespace

double mech_free_energy(double strain, double concentration, double chi) {
  const double c = concentration, e = strain - kMechVegard * c;
  return 0.5 * kMechStiffness * e * e + c * std::log(c) + (1 - c) * std::log(1 - c) +
         chi * c * (1 - c);
}

double mech_stress(double strain, double concentration) {
  return kMechStiffness * (strain - kMechVegard * concentration);
}

double mech_potential(double strain, double concentration, double chi) {
  const double c = concentration;
  return -kMechStiffness * kMechVegard * (strain - kMechVegard * c) + std::log(c / (1 - c)) +
         chi * (1 - 2 * c);
}

MechanoDataOptions MechanoDataOptions::configure(Options& options) {
  MechanoDataOptions o;
  o.chi = options.get_real("mech_chi", o.chi, -100, 100,
                           "interaction parameter chi of the true free energy (1.5: one well in c, "
                           "3: a double well)");
  o.noise = options.get_real("mech_noise", o.noise, 0.0, 10.0,
                             "noise kappa: sigma of each output = kappa x its largest magnitude "
                             "on the training box",
                             true);
  o.seed = static_cast<uint64_t>(
      options.get_int("mech_seed", 1, 0, PETSC_MAX_INT, "seed of the data noise"));
  o.strain_points = options.get_int("mech_strain_points", o.strain_points, 2, 10000,
                                    "training strains in [-0.05, 0.05]");
  o.concentration_points = options.get_int("mech_concentration_points", o.concentration_points, 2,
                                           10000, "training concentrations in [0.1, 0.9]");
  o.grid_strain_points = options.get_int("mech_grid_strain_points", o.grid_strain_points, 2, 10000,
                                         "test strains in [-0.1, 0.1]");
  o.grid_concentration_points =
      options.get_int("mech_grid_concentration_points", o.grid_concentration_points, 2, 10000,
                      "test concentrations in [0.02, 0.98]");
  return o;
}

Vector inverse_sum_of_squares(const PredictionPoints& points) {
  const Vector& quantity = points.coordinate("quantity");
  const Vector& y = points.values;
  Vector result(y.size());
  for (int q = 0; q < 2; ++q) {
    const Eigen::ArrayXd mine = (quantity.array() == static_cast<double>(q)).cast<double>();
    const double count = mine.sum();
    const double mean = count > 0 ? (mine * y.array()).sum() / count : 0.0;
    const double total = (mine * (y.array() - mean).square()).sum();
    require_input(count > 0 && total > 0, std::string("mechanochemistry: the training ") +
                                              (q == 0 ? "stresses" : "chemical potentials") +
                                              " have no variance to fit");
    for (Index i = 0; i < y.size(); ++i)
      if (mine(i) > 0)
        result(i) = 1.0 / total;
  }
  return result;
}

MechanoDataset make_mechano_data(const MechanoDataOptions& o) {
  MechanoDataset data;
  data.train = truth_grid(
      Vector::LinSpaced(o.strain_points, -kMechStrainLimit, kMechStrainLimit),
      Vector::LinSpaced(o.concentration_points, kMechConcentrationLow, kMechConcentrationHigh),
      o.chi);
  data.test = truth_grid(Vector::LinSpaced(o.grid_strain_points, -0.1, 0.1),
                         Vector::LinSpaced(o.grid_concentration_points, 0.02, 0.98), o.chi);
  PredictionPoints& t = data.train;
  const Index n = t.size() / 2;
  const double sd_stress = o.noise * t.truth.head(n).cwiseAbs().maxCoeff();
  const double sd_potential = o.noise * t.truth.tail(n).cwiseAbs().maxCoeff();
  t.noise_std.resize(2 * n);
  t.noise_std.head(n).setConstant(sd_stress);
  t.noise_std.tail(n).setConstant(sd_potential);
  for (Index k = 0; k < 2 * n; ++k) {
    RandomSequence rng(o.seed, RngStream::Data, static_cast<uint64_t>(k));
    t.values(k) = t.truth(k) + t.noise_std(k) * rng.normal();
  }
  // The test grid's σ per output is the training one: the predictive is compared with the
  // data-generating distribution N(truth, σ²) at every test point.
  PredictionPoints& g = data.test;
  const Index m = g.size() / 2;
  g.noise_std.resize(2 * m);
  g.noise_std.head(m).setConstant(sd_stress);
  g.noise_std.tail(m).setConstant(sd_potential);
  std::ostringstream d;
  d << "synthetic chi " << o.chi << ", noise " << o.noise;
  data.description = d.str();
  return data;
}

} // namespace l0svgd
