#include "l0svgd/io/svgd_output.hpp"

#include "l0svgd/core/blas.hpp"
#include "l0svgd/core/error.hpp"
#include "l0svgd/core/profiling.hpp"

namespace l0svgd {
namespace {
// Scalar history columns, buffered in memory and written once: a collective HDF5 append per
// iteration would cost more than a small SVGD iteration.
const char* kScalars[] = {
    "iteration",        "time", "step_norm",  "relative_step_norm", "bandwidth",
    "mean_log_density", "ksd",  "ksd_squared"};
} // namespace

SvgdOutput::SvgdOutput(OutputFile& file, const SvgdEngine& engine, Index output_every,
                       const AffineMap* coordinates)
    : h5_(file.h5()), engine_(engine), coordinates_(coordinates), output_every_(output_every),
      first_iteration_(engine.iteration()) {
  if (output_every_ > 0)
    h5_.create_series(
        "/history/particles",
        {static_cast<hsize_t>(engine.partition().n_global()), static_cast<hsize_t>(engine.dim())},
        1);
}

Matrix SvgdOutput::original(const SvgdEngine& engine) const {
  return coordinates_ ? coordinates_->to_original(engine.local_particles())
                      : engine.local_particles();
}

void SvgdOutput::record(const SvgdEngine& engine, const IterationInfo& info, double elapsed_seconds,
                        bool force_particles) {
  const double values[] = {static_cast<double>(info.iteration),
                           elapsed_seconds,
                           info.step_norm,
                           info.relative_step_norm,
                           info.bandwidth,
                           info.mean_log_density,
                           info.ksd,
                           info.ksd_squared};
  history_.insert(history_.end(), std::begin(values), std::end(values));
  const bool due = output_every_ > 0 && info.iteration % output_every_ == 0;
  if (output_every_ > 0 && (due || force_particles)) {
    LogEventScope scope(log_event("IOWrite"));
    h5_.append_rows("/history/particles", original(engine), engine.partition());
    ++n_snapshots_;
  }
}

void SvgdOutput::save_history(H5File& checkpoint) const {
  const Index n_columns = std::size(kScalars);
  const Eigen::Map<const Matrix> history(history_.data(), history_.size() / n_columns, n_columns);
  checkpoint.write_matrix("/history/scalars", history);
  checkpoint.write_attribute("/", "history_snapshots", static_cast<long long>(n_snapshots_));
  if (n_snapshots_ == 0)
    return;
  const Partition& p = engine_.partition();
  checkpoint.create_series(
      "/history/particles",
      {static_cast<hsize_t>(p.n_global()), static_cast<hsize_t>(engine_.dim())}, 1);
  for (Index k = 0; k < n_snapshots_; ++k) // read back from this run's own (open) output file
    checkpoint.append_rows("/history/particles", h5_.read_rows("/history/particles", p, k), p);
}

void SvgdOutput::restore_history(const H5File& checkpoint) {
  if (!checkpoint.exists("/history/scalars"))
    return; // a checkpoint of an older version: the history starts here
  const Matrix scalars = checkpoint.read_matrix("/history/scalars");
  const Index n_columns = std::size(kScalars);
  if (scalars.rows() > 0 && scalars.cols() != n_columns)
    throw InputError("restart file '" + checkpoint.path() + "': /history/scalars has " +
                     std::to_string(scalars.cols()) + " columns, expected " +
                     std::to_string(n_columns));
  for (Index r = 0; r < scalars.rows(); ++r)
    for (Index c = 0; c < scalars.cols(); ++c)
      history_.push_back(scalars(r, c));
  const long long snapshots = checkpoint.read_int_attribute("/", "history_snapshots");
  if (output_every_ == 0)
    return;
  const Partition& p = engine_.partition();
  for (long long k = 0; k < snapshots; ++k) {
    h5_.append_rows("/history/particles", checkpoint.read_rows("/history/particles", p, k), p);
    ++n_snapshots_;
  }
}

void SvgdOutput::finish(SvgdEngine& engine, const SvgdRunSummary& summary, double wall_seconds,
                        uint64_t seed) {
  if (!engine.log_density_is_current())
    engine.evaluate();
  {
    LogEventScope scope(log_event("IOWrite"));
    h5_.write_rows("/particles", original(engine), engine.partition());
    h5_.write_vector_rows("/log_density", engine.local_log_density(), engine.partition());
    h5_.write_strings("/parameter_names", engine.model().parameter_names());
    h5_.write_attribute("/", "seed", static_cast<long long>(seed));
    h5_.write_attribute("/", "target", engine.model().name());
    h5_.write_attribute("/", "wall_time", wall_seconds);
    h5_.write_attribute("/", "iterations", static_cast<long long>(summary.iterations));
    h5_.write_attribute("/", "converged", static_cast<long long>(summary.converged));
    const Index n_columns = std::size(kScalars);
    const Eigen::Map<const Matrix> history(history_.data(), history_.size() / n_columns, n_columns);
    for (Index c = 0; c < n_columns; ++c)
      h5_.write_vector(std::string("/history/") + kScalars[c], history.col(c));
  } // the IOWrite event must be closed before its total is read below

  // Timing of this run's iterations, per phase, for the benchmark and scaling scripts.
  h5_.create_group("/timing");
  const Index ran = summary.iterations - first_iteration_;
  h5_.write_attribute("/timing", "iterations", static_cast<long long>(ran));
  h5_.write_attribute("/timing", "wall_time", wall_seconds);
  h5_.write_attribute("/timing", "time_per_iteration",
                      ran > 0 ? summary.elapsed_seconds / static_cast<double>(ran) : 0.0);
  const std::pair<const char*, const char*> phases[] = {
      {"gradient", "SVGDGradient"}, {"gather", "SVGDGather"}, {"kernel", "SVGDKernel"},
      {"ksd", "SVGDKSD"},           {"update", "SVGDUpdate"}, {"io", "IOWrite"}};
  for (const auto& [label, event] : phases)
    h5_.write_attribute("/timing", label, event_totals(event, h5_.comm()).max_seconds);
  const EventTotals kernel = event_totals("SVGDKernel", h5_.comm());
  h5_.write_attribute("/timing", "kernel_gflops",
                      kernel.max_seconds > 0 ? kernel.total_flops / kernel.max_seconds / 1e9 : 0.0);
  h5_.write_attribute("/timing", "peak_rss_mib", peak_memory_mib(h5_.comm()));
  // What the numbers were measured with: the BLAS and its kernel, its threads, the vector loops.
  h5_.write_attribute("/timing", "blas", blas_description());
  h5_.write_attribute("/timing", "blas_threads", static_cast<long long>(blas_threads()));
  h5_.write_attribute("/timing", "kernel_instruction_set", std::string(kernel_instruction_set()));
  h5_.write_attribute("/timing", "kernel_distances",
                      std::string(engine.kernel().stores_distances() ? "kept" : "streamed"));
  h5_.write_attribute("/timing", "kernel_buffer_mib", engine.kernel().buffer_bytes() / 1048576.0);
  h5_.write_attribute("/timing", "particle_buffer_mib",
                      engine.kernel().particle_buffer_bytes() / 1048576.0);
  h5_.write_attribute(
      "/timing", "exchange",
      std::string(engine.kernel().exchange_mode() == Exchange::Ring ? "ring" : "allgather"));
}

} // namespace l0svgd
