#include "l0svgd/io/h5_file.hpp"

#include "l0svgd/core/input_files.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/log.hpp"

#include <hdf5_hl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

namespace l0svgd {
namespace {

// Free space below which a failed write is reported as a full disk.
constexpr double kNearlyFull = 16.0 * 1024 * 1024;
// Space kept free beyond what a write needs: HDF5's metadata (written at the latest on close).
constexpr double kSpareSpace = 1024.0 * 1024;

// Bytes free to this process on the file system that holds `path` (infinite when unknown).
double free_space(const std::string& path) {
  struct statvfs fs;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (statvfs(dir.empty() ? "." : dir.c_str(), &fs) != 0)
    return std::numeric_limits<double>::infinity();
  return static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
}

// RAII for HDF5 identifiers of any kind.
class Handle {
public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0)
      close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }

private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::vector<std::string> split_path(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos)
      end = name.size();
    if (end > start)
      parts.push_back(name.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

hid_t string_type(size_t length) {
  hid_t type = check_h5(H5Tcopy(H5T_C_S1), "string type");
  H5Tset_size(type, std::max<size_t>(length, 1));
  H5Tset_strpad(type, H5T_STR_NULLPAD);
  return type;
}

} // namespace

hid_t check_h5(hid_t status, const std::string& what) {
  if (status < 0)
    throw Error("HDF5 failed: " + what);
  return status;
}

H5File::H5File(const std::string& path, Mode mode, MPI_Comm comm) : path_(path), comm_(comm) {
  MPI_Comm_rank(comm, &rank_);
  // Errors become exceptions with one clear line; HDF5's own stack dump would repeat on every rank.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle access(check_h5(H5Pcreate(H5P_FILE_ACCESS), "file access list"), H5Pclose);
  check_h5(H5Pset_fapl_mpio(access, comm, MPI_INFO_NULL), "MPI-IO driver");
  check_h5(H5Pset_all_coll_metadata_ops(access, true), "collective metadata reads");
  check_h5(H5Pset_coll_metadata_write(access, true), "collective metadata writes");
  if (mode == Mode::Create) {
    writable_ = true;
    file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access);
    if (file_ < 0)
      throw InputError("cannot create HDF5 file '" + path + "'");
  } else {
    // Judged before MPI-IO opens it: a directory there gives a page of MPI-IO messages per rank,
    // a FIFO blocks. Rank 0 looks, every rank learns.
    const std::string problem = rank_ == 0 ? file_problem(path) : "";
    raise_root_input_error(
        problem.empty() ? "" : "cannot open HDF5 file '" + path + "': it " + problem, comm);
    register_input_file(path);
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, access);
    if (file_ < 0)
      throw InputError("cannot open HDF5 file '" + path + "' (missing or not HDF5)");
  }
  transfer_ = check_h5(H5Pcreate(H5P_DATASET_XFER), "transfer list");
  check_h5(H5Pset_dxpl_mpio(transfer_, H5FD_MPIO_COLLECTIVE), "collective transfer");
}

H5File::~H5File() {
  release();
}

void H5File::close() {
  const bool open = file_ >= 0;
  const herr_t status = release();
  if (open)
    agree(status, "close " + path_); // the metadata is written here
}

herr_t H5File::release() noexcept {
  herr_t status = 0;
  if (transfer_ >= 0)
    H5Pclose(transfer_);
  if (file_ >= 0)
    status = H5Fclose(file_);
  transfer_ = file_ = -1;
  return status;
}

void H5File::ensure_space(double bytes) const {
  // HDF5's collective operations do not survive a write that fails on one rank (a rank that fails
  // to allocate leaves the others in a barrier inside HDF5): the space is checked, on rank 0 for
  // all, before HDF5 is asked to use it. Another process filling the disk meanwhile can still
  // defeat this; the run's own growth, the usual case, cannot.
  double free_bytes = rank_ == 0 ? free_space(path_) : 0.0;
  L0_MPI(MPI_Bcast(&free_bytes, 1, MPI_DOUBLE, 0, comm_));
  if (free_bytes < bytes + kSpareSpace) {
    abandon();
    const double mib = 1048576.0;
    throw Error(
        "no space left on device writing '" + (display_name_.empty() ? path_ : display_name_) +
        "' (" + format("%.3g", free_bytes / mib) + " MiB free, " +
        format("%.3g", (bytes + kSpareSpace) / mib) + " MiB needed with room for HDF5's metadata)");
  }
}

