#include "l0svgd/core/signals.hpp"

#include <csignal>

namespace l0svgd {
namespace {

volatile std::sig_atomic_t g_signal = 0;
bool g_active = false;
const int kSignals[] = {SIGTERM, SIGINT, SIGUSR1};
struct sigaction g_previous[3];

extern "C" void on_stop_signal(int signal) {
  if (g_signal != 0) { // asked twice: stop now, as without the handler
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  g_signal = signal;
}

} // namespace

StopSignals::StopSignals() {
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART; // MPI and file calls carry on; the loop looks at the flag
  for (int i = 0; i < 3; ++i)
    sigaction(kSignals[i], &action, &g_previous[i]);
  g_active = true;
}

StopSignals::~StopSignals() {
  for (int i = 0; i < 3; ++i)
    sigaction(kSignals[i], &g_previous[i], nullptr);
  g_active = false;
}

int stop_requested(MPI_Comm comm) {
  if (!g_active)
    return 0;
  int local = g_signal, any = 0;
  L0_MPI(MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_MAX, comm));
  return any;
}

std::string signal_name(int signal) {
  switch (signal) {
  case SIGTERM:
    return "SIGTERM";
  case SIGINT:
    return "SIGINT";
  case SIGUSR1:
    return "SIGUSR1";
  default:
    return "signal " + std::to_string(signal);
  }
}

} // namespace l0svgd
