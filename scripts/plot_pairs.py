#!/usr/bin/env python3
"""Pair (corner) plot of an ensemble against a reference: marginal histograms on the diagonal, pairwise
scatter below it, for up to 6 parameters.

Usage: /usr/bin/python3 scripts/plot_pairs.py RESULT.h5 [--reference REF.h5] [--parameters 0,3,Ea]
                                              [--dataset /particles] [--snapshot K]
                                              [--reference-dataset /particles] -o pairs.png

RESULT and REF are l0svgd result files: SVGD ensembles and HMC draws both sit in /particles (an HMC
file also has them by chain in /posterior/parameters); -task vi and gmm targets keep exact or mixture
draws in /samples. `--dataset /history/particles --snapshot K` draws the K-th stored ensemble of a run
with -output_every (K = -1: the last). Parameters are chosen by index or by name (/parameter_names); by
default the first 6.
Prints one line per parameter: mean and sd of the ensemble and of the reference.
"""
import argparse
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from h5text import strings  # noqa: E402  scripts/h5text.py

MAX_PARAMETERS = 6
MAX_REFERENCE_POINTS = 4000  # scatter beyond this hides the ensemble and takes long


def read(path, dataset, snapshot=None):
    with h5py.File(path, "r") as f:
        if dataset not in f:
            raise SystemExit(f"{path}: no dataset {dataset}")
        x = np.asarray(f[dataset][()], dtype=float)
        if snapshot is not None:
            if x.ndim != 3 or not -len(x) <= snapshot < len(x):
                raise SystemExit(f"{path}: {dataset} has shape {x.shape}, no snapshot {snapshot}")
            x = x[snapshot]
        names = strings(f["parameter_names"]) if "parameter_names" in f else []
    x = x.reshape(-1, x.shape[-1])
    if len(names) != x.shape[1]:
        names = [f"x{j}" for j in range(x.shape[1])]
    return x, names


def choose(spec, names):
    if not spec:
        return list(range(min(len(names), MAX_PARAMETERS)))
    chosen = []
    for item in spec.split(","):
        if item in names:
            chosen.append(names.index(item))
        elif item.lstrip("-").isdigit() and 0 <= int(item) < len(names):
            chosen.append(int(item))
        else:
            raise SystemExit(f"--parameters: '{item}' is neither a parameter name nor an index below {len(names)}")
    if len(chosen) > MAX_PARAMETERS:
        raise SystemExit(f"--parameters: at most {MAX_PARAMETERS} parameters, {len(chosen)} given")
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result")
    parser.add_argument("--reference")
    parser.add_argument("--parameters", default="")
    parser.add_argument("--dataset", default="/particles")
    parser.add_argument("--snapshot", type=int)
    parser.add_argument("--reference-dataset", default="/particles")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()

    x, names = read(args.result, args.dataset, args.snapshot)
    cols = choose(args.parameters, names)
    ref = None
    if args.reference:
        ref, ref_names = read(args.reference, args.reference_dataset)
        if ref.shape[1] != x.shape[1]:
            raise SystemExit(f"{args.reference}: {ref.shape[1]} parameters, {args.result} has {x.shape[1]}")
        if len(ref) > MAX_REFERENCE_POINTS:  # an evenly spaced subset keeps every chain's share
            ref_scatter = ref[np.linspace(0, len(ref) - 1, MAX_REFERENCE_POINTS).astype(int)]
        else:
            ref_scatter = ref

    k = len(cols)
    fig, axes = plt.subplots(k, k, figsize=(2.2 * k + 1, 2.2 * k + 1), squeeze=False)
    for a, i in enumerate(cols):
        for b, j in enumerate(cols):
            ax = axes[a, b]
            if b > a:
                ax.set_visible(False)
                continue
            if a == b:
                data = [x[:, i]] + ([ref[:, i]] if ref is not None else [])
                bins = np.histogram_bin_edges(np.concatenate(data), bins=30)
                if ref is not None:
                    ax.hist(ref[:, i], bins=bins, density=True, color="0.75", label="reference")
                ax.hist(x[:, i], bins=bins, density=True, histtype="step", color="C0", lw=1.5,
                        label="ensemble")
                ax.set_yticks([])
            else:
                if ref is not None:
                    ax.scatter(ref_scatter[:, j], ref_scatter[:, i], s=2, color="0.75", rasterized=True)
                ax.scatter(x[:, j], x[:, i], s=4, color="C0", rasterized=True)
            if a == k - 1:
                ax.set_xlabel(names[j])
            if b == 0 and a > 0:
                ax.set_ylabel(names[i])
    if ref is not None:
        axes[0, 0].legend(fontsize="small", loc="upper left", frameon=False)
    fig.suptitle(f"{args.result} ({len(x)} points)" + (f" against {args.reference} ({len(ref)})" if ref is not None else ""),
                 fontsize="small")
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    for i in cols:
        line = f"{names[i]}: mean {x[:, i].mean():.4g} sd {x[:, i].std(ddof=1):.4g}"
        if ref is not None:
            line += f"; reference mean {ref[:, i].mean():.4g} sd {ref[:, i].std(ddof=1):.4g}"
        print(line)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
