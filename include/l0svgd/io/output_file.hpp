#pragma once
/// Result files that appear under their final name only when complete.
#include <memory>
#include <mpi.h>
#include <string>

#include "l0svgd/io/h5_file.hpp"

namespace l0svgd {

/// An HDF5 file written under a temporary name unique to the run ("<path>.XXXXXX.tmp") and renamed
/// to `path` by `commit()`. If the run fails before that, the destructor removes the temporary
/// file, so a truncated file never exists under the final name; two runs with the same output
/// name each rename only their own file (the later one wins).
class OutputFile {
public:
  /// Collective: creates parent directories and the temporary file. Throws InputError if the
  /// location is not writable.
  OutputFile(const std::string& path, MPI_Comm comm);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  H5File& h5() { return *file_; }
  const std::string& path() const { return path_; }
  const std::string& temporary() const { return temporary_; }
  /// Collective: closes the file and renames it into place.
  void commit();

  /// Collective: throws InputError unless a file can be created at `path` (parent directories are
  /// created if missing) and `path` is not a file the run reads (register_input_file), `except`
  /// aside. Leaves nothing behind but the directories.
  static void check_writable(const std::string& path, MPI_Comm comm,
                             const std::string& except = "");

private:
  /// Collective: creates an empty file under a fresh temporary name next to `path`.
  static std::string reserve_temporary(const std::string& path, MPI_Comm comm);

  std::string path_, temporary_;
  MPI_Comm comm_;
  std::unique_ptr<H5File> file_;
};

/// Collective: stores what makes a run reproducible as attributes of "/" and of the group
/// "/options": every effective option (input file + command line), rank count, git revision,
/// version and the given task name; for a resumed run also restarted_from (the checkpoint) and
/// restarted_at (its iteration), as note_restart recorded them.
void write_run_metadata(H5File& file, const std::string& task);

/// Not collective (call it on every rank alike): records that this run resumed `checkpoint` at
/// `iteration`, for write_run_metadata. The checkpoint readers call it.
void note_restart(const std::string& checkpoint, Index iteration);

} // namespace l0svgd
