#pragma once
/// Checkpoint and restart of HMC chains: HmcSampler::state (positions, generators, step-size and
/// mass-matrix adaptation, acceptance counters, the draws kept so far) with what identifies the
/// run, so that a restarted run, on any rank count, keeps the draws of an uninterrupted one.
#include <string>

#include "l0svgd/io/svgd_checkpoint.hpp"
#include "l0svgd/mcmc/hmc.hpp"

namespace l0svgd {

/// Collective: writes `sampler`'s state to `path` atomically (a temporary renamed into place), so
/// a run killed while checkpointing keeps its previous checkpoint.
void write_hmc_checkpoint(const std::string& path, const HmcSampler& sampler,
                          const RunIdentity& identity);

/// Collective: throws InputError, with the first difference, unless `path` is an HMC checkpoint
/// that a run with `identity` can resume; then restores `sampler` from it.
void read_hmc_checkpoint(const std::string& path, HmcSampler& sampler, const RunIdentity& identity);

/// Collective: runs `sampler` from this rank's `local_start` rows or, with checkpoints.restart,
/// from that checkpoint; writes a checkpoint every checkpoints.every iterations and, when a stop
/// signal ends the run early, a last one before throwing the Interrupted error that says how to
/// resume. The one HMC phase of every task that samples with HMC.
HmcSummary run_hmc_with_checkpoints(HmcSampler& sampler, const ConstMatrixRef& local_start,
                                    const CheckpointSettings& checkpoints,
                                    const RunIdentity& identity);

} // namespace l0svgd
