#!/usr/bin/env python3
"""Plots scaling sweeps of jobscripts/scaling.sh: time per iteration split into phases (stacked bars)
and parallel efficiency against the rank count; oversubscribed rows (timed = 0) are left out.

Usage: /usr/bin/python3 scripts/plot_scaling.py strong.csv [weak.csv ...] -o scaling.png
"""
import argparse
import csv

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PHASES = ["gradient", "gather", "kernel", "update"]


def read(path):
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("timed", "1") == "1"]
    if not rows:
        raise SystemExit(f"{path}: no timed rows")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    sweeps = [(path, read(path)) for path in args.csv]
    fig, axes = plt.subplots(2, len(sweeps), figsize=(4.5 * len(sweeps), 6.5), squeeze=False)
    for column, (path, rows) in enumerate(sweeps):
        mode = rows[0]["mode"]
        ranks = [int(r["ranks"]) for r in rows]
        its = [float(r["iterations"]) for r in rows]
        bottom = [0.0] * len(rows)
        ax = axes[0][column]
        labels = [str(p) for p in ranks]
        for phase in PHASES:
            values = [float(r[f"{phase}_s"]) / i for r, i in zip(rows, its)]
            ax.bar(labels, values, bottom=bottom, label=phase)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_title(f"{mode} scaling, N = {rows[0]['particles']}…{rows[-1]['particles']}, "
                     f"d = {rows[0]['dim']}", fontsize=9)
        ax.set_xlabel("ranks")
        ax.set_ylabel("seconds per iteration")
        ax.legend(fontsize=8)
        ax = axes[1][column]
        ax.plot(ranks, [float(r["efficiency"]) for r in rows], "o-")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_ylim(0, 1.2)
        ax.set_xticks(ranks)
        ax.set_xlabel("ranks")
        ax.set_ylabel("parallel efficiency")
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
