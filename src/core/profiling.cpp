#include "l0svgd/core/profiling.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <sys/resource.h>

namespace l0svgd {

PetscLogEvent log_event(const char* name) {
  static std::map<std::string, PetscLogEvent> events;
  static PetscClassId class_id = 0;
  if (!class_id)
    PetscClassIdRegister("l0svgd", &class_id);
  auto it = events.find(name);
  if (it != events.end())
    return it->second;
  PetscLogEvent event = 0;
  PetscLogEventRegister(name, class_id, &event);
  events.emplace(name, event);
  return event;
}

EventTotals event_totals(const char* name, MPI_Comm comm) {
  PetscEventPerfInfo info{};
  PetscLogEvent event = 0;
  double local[2] = {0.0, 0.0};
  if (PetscLogEventGetId(name, &event) == 0 && event >= 0 &&
      PetscLogEventGetPerfInfo(0, event, &info) == 0) {
    local[0] = info.time;
    local[1] = info.flops;
  }
  EventTotals totals;
  MPI_Allreduce(&local[0], &totals.max_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
  MPI_Allreduce(&local[1], &totals.total_flops, 1, MPI_DOUBLE, MPI_SUM, comm);
  return totals;
}

double available_memory_bytes() {
  double available = std::numeric_limits<double>::infinity();
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kib = 0.0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:")
      available = kib * 1024.0;
  // A batch system's memory limit (SLURM's cgroup, a container's) is lower than the node's.
  for (const char* limit :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(limit);
    std::string text;
    if (in >> text && text != "max") {
      const double bytes = std::strtod(text.c_str(), nullptr);
      if (bytes > 0.0)
        available = std::min(available, bytes);
    }
  }
  return available;
}

double peak_memory_mib(MPI_Comm comm) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double local = usage.ru_maxrss / 1024.0, peak = 0.0; // ru_maxrss is in KiB on Linux
  MPI_Allreduce(&local, &peak, 1, MPI_DOUBLE, MPI_MAX, comm);
  return peak;
}

} // namespace l0svgd
