#include "l0svgd/io/svgd_checkpoint.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/io/output_file.hpp"

namespace l0svgd {
namespace {

void write_identity(H5File& f, const RunIdentity& id) {
  f.write_attribute("/", "target", id.target);
  f.write_attribute("/", "dim", static_cast<long long>(id.dim));
  f.write_attribute("/", "n_particles", static_cast<long long>(id.n_particles));
  f.write_attribute("/", "step_rule", id.step_rule);
  f.write_attribute("/", "seed", static_cast<long long>(id.seed));
  f.write_attribute("/", "coordinates", id.coordinates);
}

void check_identity(const H5File& f, const RunIdentity& id) {
  const std::string where = "restart file '" + f.path() + "'";
  const std::string target = f.read_string_attribute("/", "target");
  if (target != id.target)
    throw InputError(where + " is for target '" + target + "', this run has '" + id.target + "'");
  const long long dim = f.read_int_attribute("/", "dim");
  if (dim != id.dim)
    throw InputError(where + " has dimension " + std::to_string(dim) + ", this run has " +
                     std::to_string(id.dim));
  const long long n = f.read_int_attribute("/", "n_particles");
  if (n != id.n_particles)
    throw InputError(where + " has " + std::to_string(n) + " particles, this run has " +
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
}

} // namespace

void write_svgd_checkpoint(const std::string& path, const SvgdEngine& engine,
                           const RunIdentity& identity) {
  OutputFile out(path, engine.comm());
  H5File& f = out.h5();
  write_identity(f, identity);
  f.write_attribute("/", "iteration", static_cast<long long>(engine.iteration()));
  f.write_rows("/particles", engine.local_particles(), engine.partition());
  const StepRuleState state = engine.step_rule_state();
  f.write_attribute("/", "step_rule_steps", static_cast<long long>(state.steps));
  f.write_strings("/step_rule/names", [&] {
    std::vector<std::string> names;
    for (const auto& block : state.blocks)
      names.push_back(block.name);
    return names;
  }());
  for (const auto& block : state.blocks)
    f.write_rows("/step_rule/" + block.name, block.rows, engine.partition());
  out.commit();
}

void check_svgd_checkpoint(const std::string& path, const RunIdentity& identity, MPI_Comm comm) {
  check_identity(H5File(path, H5File::Mode::Read, comm), identity);
}

void read_svgd_checkpoint(const std::string& path, SvgdEngine& engine,
                          const RunIdentity& identity) {
  H5File f(path, H5File::Mode::Read, engine.comm());
  check_identity(f, identity);
  engine.set_local_particles(f.read_rows("/particles", engine.partition()));
  StepRuleState state;
  state.steps = f.read_int_attribute("/", "step_rule_steps");
  for (const auto& name : f.read_strings("/step_rule/names"))
    state.blocks.push_back({name, f.read_rows("/step_rule/" + name, engine.partition())});
  engine.set_step_rule_state(state);
  engine.set_iteration(f.read_int_attribute("/", "iteration"));
}

} // namespace l0svgd
