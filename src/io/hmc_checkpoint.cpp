#include "l0svgd/io/hmc_checkpoint.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/input_files.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/io/output_file.hpp"

namespace l0svgd {
namespace {

// The per-chain blocks of HmcState, stored as rows over the chains (any rank count reads them).
struct ChainBlock {
  const char* name;
  Matrix HmcState::*member;
};
const ChainBlock kBlocks[] = {{"counters", &HmcState::counters},
                              {"position", &HmcState::position},
                              {"gradient", &HmcState::gradient},
                              {"inverse_metric", &HmcState::inverse_metric},
                              {"variance_mean", &HmcState::variance_mean},
                              {"variance_m2", &HmcState::variance_m2},
                              {"draws", &HmcState::draws},
                              {"draw_log_density", &HmcState::draw_log_density},
                              {"draw_statistics", &HmcState::draw_statistics}};

} // namespace

void write_hmc_checkpoint(const std::string& path, const HmcSampler& sampler,
                          const RunIdentity& identity) {
  const HmcState st = sampler.state();
  OutputFile out(path, sampler.comm());
  H5File& f = out.h5();
  write_run_identity(f, identity);
  f.write_attribute("/", "iteration", static_cast<long long>(st.iteration));
  f.create_group("/hmc");
  f.write_attribute("/hmc", "variance_count", static_cast<long long>(st.variance_count));
  f.write_attribute("/hmc", "window_transitions", static_cast<long long>(st.window_transitions));
  f.write_attribute("/hmc", "evaluations", static_cast<long long>(st.evaluations));
  f.write_attribute("/hmc", "warmup_seconds", st.warmup_seconds);
  for (const ChainBlock& block : kBlocks)
    f.write_rows(std::string("/hmc/") + block.name, st.*block.member, sampler.partition());
  out.commit();
}

void read_hmc_checkpoint(const std::string& path, HmcSampler& sampler,
                         const RunIdentity& identity) {
  const H5File f(path, H5File::Mode::Read, sampler.comm());
  check_run_identity(f, identity);
  if (!f.exists("/hmc/counters"))
    throw InputError("restart file '" + path + "' is not a checkpoint of HMC");
  HmcState st;
  st.iteration = f.read_int_attribute("/", "iteration");
  st.variance_count = f.read_int_attribute("/hmc", "variance_count");
  st.window_transitions = f.read_int_attribute("/hmc", "window_transitions");
  st.evaluations = f.read_int_attribute("/hmc", "evaluations");
  st.warmup_seconds = f.read_real_attribute("/hmc", "warmup_seconds");
  for (const ChainBlock& block : kBlocks)
    st.*block.member = f.read_rows(std::string("/hmc/") + block.name, sampler.partition());
  sampler.set_state(st);
  note_restart(path, st.iteration);
}

HmcSummary run_hmc_with_checkpoints(HmcSampler& sampler, const ConstMatrixRef& local_start,
                                    const CheckpointSettings& checkpoints,
                                    const RunIdentity& identity) {
  if (checkpoints.restart.empty()) {
    sampler.set_local_start(local_start);
  } else {
    read_hmc_checkpoint(checkpoints.restart, sampler, identity);
    release_input_file(checkpoints.restart);
  }
  const StopSignals stop_signals;
  const HmcSummary summary = sampler.run([&](const HmcSampler& s, Index done) {
    if (checkpoints.due(done))
      write_hmc_checkpoint(checkpoints.file, s, identity);
  });
  if (summary.stop_signal) {
    write_hmc_checkpoint(checkpoints.file, sampler, identity);
    const HmcSettings& settings = sampler.settings();
    stop_after_checkpoint(checkpoints, summary, settings.warmup + settings.samples);
  }
  return summary;
}

} // namespace l0svgd
