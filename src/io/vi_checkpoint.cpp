#include "l0svgd/io/vi_checkpoint.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/io/h5_file.hpp"
#include "l0svgd/io/mixture_output.hpp"
#include "l0svgd/io/output_file.hpp"

namespace l0svgd {

void write_vi_checkpoint(const std::string& path, const ViState& state, const RunIdentity& identity,
                         MPI_Comm comm) {
  OutputFile out(path, comm);
  H5File& f = out.h5();
  write_run_identity(f, identity);
  f.write_attribute("/", "iteration", static_cast<long long>(state.iteration));
  f.write_vector("/vi/theta", state.theta);
  f.write_vector("/vi/adam_m", state.adam_m);
  f.write_vector("/vi/adam_v", state.adam_v);
  f.write_attribute("/vi", "seconds", state.seconds);
  write_vi_history(f, state.history);
  out.commit();
}

ViState read_vi_checkpoint(const std::string& path, const RunIdentity& identity, MPI_Comm comm) {
  const H5File f(path, H5File::Mode::Read, comm);
  check_run_identity(f, identity);
  if (!f.exists("/vi/theta"))
    throw InputError("restart file '" + path + "' is not a checkpoint of VI");
  ViState state;
  state.iteration = f.read_int_attribute("/", "iteration");
  state.theta = f.read_vector("/vi/theta");
  state.adam_m = f.read_vector("/vi/adam_m");
  state.adam_v = f.read_vector("/vi/adam_v");
  state.seconds = f.read_real_attribute("/vi", "seconds");
  state.history = read_vi_history(f);
  note_restart(path, state.iteration);
  return state;
}

} // namespace l0svgd
