"""What the comparisons of the L0+SVGD pipeline's applications share (bench/hyperelastic_comparison.py,
bench/mechanochemistry_comparison.py, bench/network_convergence.py): running the executable, reading the
metrics a run writes to its HDF5 file, which HMC run is whose reference and whether it mixed, and the CSV.
"""
import csv
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parent.parent

# A reference HMC run counts only if it mixed: split R̂ at most 1.01 and bulk ESS at least 100 (below that
# the push-forward's own Monte Carlo error is a sizeable part of the W1 it is compared by). Both samplers
# start at the MAP, so a stuck chain "agrees" with anything. Judged on the push-forward at every test
# point, the quantity compared (/hmc/pushforward_rhat): a network's parameters can wander along
# directions its predictions do not see, units that trade off, without harming the comparison. The
# parameters' own R̂ and ESS stay in the tables.
RHAT_MAX, ESS_MIN = 1.01, 100

# The HMC run each SVGD method is compared with: the reduced model for L0+SVGD, the dense one otherwise.
REFERENCE_METHOD = {"l0svgd": "hmc_reduced", "l2svgd": "hmc_dense", "psvgd": "hmc_dense"}


def method_options(method, groups, reference):
    """Options of one UQ method from the option groups l0, svgd, psvgd, hmc (dense) and hmc_reduced."""
    if method == "l0svgd":
        opts = ["-uq_method", "l0svgd"] + groups["l0"] + groups["svgd"]
    elif method == "l2svgd":
        opts = ["-uq_method", "l2svgd"] + groups["svgd"]
    elif method == "psvgd":
        opts = ["-uq_method", "psvgd"] + groups["svgd"] + groups["psvgd"]
    elif method == "hmc_reduced":
        opts = ["-uq_method", "hmc", "-uq_hmc_model", "reduced"] + groups["l0"] + groups["hmc_reduced"]
    else:
        opts = ["-uq_method", "hmc", "-uq_hmc_model", "dense"] + groups["hmc"]
    if reference:
        opts += ["-uq_reference", str(reference)]
    return opts


def run(exe, ranks, options, log, dry=False):
    """Runs l0svgd on `ranks` ranks (the log gets the command and its output); returns the command line.
    With `dry`, only the command line (the result files of an earlier run are reused)."""
    cmd = ["mpirun", "-n", str(ranks), "--oversubscribe", str(exe)] + options + ["-log_level", "warning"]
    if dry:
        return " ".join(cmd)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    log.write("$ " + " ".join(cmd) + "\n" + proc.stdout + proc.stderr + "\n")
    if proc.returncode != 0:
        sys.exit(f"run failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.strip()}")
    return " ".join(cmd)


def attr(f, group, name, default=float("nan")):
    return f[group].attrs[name] if group in f and name in f[group].attrs else default


def collect(path):
    """The metrics of one result file (drivers/network_pipeline.hpp's layout) as a flat row."""
    with h5py.File(path, "r") as f:
        row = {
            "active": int(attr(f, "/metrics", "active_parameters")),
            "wall_s": attr(f, "/metrics", "wall_seconds"),
            "l0_s": attr(f, "/metrics", "l0_seconds"),
            "map_s": attr(f, "/metrics", "map_seconds"),
            "sampling_s": attr(f, "/metrics", "sampling_seconds"),
            "s_per_iter": attr(f, "/metrics", "seconds_per_iteration"),
            "iterations": int(attr(f, "/metrics", "iterations")),
            "ksd_iters": attr(f, "/metrics", "iterations_to_converge", ""),
        }
        for group, tag in (("training_range", "train"), ("extrapolation", "extrap")):
            for key in ("w1", "w2", "rmse", "coverage"):
                row[f"{tag}_{key}"] = attr(f, f"/metrics/{group}", key)
            row[f"{tag}_ref_w1"] = attr(f, f"/metrics/reference/{group}", "w1", "")
            row[f"{tag}_ref_w2"] = attr(f, f"/metrics/reference/{group}", "w2", "")
        row["rhat_max"] = float(np.max(f["/hmc/rhat"][()])) if "/hmc/rhat" in f else ""
        row["ess_min"] = float(np.min(f["/hmc/ess"][()])) if "/hmc/ess" in f else ""
        row["pf_rhat_max"] = float(attr(f, "/hmc", "pushforward_rhat_max", "")) if "/hmc" in f else ""
        row["pf_ess_min"] = float(attr(f, "/hmc", "pushforward_ess_min", "")) if "/hmc" in f else ""
        if "/l0" in f:
            stage = int(f["/l0"].attrs["selected"])
            row["l0_r2"] = float(f["/l0/r_squared"][stage])
        else:
            row["l0_r2"] = ""
    return row


