#pragma once
/// `-task sensitivity`: the robustness study of the multimodal Laplace initialisation (Bridgman,
/// Jones & Khalil): first-order and total Sobol' indices of the accuracy of the Laplace mixture (or
/// of the VI mixture warm-started from it) over generated Gaussian mixtures (gmm_synthetic), as
/// functions of the factors d, K, ω, c and λ. Saltelli's design (metrics/sobol_indices.hpp); its
/// points are independent problems, spread over the ranks (each solved on one rank), so the result
/// does not depend on the rank count; a design in progress checkpoints and resumes.
#include <memory>
#include <mpi.h>

#include "l0svgd/drivers/task.hpp"

namespace l0svgd {
/// Collective on `comm` for every Task method.
std::unique_ptr<Task> make_sensitivity_task(MPI_Comm comm);
} // namespace l0svgd
