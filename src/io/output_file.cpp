#include "l0svgd/io/output_file.hpp"

#include "l0svgd/io/dimensions.hpp"

#include "l0svgd/core/input_files.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/options.hpp"
#include "l0svgd/core/version.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace l0svgd {
namespace {

// Rank 0 tries; every rank learns the outcome, so the error is raised everywhere at once.
void root_check(bool ok_on_root, const std::string& message, MPI_Comm comm) {
  raise_root_input_error(ok_on_root ? "" : message, comm);
}

bool prepare_location(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty())
    fs::create_directories(parent, ec);
  const std::string probe = path + ".probe";
  bool ok = static_cast<bool>(std::ofstream(probe));
  std::remove(probe.c_str());
  return ok;
}

} // namespace

void OutputFile::check_writable(const std::string& path, MPI_Comm comm, const std::string& except) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (path.empty())
    throw InputError("output file name is empty");
  // An output under the name of a file the run reads would destroy it (the input YAML, the data,
  // the initial particles, a reference): refused before anything is written. Every rank recorded
  // the same inputs; rank 0 judges, all learn which.
  const std::vector<std::string>& inputs = input_files();
  int clash = rank == 0 ? input_file_equivalent_to(path, except) : -1;
  L0_MPI(MPI_Bcast(&clash, 1, MPI_INT, 0, comm));
  if (clash >= 0 && static_cast<std::size_t>(clash) < inputs.size())
    throw InputError("output file '" + path + "' is the run's input file '" + inputs[clash] +
                     "': choose another output name");
  std::error_code ec;
  root_check(rank != 0 || !std::filesystem::is_directory(path, ec),
             "output file '" + path + "' is an existing directory: give a file name", comm);
  root_check(rank == 0 ? prepare_location(path) : true,
             "output location '" + path + "' is not writable", comm);
}

OutputFile::OutputFile(const std::string& path, MPI_Comm comm) : path_(path), comm_(comm) {
  check_writable(path, comm);
  temporary_ = reserve_temporary(path, comm);
  try {
    file_ = std::make_unique<H5File>(temporary_, H5File::Mode::Create, comm);
    file_->set_display_name(path);
  } catch (...) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0)
      std::remove(temporary_.c_str());
    throw;
  }
}

std::string OutputFile::reserve_temporary(const std::string& path, MPI_Comm comm) {
  // Two runs with the same output name must not share a temporary (the first to finish would
  // rename the other's file as its own): rank 0 creates a name no other run holds, atomically
  // (mkstemps opens with O_EXCL, also on a shared file system), and the ranks learn it.
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::string name;
  if (rank == 0) {
    name = path + ".XXXXXX.tmp";
    const int fd = mkstemps(name.data(), 4);
    if (fd >= 0)
      close(fd);
    else
      name.clear();
  }
  name = broadcast_string(name, 0, comm);
  if (name.empty())
    throw InputError("output location '" + path + "' is not writable");
  return name;
}

OutputFile::~OutputFile() {
  if (!file_)
    return;
  file_.reset();
  int rank = 0;
  MPI_Comm_rank(comm_, &rank);
  if (rank == 0)
    std::remove(temporary_.c_str());
}

void OutputFile::commit() {
  label_dimensions(*file_);
  file_->close();
  file_.reset();
  int rank = 0;
  MPI_Comm_rank(comm_, &rank);
  bool renamed = true;
  if (rank == 0)
    renamed = std::rename(temporary_.c_str(), path_.c_str()) == 0;
  root_check(renamed, "could not rename '" + temporary_ + "' to '" + path_ + "'", comm_);
}

namespace {
// What note_restart recorded: one run resumes at most one checkpoint per process.
struct RestartRecord {
  std::string checkpoint;
  Index iteration = -1;
};
RestartRecord& restart_record() {
  static RestartRecord record;
  return record;
}
} // namespace

void note_restart(const std::string& checkpoint, Index iteration) {
  restart_record() = {checkpoint, iteration};
}

void write_run_metadata(H5File& file, const std::string& task) {
  int size = 1;
  MPI_Comm_size(file.comm(), &size);
  file.write_attribute("/", "task", task);
  file.write_attribute("/", "ranks", static_cast<long long>(size));
  file.write_attribute("/", "git_revision", std::string(git_revision()));
  file.write_attribute("/", "version", std::string(version_string()));
  const RestartRecord& restart = restart_record();
  if (restart.iteration >= 0) {
    file.write_attribute("/", "restarted_from", restart.checkpoint);
    file.write_attribute("/", "restarted_at", static_cast<long long>(restart.iteration));
  }
  const auto options = Options::effective();
  std::vector<std::string> lines;
  for (const auto& [name, value] : options)
    lines.push_back("-" + name + (value.empty() ? "" : " " + value));
  file.write_strings("/options/command_line", lines);
  for (const auto& [name, value] : options)
    file.write_attribute("/options", name, value);
}

} // namespace l0svgd
