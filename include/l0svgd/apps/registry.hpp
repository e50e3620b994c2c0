#pragma once
/// The applications of the L0+SVGD pipeline, each in a folder of its own under src/apps/. A new
/// application adds one line to application_registry() (src/apps/registry.cpp); the pipeline, the
/// task list and -help need no edit.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "l0svgd/models/network_application.hpp"

namespace l0svgd {

struct ApplicationEntry {
  std::string name;        ///< its task, `-task <name>`
  std::string description; ///< one line for -help
  std::function<std::unique_ptr<NetworkApplication>()> make;
};

/// Every application, in -help order.
const std::vector<ApplicationEntry>& application_registry();

/// Adds the applications' dense posteriors to the target registry (`-target_type hyperelastic`
/// for -task svgd, hmc, map, ...). Call it on every rank before options are read; later calls do
/// nothing. Not collective, not thread-safe.
void register_application_targets();

} // namespace l0svgd
