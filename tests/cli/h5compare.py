#!/usr/bin/env python3
"""Compares datasets of two HDF5 files by their values, as `h5diff -d TOL` does, but values only.

Usage: h5compare.py TOL FILE_A FILE_B DATASET...

h5diff also compares attributes and follows the object references in them. A dimension scale's
REFERENCE_LIST refers to every dataset attached to it, so comparing /history/iteration in two runs
with h5diff compares their /history/time (wall times) as well, which always differ. This compares
each dataset's shape and values only: integers and strings exactly, reals to an absolute TOL.
Exit status 1, with one line per difference, when any differs or is missing.
"""
import sys

import h5py
import numpy as np


def main(tol, a_path, b_path, names):
    problems = []
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        for name in names:
            if name not in a or name not in b:
                problems.append(f"{name}: missing in {a_path if name not in a else b_path}")
                continue
            x, y = a[name][()], b[name][()]
            if np.shape(x) != np.shape(y):
                problems.append(f"{name}: shape {np.shape(x)} vs {np.shape(y)}")
            elif np.issubdtype(np.asarray(x).dtype, np.floating):
                worst = float(np.max(np.abs(x - y), initial=0.0))
                if not worst <= tol:  # NaN counts as a difference
                    problems.append(f"{name}: max |difference| {worst:.3g} > {tol:g}")
            elif not np.array_equal(x, y):
                problems.append(f"{name}: values differ")
    for p in problems:
        print(f"h5compare {a_path} {b_path}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    sys.exit(main(float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]))
