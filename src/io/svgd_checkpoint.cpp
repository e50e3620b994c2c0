#include "l0svgd/io/svgd_checkpoint.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/input_files.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/core/signals.hpp"
#include "l0svgd/io/output_file.hpp"
#include "l0svgd/io/svgd_output.hpp"

#include <set>

namespace l0svgd {
namespace {

const char* kNotDefining[] = {"blas_threads",       "checkpoint_every",
                              "checkpoint_file",    "input",
                              "log_level",          "output_file",
                              "output_every",       "restart",
                              "svgd_iterations",    "svgd_tol",
                              "svgd_kernel_memory", "svgd_kernel_tile",
                              "svgd_exchange",      "svgd_monitor_every",
                              "svgd_ksd_every",     "svgd_check_spread",
                              "svgd_reference",     "task",
                              "hmc_monitor_every",  "vi_iterations",
                              "output_samples"};

void write_options(H5File& f, const std::map<std::string, std::string>& options) {
  std::vector<std::string> lines;
  for (const auto& [name, value] : options)
    lines.push_back(name + "=" + value);
  f.write_strings("/identity/options", lines);
}

std::map<std::string, std::string> read_options(const H5File& f) {
  std::map<std::string, std::string> options;
  for (const std::string& line : f.read_strings("/identity/options")) {
    const auto eq = line.find('=');
    options[line.substr(0, eq)] = eq == std::string::npos ? "" : line.substr(eq + 1);
  }
  return options;
}

// The first option (in name order) whose value differs, as "-name a (the checkpoint) ... b".
void check_options(const H5File& f, const std::map<std::string, std::string>& ours,
                   const std::string& where) {
  if (!f.exists("/identity/options"))
    return; // written before options were recorded: the attributes below are all there is
  const auto theirs = read_options(f);
  std::set<std::string> names;
  for (const auto& entry : theirs)
    names.insert(entry.first);
  for (const auto& entry : ours)
    names.insert(entry.first);
  // "-name value", or "no -name" for an option the run did not use.
  const auto text = [](const std::map<std::string, std::string>& m, const std::string& name) {
    const auto it = m.find(name);
    return it == m.end() ? "no -" + name : "-" + name + " " + it->second;
  };
  for (const std::string& name : names)
    if (text(theirs, name) != text(ours, name))
      throw InputError(where + " was written with " + text(theirs, name) + ", this run has " +
                       text(ours, name) + ": a restart must use the options of the run it resumes");
}

void write_step_rule(H5File& f, const std::string& group, const StepRuleState& state,
                     const Partition& p) {
  std::vector<std::string> names;
  for (const auto& block : state.blocks)
    names.push_back(block.name);
  f.write_strings(group + "/names", names);
  f.write_attribute(group, "steps", static_cast<long long>(state.steps));
  for (const auto& block : state.blocks)
    f.write_rows(group + "/" + block.name, block.rows, p);
}

StepRuleState read_step_rule(const H5File& f, const std::string& group, const Partition& p) {
  StepRuleState state;
  state.steps = f.read_int_attribute(group, "steps");
  for (const auto& name : f.read_strings(group + "/names"))
    state.blocks.push_back({name, f.read_rows(group + "/" + name, p)});
  return state;
}

} // namespace

void write_run_identity(H5File& f, const RunIdentity& id) {
  f.write_attribute("/", "target", id.target);
  f.write_attribute("/", "dim", static_cast<long long>(id.dim));
  f.write_attribute("/", "n_particles", static_cast<long long>(id.n_particles));
  f.write_attribute("/", "step_rule", id.step_rule);
  f.write_attribute("/", "seed", static_cast<long long>(id.seed));
  f.write_attribute("/", "coordinates", id.coordinates);
  write_options(f, id.options);
}

void check_run_identity(const H5File& f, const RunIdentity& id) {
  const std::string where = "restart file '" + f.path() + "'";
  // A result file or any other HDF5 file lacks the checkpoint's attributes.
  if (!f.has_attribute("/", "iteration") || !f.has_attribute("/", "n_particles"))
    throw InputError(where + " is not an l0svgd checkpoint (written with -checkpoint_every)");
  const std::string target = f.read_string_attribute("/", "target");
  if (target != id.target)
    throw InputError(where + " is for target '" + target + "', this run has '" + id.target + "'");
  const long long dim = f.read_int_attribute("/", "dim");
  if (dim != id.dim)
    throw InputError(where + " has dimension " + std::to_string(dim) + ", this run has " +
                     std::to_string(id.dim));
  const long long n = f.read_int_attribute("/", "n_particles");
  if (n != id.n_particles)
    throw InputError(where + " has " + std::to_string(n) + " " + id.count_name + ", this run has " +
                     std::to_string(id.n_particles));
  const std::string rule = f.read_string_attribute("/", "step_rule");
  if (rule != id.step_rule)
    throw InputError(where + " used step rule '" + rule + "', this run uses '" + id.step_rule +
                     "'");
  // The particles are stored in the engine's coordinates: a restart must use the same ones.
  const std::string coordinates = f.read_string_attribute("/", "coordinates");
  if (coordinates != id.coordinates)
    throw InputError(where + " holds particles in coordinates '" + coordinates +
                     "' (-svgd_precondition), this run uses '" + id.coordinates + "'");
  check_options(f, id.options, where);
}

CheckpointSettings configure_checkpoints(Options& options, const std::string& output_file) {
  CheckpointSettings c;
  c.every = options.get_int("checkpoint_every", 0, 0, PETSC_MAX_INT,
                            "write a checkpoint every this many iterations (0: never)");
  c.file = options.get_string("checkpoint_file", "",
                              "checkpoint file (default: <output_file>.ckpt.h5), written also on "
                              "SIGTERM, SIGINT or SIGUSR1");
  c.restart = options.get_path("restart", "", "resume from this checkpoint file");
  if (c.file.empty())
    c.file = output_file + ".ckpt.h5";
  return c;
}

void check_checkpoint_paths(const CheckpointSettings& settings, const std::string& output_file,
                            MPI_Comm comm) {
  require_input(!same_file(settings.file, output_file),
                "-checkpoint_file '" + settings.file +
                    "' is the -output_file: the result would replace the checkpoint (or the "
                    "checkpoint the result)");
  OutputFile::check_writable(settings.file, comm, settings.restart);
}

void checkpoint_and_stop(const CheckpointSettings& settings, const SvgdEngine& engine,
                         const RunIdentity& identity, const SvgdRunSummary& summary,
                         Index iteration_limit, const SvgdOutput* output) {
  write_svgd_checkpoint(settings.file, engine, identity, output);
  stop_after_checkpoint(settings, summary, iteration_limit);
}

void stop_after_checkpoint(const CheckpointSettings& settings, int signal, Index iteration,
                           Index iteration_limit) {
  throw Interrupted("stopped by " + signal_name(signal) + " at iteration " +
                    std::to_string(iteration) + " of " + std::to_string(iteration_limit) +
                    "; checkpoint written to '" + settings.file +
                    "': resume with the same options and -restart " + settings.file);
}

std::map<std::string, std::string> run_defining_options() {
  std::map<std::string, std::string> options = Options::values_read();
  for (const char* name : kNotDefining)
    options.erase(name);
  return options;
}

void write_svgd_checkpoint(const std::string& path, const SvgdEngine& engine,
                           const RunIdentity& identity, const SvgdOutput* output) {
  OutputFile out(path, engine.comm());
  H5File& f = out.h5();
  write_run_identity(f, identity);
  f.write_attribute("/", "iteration", static_cast<long long>(engine.iteration()));
  f.write_rows("/particles", engine.local_particles(), engine.partition());
  write_step_rule(f, "/step_rule", engine.step_rule_state(), engine.partition());
  if (output)
    output->save_history(f);
  out.commit();
}

void write_svgd_checkpoint(const std::string& path, const ProjectedSvgdEngine& engine,
                           const RunIdentity& identity) {
  OutputFile out(path, engine.comm());
  H5File& f = out.h5();
  write_run_identity(f, identity);
  const ProjectedState st = engine.state();
  const Partition& p = engine.partition();
  f.write_attribute("/", "iteration", static_cast<long long>(st.iteration));
  f.write_rows("/particles", engine.local_particles(), p);
  f.write_ints("/projection/counters", {st.budget, st.basis_updates, st.steps_on_basis,
                                        st.basis_due ? 1 : 0, st.has_reference ? 1 : 0});
  f.write_attribute("/projection", "reference_direction_norm", st.reference_direction_norm);
  f.write_matrix("/projection/basis", st.basis);
  f.write_vector("/projection/eigenvalues", st.eigenvalues);
  f.write_attribute("/projection", "rank", static_cast<long long>(st.basis.cols()));
  if (st.basis.cols() > 0) {
    f.write_rows("/projection/complement", st.complement, p);
    f.write_rows("/projection/coefficients", st.coefficients, p);
  }
  write_step_rule(f, "/step_rule", st.step_rule, p);
  out.commit();
}

void check_svgd_checkpoint(const std::string& path, const RunIdentity& identity,
                           Index iteration_limit, MPI_Comm comm) {
  const H5File f(path, H5File::Mode::Read, comm);
  check_run_identity(f, identity);
  const long long at = f.read_int_attribute("/", "iteration");
  if (at > iteration_limit)
    throw InputError("restart file '" + path + "' is at iteration " + std::to_string(at) +
                     ", -svgd_iterations is " + std::to_string(iteration_limit) +
                     ": raise -svgd_iterations to continue the run");
}

void read_svgd_history(const std::string& path, SvgdOutput& output, MPI_Comm comm) {
  output.restore_history(H5File(path, H5File::Mode::Read, comm));
}

void read_svgd_checkpoint(const std::string& path, SvgdEngine& engine,
                          const RunIdentity& identity) {
  H5File f(path, H5File::Mode::Read, engine.comm());
  check_run_identity(f, identity);
  engine.set_local_particles(f.read_rows("/particles", engine.partition()));
  engine.set_step_rule_state(read_step_rule(f, "/step_rule", engine.partition()));
  engine.set_iteration(f.read_int_attribute("/", "iteration"));
  note_restart(path, engine.iteration());
}

void read_svgd_checkpoint(const std::string& path, ProjectedSvgdEngine& engine,
                          const RunIdentity& identity) {
  H5File f(path, H5File::Mode::Read, engine.comm());
  check_run_identity(f, identity);
  if (!f.exists("/projection/counters"))
    throw InputError("restart file '" + path + "' is not a checkpoint of projected SVGD");
  const Partition& p = engine.partition();
  engine.set_local_particles(f.read_rows("/particles", p));
  ProjectedState st;
  st.iteration = f.read_int_attribute("/", "iteration");
  const Matrix counters = f.read_matrix("/projection/counters");
  st.budget = static_cast<Index>(counters(0));
  st.basis_updates = static_cast<Index>(counters(1));
  st.steps_on_basis = static_cast<Index>(counters(2));
  st.basis_due = counters(3) != 0.0;
  st.has_reference = counters(4) != 0.0;
  st.reference_direction_norm = f.read_real_attribute("/projection", "reference_direction_norm");
  st.basis = f.read_matrix("/projection/basis");
  st.eigenvalues = f.read_vector("/projection/eigenvalues");
  if (f.read_int_attribute("/projection", "rank") > 0) {
    st.complement = f.read_rows("/projection/complement", p);
    st.coefficients = f.read_rows("/projection/coefficients", p);
  } else {
    st.basis.resize(engine.dim(), 0);
  }
  st.step_rule = read_step_rule(f, "/step_rule", p);
  engine.set_state(st);
  note_restart(path, st.iteration);
}

} // namespace l0svgd
