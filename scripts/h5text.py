"""Strings from l0svgd's HDF5 result files, for the scripts, benchmarks and tests in Python.

l0svgd writes a list of strings (``/parameter_names``, ``/l0/active_names``, ...) as an n × width array
of single characters, netCDF's NC_CHAR layout, because arrays of HDF5 fixed-length strings crash
netCDF-C before 4.9.1 (Debian 12 has 4.9.0) and parallel HDF5 cannot write variable-length strings.
h5py returns that as an (n, width) array of one-byte strings; files written before it hold a 1-D
array of fixed-length strings. ``strings`` reads both; xarray decodes the first by itself.
"""


def strings(dataset):
    """The list of str held by an h5py dataset of either layout."""
    raw = dataset[()]
    if getattr(raw, "ndim", 0) == 2:
        return [b"".join(row).rstrip(b"\0").decode() for row in raw]
    return [v.decode() if isinstance(v, bytes) else str(v) for v in raw]
