#pragma once
/// The L0+SVGD pipeline, one for every application of a physics-constrained network
/// (models/network_application.hpp, the applications in src/apps/): `-task <application>` runs
///
///   data → dense network → L0 path (-l0_*, hard-concrete gates with TAO) → reduced network →
///   MAP (-map_*) → Laplace scaling (-laplace_*) → the UQ method (-uq_method) → push-forward on
///   the training and test points → metrics (against the truth or held-out data, and against a
///   -uq_reference run) → one HDF5 file,
///
/// with the UQ method one of
///   l0svgd  L0 sparsification → reduced model → its MAP → SVGD on the reduced parameters;
///   l2svgd  MAP of the dense model (Gaussian prior) → SVGD on all parameters around it;
///   psvgd   dense MAP → projected SVGD (-psvgd_*) on the dense model;
///   hmc     HMC chains over ranks (-hmc_*) around the MAP of the reduced (-uq_hmc_model reduced,
///           after L0) or dense model.
/// The file holds the particles or draws, the data, the push-forward (every particle's prediction
/// at every point, its mean and 95% band), the L0 path and mask, the MAPs, the KSD trace, for HMC
/// the chains' diagnostics of the parameters and of the push-forward (/hmc/pushforward_rhat and
/// _ess per test point), and the metrics with the time of each phase. -log_view shows the phases
/// after sampling as the events L0PushForward, L0PredictiveMetrics, L0PushForwardMixing and
/// L0WriteResult.
#include <memory>
#include <mpi.h>

#include "l0svgd/drivers/task.hpp"
#include "l0svgd/models/network_application.hpp"

namespace l0svgd {
/// The pipeline for `application`. Collective on `comm` for every Task method.
std::unique_ptr<Task> make_network_task(MPI_Comm comm,
                                        std::unique_ptr<NetworkApplication> application);
} // namespace l0svgd