void H5File::abandon() const {
  // Emptied, so that closing it, which writes the metadata, finds the space to do so: a close that
  // fails on a full disk leaves HDF5 to crash when it tries again at exit. The caller (an
  // OutputFile) removes it. Best effort: the error being raised is the one to report.
  if (writable_ && rank_ == 0 && truncate(path_.c_str(), 0) != 0)
    return;
}

hid_t H5File::agreed(hid_t id, const std::string& what) const {
  agree(id < 0 ? -1 : 0, what);
  return id;
}

void H5File::agree(herr_t status, const std::string& what) const {
  // A write that failed on some ranks only (a full disk fails where the bytes land) must fail on
  // all, here: a rank that went on would wait in the next collective for one that unwinds.
  int ok = status >= 0 ? 1 : 0, all = 0;
  L0_MPI(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm_));
  if (all)
    return;
  abandon();
  const std::string shown = display_name_.empty() ? path_ : display_name_;
  if (free_space(path_) < kNearlyFull)
    throw Error("no space left on device writing '" + shown + "'");
  throw Error("HDF5 failed: " + what + " (writing '" + shown + "')");
}

hid_t H5File::ensure_parent_groups(const std::string& name) {
  const auto parts = split_path(name);
  std::string current;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    current += "/" + parts[i];
    if (H5Lexists(file_, current.c_str(), H5P_DEFAULT) <= 0) {
      Handle group(agreed(H5Gcreate2(file_, current.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          "create group " + current),
                   H5Gclose);
    }
  }
  return file_;
}

void H5File::create_group(const std::string& name) {
  ensure_space(0.0);
  ensure_parent_groups(name + "/leaf");
}

hid_t H5File::open_dataset(const std::string& name) const {
  hid_t id = H5Dopen2(file_, name.c_str(), H5P_DEFAULT);
  if (id < 0)
    throw InputError("HDF5 file '" + path_ + "' has no dataset '" + name + "'");
  return id;
}

void H5File::write_block(hid_t dataset, hid_t file_space, const double* data, hsize_t rank_dims,
                         const hsize_t* start, const hsize_t* count, bool participate) {
  hsize_t total = 1;
  for (hsize_t i = 0; i < rank_dims; ++i)
    total *= count[i];
  if (participate && total > 0) {
    check_h5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr),
             "select rows");
  } else {
    H5Sselect_none(file_space);
    total = 0;
  }
  Handle memory(check_h5(H5Screate_simple(1, &total, nullptr), "memory space"), H5Sclose);
  if (total == 0)
    H5Sselect_none(memory);
  static const double dummy = 0.0;
  agree(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory, file_space, transfer_, data ? data : &dummy),
        "write " + path_);
}

void H5File::write_doubles(const std::string& name, const double* data,
                           const std::vector<hsize_t>& dims, const std::vector<hsize_t>& start,
                           const std::vector<hsize_t>& count, bool participate) {
  double bytes = sizeof(double);
  for (hsize_t n : dims)
    bytes *= static_cast<double>(n);
  ensure_space(bytes);
  ensure_parent_groups(name);
  Handle space(
      check_h5(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "space"),
      H5Sclose);
  Handle dataset(agreed(H5Dcreate2(file_, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT,
                                   H5P_DEFAULT, H5P_DEFAULT),
                        "create " + name),
                 H5Dclose);
  hsize_t extent = 1;
  for (hsize_t n : dims)
    extent *= n;
  if (extent == 0)
    return; // an empty dataset (a run of 0 iterations has no history): known to every rank alike
  write_block(dataset, space, data, dims.size(), start.data(), count.data(), participate);
}

void H5File::write_rows(const std::string& name, const ConstMatrixRef& local, const Partition& p) {
  const hsize_t width = static_cast<hsize_t>(local.cols());
  write_doubles(name, local.data(), {static_cast<hsize_t>(p.n_global()), width},
                {static_cast<hsize_t>(p.local_begin()), 0},
                {static_cast<hsize_t>(local.rows()), width}, true);
}

void H5File::write_vector_rows(const std::string& name, const ConstVectorRef& local,
                               const Partition& p) {
  write_doubles(name, local.data(), {static_cast<hsize_t>(p.n_global())},
                {static_cast<hsize_t>(p.local_begin())}, {static_cast<hsize_t>(local.size())},
                true);
}

void H5File::write_matrix(const std::string& name, const ConstMatrixRef& value) {
  write_array(name, value.data(),
              {static_cast<hsize_t>(value.rows()), static_cast<hsize_t>(value.cols())});
}

