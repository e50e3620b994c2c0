#pragma once
/// `-task hyperelastic`: uncertainty quantification of a polyconvex ICNN potential on
/// stress–stretch data with one of four methods (-hyper_method):
///   l0svgd  L0 sparsification (-l0_*) → reduced model → its MAP (-map_*) → SVGD on the reduced
///           parameters around that MAP;
///   l2svgd  MAP of the dense model (Gaussian prior) → SVGD on all parameters around it;
///   psvgd   dense MAP → projected SVGD (-psvgd_*) on the dense model;
///   hmc     HMC chains over ranks (-hmc_*) around the MAP of the reduced (-hmc_model reduced,
///   after
///           L0) or dense model.
/// The push-forward (stress of every particle or draw on the training points and the test grid),
/// its mean and 95% band, the L0 path and mask, the MAPs and the accuracy metrics go to one HDF5
/// file.
#include <memory>
#include <mpi.h>

#include "l0svgd/drivers/task.hpp"

namespace l0svgd {
/// Collective on `comm` for every Task method.
std::unique_ptr<Task> make_hyperelastic_task(MPI_Comm comm);
} // namespace l0svgd