def fmt(value, pattern="{:.3g}"):
    if value == "" or value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return pattern.format(value)


def reference_of(row, by_key):
    """The HMC run row's ref W1 columns compare with, or None for the HMC rows themselves; `by_key` maps
    (truth, noise, method) to rows."""
    method = REFERENCE_METHOD.get(row["method"])
    return by_key.get((row["truth"], row["noise"], method)) if method else None


def mixed(hmc_row):
    return hmc_row["pf_rhat_max"] != "" and hmc_row["pf_rhat_max"] <= RHAT_MAX and hmc_row["pf_ess_min"] >= ESS_MIN


def reference_columns(row, by_key):
    """The two "ref W1" table cells of a row: its W1 to the reference, or why the reference is unusable."""
    ref = reference_of(row, by_key)
    if ref is not None and not mixed(ref):
        return (f"unusable (push-forward R̂ {fmt(ref['pf_rhat_max'], '{:.3f}')}, ESS "
                f"{fmt(ref['pf_ess_min'], '{:.0f}')}) | – ")
    return f"{fmt(row['train_ref_w1'])} | {fmt(row['extrap_ref_w1'])}"


def hmc_cell(row):
    """Split R̂ / bulk ESS of the parameters (worst over them), then of the push-forward."""
    if row["rhat_max"] == "":
        return "–"
    return (f"{row['rhat_max']:.3f} / {row['ess_min']:.0f}; push-forward {fmt(row['pf_rhat_max'], '{:.3f}')} / "
            f"{fmt(row['pf_ess_min'], '{:.0f}')}")


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)


def noise_figure(rows, panels, panel_of, methods, title, out):
    """Noise robustness: the predictive W1 to the truth against κ, one line per method, one column per
    panel (e.g. per truth; `panel_of(row)` names a row's panel), training range above and extrapolation
    below."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, len(panels), figsize=(4.2 * len(panels), 6), sharex=True, squeeze=False)
    for col, panel in enumerate(panels):
        for row_index, (tag, name) in enumerate((("train", "training range"), ("extrap", "extrapolation"))):
            ax = axes[row_index][col]
            for k, method in enumerate(methods):
                mine = sorted((r for r in rows if panel_of(r) == panel and r["method"] == method),
                              key=lambda r: r["noise"])
                if mine:
                    ax.plot([r["noise"] for r in mine], [r[f"{tag}_w1"] for r in mine], "o-", color=f"C{k}",
                            label=method)
            ax.set_yscale("log")
            ax.set_title(f"{panel}: {name}", fontsize=9)
            if col == 0:
                ax.set_ylabel("W1 of the predictive to the truth")
            if row_index == 1:
                ax.set_xlabel("noise κ")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def add_common_arguments(parser, tables_only=True):
    """The options every comparison script takes (its own come after); `tables_only` adds --tables-only."""
    parser.add_argument("--build", default="build/release", help="build directory holding the l0svgd executable")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--seed", type=int, default=3, help="seed of the data and of every random draw")
    parser.add_argument("--out", default="bench/results", help="directory of the CSV, Markdown and plots")
    parser.add_argument("--quick", action="store_true", help="few iterations: checks the script, not the methods")
    if tables_only:
        parser.add_argument("--tables-only", action="store_true",
                            help="rebuild the CSV, Markdown and plots from the result files of an earlier run")


def directories(args, name, need_executable=True):
    """The executable, the results directory, the runs' working directory BUILD/bench-out/<name> (HDF5 files
    and logs) and the plots directory, created."""
    exe = (ROOT / args.build / "l0svgd").resolve()
    if need_executable and not exe.exists():
        sys.exit(f"no executable {exe}: build first (scripts/build.sh)")
    out = (ROOT / args.out).resolve()
    work = exe.parent / "bench-out" / name
    plots = out / "plots"
    work.mkdir(parents=True, exist_ok=True)
    plots.mkdir(parents=True, exist_ok=True)
    return exe, out, work, plots
