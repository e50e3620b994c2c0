#!/usr/bin/env python3
"""Plots a 2-D Laplace/VI run of l0svgd: the grid posterior with the modes, the Laplace mixture and the
VI mixtures as contours, and JSD against wall time for warm and cold starts.

Usage: /usr/bin/python3 scripts/plot_mixture.py LAPLACE.h5 [VI_WARM.h5] [VI_COLD.h5] -o OUT.png
"""
import argparse

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from gmm_density import marginal_density  # noqa: E402  scripts/gmm_density.py, beside this script
from h5text import strings  # noqa: E402  scripts/h5text.py, beside this script


# Contours at these fractions of each density's maximum, so the tails do not clutter the picture.
LEVELS = np.array([0.05, 0.3, 0.7])


def mixture_density(group, points):
    """Density of the Gaussian mixture stored in an HDF5 group at points (n, 2)."""
    return marginal_density(group, (0, 1), points)


def grid(f):
    nodes, logp = f["reference/grid_nodes"][...], f["reference/grid_log_density"][...]
    n = int(round(np.sqrt(len(nodes))))
    return nodes[:, 0].reshape(n, n), nodes[:, 1].reshape(n, n), np.exp(logp).reshape(n, n)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("laplace")
    parser.add_argument("warm", nargs="?")
    parser.add_argument("cold", nargs="?")
    parser.add_argument("-o", "--output", default="out/mixture.png")
    args = parser.parse_args()

    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    ax = axes[0]
    with h5py.File(args.laplace, "r") as f:
        x, y, p = grid(f)
        names = strings(f["parameter_names"])
        ax.contourf(x, y, p, levels=p.max() * np.linspace(0.02, 1, 12), cmap="Greys", extend="neither")
        pts = np.column_stack([x.ravel(), y.ravel()])
        lap = mixture_density(f["mixture/initial"], pts).reshape(x.shape)
        ax.contour(x, y, lap, levels=lap.max() * LEVELS, colors="tab:green", linewidths=1)
        modes = f["modes"][...]
        ax.plot(modes[:, 0], modes[:, 1], "r*", ms=12, label="modes (multistart)")
    for path, colour, label in ((args.warm, "tab:blue", "VI warm"), (args.cold, "tab:orange", "VI cold")):
        if path:
            with h5py.File(path, "r") as f:
                q = mixture_density(f["mixture/final"], pts).reshape(x.shape)
                ax.contour(x, y, q, levels=q.max() * LEVELS, colors=colour, linewidths=1,
                           linestyles="--")
                ax.plot([], [], color=colour, ls="--", label=label)
    ax.plot([], [], color="tab:green", label="Laplace mixture")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title("posterior (grey), Laplace and VI mixtures")
    ax.legend(loc="upper right", fontsize=8)

    ax = axes[1]
    for path, colour, label in ((args.warm, "tab:blue", "warm start"), (args.cold, "tab:orange", "cold start")):
        if path:
            with h5py.File(path, "r") as f:
                h = f["vi/history"]
                ax.semilogy(h["time"][...], h["jsd"][...], color=colour, label=label)
    ax.axhline(0.01, color="k", lw=0.5, ls=":")
    ax.set_xlabel("wall time incl. initialisation [s]")
    ax.set_ylabel("JSD(grid posterior, q) [nats]")
    ax.set_title("VI convergence")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
