#!/usr/bin/env python3
"""Convergence of an SVGD run from its /history: the kernel Stein discrepancy (KSD², the U-statistic,
which can fall below zero once the ensemble fits), the ensemble's mean log density, and the step
relative to the ensemble's spread, against the iteration. Several result files go on the same axes.

Usage: /usr/bin/python3 scripts/plot_history.py RESULT.h5 [RESULT2.h5 ...] -o history.png

The KSD is computed every -svgd_ksd_every iterations; the other entries are NaN and are skipped. A
hyperelastic run's /svgd/history is read when there is no /history. Prints, per file, the final KSD²
and the iteration from which the KSD² stays within ±10 % of its final level.
"""
import argparse

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def history(path):
    with h5py.File(path, "r") as f:
        for group in ("history", "svgd/history"):
            if group in f and "iteration" in f[group]:
                g = f[group]
                return {k: np.asarray(g[k][()], dtype=float) for k in g if isinstance(g[k], h5py.Dataset)}
    raise SystemExit(f"{path}: no SVGD history (/history/iteration)")


def settled_from(it, ksd2):
    """First recorded iteration after which |KSD² − final| stays within 10 % of |final| (or of the range)."""
    final = ksd2[-1]
    band = 0.1 * max(abs(final), 1e-12)
    outside = np.nonzero(np.abs(ksd2 - final) > band)[0]
    return it[outside[-1] + 1] if len(outside) and outside[-1] + 1 < len(it) else it[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()

    fig, (ax_ksd, ax_lp, ax_step) = plt.subplots(1, 3, figsize=(13, 3.6))
    for path in args.results:
        h = history(path)
        it = h["iteration"]
        label = path.rsplit("/", 1)[-1]
        if "ksd_squared" in h and np.isfinite(h["ksd_squared"]).any():
            keep = np.isfinite(h["ksd_squared"])
            ax_ksd.plot(it[keep], h["ksd_squared"][keep], marker=".", label=label)
            ksd_it, ksd2 = it[keep], h["ksd_squared"][keep]
            print(f"{label}: final KSD² {ksd2[-1]:.4g} at iteration {int(ksd_it[-1])}, "
                  f"within ±10 % of it from iteration {int(settled_from(ksd_it, ksd2))}")
        else:
            print(f"{label}: no KSD recorded (run with -svgd_ksd_every N)")
        ax_lp.plot(it, h["mean_log_density"], label=label)
        if "relative_step_norm" in h:
            ax_step.semilogy(it, h["relative_step_norm"], label=label)
    ax_ksd.axhline(0.0, color="0.6", lw=0.8)
    ax_ksd.set_yscale("symlog", linthresh=1e-3)
    ax_ksd.set(xlabel="iteration", ylabel="KSD² (U-statistic)", title="Stein discrepancy")
    ax_lp.set(xlabel="iteration", ylabel="mean log p", title="ensemble's mean log density")
    ax_step.set(xlabel="iteration", ylabel="|step| / spread", title="relative step")
    ax_ksd.legend(fontsize="small", frameon=False)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
