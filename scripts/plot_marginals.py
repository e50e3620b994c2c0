#!/usr/bin/env python3
"""Marginals of a Laplace/VI run on a target with an exact sampler (gmm, gmm_synthetic, sas_mixture):
one- and two-dimensional marginals of a few coordinates, the truth (a kernel density estimate of the
exact draws in /reference/samples, black) against the Laplace mixture (/mixture/initial of a warm-started
VI run or of a laplace run, green) and the VI-refined mixture (/mixture/final, red), each
mixture's marginal in closed form. Prints each coordinate's mean and standard deviation under all three.

Usage: /usr/bin/python3 scripts/plot_marginals.py RUN.h5 [--coords 0,1,2] -o OUT.png
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import gaussian_kde  # noqa: E402
from gmm_density import marginal_density, mixture_moments  # noqa: E402  scripts/gmm_density.py, beside this script
from h5text import strings  # noqa: E402  scripts/h5text.py, beside this script

LEVELS = np.array([0.1, 0.4, 0.8])  # contours at these fractions of each density's maximum


def load(path):
    with h5py.File(path, "r") as f:
        if "reference/samples" not in f:
            sys.exit(f"plot_marginals.py: {path} has no /reference/samples (run a target with an exact "
                     "sampler, -reference target, and -output_samples > 0)")
        # /mixture/initial is the Laplace mixture of a laplace run or a warm-started VI run, but a
        # cold start's random initial mixture otherwise.
        init = f["vi/history"].attrs["init"] if "vi/history" in f else b"warm"
        cold = (init.decode() if isinstance(init, bytes) else str(init)) == "cold"
        mixtures = {}
        for label, name in (("Laplace", "mixture/initial"), ("VI", "mixture/final")):
            if name in f and not (label == "Laplace" and cold):
                mixtures[label] = {k: f[name][k][...] for k in ("weights", "means", "cholesky")}
        return f["reference/samples"][...], strings(f["parameter_names"]), mixtures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--coords", default="0,1,2", help="coordinates to show (comma-separated indices)")
    parser.add_argument("-o", "--output", default="out/marginals.png")
    args = parser.parse_args()
    truth, names, mixtures = load(args.run)
    coords = [int(c) for c in args.coords.split(",")]
    if not coords or min(coords) < 0 or max(coords) >= truth.shape[1] or len(set(coords)) != len(coords):
        sys.exit(f"plot_marginals.py: --coords must be distinct indices in [0, {truth.shape[1] - 1}]")
    colours = {"Laplace": "tab:green", "VI": "tab:red"}
    n = len(coords)
    fig, axes = plt.subplots(n, n, figsize=(3 * n, 3 * n), squeeze=False)
    lo, hi = np.percentile(truth, 0.5, axis=0), np.percentile(truth, 99.5, axis=0)
    for a, i in enumerate(coords):
        for b, j in enumerate(coords):
            ax = axes[a, b]
            if b > a:
                ax.axis("off")
                continue
            if a == b:
                x = np.linspace(lo[i], hi[i], 300)
                ax.plot(x, gaussian_kde(truth[:, i])(x), color="k", label="truth")
                for label, g in mixtures.items():
                    ax.plot(x, marginal_density(g, [i], x[:, None]), color=colours[label], label=label)
                ax.set_yticks([])
            else:
                x, y = np.meshgrid(np.linspace(lo[j], hi[j], 80), np.linspace(lo[i], hi[i], 80))
                pts = np.column_stack([x.ravel(), y.ravel()])
                p = gaussian_kde(truth[:, [j, i]].T)(pts.T).reshape(x.shape)
                ax.contour(x, y, p, levels=p.max() * LEVELS, colors="k", linewidths=1)
                for label, g in mixtures.items():
                    q = marginal_density(g, [j, i], pts).reshape(x.shape)
                    ax.contour(x, y, q, levels=q.max() * LEVELS, colors=colours[label], linewidths=1)
            if a == n - 1:
                ax.set_xlabel(names[j])
            if b == 0 and a > 0:
                ax.set_ylabel(names[i])
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"{len(truth)} exact draws (black), Laplace mixture (green), VI mixture (red); "
                 f"{truth.shape[1]}-dimensional target", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    moments = {label: mixture_moments(g) for label, g in mixtures.items()}
    for i in coords:
        line = f"{names[i]}: truth mean {truth[:, i].mean():.6g} sd {truth[:, i].std(ddof=1):.6g}"
        for label, (mean, sd) in moments.items():
            line += f"; {label} mean {mean[i]:.6g} sd {sd[i]:.6g}"
        print(line)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
