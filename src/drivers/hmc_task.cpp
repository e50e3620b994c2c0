#include "l0svgd/drivers/hmc_task.hpp"

#include <chrono>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/io/hmc_checkpoint.hpp"
#include "l0svgd/io/hmc_output.hpp"
#include "l0svgd/io/output_file.hpp"
#include "l0svgd/mcmc/hmc.hpp"
#include "l0svgd/models/target_registry.hpp"
#include "l0svgd/svgd/initialization.hpp"

namespace l0svgd {
namespace {

using Clock = std::chrono::steady_clock;

class HmcTask : public Task {
public:
  explicit HmcTask(MPI_Comm comm) : comm_(comm) {}

  void configure(Options& options) override {
    target_ = configure_target(options);
    settings_ = configure_hmc(options);
    // Dispersed starts (not the MAP): chains that start apart and agree are evidence of mixing,
    // which split-R̂ then measures.
    init_ = configure_initialization(options, InitType::Gaussian);
    require_input(init_.type == InitType::Gaussian || init_.type == InitType::Uniform,
                  std::string("option -init_type: ") + init_type_name(init_.type) +
                      " is not available with -task hmc (the chains start from gaussian or "
                      "uniform draws, seeded by -hmc_seed)");
    output_file_ = options.get_string("output_file", "out/hmc.h5", "HDF5 result file");
    checkpoints_ = configure_checkpoints(options, output_file_);
  }

  void setup() override {
    model_ = target_->build(comm_);
    validate_initialization(init_, model_->dim());
    identity_ = {model_->name(), model_->dim(), settings_.n_chains,    "hmc",
                 settings_.seed, "none",        run_defining_options()};
    identity_.count_name = "chains";
    OutputFile::check_writable(output_file_, comm_);
    check_checkpoint_paths(checkpoints_, output_file_, comm_);
  }

  void run() override {
    const auto start = Clock::now();
    HmcSampler sampler(*model_, settings_, comm_);
    logger().info("hmc: target ", model_->name(), ", d = ", model_->dim(), ", ", settings_.n_chains,
                  " chains on ", sampler.partition().size(), " ranks");
    // Chain c starts from initial draw c, the same for any rank count.
    const Matrix local_start =
        checkpoints_.restart.empty()
            ? draw_initial_particles(init_, sampler.partition(), model_->dim(), settings_.seed)
            : Matrix();
    const HmcSummary summary =
        run_hmc_with_checkpoints(sampler, local_start, checkpoints_, identity_);
    const HmcRecord record = gather_hmc_record(sampler, summary);
    write(record, std::chrono::duration<double>(Clock::now() - start).count());
  }

private:
  /// Collective: the result file. /particles holds every draw (chain after chain) for the tools
  /// that read an ensemble; /posterior and /sample_stats hold them by chain.
  void write(const HmcRecord& record, double wall_seconds) const {
    OutputFile out(output_file_, comm_);
    H5File& h5 = out.h5();
    write_run_metadata(h5, "hmc");
    const Partition rows(record.draws.rows(), comm_);
    h5.write_rows("/particles", record.draws.middleRows(rows.local_begin(), rows.n_local()), rows);
    h5.write_vector_rows("/log_density",
                         record.log_density.segment(rows.local_begin(), rows.n_local()), rows);
    h5.write_strings("/parameter_names", model_->parameter_names());
    write_hmc_posterior(h5, record, model_->parameter_names());
    h5.write_attribute("/", "target", model_->name());
    h5.write_attribute("/", "seed", static_cast<long long>(settings_.seed));
    h5.write_attribute("/", "chains", static_cast<long long>(record.n_chains));
    h5.write_attribute("/", "draws", static_cast<long long>(record.n_draws));
    h5.write_attribute("/", "wall_time", wall_seconds);
    out.commit();
  }

  MPI_Comm comm_;
  std::unique_ptr<TargetBuilder> target_;
  std::unique_ptr<Model> model_;
  HmcSettings settings_;
  InitConfig init_;
  std::string output_file_;
  CheckpointSettings checkpoints_;
  RunIdentity identity_;
};

} // namespace

std::unique_ptr<Task> make_hmc_task(MPI_Comm comm) {
  return std::make_unique<HmcTask>(comm);
}

} // namespace l0svgd
