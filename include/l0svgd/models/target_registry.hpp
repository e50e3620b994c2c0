#pragma once
/// Selection of the model a run infers (`-target_type ...`) and construction of it.
#include <functional>
#include <memory>
#include <mpi.h>
#include <string>
#include <vector>

#include "l0svgd/core/options.hpp"
#include "l0svgd/models/model.hpp"

namespace l0svgd {

/// Reads one target family's options (`configure`, no side effects, safe in help mode) and later
/// builds the model (`build`, may read data files; collective on `comm`).
class TargetBuilder {
public:
  virtual ~TargetBuilder() = default;
  virtual void configure(Options& options) = 0;
  virtual std::unique_ptr<Model> build(MPI_Comm comm) const = 0;
};

/// A target family selectable with `-target_type name`.
struct TargetEntry {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<TargetBuilder>()> make;
};

/// Every target family, in `-help` order: the built-in ones, then those added by register_target.
const std::vector<TargetEntry>& target_registry();

/// Adds a target family, selectable with `-target_type entry.name`, for an application that links
/// the library and calls run_application (docs/adding_a_model.md). Call it on every rank, in the
/// same order, before run_application; not thread-safe, not collective. Throws
/// std::invalid_argument if the name is empty or taken, or there is no builder.
void register_target(TargetEntry entry);

/// Reads `-target_type` and configures that family (every family in help mode, returning the
/// default one). Not collective; same result on every rank.
std::unique_ptr<TargetBuilder> configure_target(Options& options,
                                                const std::string& default_type = "gaussian");

} // namespace l0svgd