void H5File::write_array(const std::string& name, const double* data,
                         const std::vector<hsize_t>& dims) {
  write_doubles(name, data, dims, std::vector<hsize_t>(dims.size(), 0), dims, rank_ == 0);
}

void H5File::write_vector(const std::string& name, const ConstVectorRef& value) {
  write_array(name, value.data(), {static_cast<hsize_t>(value.size())});
}

void H5File::write_ints(const std::string& name, const std::vector<long long>& value) {
  ensure_space(static_cast<double>(value.size()) * sizeof(long long));
  ensure_parent_groups(name);
  hsize_t dims[1] = {static_cast<hsize_t>(value.size())};
  Handle space(check_h5(H5Screate_simple(1, dims, nullptr), "space"), H5Sclose);
  Handle dataset(agreed(H5Dcreate2(file_, name.c_str(), H5T_NATIVE_LLONG, space, H5P_DEFAULT,
                                   H5P_DEFAULT, H5P_DEFAULT),
                        "create " + name),
                 H5Dclose);
  if (dims[0] == 0)
    return; // replicated, so every rank returns here together
  hsize_t n = (rank_ == 0) ? dims[0] : 0;
  Handle memory(check_h5(H5Screate_simple(1, &n, nullptr), "memory space"), H5Sclose);
  if (rank_ == 0) {
    hsize_t start = 0;
    H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, dims, nullptr);
  } else {
    H5Sselect_none(space);
    H5Sselect_none(memory);
  }
  static const long long dummy = 0;
  agree(H5Dwrite(dataset, H5T_NATIVE_LLONG, memory, space, transfer_,
                 value.empty() ? &dummy : value.data()),
        "write " + name);
}

