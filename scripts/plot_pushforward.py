#!/usr/bin/env python3
"""Plots the posterior predictive of a Laplace or VI run of l0svgd on a target with predicted quantities
(the shear frame's floor displacements over time): one column per posterior (the reference, e.g. the
grid posterior, then the Laplace and VI-refined mixtures), one row per quantity, the median and central
band with the data, and a last column with each approximation's W1 to the reference at every point.
Prints, per approximation and quantity, the mean and largest W1 (what the last column shows).

Usage: /usr/bin/python3 scripts/plot_pushforward.py RUN.h5 -o OUT.png
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from h5text import strings  # noqa: E402  scripts/h5text.py, beside this script

LABELS = {"reference": "reference (grid posterior)", "laplace": "Laplace mixture", "vi": "VI-refined mixture"}
COLOURS = {"reference": "black", "laplace": "tab:green", "vi": "tab:red"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("-o", "--output", default="out/pushforward.png")
    args = parser.parse_args()
    with h5py.File(args.run, "r") as f:
        if "pushforward" not in f:
            sys.exit(f"plot_pushforward.py: {args.run} has no /pushforward (its target predicts nothing, "
                     "or -pushforward_draws was 0)")
        g = f["pushforward"]
        t, names = g["points"][()], strings(g["quantities"])
        point = g.attrs["point_name"]
        point = point.decode() if isinstance(point, bytes) else str(point)
        level = float(g.attrs["level"])
        sources = [s for s in ("reference", "laplace", "vi") if s in g]
        bands = {s: {k: g[f"{s}/{k}"][()] for k in ("lower", "median", "upper")} for s in sources}
        w1 = {s: g[f"{s}/w1"][()] for s in sources if f"{s}/w1" in g}
        floor = g["reference/w1_floor"][()] if "reference/w1_floor" in g else None
        data = {name: (g[f"data/{name}/points"][()], g[f"data/{name}/values"][()])
                for name in names if f"data/{name}" in g}

    columns = len(sources) + (1 if w1 else 0)
    fig, axes = plt.subplots(len(names), columns, figsize=(3.6 * columns, 2.6 * len(names)),
                             squeeze=False, sharex=True)
    for q, name in enumerate(names):
        for c, s in enumerate(sources):
            ax = axes[q, c]
            b = bands[s]
            ax.fill_between(t, b["lower"][q], b["upper"][q], color=COLOURS[s], alpha=0.3, lw=0,
                            label=f"{level:.0%} band")
            ax.plot(t, b["median"][q], color=COLOURS[s], lw=1, label="median")
            if name in data:
                ax.plot(*data[name], ".", color="tab:blue", ms=3, label="data")
            if q == 0:
                ax.set_title(LABELS.get(s, s))
            if c == 0:
                ax.set_ylabel(name)
            if q == len(names) - 1:
                ax.set_xlabel(point)
        if w1:
            ax = axes[q, -1]
            for s, values in w1.items():
                ax.semilogy(t, np.maximum(values[q], 1e-12), color=COLOURS.get(s), label=LABELS.get(s, s))
                print(f"{s} {name}: mean W1 {values[q].mean():.6g}, largest {values[q].max():.6g} "
                      f"at {point} {t[np.argmax(values[q])]:.6g}")
            if floor is not None:
                ax.axhline(floor[q], color="grey", ls=":", lw=1, label="Monte Carlo floor")
                ax.set_ylim(bottom=0.1 * floor[q])  # the deterministic start has W1 = 0
            ax.set_title("W1 to the reference" if q == 0 else "")
            if q == len(names) - 1:
                ax.set_xlabel(point)
    axes[0, 0].legend(fontsize=7)
    if w1:
        axes[0, -1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
