#pragma once
/// The checks PETSc's YAML reader does not make, before it reads an input file: a file with no
/// option in it, a key given twice (also as "svgd: {particles: 10}" beside "svgd_particles: 20",
/// the same option), a key without a value, and a syntax error, each named with its line.
#include <string>

namespace l0svgd {

/// The first problem of the YAML input file at `path` as one line ("input file 'f', line 3: ..."),
/// or an empty string when there is none. Not collective (rank 0 calls it; load_input_file
/// broadcasts the verdict).
std::string yaml_input_problem(const std::string& path);

} // namespace l0svgd
