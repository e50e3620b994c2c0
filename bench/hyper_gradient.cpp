/// Gradient throughput of the dense hyperelastic ICNN posterior: particle-gradients per second of
/// HyperelasticModel::evaluate (log posterior and its gradient, hand-derived double
/// back-propagation) on blocks of N particles, one process, one thread. Compared with PyTorch by
/// bench/torch_icnn.py, which rebuilds the same network and loss from the reference file written
/// here.
///
/// The model is the application's default dense model (-icnn_* and -hyper_* options; 20 × 3 neurons
/// on the invariants, 1002 parameters, when this was written) on the default synthetic
/// Mooney–Rivlin data (-data_* options) with noise κ = 0.05 unless -data_noise says otherwise.
/// Particles are the model's initial points for indices 0..N−1 (seed -icnn_init_seed) plus 0.05 ξ,
/// ξ standard normal from RandomSequence(seed, Test, index), so that they are not exactly at the
/// data-scaled start.
///
/// Usage: bench_hyper_gradient [-bench_particles 1,16,64,256] [-bench_min_time 0.2]
///                             [-bench_output hyper_gradient_reference.h5] [-data_* -icnn_* ...]
/// Prints CSV: n_particles,dim,n_points,seconds_per_call,gradients_per_second (best of at least
/// three batches of calls, each at least -bench_min_time seconds).
#include <mpi.h>
#include <petscsys.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "l0svgd/apps/hyperelastic/model.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/core/rng.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/io/network_output.hpp"
#include "timing.hpp"

namespace {

using namespace l0svgd;

struct BenchOptions {
  std::vector<PetscInt> particles;
  double min_time = 0.2;
  std::string output;
};

Matrix particle_block(const HyperelasticModel& model, Index n) {
  Matrix x(n, model.dim());
  for (Index p = 0; p < n; ++p) {
    const auto index = static_cast<uint64_t>(p);
    x.row(p) = model.initial_point(model.settings().init_seed, index).transpose();
    RandomSequence rng(model.settings().init_seed, RngStream::Test, index);
    for (Index k = 0; k < model.dim(); ++k)
      x(p, k) += 0.05 * rng.normal();
  }
  return x;
}

std::string noise_model_name(NoiseModel noise) {
  switch (noise) {
  case NoiseModel::Data:
    return "data";
  case NoiseModel::Fixed:
    return "fixed";
  default:
    return "inferred";
  }
}

/// Everything bench/torch_icnn.py needs to rebuild the network and the loss, and the C++ answers it
/// must reproduce.
void write_reference(const std::string& path, const HyperelasticModel& model,
                     const std::string& description, const ConstMatrixRef& x) {
  Vector log_density(x.rows());
  Matrix gradient(x.rows(), x.cols());
  model.evaluate(x, log_density, gradient);

  H5File file(path, H5File::Mode::Create, MPI_COMM_SELF);
  const auto& settings = model.settings();
  const auto& structure = model.structure();
  write_prediction_points(file, "data", to_prediction_points(model.train()));
  file.write_attribute("data", "description", description);
  file.create_group("likelihood");
  if (!model.infers_sigma())
    file.write_vector("likelihood/sigma", model.noise_std(x.row(0).transpose()));
  file.write_attribute("likelihood", "noise_model", noise_model_name(settings.noise));
  file.write_attribute("likelihood", "prior_scale", settings.prior_scale);
  file.write_attribute("likelihood", "log_sigma_prior_mean", settings.log_sigma_prior_mean);
  file.write_attribute("likelihood", "log_sigma_prior_scale", settings.log_sigma_prior_scale);

  file.write_strings("network/parameter_names", structure.parameter_names());
  const std::vector<bool> positive = structure.positive();
  file.write_ints("network/positive", std::vector<long long>(positive.begin(), positive.end()));
  file.write_attribute("network", "inputs", settings.extended_inputs ? "extended" : "invariants");
  file.write_attribute("network", "n_inputs", static_cast<long long>(structure.n_inputs()));
  file.write_attribute("network", "width", static_cast<long long>(settings.width));
  file.write_attribute("network", "depth", static_cast<long long>(settings.depth));

  file.write_matrix("particles", x);
  file.write_vector("log_density", log_density);
  file.write_matrix("gradient", gradient);
  file.close();
}

void run() {
  Options options;
  BenchOptions bench;
  bench.particles =
      options.get_int_array("bench_particles", {1, 16, 64, 256}, "particle block sizes N to time");
  bench.min_time = options.get_real("bench_min_time", bench.min_time, 0.0, 1e3,
                                    "least seconds of one timed batch of calls", true);
  bench.output = options.get_string("bench_output", "hyper_gradient_reference.h5",
                                    "HDF5 file for bench/torch_icnn.py");
  // The noise level for this benchmark, unless the command line sets another.
  if (!options.is_set("data_noise"))
    L0_PETSC(PetscOptionsSetValue(nullptr, "-data_noise", "0.05"));
  const HyperelasticDataOptions data_options = HyperelasticDataOptions::configure(options);
  const HyperelasticSettings settings = HyperelasticSettings::configure(options);
  Options::check_all_used();
  for (PetscInt n : bench.particles)
    require_input(n >= 1, "option -bench_particles: block sizes must be at least 1");

  const HyperelasticDataset data = load_hyperelastic_data(data_options);
  const HyperelasticModel model(settings.dense_structure(), data.train, settings);
  const Index n_max = *std::max_element(bench.particles.begin(), bench.particles.end());
  const Matrix x = particle_block(model, n_max);
  write_reference(bench.output, model, data.description, x);

  std::printf("n_particles,dim,n_points,seconds_per_call,gradients_per_second\n");
  Vector log_density(n_max);
  Matrix gradient(n_max, model.dim());
  for (PetscInt n : bench.particles) {
    const double seconds = seconds_per_call(
        [&] { model.evaluate(x.topRows(n), log_density.head(n), gradient.topRows(n)); },
        bench.min_time);
    std::printf("%ld,%ld,%ld,%.6e,%.6e\n", static_cast<long>(n), static_cast<long>(model.dim()),
                static_cast<long>(data.train.size()), seconds, static_cast<double>(n) / seconds);
    std::fflush(stdout);
  }
}

} // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int code = 0;
  if (PetscInitialize(&argc, &argv, nullptr, nullptr)) {
    std::fprintf(stderr, "bench_hyper_gradient: PETSc failed to initialise\n");
    code = 1;
  } else {
    install_petsc_error_capture();
    try {
      run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_hyper_gradient: %s\n", e.what());
      code = 1;
    }
    PetscFinalize();
  }
  MPI_Finalize();
  return code;
}
