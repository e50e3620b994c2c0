#!/usr/bin/env python3
"""Prints one CSV row of timing facts from an l0svgd output file (used by the job and bench scripts).

Usage: timing_row.py FILE [--header]
Columns: ranks, particles, dim, iterations, wall_time_s, time_per_iteration_s, then per-phase seconds
(max over ranks) for gradient, gather, kernel, update, io, the kernel phase's GFLOP/s and peak RSS (MiB).
"""
import sys

import h5py

PHASES = ["gradient", "gather", "kernel", "update", "io"]
COLUMNS = ["ranks", "particles", "dim", "iterations", "wall_time_s", "time_per_iteration_s"] + \
    [f"{p}_s" for p in PHASES] + ["kernel_gflops", "peak_rss_mib"]


def row(path):
    with h5py.File(path, "r") as f:
        t = f["timing"].attrs
        n, d = f["particles"].shape
        values = [f.attrs["ranks"], n, d, t["iterations"], t["wall_time"], t["time_per_iteration"]]
        values += [t[p] for p in PHASES] + [t["kernel_gflops"], t["peak_rss_mib"]]
    return ",".join(str(v) for v in values)


if __name__ == "__main__":
    if "--header" in sys.argv:
        print(",".join(COLUMNS))
    for path in (a for a in sys.argv[1:] if not a.startswith("--")):
        print(row(path))
