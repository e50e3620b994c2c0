#!/usr/bin/env python3
"""Scalability of Gaussian-mixture VI, warm start (multimodal Laplace mixture) against cold start, on
non-Gaussian targets: mixtures of K = 2-3 sinh-arcsinh transformed Gaussians (`-target_type sas_mixture`)
at d = 2, 5, 10, 15, 10 seeds each (the talk's scalability study, seeds/gmm-laplace-vi-talk.md).

Instance (d, seed): K = 2 + seed mod 2 components; weights decaying with ω = 1.5, correlation c = 0.3,
largest pairwise overlap λ = 1e-3 (as -target_type gmm_synthetic builds them, target seed = seed);
per-component skewness s ~ U(-0.6, 0.6) and tail weight t ~ U(0.8, 1.3) drawn here from (d, seed).
Both starts fit K components; the JSD is measured against the exact target by Monte Carlo from both
sides (`-reference target`), every --monitor iterations, and excluded from the wall time.

For every run: /vi/history/time (wall time since the run began; a warm start's first record comes after
its multistart, Hessians and NNLS) and the JSD there. Per d and start: the median and quartiles of JSD
against wall time (each run's last record at or before t), the time to --tolerance, and the final JSD.
The cold start runs --cold-factor times as many iterations, so that its budget covers the warm run's;
"cold best in budget" is the lowest JSD a cold run records by the time its warm twin (the same target)
finishes; each warm run is judged against its own twin, since the seeds are different targets.

Targets (issue 10): at every d the warm start reaches a JSD the cold start never reaches within the same
time budget; where both reach the tolerance, the warm median time is below half the cold one.

Usage: vi_scalability.py [--build DIR] [--seeds N] [--dims 2,5,10,15] [--ranks P] [--tolerance X]
Writes results/vi_scalability.{csv,md} and the figure results/plots/vi_scalability.png (under bench/results,
so that writing it leaves the tree clean for the provenance stamps of benchmarks run after it).
"""
import argparse
import csv
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import provenance  # noqa: E402  bench/provenance.py, beside this script
from vi_warm_cold import first_below, fmt  # noqa: E402  the same summaries as the warm/cold benchmark

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXED = {"decay": 1.5, "correlation": 0.3, "overlap": 1e-3}


def instance(d, seed):
    """(K, l0svgd options) of the target for (d, seed)."""
    rng = np.random.default_rng(1000003 * d + seed)
    k = 2 + seed % 2
    skew, tail = rng.uniform(-0.6, 0.6, k), rng.uniform(0.8, 1.3, k)
    options = ["-task", "vi", "-target_type", "sas_mixture", "-target_dim", str(d), "-target_components", str(k),
               "-target_seed", str(seed), "-target_skewness", ",".join(f"{v:.6f}" for v in skew),
               "-target_tailweight", ",".join(f"{v:.6f}" for v in tail),
               "-reference", "target",
               "-vi_seed", str(seed), "-multistart_seed", str(seed)]
    for name, value in FIXED.items():
        options += [f"-target_{name}", repr(value)]
    return k, options


def run(args, d, seed, start, scratch):
    k, options = instance(d, seed)
    iterations = args.iterations * (args.cold_factor if start == "cold" else 1)
    options += ["-vi_init", start, "-vi_iterations", str(iterations), "-vi_monitor_every", str(args.monitor),
                "-output_samples", "0"]
    if start == "cold":
        options += ["-vi_components", str(k)]
    out = os.path.join(scratch, f"d{d}_{start}_{seed}.h5")
    command = ["mpirun", "-n", str(args.ranks), args.binary] + options + ["-output_file", out, "-log_level", "warning"]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0 or not os.path.exists(out):
        sys.exit(f"vi_scalability.py: {' '.join(command)} failed:\n{proc.stderr[-2000:]}")
    with h5py.File(out, "r") as f:
        h = {name: f["/vi/history/" + name][()] for name in ("time", "jsd")}
        setup = float(f["/vi/history"].attrs["setup_seconds"])
        modes = int(f["/modes"].shape[0]) if "/modes" in f else 0
    os.remove(out)
    return {"dim": d, "seed": seed, "start": start, "components": k, "modes_found": modes if start == "warm" else "",
            "setup_seconds": setup, "iterations": iterations, "initial_jsd": float(h["jsd"][0]),
            "final_jsd": float(h["jsd"][-1]), "final_time": float(h["time"][-1]),
            "time_to_tolerance": first_below(h["time"], h["jsd"], args.tolerance)}, h


