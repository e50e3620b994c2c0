#pragma once
/// Parallel HDF5 files written and read collectively through MPI-IO.
///
/// Every method is collective on the file's communicator: all ranks call it in the same order with
/// the same path (HDF5 requires it for every metadata operation). Distributed row blocks are
/// written with each rank writing its own rows; small replicated objects are written by rank 0's
/// selection while the other ranks take part with an empty one. Groups along a path are created on
/// demand.
#include <hdf5.h>
#include <mpi.h>
#include <string>
#include <vector>

#include "l0svgd/core/types.hpp"
#include "l0svgd/parallel/partition.hpp"

namespace l0svgd {

class H5File {
public:
  enum class Mode { Create, Read };

  /// Collective: creates (truncating) or opens read-only `path` with the MPI-IO driver.
  H5File(const std::string& path, Mode mode, MPI_Comm comm);
  ~H5File();
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;

  /// Collective: closes every handle now (the destructor does it otherwise, without reporting).
  /// Throws Error on every rank when the close failed on any (the metadata could not be written).
  void close();
  /// The name errors show for this file (an OutputFile's final name instead of its temporary).
  void set_display_name(const std::string& name) { display_name_ = name; }
  const std::string& path() const { return path_; }
  MPI_Comm comm() const { return comm_; }

  // --- writing
  // -------------------------------------------------------------------------------------
  /// Distributed N × w matrix: this rank's `local` rows go to rows [p.local_begin(), +p.n_local()).
  void write_rows(const std::string& name, const ConstMatrixRef& local, const Partition& p);
  /// Distributed length-N vector.
  void write_vector_rows(const std::string& name, const ConstVectorRef& local, const Partition& p);
  /// Replicated matrix (identical on every rank), stored row-major with its shape.
  void write_matrix(const std::string& name, const ConstMatrixRef& value);
  /// Replicated array of any shape from row-major `data` (e.g. K covariance matrices as K × d × d).
  void write_array(const std::string& name, const double* data, const std::vector<hsize_t>& dims);
  /// Replicated vector.
  void write_vector(const std::string& name, const ConstVectorRef& value);
  void write_ints(const std::string& name, const std::vector<long long>& value);
  /// Replicated list of strings, stored as fixed-length strings (parallel HDF5 cannot write
  /// variable-length data collectively).
  void write_strings(const std::string& name, const std::vector<std::string>& value);

  /// Group (and its parents) if missing.
  void create_group(const std::string& name);
  /// Attribute on an existing object ("/" for the file). Replicated value.
  void write_attribute(const std::string& object, const std::string& name,
                       const std::string& value);
  void write_attribute(const std::string& object, const std::string& name, double value);
  void write_attribute(const std::string& object, const std::string& name, long long value);

  /// Extendible series: a dataset of shape (0, trailing...) chunked along its first axis.
  void create_series(const std::string& name, const std::vector<hsize_t>& trailing,
                     hsize_t chunk_rows = 16);
  /// Appends one scalar to a 1-D series.
  void append_scalar(const std::string& name, double value);
  /// Appends one N × w slice to a 3-D series from distributed row blocks.
  void append_rows(const std::string& name, const ConstMatrixRef& local, const Partition& p);

  /// Collective: names the axes of dataset `name` by netCDF-4 dimensions (HDF5 dimension scales)
  /// of its group, so that netCDF and xarray see named dimensions. Axis k gets the dimension
  /// `<group>/<dims[k]>`: the existing 1-D dataset of that name and length (it becomes the
  /// coordinate variable), or a new dimension without a coordinate. Changes nothing and returns
  /// false when a name is repeated or exists with another length.
  bool attach_dimensions(const std::string& name, const std::vector<std::string>& dims);

  // --- reading
  // -------------------------------------------------------------------------------------
  bool exists(const std::string& name) const;
  bool has_attribute(const std::string& object, const std::string& name) const;
  std::vector<hsize_t> shape(const std::string& name) const;
  /// Every dataset of the file, by full path, in name order (the same on every rank).
  std::vector<std::string> dataset_names() const;
  /// True for a dimension scale (a netCDF dimension or coordinate variable).
  bool is_dimension(const std::string& name) const;
  /// This rank's rows of a distributed N × w dataset (or of slice `slice` of a 3-D series, the
  /// last one when negative).
  Matrix read_rows(const std::string& name, const Partition& p, long long slice = -1) const;
  /// The whole dataset on every rank (1-D becomes a column).
  Matrix read_matrix(const std::string& name) const;
  Vector read_vector(const std::string& name) const;
  std::vector<std::string> read_strings(const std::string& name) const;
  std::string read_string_attribute(const std::string& object, const std::string& name) const;
  double read_real_attribute(const std::string& object, const std::string& name) const;
  long long read_int_attribute(const std::string& object, const std::string& name) const;

private:
  herr_t release() noexcept;
  /// Collective: throws the same Error on every rank when `status` failed on any ("no space left
  /// on device writing '<file>'" when the file system is full).
  void agree(herr_t status, const std::string& what) const;
  /// Collective: throws "no space left on device" on every rank unless the file system has room
  /// for `bytes` more and HDF5's metadata.
  void ensure_space(double bytes) const;
  /// Rank 0 empties a file being written that is about to be abandoned after a failed write.
  void abandon() const;
  /// `id` once every rank has one (agree on its validity).
  hid_t agreed(hid_t id, const std::string& what) const;
  hid_t ensure_parent_groups(const std::string& name);
  hid_t open_dataset(const std::string& name) const;
  // Creates a double dataset of shape `dims` and writes this rank's hyperslab (start, count).
  void write_doubles(const std::string& name, const double* data, const std::vector<hsize_t>& dims,
                     const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                     bool participate);
  void write_block(hid_t dataset, hid_t file_space, const double* data, hsize_t rank_dims,
                   const hsize_t* start, const hsize_t* count, bool participate);

  std::string path_, display_name_;
  MPI_Comm comm_;
  int rank_ = 0;
  bool writable_ = false;
  hid_t file_ = -1;
  hid_t transfer_ = -1; // collective transfer property list
};

/// Throws l0svgd::Error naming `what` if an HDF5 call returned a negative value.
hid_t check_h5(hid_t status, const std::string& what);

} // namespace l0svgd
