#!/usr/bin/env python3
"""Warm versus cold start of Gaussian-mixture VI (`l0svgd -task vi`), side by side, over seeds.

Problems: the shear frame (inputs/shear_frame_vi_{warm,cold}.yaml, the data, multistart and VI seeds all
set to the run's seed) and synthetic Gaussian-mixture targets (d, K) in {(2, 2), (5, 3), (10, 4)} with
well-separated components: random means in a box, random correlated covariances and random weights, all
drawn here from the seed and passed as options. For every run: the wall time (/vi/history/time, which
includes finding the warm-start Laplace mixture and excludes the JSD evaluations) of the first history
record with JSD < threshold (never: a failure) and the final JSD.

Where a problem instance cannot reach the threshold by either start (the shear frame's curved modes can
keep a 2-component mixture near JSD 0.02), the time to a coarser threshold (--coarse-threshold, 0.05) is
reported as well: fixed in advance, the same for every instance and both starts, so either can fail it.

Usage: vi_warm_cold.py [--build DIR] [--seeds N] [--ranks P] [--problems shear,gmm2,gmm5,gmm10]
Writes results/vi_warm_cold.csv (one row per run) and results/vi_warm_cold.md (summary).
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
import numpy as np

import provenance  # bench/provenance.py, beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Synthetic targets: name -> (d, K). Means in [-MEAN_BOX, MEAN_BOX]^d, search box [-SEARCH_BOX, SEARCH_BOX]^d.
GMM_PROBLEMS = {"gmm2": (2, 2), "gmm5": (5, 3), "gmm10": (10, 4)}
MEAN_BOX = 6.0
SEARCH_BOX = 10.0
MIN_SEPARATION = 6.0  # Mahalanobis distance between any two means, under either covariance
STD_RANGE = (0.3, 1.2)  # component standard deviations along the principal axes


def random_gmm(d, k, seed):
    """Weights, means (K x d) and covariances (K x d x d) of a well-separated mixture, from the seed."""
    rng = np.random.default_rng(1000003 * d + 7919 * k + seed)
    covs = []
    for _ in range(k):
        q, r = np.linalg.qr(rng.standard_normal((d, d)))
        q *= np.sign(np.diag(r))  # a uniformly distributed rotation
        std = np.exp(rng.uniform(np.log(STD_RANGE[0]), np.log(STD_RANGE[1]), d))
        covs.append(q @ np.diag(std**2) @ q.T)
    precisions = [np.linalg.inv(c) for c in covs]
    for _ in range(100000):
        means = rng.uniform(-MEAN_BOX, MEAN_BOX, (k, d))
        if all(
            math.sqrt(diff @ precisions[a] @ diff) >= MIN_SEPARATION
            for i in range(k) for j in range(i + 1, k)
            for diff in [means[i] - means[j]] for a in (i, j)):
            break
    else:
        raise RuntimeError(f"no well-separated means for d={d}, K={k}, seed={seed}")
    weights = rng.uniform(0.5, 1.0, k)
    return weights / weights.sum(), means, np.array(covs)


def flat(values):
    return ",".join(repr(float(v)) for v in np.ravel(values))


def problem_runs(problem, seed, args):
    """(start, options) for the two starts of one problem instance."""
    if problem == "shear":
        common = ["-target_seed", str(seed), "-vi_seed", str(seed), "-multistart_seed", str(seed),
                  "-vi_iterations", str(args.shear_iterations)]
        return {start: [os.path.join(ROOT, "inputs", f"shear_frame_vi_{start}.yaml")] + common
                for start in ("warm", "cold")}
    d, k = GMM_PROBLEMS[problem]
    weights, means, covs = random_gmm(d, k, seed)
    common = ["-task", "vi", "-target_type", "gmm", "-target_weights", flat(weights),
              "-target_means", flat(means), "-target_covs", flat(covs),
              "-search_lower", str(-SEARCH_BOX), "-search_upper", str(SEARCH_BOX),
              "-reference", "target", "-vi_seed", str(seed), "-multistart_seed", str(seed),
              "-vi_iterations", str(args.gmm_iterations), "-vi_monitor_every", str(args.gmm_monitor)]
    return {"warm": common + ["-vi_init", "warm"],
            "cold": common + ["-vi_init", "cold", "-vi_components", str(k)]}


def first_below(times, jsd, threshold):
    below = np.nonzero(jsd < threshold)[0]
    return float(times[below[0]]) if below.size else math.nan


def run_one(args, problem, start, seed, options, scratch):
    out = os.path.join(scratch, f"{problem}_{start}_{seed}.h5")
    command = ["mpirun", "-n", str(args.ranks), args.binary] + options + args.extra + [
        "-output_file", out, "-log_level", "warning"]
    began = time.time()
    proc = subprocess.run(command, capture_output=True, text=True)
    wall = time.time() - began
    row = {"problem": problem, "start": start, "seed": seed, "exit_code": proc.returncode,
           "process_seconds": round(wall, 3)}
    if proc.returncode != 0 or not os.path.exists(out):
        sys.stderr.write(f"{problem} {start} seed {seed}: exit {proc.returncode}\n{proc.stderr[-2000:]}\n")
        return row, None
    with h5py.File(out, "r") as f:
        history = {name: f["/vi/history/" + name][()] for name in ("iteration", "time", "jsd", "jsd_error")}
        row["setup_seconds"] = float(f["/vi/history"].attrs["setup_seconds"])
        row["components"] = int(f["/mixture/final/weights"].shape[0])
        row["modes_found"] = int(f["/modes"].shape[0]) if "/modes" in f else ""
    os.remove(out)
    row["dim"] = args.dims[problem]
    row["final_time"] = float(history["time"][-1])
    row["final_jsd"] = float(history["jsd"][-1])
    row["final_jsd_error"] = float(history["jsd_error"][-1])
    row["initial_jsd"] = float(history["jsd"][0])
    row["time_to_threshold"] = first_below(history["time"], history["jsd"], args.threshold)
    return row, history


def quartiles(values):
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return None
    return np.percentile(values, [25, 50, 75])


def median_with_failures(values):
    """Median with failures (NaN) counted as never reaching the threshold (+inf)."""
    return float(np.median([v if math.isfinite(v) else math.inf for v in values]))


def fmt(x, digits=3):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return "∞"
    return f"{x:.{digits}g}"


def summary_rows(rows, key):
    out = []
    for problem in dict.fromkeys(r["problem"] for r in rows):
        medians = {}
        for start in ("warm", "cold"):
            sel = [r for r in rows if r["problem"] == problem and r["start"] == start]
            times = [r.get(key, math.nan) for r in sel]
            q = quartiles(times)
            failures = sum(1 for t in times if not math.isfinite(t))
            final = [r["final_jsd"] for r in sel if "final_jsd" in r]
            medians[start] = median_with_failures(times)
            out.append({"problem": problem, "start": start, "runs": len(sel), "q": q,
                        "failures": failures, "median_inf": medians[start],
                        "final": np.percentile(final, [25, 50, 75]) if final else None})
        warm = out[-2]
        warm["met"] = warm["failures"] == 0 and medians["warm"] < 0.5 * medians["cold"]
        warm["ratio"] = medians["warm"] / medians["cold"] if medians["cold"] > 0 else math.nan
        warm["ratio_cold"] = medians["cold"]
    return out


def markdown_table(rows, key, title):
    lines = [f"### {title}", "",
             "| problem | start | runs | failures | time to threshold s: q1 / median / q3 (reached runs) "
             "| median incl. failures (∞) | final JSD q1 / median / q3 | warm < ½ cold median, no warm failure |",
             "|---|---|---|---|---|---|---|---|"]
    for s in summary_rows(rows, key):
        q = "–" if s["q"] is None else " / ".join(fmt(v) for v in s["q"])
        fin = "–" if s["final"] is None else " / ".join(fmt(v, 2) for v in s["final"])
        met = ""
        if s["start"] == "warm":
            ratio = "cold never reached it" if math.isinf(s["ratio_cold"]) else f"warm/cold median {fmt(s['ratio'], 2)}"
            met = ("**yes**" if s["met"] else "**no**") + f" ({ratio})"
        lines.append(f"| {s['problem']} | {s['start']} | {s['runs']} | {s['failures']}/{s['runs']} "
                     f"| {q} | {fmt(s['median_inf'])} | {fin} | {met} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.environ.get("BUILD_DIR", os.path.join(ROOT, "build", "release")))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=0.01)
    parser.add_argument("--coarse-threshold", type=float, default=0.05)
    parser.add_argument("--problems", default="shear,gmm2,gmm5,gmm10")
    parser.add_argument("--shear-iterations", type=int, default=600,
                        help="VI iterations on the shear frame (the yaml files say 1500)")
    parser.add_argument("--gmm-iterations", type=int, default=500, help="VI iterations on the gmm targets")
    parser.add_argument("--gmm-monitor", type=int, default=20, help="-vi_monitor_every on the gmm targets")
    parser.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    parser.add_argument("extra", nargs="*", help="further l0svgd options for every run (after --)")
    args = parser.parse_args()
    args.binary = os.path.join(args.build, "l0svgd")
    revision = provenance.code_revision()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no l0svgd binary at {args.binary} (build it, or give --build)")
    problems = args.problems.split(",")
    args.dims = {"shear": 2, **{p: d for p, (d, _) in GMM_PROBLEMS.items()}}
    os.environ.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                      OMPI_MCA_rmaps_base_oversubscribe="1",
                      OMPI_MCA_btl_vader_single_copy_mechanism="none")
    load_before = os.getloadavg()
    began = time.time()
    rows, histories = [], {}
    with tempfile.TemporaryDirectory(prefix="vi_warm_cold_") as scratch:
        for problem in problems:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                for start, options in problem_runs(problem, seed, args).items():  # warm and cold interleaved
                    row, history = run_one(args, problem, start, seed, options, scratch)
                    rows.append(row)
                    histories[(problem, start, seed)] = history
                    print(f"{problem:6s} {start} seed {seed:2d}: final JSD {fmt(row.get('final_jsd', math.nan))}, "
                          f"t(JSD<{args.threshold}) = {fmt(row.get('time_to_threshold', math.nan))} s, "
                          f"total {fmt(row.get('final_time', math.nan))} s", flush=True)
    for row in rows:
        h = histories[(row["problem"], row["start"], row["seed"])]
        row["time_to_coarse"] = (first_below(h["time"], h["jsd"], args.coarse_threshold)
                                 if h is not None else math.nan)
    load_after = os.getloadavg()
    total = time.time() - began

    os.makedirs(args.out_dir, exist_ok=True)
    columns = ["problem", "dim", "start", "seed", "exit_code", "components", "modes_found", "setup_seconds",
               "initial_jsd", "final_jsd", "final_jsd_error", "final_time", "time_to_threshold",
               "time_to_coarse", "process_seconds"]
    with open(os.path.join(args.out_dir, "vi_warm_cold.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: (f"{row[c]:.6g}" if isinstance(row.get(c), float) else row.get(c, ""))
                             for c in columns})

    gmm_desc = ", ".join(f"{p}: d = {d}, K = {k}" for p, (d, k) in GMM_PROBLEMS.items() if p in problems)
    lines = ["# Gaussian-mixture VI: warm (Laplace mixture) versus cold start", "",
             f"`bench/vi_warm_cold.py`, {args.seeds} seeds ({args.first_seed}–{args.first_seed + args.seeds - 1}) "
             f"per problem, {args.ranks} MPI ranks, {platform.node()} ({os.cpu_count()} cores), "
             f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after, {total / 60:.1f} min in all.",
             f"VI iterations: {args.shear_iterations} on the shear frame (history every 10), "
             f"{args.gmm_iterations} on the gmm targets (history every {args.gmm_monitor}); "
             f"extra options: `{' '.join(args.extra) or 'none'}`.", "",
             "Time = /vi/history/time of the first record (every `vi_monitor_every` iterations) below the "
             "threshold: wall time including the multistart and Laplace fit of the warm start, excluding the "
             "JSD evaluations. A run that never gets there is a failure; quartiles are over the runs that got "
             "there, the median incl. failures counts them as ∞. The issue's target: warm median < ½ cold "
             "median (incl. failures) with no warm failure.", "",
             f"Problems: shear = the shear frame (inputs/shear_frame_vi_*.yaml, JSD against the 2-D grid "
             f"posterior, data/multistart/VI seed = seed); {gmm_desc}: random well-separated mixtures "
             f"(means in [−{MEAN_BOX:g}, {MEAN_BOX:g}]^d at Mahalanobis distance ≥ {MIN_SEPARATION:g}, "
             f"random rotations, principal standard deviations in [{STD_RANGE[0]}, {STD_RANGE[1]}], weights "
             f"∝ U(0.5, 1)), search box [−{SEARCH_BOX:g}, {SEARCH_BOX:g}]^d, Monte Carlo JSD against the exact "
             f"target, default multistart and VI settings, cold start with the true K.", ""]
    lines += markdown_table(rows, "time_to_threshold", f"JSD < {args.threshold}")
    lines += [""]
    lines += markdown_table(rows, "time_to_coarse", f"JSD < {args.coarse_threshold} (fixed in advance, every "
                            "instance and both starts)")
    unreachable = []
    for problem in problems:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            pair = [r for r in rows if r["problem"] == problem and r["seed"] == seed]
            if pair and all(not math.isfinite(r.get("time_to_threshold", math.nan)) for r in pair):
                finals = ", ".join(f"{r['start']} {r.get('final_jsd', math.nan):.3g}" for r in pair)
                unreachable.append(f"{problem} seed {seed} (final JSD {finals}; modes found by the "
                                   f"warm start: {pair[0].get('modes_found', '?')})")
    lines += ["", "Instances where neither start reached JSD < "
              f"{args.threshold}: " + (", ".join(unreachable) if unreachable else "none") + "."]
    with open(os.path.join(args.out_dir, "vi_warm_cold.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if os.path.realpath(args.out_dir) == os.path.realpath(provenance.RESULTS):
        provenance.stamp_set("vi_warm_cold", revision, provenance.build_type(args.build))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
