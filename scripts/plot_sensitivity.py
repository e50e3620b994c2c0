#!/usr/bin/env python3
"""Sobol' indices of a -task sensitivity run: first-order S and total S_T of each factor with their
bootstrap intervals (bars), and below them the quantity of interest at the design's first N points (the
matrix A, where the factors vary independently) against each factor, a look at the main effects.
Prints one line per factor with both indices and their intervals. With --talk, the talk's indices for
its design (d, K, omega, c, lambda; ../shared/seeds/gmm-laplace-vi-talk.md) are drawn beside ours.

Usage: /usr/bin/python3 scripts/plot_sensitivity.py RUN.h5 [--talk] -o OUT.png
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from h5text import strings  # noqa: E402  scripts/h5text.py, beside this script

# The talk's table (first order, total), for its factor distributions.
TALK = {"d": (0.17, 0.65), "K": (0.13, 0.30), "omega": (0.17, 0.37), "c": (0.0, 0.65), "lambda": (0.0, 0.02)}
LABELS = {"omega": "ω", "lambda": "λ"}


def load(path):
    with h5py.File(path, "r") as f:
        if "sensitivity" not in f:
            sys.exit(f"plot_sensitivity.py: {path} has no /sensitivity (not a -task sensitivity result)")
        s = f["sensitivity"]
        run = {k: s[k][()] for k in ("first_order", "first_order_lower", "first_order_upper", "total_order",
                                     "total_order_lower", "total_order_upper", "qoi", "design")}
        run["names"] = strings(s["factor_names"])
        run["design_factors"] = strings(s["design_factors"])
        attr = s.attrs["qoi"]
        run["qoi_name"] = attr.decode() if isinstance(attr, bytes) else str(attr)
        run["n_base"] = int(s.attrs["n_base"])
        run["confidence"] = float(s.attrs["confidence"])
        return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--talk", action="store_true", help="draw the talk's indices beside ours")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    r = load(args.run)
    names, k, n = r["names"], len(r["names"]), r["n_base"]
    for i, name in enumerate(names):
        print(f"{name}: S {r['first_order'][i]:.4f} [{r['first_order_lower'][i]:.4f}, "
              f"{r['first_order_upper'][i]:.4f}]; S_T {r['total_order'][i]:.4f} "
              f"[{r['total_order_lower'][i]:.4f}, {r['total_order_upper'][i]:.4f}]")

    fig = plt.figure(figsize=(max(8, 2.2 * k), 7))
    grid = fig.add_gridspec(2, k, height_ratios=[1.3, 1])
    ax = fig.add_subplot(grid[0, :])
    x = np.arange(k)
    for offset, key, label, colour in ((-0.18, "first_order", "first order S", "tab:blue"),
                                       (0.18, "total_order", "total S$_T$", "tab:red")):
        value = r[key]
        err = np.vstack([value - r[key + "_lower"], r[key + "_upper"] - value])
        ax.bar(x + offset, value, 0.34, yerr=err, capsize=4, color=colour, alpha=0.75, label=label)
    if args.talk:
        for i, name in enumerate(names):
            if name in TALK:
                s, st = TALK[name]
                ax.plot([i - 0.18, i + 0.18], [s, st], "k_", markersize=22, mew=2,
                        label="talk" if i == 0 else None)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(x, [LABELS.get(name, name) for name in names])
    ax.set_ylabel("Sobol' index")
    ax.set_title(f"{r['qoi_name']}: {len(r['qoi'])} problems (N = {n}), "
                 f"{100 * r['confidence']:.0f} % bootstrap intervals")
    ax.legend()
    qoi_a = r["qoi"][:n]
    for i, name in enumerate(names):
        sub = fig.add_subplot(grid[1, i])
        column = r["design"][:n, r["design_factors"].index(name)]
        sub.plot(column, qoi_a, ".", ms=3, alpha=0.5)
        sub.set_xlabel(LABELS.get(name, name))
        if i == 0:
            sub.set_ylabel(r["qoi_name"])
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)


if __name__ == "__main__":
    main()
