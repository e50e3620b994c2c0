#pragma once
/// Named dimensions for result files: the netCDF-4 view of l0svgd's HDF5 layout, so that
/// `xarray.open_dataset(file)` (engine "netcdf4" or "h5netcdf") sees `/particles` as
/// (particle, parameter) with the parameter names as a coordinate, the history along `iteration`,
/// and so on for every dataset of every task.
#include <string>
#include <vector>

#include "l0svgd/io/h5_file.hpp"

namespace l0svgd {

/// The dimension names of dataset `path` with `rank` axes in l0svgd's layout (one table for every
/// task); `<name>_dim<k>` for a dataset the table does not know. Not collective.
std::vector<std::string> dimension_names(const std::string& path, size_t rank);

/// Collective: attaches the dimensions of dimension_names to every dataset of `file` (a name that
/// clashes with a dimension of another length in the same group falls back to the generic name),
/// and marks `/parameter_names` as a coordinate of the datasets beside it with a parameter axis
/// (their CF `coordinates` attribute). Call it once, when the file is complete.
void label_dimensions(H5File& file);

} // namespace l0svgd
