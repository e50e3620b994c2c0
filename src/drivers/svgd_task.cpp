#include "l0svgd/drivers/svgd_task.hpp"

#include <chrono>

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/io/output_file.hpp"
#include "l0svgd/io/svgd_checkpoint.hpp"
#include "l0svgd/io/svgd_output.hpp"
#include "l0svgd/models/target_registry.hpp"
#include "l0svgd/svgd/engine.hpp"
#include "l0svgd/svgd/initialization.hpp"

namespace l0svgd {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class SvgdTask : public Task {
public:
  explicit SvgdTask(MPI_Comm comm) : comm_(comm) {}

  void configure(Options& options) override {
    target_ = configure_target(options);
    settings_ = configure_svgd(options);
    init_ = configure_initialization(options);
    seed_ = static_cast<uint64_t>(
        options.get_int("seed", 1, 0, PETSC_MAX_INT, "seed of every random draw of the run"));
    output_file_ = options.get_string("output_file", "out/svgd.h5", "HDF5 result file");
    output_every_ = options.get_int("output_every", 0, 0, PETSC_MAX_INT,
                                    "store all particles every this many iterations (0: never)");
    checkpoint_every_ = options.get_int("checkpoint_every", 0, 0, PETSC_MAX_INT,
                                        "write a checkpoint every this many iterations (0: never)");
    checkpoint_file_ = options.get_string("checkpoint_file", "",
                                          "checkpoint file (default: <output_file>.ckpt.h5)");
    restart_file_ = options.get_string("restart", "", "resume from this checkpoint file");
    if (checkpoint_file_.empty())
      checkpoint_file_ = output_file_ + ".ckpt.h5";
  }

  void setup() override {
    model_ = target_->build(comm_);
    validate_initialization(init_, model_->dim());
    identity_ = {model_->name(), model_->dim(), settings_.n_particles,
                 step_rule_name(settings_.step_rule.type), seed_};
    engine_ = std::make_unique<SvgdEngine>(*model_, settings_, comm_);
    if (!restart_file_.empty())
      check_svgd_checkpoint(restart_file_, identity_, comm_);
    else if (init_.type == InitType::File)
      H5File(init_.file, H5File::Mode::Read,
             comm_); // fails early, with the file named, if unreadable
    OutputFile::check_writable(output_file_, comm_);
    if (checkpoint_every_ > 0)
      OutputFile::check_writable(checkpoint_file_, comm_);
  }

  void run() override {
    const auto start = Clock::now();
    initialise_particles();
    logger().info("svgd: target ", model_->name(), ", d = ", model_->dim(),
                  ", N = ", settings_.n_particles, " on ", engine_->partition().size(), " ranks, ",
                  settings_.iterations - engine_->iteration(), " iterations from ",
                  engine_->iteration());

    OutputFile out(output_file_, comm_);
    write_run_metadata(out.h5(), "svgd");
    SvgdOutput output(out, *engine_, output_every_);
    const auto summary = engine_->run([&](const SvgdEngine& engine, const IterationInfo& info) {
      output.record(engine, info, seconds_since(start));
      if (checkpoint_every_ > 0 && info.iteration % checkpoint_every_ == 0)
        write_svgd_checkpoint(checkpoint_file_, engine, identity_);
    });
    output.finish(*engine_, summary, seconds_since(start), seed_);
    out.commit();
    logger().info("svgd: ", summary.converged ? "converged" : "stopped", " after ",
                  summary.iterations, " iterations in ", summary.elapsed_seconds, " s; wrote ",
                  output_file_);
  }

private:
  void initialise_particles() {
    if (!restart_file_.empty()) {
      read_svgd_checkpoint(restart_file_, *engine_, identity_);
    } else if (init_.type == InitType::File) {
      H5File file(init_.file, H5File::Mode::Read, comm_);
      const Matrix rows = file.read_rows("/particles", engine_->partition());
      if (rows.cols() != model_->dim())
        throw InputError("initial particles in '" + init_.file + "' have dimension " +
                         std::to_string(rows.cols()) + ", the target has " +
                         std::to_string(model_->dim()));
      engine_->set_local_particles(rows);
    } else {
      engine_->set_local_particles(
          draw_initial_particles(init_, engine_->partition(), model_->dim(), seed_));
    }
  }

  MPI_Comm comm_;
  std::unique_ptr<TargetBuilder> target_;
  SvgdSettings settings_;
  InitConfig init_;
  uint64_t seed_ = 1;
  std::string output_file_, checkpoint_file_, restart_file_;
  Index output_every_ = 0, checkpoint_every_ = 0;

  std::unique_ptr<Model> model_;
  RunIdentity identity_;
  std::unique_ptr<SvgdEngine> engine_;
};

} // namespace

std::unique_ptr<Task> make_svgd_task(MPI_Comm comm) {
  return std::make_unique<SvgdTask>(comm);
}

} // namespace l0svgd
