#include "l0svgd/io/mixture_output.hpp"

namespace l0svgd {
namespace {

// K d×d matrices stacked row-major as a K × d × d array.
std::vector<double> stack(const std::vector<DenseMatrix>& matrices) {
  std::vector<double> data;
  for (const auto& m : matrices) {
    const Matrix row_major = m;
    data.insert(data.end(), row_major.data(), row_major.data() + row_major.size());
  }
  return data;
}

void write_stack(H5File& file, const std::string& name, const std::vector<DenseMatrix>& matrices,
                 Index dim) {
  const auto data = stack(matrices);
  file.write_array(name, data.data(),
                   {matrices.size(), static_cast<hsize_t>(dim), static_cast<hsize_t>(dim)});
}

} // namespace

void write_mixture(H5File& file, const std::string& group, const GaussianMixture& mixture) {
  file.write_vector(group + "/weights", mixture.weights());
  file.write_matrix(group + "/means", mixture.means());
  write_stack(file, group + "/cholesky", mixture.cholesky_factors(), mixture.dim());
}

void write_laplace(H5File& file, const MultistartResult& modes, const LaplaceMixture& laplace) {
  file.write_matrix("/modes", modes.modes);
  file.write_vector("/modes_log_density", modes.log_density);
  const Index k = static_cast<Index>(laplace.components.size());
  const Index d = modes.modes.cols();
  Matrix means(k, d);
  Vector log_mass(k);
  std::vector<DenseMatrix> covariances;
  for (Index i = 0; i < k; ++i) {
    means.row(i) = laplace.components[i].mean.transpose();
    log_mass(i) = laplace.components[i].log_mass;
    covariances.push_back(laplace.components[i].covariance);
  }
  file.write_matrix("/laplace/mean", means);
  write_stack(file, "/laplace/covariance", covariances, d);
  file.write_vector("/laplace/log_mass", log_mass);
  file.write_vector("/laplace/evidence_weights", laplace.evidence_weights);
  file.write_attribute(
      "/laplace", "weighting",
      std::string(laplace.weighting == MixtureWeighting::Nnls ? "nnls" : "evidence"));
  file.write_attribute("/laplace", "log_evidence", laplace.log_evidence);
  file.write_attribute("/laplace", "relative_residual", laplace.relative_residual);
  file.write_attribute("/modes", "samples", static_cast<long long>(modes.n_samples));
  file.write_attribute("/modes", "local_searches", static_cast<long long>(modes.n_local_searches));
  file.write_attribute("/modes", "unconverged", static_cast<long long>(modes.n_unconverged));
  file.write_attribute("/modes", "evaluations", static_cast<long long>(modes.n_evaluations));
}

void write_vi_history(H5File& file, const std::vector<ViRecord>& history) {
  const Index n = static_cast<Index>(history.size());
  Vector iteration(n), time(n), elbo(n), jsd(n), jsd_error(n);
  for (Index i = 0; i < n; ++i) {
    iteration(i) = static_cast<double>(history[i].iteration);
    time(i) = history[i].time;
    elbo(i) = history[i].elbo;
    jsd(i) = history[i].jsd;
    jsd_error(i) = history[i].jsd_error;
  }
  file.write_vector("/vi/history/iteration", iteration);
  file.write_vector("/vi/history/time", time);
  file.write_vector("/vi/history/elbo", elbo);
  file.write_vector("/vi/history/jsd", jsd);
  file.write_vector("/vi/history/jsd_error", jsd_error);
}

std::vector<ViRecord> read_vi_history(const H5File& file) {
  const Vector iteration = file.read_vector("/vi/history/iteration");
  const Vector time = file.read_vector("/vi/history/time");
  const Vector elbo = file.read_vector("/vi/history/elbo");
  const Vector jsd = file.read_vector("/vi/history/jsd");
  const Vector jsd_error = file.read_vector("/vi/history/jsd_error");
  std::vector<ViRecord> history(static_cast<size_t>(iteration.size()));
  for (Index i = 0; i < iteration.size(); ++i) {
    ViRecord& r = history[static_cast<size_t>(i)];
    r.iteration = static_cast<Index>(iteration(i));
    r.time = time(i);
    r.elbo = elbo(i);
    r.jsd = jsd(i);
    r.jsd_error = jsd_error(i);
  }
  return history;
}

void write_density_samples(H5File& file, const NormalisedDensity& density, Index n, uint64_t seed,
                           const std::string& path, RngStream stream) {
  const Partition partition(n, file.comm());
  Matrix local(partition.n_local(), density.dim());
  density.sample(seed, stream, partition.local_begin(), local);
  file.write_rows(path, local, partition);
}

} // namespace l0svgd