def curve(histories, grid):
    """JSD of each run at each grid time (its last record at or before t; NaN before its first)."""
    out = np.full((len(histories), grid.size), np.nan)
    for i, h in enumerate(histories):
        at = np.searchsorted(h["time"], grid, side="right") - 1
        out[i, at >= 0] = h["jsd"][at[at >= 0]]
    return out


def quartiles(values):
    values = np.asarray([v for v in values if math.isfinite(v)])
    return np.percentile(values, [25, 50, 75]) if values.size else None


def q3(values, digits=3):
    q = quartiles(values)
    return "–" if q is None else " / ".join(fmt(v, digits) for v in q)


def summarise(rows, histories, args):
    """Per d: the table rows, with the verdicts on both targets."""
    lines = []
    for d in args.dims:
        warm = [r for r in rows if r["dim"] == d and r["start"] == "warm"]
        cold = {r["seed"]: r for r in rows if r["dim"] == d and r["start"] == "cold"}
        # Each warm run against its cold twin on the same target (seeds are different targets, whose
        # attainable JSD differs more than the starts do): the twin's lowest JSD by the time the warm
        # run ends, and over its whole run of --cold-factor times the iterations.
        best, best_all = [], []
        for r in warm:
            h = histories[(d, "cold", r["seed"])]
            best.append(float(h["jsd"][h["time"] <= r["final_time"]].min()))
            best_all.append(float(h["jsd"].min()))
        for r, b in zip(warm, best):
            cold[r["seed"]]["cold_best_in_budget"] = b
        pairs = sum(r["final_jsd"] < b for r, b in zip(warm, best))
        pairs_all = sum(r["final_jsd"] < b for r, b in zip(warm, best_all))
        never = pairs == len(warm)
        t_warm = [r["time_to_tolerance"] for r in warm]
        t_cold = [r["time_to_tolerance"] for r in cold.values()]
        both = [(a, b) for a, b in zip(t_warm, [cold[r["seed"]]["time_to_tolerance"] for r in warm])
                if math.isfinite(a) and math.isfinite(b)]
        ratio = (np.median([a for a, _ in both]) / np.median([b for _, b in both])) if both else math.nan
        # Over every seed, a run that never reaches the tolerance counted as taking forever: the pairs
        # above leave out exactly the targets hard for the cold start.
        censored = np.median([t if math.isfinite(t) else math.inf for t in t_warm]) / np.median(
            [t if math.isfinite(t) else math.inf for t in t_cold])
        lines.append(f"| {d} | {q3([r['final_jsd'] for r in warm])} | {q3(best)} | "
                     f"{pairs}/{len(warm)} {'(**met**)' if never else '(**not met**)'} | "
                     f"{pairs_all}/{len(warm)} | "
                     f"{q3(t_warm)} ({sum(map(math.isfinite, t_warm))}/{len(warm)}) | "
                     f"{q3(t_cold)} ({sum(map(math.isfinite, t_cold))}/{len(cold)}) | "
                     f"{q3([r['setup_seconds'] for r in warm])} | "
                     + ("–" if not both else f"{fmt(ratio, 2)} over {len(both)} seeds"
                        f" ({'**met**' if ratio < 0.5 else '**not met**'})")
                     + f"; all {len(warm)} seeds, unreached = ∞: {fmt(censored, 2)} |")
    return lines