void H5File::write_strings(const std::string& name, const std::vector<std::string>& value) {
  // An n × width array of single characters, netCDF's NC_CHAR: an array of HDF5 fixed-length
  // strings crashes netCDF-C before 4.9.1 (Debian 12's xarray with engine="netcdf4"), and parallel
  // HDF5 cannot write variable-length strings. xarray joins the characters into strings
  // (_Encoding).
  size_t width = 1;
  for (const auto& s : value)
    width = std::max(width, s.size());
  ensure_space(static_cast<double>(value.size() * width));
  ensure_parent_groups(name);
  std::vector<char> buffer(std::max<size_t>(value.size(), 1) * width, '\0');
  for (size_t i = 0; i < value.size(); ++i)
    std::memcpy(buffer.data() + i * width, value[i].data(), value[i].size());
  Handle type(string_type(1), H5Tclose);
  hsize_t dims[2] = {static_cast<hsize_t>(value.size()), static_cast<hsize_t>(width)};
  Handle space(check_h5(H5Screate_simple(2, dims, nullptr), "space"), H5Sclose);
  {
    Handle dataset(
        agreed(H5Dcreate2(file_, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               "create " + name),
        H5Dclose);
    if (dims[0] > 0) { // replicated, so every rank decides alike
      hsize_t n = (rank_ == 0) ? dims[0] * dims[1] : 0;
      Handle memory(check_h5(H5Screate_simple(1, &n, nullptr), "memory space"), H5Sclose);
      if (rank_ != 0) {
        H5Sselect_none(space);
        H5Sselect_none(memory);
      }
      agree(H5Dwrite(dataset, type, memory, space, transfer_, buffer.data()), "write " + name);
    }
  }
  write_attribute(name, "_Encoding", "utf-8");
}

namespace {
herr_t write_attribute_raw(hid_t file, const std::string& object, const std::string& name,
                           hid_t type, const void* data) {
  Handle target(check_h5(H5Oopen(file, object.c_str(), H5P_DEFAULT), "open " + object), H5Oclose);
  if (H5Aexists(target, name.c_str()) > 0)
    H5Adelete(target, name.c_str());
  Handle space(check_h5(H5Screate(H5S_SCALAR), "scalar space"), H5Sclose);
  Handle attribute(check_h5(H5Acreate2(target, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                            "create attribute " + name),
                   H5Aclose);
  return H5Awrite(attribute, type, data);
}
} // namespace

void H5File::write_attribute(const std::string& object, const std::string& name,
                             const std::string& value) {
  ensure_space(0.0);
  Handle type(string_type(value.size()), H5Tclose);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  agree(write_attribute_raw(file_, object, name, type, padded.data()), "write attribute " + name);
}

void H5File::write_attribute(const std::string& object, const std::string& name, double value) {
  ensure_space(0.0);
  agree(write_attribute_raw(file_, object, name, H5T_NATIVE_DOUBLE, &value),
        "write attribute " + name);
}

void H5File::write_attribute(const std::string& object, const std::string& name, long long value) {
  ensure_space(0.0);
  agree(write_attribute_raw(file_, object, name, H5T_NATIVE_LLONG, &value),
        "write attribute " + name);
}

void H5File::create_series(const std::string& name, const std::vector<hsize_t>& trailing,
                           hsize_t chunk_rows) {
  ensure_space(0.0);
  ensure_parent_groups(name);
  std::vector<hsize_t> dims{0}, max_dims{H5S_UNLIMITED}, chunk{chunk_rows};
  for (hsize_t t : trailing) {
    dims.push_back(t);
    max_dims.push_back(t);
    chunk.push_back(std::max<hsize_t>(t, 1));
  }
  // A chunk must stay below 4 GiB; for big ensembles store one slice per chunk.
  hsize_t chunk_bytes = sizeof(double);
  for (hsize_t c : chunk)
    chunk_bytes *= c;
  if (chunk_bytes > (hsize_t(1) << 30))
    chunk[0] = 1;
  Handle space(
      check_h5(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max_dims.data()),
               "space"),
      H5Sclose);
  Handle create(check_h5(H5Pcreate(H5P_DATASET_CREATE), "create list"), H5Pclose);
  check_h5(H5Pset_chunk(create, static_cast<int>(chunk.size()), chunk.data()), "chunking");
  Handle dataset(agreed(H5Dcreate2(file_, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT,
                                   create, H5P_DEFAULT),
                        "create " + name),
                 H5Dclose);
}

void H5File::append_scalar(const std::string& name, double value) {
  ensure_space(sizeof(double));
  Handle dataset(open_dataset(name), H5Dclose);
  hsize_t old_size = 0;
  {
    Handle space(H5Dget_space(dataset), H5Sclose);
    H5Sget_simple_extent_dims(space, &old_size, nullptr);
  }
  hsize_t new_size = old_size + 1;
  agree(H5Dset_extent(dataset, &new_size), "extend " + name);
  Handle space(H5Dget_space(dataset), H5Sclose);
  hsize_t start = old_size, count = 1;
  write_block(dataset, space, &value, 1, &start, &count, rank_ == 0);
}

void H5File::append_rows(const std::string& name, const ConstMatrixRef& local, const Partition& p) {
  Handle dataset(open_dataset(name), H5Dclose);
  hsize_t dims[3];
  {
    Handle space(H5Dget_space(dataset), H5Sclose);
    if (H5Sget_simple_extent_ndims(space) != 3)
      throw Error("append_rows: '" + name + "' is not a 3-D series");
    H5Sget_simple_extent_dims(space, dims, nullptr);
  }
  if (dims[1] != static_cast<hsize_t>(p.n_global()) ||
      dims[2] != static_cast<hsize_t>(local.cols()))
    throw Error("append_rows: slice shape does not match '" + name + "'");
  ensure_space(static_cast<double>(dims[1]) * static_cast<double>(dims[2]) * sizeof(double));
  hsize_t new_dims[3] = {dims[0] + 1, dims[1], dims[2]};
  agree(H5Dset_extent(dataset, new_dims), "extend " + name);
  Handle space(H5Dget_space(dataset), H5Sclose);
  hsize_t start[3] = {dims[0], static_cast<hsize_t>(p.local_begin()), 0};
  hsize_t count[3] = {1, static_cast<hsize_t>(local.rows()), dims[2]};
  write_block(dataset, space, local.data(), 3, start, count, true);
}

namespace {
// The NAME by which netCDF-4 marks a dimension scale that is a dimension without a coordinate
// variable (netCDF-C's and h5netcdf's convention; the number is the length).
std::string pure_dimension_name(hsize_t length) {
  char buffer[80];
  std::snprintf(buffer, sizeof buffer,
                "This is a netCDF dimension but not a netCDF variable.%10llu",
                static_cast<unsigned long long>(length));
  return buffer;
}

std::string parent_group(const std::string& name) {
  const size_t slash = name.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "" : name.substr(0, slash);
}

herr_t collect_dataset(hid_t, const char* name, const H5O_info_t* info, void* out) {
  if (info->type == H5O_TYPE_DATASET && std::strcmp(name, ".") != 0)
    static_cast<std::vector<std::string>*>(out)->push_back(std::string("/") + name);
  return 0;
}
} // namespace

std::vector<std::string> H5File::dataset_names() const {
  std::vector<std::string> names;
  check_h5(H5Ovisit(file_, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &names), "list " + path_);
  return names;
}

bool H5File::is_dimension(const std::string& name) const {
  Handle dataset(open_dataset(name), H5Dclose);
  return H5DSis_scale(dataset) > 0;
}

bool H5File::attach_dimensions(const std::string& name, const std::vector<std::string>& dims) {
  const std::vector<hsize_t> extent = shape(name);
  if (extent.size() != dims.size())
    throw Error("attach_dimensions: '" + name + "' has " + std::to_string(extent.size()) +
                " axes, " + std::to_string(dims.size()) + " names given");
  const std::string group = parent_group(name);
  for (size_t k = 0; k < dims.size(); ++k) { // every axis checked before anything is changed
    const std::string scale = group + "/" + dims[k];
    if (std::count(dims.begin(), dims.end(), dims[k]) > 1)
      return false;
    if (exists(scale) && (shape(scale) != std::vector<hsize_t>{extent[k]}))
      return false;
  }
  ensure_space(0.0);
  Handle dataset(open_dataset(name), H5Dclose);
  for (size_t k = 0; k < dims.size(); ++k) {
    const std::string scale_name = group + "/" + dims[k];
    if (scale_name == name) { // a coordinate variable: its own dimension
      if (H5DSis_scale(dataset) <= 0)
        agree(H5DSset_scale(dataset, dims[k].c_str()), "make coordinate " + name);
      continue;
    }
    if (!exists(scale_name)) {
      const hsize_t length = extent[k];
      Handle space(check_h5(H5Screate_simple(1, &length, nullptr), "space"), H5Sclose);
      Handle created(agreed(H5Dcreate2(file_, scale_name.c_str(), H5T_NATIVE_FLOAT, space,
                                       H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                            "create dimension " + scale_name),
                     H5Dclose);
      agree(H5DSset_scale(created, pure_dimension_name(length).c_str()),
            "make dimension " + scale_name);
    }
    Handle scale(open_dataset(scale_name), H5Dclose);
    if (H5DSis_scale(scale) <= 0) // an existing 1-D dataset of this name becomes the coordinate
      agree(H5DSset_scale(scale, dims[k].c_str()), "make coordinate " + scale_name);
    agree(H5DSattach_scale(dataset, scale, static_cast<unsigned>(k)),
          "attach dimension " + scale_name + " to " + name);
  }
  return true;
}

bool H5File::exists(const std::string& name) const {
  // Check each prefix: H5Lexists fails on a path whose parent is missing.
  std::string current;
  for (const auto& part : split_path(name)) {
    current += "/" + part;
    if (H5Lexists(file_, current.c_str(), H5P_DEFAULT) <= 0)
      return false;
  }
  return true;
}

std::vector<hsize_t> H5File::shape(const std::string& name) const {
  Handle dataset(open_dataset(name), H5Dclose);
  Handle space(H5Dget_space(dataset), H5Sclose);
  std::vector<hsize_t> dims(H5Sget_simple_extent_ndims(space));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

Matrix H5File::read_rows(const std::string& name, const Partition& p, long long slice) const {
  Handle dataset(open_dataset(name), H5Dclose);
  Handle space(H5Dget_space(dataset), H5Sclose);
  const int ndims = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(ndims);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  if (ndims < 1 || ndims > 3)
    throw InputError("dataset '" + name + "' in '" + path_ + "' has an unexpected rank");
  const hsize_t rows = dims[ndims == 3 ? 1 : 0];
  const hsize_t cols = ndims == 1 ? 1 : dims[ndims - 1];
  if (rows != static_cast<hsize_t>(p.n_global()))
    throw InputError("dataset '" + name + "' in '" + path_ + "' has " + std::to_string(rows) +
                     " rows, expected " + std::to_string(p.n_global()));
  Matrix local(p.n_local(), static_cast<Index>(cols));
  std::vector<hsize_t> start(ndims, 0), count(dims);
  if (ndims == 3) {
    if (slice >= static_cast<long long>(dims[0]) || dims[0] == 0)
      throw InputError("series '" + name + "' in '" + path_ + "' has " + std::to_string(dims[0]) +
                       " slices, slice " + std::to_string(slice) + " was asked for");
    start[0] = slice < 0 ? dims[0] - 1 : static_cast<hsize_t>(slice);
    count[0] = 1;
  }
  start[ndims == 3 ? 1 : 0] = static_cast<hsize_t>(p.local_begin());
  count[ndims == 3 ? 1 : 0] = static_cast<hsize_t>(p.n_local());
  hsize_t total = static_cast<hsize_t>(local.size());
  Handle memory(check_h5(H5Screate_simple(1, &total, nullptr), "memory space"), H5Sclose);
  if (total > 0) {
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  } else {
    H5Sselect_none(space);
    H5Sselect_none(memory);
  }
  double dummy = 0;
  check_h5(
      H5Dread(dataset, H5T_NATIVE_DOUBLE, memory, space, transfer_, total ? local.data() : &dummy),
      "read " + name);
  return local;
}

Matrix H5File::read_matrix(const std::string& name) const {
  const auto dims = shape(name);
  if (dims.empty() || dims.size() > 2)
    throw InputError("dataset '" + name + "' in '" + path_ + "' is not 1-D or 2-D");
  Matrix value(static_cast<Index>(dims[0]), dims.size() == 2 ? static_cast<Index>(dims[1]) : 1);
  if (value.size() == 0)
    return value; // an empty dataset has no data to read (and none was written)
  Handle dataset(open_dataset(name), H5Dclose);
  check_h5(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, transfer_, value.data()),
           "read " + name);
  return value;
}

Vector H5File::read_vector(const std::string& name) const {
  const Matrix m = read_matrix(name);
  return Eigen::Map<const Vector>(m.data(), m.size());
}

std::vector<std::string> H5File::read_strings(const std::string& name) const {
  Handle dataset(open_dataset(name), H5Dclose);
  Handle type(H5Dget_type(dataset), H5Tclose);
  const auto dims = shape(name);
  if (H5Tget_class(type) != H5T_STRING || dims.empty() || dims.size() > 2)
    throw InputError("dataset '" + name + "' in '" + path_ + "' does not hold strings");
  // n × width characters, as write_strings stores them, or (files of earlier versions) n
  // fixed-length strings of H5Tget_size characters.
  const size_t width = dims.size() == 2 ? dims[1] : H5Tget_size(type);
  if (dims[0] == 0 || width == 0)
    return std::vector<std::string>(dims[0]); // nothing to read (an empty list)
  std::vector<char> buffer(dims[0] * width, '\0');
  Handle memory_type(string_type(dims.size() == 2 ? 1 : width), H5Tclose);
  check_h5(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, transfer_, buffer.data()),
           "read " + name);
  std::vector<std::string> result;
  for (hsize_t i = 0; i < dims[0]; ++i) {
    const char* s = buffer.data() + i * width;
    result.emplace_back(s, strnlen(s, width));
  }
  return result;
}

namespace {
Handle open_attribute(hid_t file, const std::string& path, const std::string& object,
                      const std::string& name) {
  Handle target(H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (target < 0 || H5Aexists(target, name.c_str()) <= 0)
    throw InputError("HDF5 file '" + path + "' has no attribute '" + name + "' on '" + object +
                     "'");
  return Handle(H5Aopen(target, name.c_str(), H5P_DEFAULT), H5Aclose);
}
} // namespace

bool H5File::has_attribute(const std::string& object, const std::string& name) const {
  if (object != "/" && !exists(object))
    return false;
  Handle target(H5Oopen(file_, object.c_str(), H5P_DEFAULT), H5Oclose);
  return target >= 0 && H5Aexists(target, name.c_str()) > 0;
}

std::string H5File::read_string_attribute(const std::string& object,
                                          const std::string& name) const {
  Handle attribute = open_attribute(file_, path_, object, name);
  Handle type(H5Aget_type(attribute), H5Tclose);
  const size_t width = H5Tget_size(type);
  std::vector<char> buffer(width + 1, '\0');
  Handle memory_type(string_type(width), H5Tclose);
  check_h5(H5Aread(attribute, memory_type, buffer.data()), "read attribute " + name);
  return std::string(buffer.data(), strnlen(buffer.data(), width));
}

double H5File::read_real_attribute(const std::string& object, const std::string& name) const {
  Handle attribute = open_attribute(file_, path_, object, name);
  double value = 0;
  check_h5(H5Aread(attribute, H5T_NATIVE_DOUBLE, &value), "read attribute " + name);
  return value;
}

long long H5File::read_int_attribute(const std::string& object, const std::string& name) const {
  Handle attribute = open_attribute(file_, path_, object, name);
  long long value = 0;
  check_h5(H5Aread(attribute, H5T_NATIVE_LLONG, &value), "read attribute " + name);
  return value;
}

} // namespace l0svgd
