#pragma once
/// The files a run reads (input YAML, data, initial particles, restart, reference), so that no
/// output can overwrite one of them.
#include <string>
#include <vector>

namespace l0svgd {

/// What keeps `path` from being read as a regular file ("does not exist", "is a directory", "is not
/// a regular file (a FIFO, ...)", "is not readable"), or "" when nothing does. Judged by stat, so a
/// FIFO is found without blocking on it. Not collective.
std::string file_problem(const std::string& path);

/// Records that the run reads `path`. Not collective: every rank that opens a file records it
/// (the readers call it; thread-unsafe, like the rest of the setup). The record lives as long as
/// the process: one run per process, as the executable does (a program that runs several in one
/// process, like the tests, keeps what earlier ones read protected too).
void register_input_file(const std::string& path);

/// Forgets `path`: the run has read it completely and may replace it, as a resumed checkpoint is
/// written again under its own name (the requeue pattern of a scheduler).
void release_input_file(const std::string& path);

/// Every path recorded so far, in order, each once.
const std::vector<std::string>& input_files();

/// The index in input_files() of the first recorded input other than `except` that is the same
/// file as `path` (same device and inode, so through links and other spellings too), or −1 if
/// none is or `path` does not exist. Not collective.
int input_file_equivalent_to(const std::string& path, const std::string& except = "");

/// Whether `a` and `b` name the same file: the same existing file, or the same normalised path.
bool same_file(const std::string& a, const std::string& b);

} // namespace l0svgd