def figure(histories, args, path):
    fig, axes = plt.subplots(1, len(args.dims), figsize=(4 * len(args.dims), 3.6), squeeze=False)
    for ax, d in zip(axes[0], args.dims):
        for start, colour in (("warm", "tab:blue"), ("cold", "tab:orange")):
            hs = [histories[(d, start, s)] for s in range(args.first_seed, args.first_seed + args.seeds)]
            first = max(h["time"][0] for h in hs)  # every run has a record from here on
            last = max(h["time"][-1] for h in hs)
            grid = np.geomspace(first, last, 200)
            c = curve(hs, grid)
            lo, med, hi = np.nanpercentile(c, [25, 50, 75], axis=0)
            ax.fill_between(grid, lo, hi, color=colour, alpha=0.25, lw=0)
            ax.plot(grid, med, color=colour, label=f"{start} start (median, quartiles)")
        ax.axhline(args.tolerance, color="k", ls=":", lw=1, label=f"tolerance {args.tolerance:g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"d = {d}")
        ax.set_xlabel("wall time [s]")
    axes[0, 0].set_ylabel("JSD(target, q) [nats]")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"GMM-VI on sinh-arcsinh mixtures, {args.seeds} seeds per d: warm (Laplace mixture) vs cold start")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.environ.get("BUILD_DIR", os.path.join(ROOT, "build", "release")))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--dims", default="2,5,10,15")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=1000, help="VI iterations of a warm start")
    parser.add_argument("--cold-factor", type=int, default=3, help="a cold start's iterations / a warm start's")
    parser.add_argument("--monitor", type=int, default=25, help="-vi_monitor_every")
    parser.add_argument("--tolerance", type=float, default=0.1)
    parser.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    parser.add_argument("--figure", default=os.path.join(HERE, "results", "plots", "vi_scalability.png"))
    args = parser.parse_args()
    args.dims = [int(v) for v in args.dims.split(",")]
    args.binary = os.path.join(args.build, "l0svgd")
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no l0svgd binary at {args.binary} (build it, or give --build)")
    revision = provenance.code_revision()
    os.environ.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                      OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_btl_vader_single_copy_mechanism="none")
    load_before, began = os.getloadavg(), time.time()
    rows, histories = [], {}
    with tempfile.TemporaryDirectory(prefix="vi_scalability_") as scratch:
        for d in args.dims:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                for start in ("warm", "cold"):  # interleaved, so load changes hit both alike
                    row, h = run(args, d, seed, start, scratch)
                    rows.append(row)
                    histories[(d, start, seed)] = h
                    print(f"d {d:2d} {start} seed {seed:2d}: K {row['components']}, JSD {row['initial_jsd']:.3f} → "
                          f"{row['final_jsd']:.4f} in {row['final_time']:.2f} s (setup {row['setup_seconds']:.2f} s)",
                          flush=True)
    load_after, total = os.getloadavg(), time.time() - began
    table = summarise(rows, histories, args)

    os.makedirs(args.out_dir, exist_ok=True)
    columns = ["dim", "seed", "start", "components", "modes_found", "setup_seconds", "iterations", "initial_jsd",
               "final_jsd", "final_time", "time_to_tolerance", "cold_best_in_budget"]
    with open(os.path.join(args.out_dir, "vi_scalability.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: (f"{row[c]:.6g}" if isinstance(row.get(c), float) else row.get(c, "")) for c in columns})
    figure(histories, args, args.figure)
    lines = ["# GMM-VI scalability: warm (Laplace mixture) against cold start on sinh-arcsinh mixtures", "",
             f"`bench/vi_scalability.py`, {args.seeds} seeds ({args.first_seed}–{args.first_seed + args.seeds - 1}) per d, "
             f"{args.ranks} MPI ranks, {platform.node()} ({os.cpu_count()} cores), load average {load_before[0]:.1f} "
             f"before, {load_after[0]:.1f} after, {total / 60:.1f} min in all. Warm: {args.iterations} VI iterations; "
             f"cold: {args.iterations * args.cold_factor}; JSD every {args.monitor} (Monte Carlo, 4000 draws a side, "
             "excluded from the time).", "",
             f"Targets: K = 2 + seed mod 2 sinh-arcsinh components, ω = {FIXED['decay']}, c = {FIXED['correlation']}, "
             f"λ = {FIXED['overlap']:g}, s ~ U(−0.6, 0.6), t ~ U(0.8, 1.3) per component; the default search "
             "box (the range of 10 000 exact draws widened by half of it on each side); both starts fit K "
             "components.", "",
             "Columns: q1 / median / q3 over the seeds. \"Cold best in budget\": the lowest JSD the cold run records "
             "by the time its warm twin (the same target) ends, the same wall-time budget. \"Warm below its cold "
             "twin\": in how many seeds the warm run's final JSD is below that (target: every seed), and below the "
             f"cold run's best over all its {args.cold_factor}× iterations. "
             f"Times to JSD < {args.tolerance:g} are over the runs that reach it (count in brackets); the ratio is of "
             "the medians over the seeds where both do (target < 0.5), and over all seeds with a run that never "
             "reaches it counted as infinitely long.", "",
             "| d | warm final JSD | cold best in budget | warm below its cold twin, same budget | warm below "
             f"its cold twin's whole run | warm time to {args.tolerance:g} s | cold time to {args.tolerance:g} s | "
             "warm setup s (multistart, Hessians, NNLS) | warm / cold median time |",
             "|---|---|---|---|---|---|---|---|---|"] + table
    lines += ["", "![JSD against wall time](plots/vi_scalability.png)"]
    with open(os.path.join(args.out_dir, "vi_scalability.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if os.path.realpath(args.out_dir) == os.path.realpath(provenance.RESULTS):
        provenance.stamp_set("vi_scalability", revision, provenance.build_type(args.build))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
