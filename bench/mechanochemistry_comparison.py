#!/usr/bin/python3
"""L0+SVGD against L2+SVGD, projected SVGD and HMC on the mechanochemistry benchmark (issue 9).

For each truth (chi = 1.5: one well in c; chi = 3: a double well) and noise level kappa, runs the l0svgd
executable on the same synthetic stresses and chemical potentials with every method, each on RANKS ranks:

  hmc_reduced  HMC on the L0-reduced network (the reference for l0svgd)
  hmc_dense    HMC on the dense 148-parameter network (the reference for l2svgd and psvgd where it mixes)
  l0svgd       L0 path, reduced MAP, SVGD on the surviving parameters
  l2svgd       dense MAP, SVGD on all parameters
  psvgd        dense MAP, projected SVGD

and collects the metrics each run writes (bench/network_comparison.py): W1/W2 of the posterior predictive
against the data-generating N(truth, sigma^2) over the training box and the extrapolation points (sigma and
mu together), W1 of the push-forward to the reference HMC push-forward, RMSE, 95% coverage, the wall time
split into L0 / MAP / sampling, and the HMC diagnostics. Writes OUT/mechanochemistry.csv and .md, the
noise-robustness figure OUT/plots/mechanochemistry_noise.png and per setting the predictive bands of
mu(c) and sigma(eps) along lines of the test grid (OUT/plots/mechanochemistry_chi*_noise*.png).

  bench/mechanochemistry_comparison.py [--build build/release] [--quick] [--tables-only]

Every run's command line is in the CSV; HDF5 files and logs stay in BUILD/bench-out/mechanochemistry.
"""
import argparse
import os
import platform
import time
from pathlib import Path

import h5py
import numpy as np

import provenance  # bench/provenance.py, beside this script
from network_comparison import (ESS_MIN, REFERENCE_METHOD, RHAT_MAX, add_common_arguments, collect,
                                directories, fmt, hmc_cell, method_options, mixed, noise_figure,
                                reference_columns, reference_of, run, write_csv)

METHODS = ["l0svgd", "l2svgd", "psvgd", "hmc_reduced", "hmc_dense"]
TRUTHS = [1.5, 3.0]
NOISES = [0.01, 0.05, 0.10]
TARGET_FRACTION = 0.25  # L0 keeps at most this fraction of the dense parameters ...
TARGET_R2 = 0.99        # ... with this training R² at kappa = 0.01


def settings(quick):
    """Option groups shared by the runs; the same particles and iterations for every SVGD method."""
    svgd_iterations = 60 if quick else 300
    # Static HMC with long trajectories: NUTS hits its depth limit on these ridges (254 leapfrog steps
    # per draw at depth 8, not mixed) and costs 8x more; 64 steps with 2000 + 10000 draws per chain
    # bring the push-forward's split-R̂ to about 1.02 on the chi = 3, kappa = 0.05 example.
    dense = (100, 100) if quick else (1000, 1000)
    reduced = (100, 100) if quick else (2000, 10000)
    hmc = ["-hmc_chains", "4", "-hmc_leapfrog_steps", "64", "-hmc_monitor_every", "0"]
    return {
        "common": ["-task", "mechanochemistry", "-map_tao_max_it", "5000"],
        "l0": ["-l0_lambda", "1e-4,1e-3,3e-3,1e-2", "-l0_r2_threshold", "0.99", "-l0_tao_max_it", "2000"],
        "svgd": ["-svgd_particles", "64", "-svgd_iterations", str(svgd_iterations), "-svgd_step", "0.01",
                 "-svgd_ksd_every", "10", "-svgd_monitor_every", "0"],
        "psvgd": ["-psvgd_rank", "10", "-psvgd_update_every", "100"],
        "hmc": hmc + ["-hmc_warmup", str(dense[0]), "-hmc_samples", str(dense[1])],
        "hmc_reduced": hmc + ["-hmc_warmup", str(reduced[0]), "-hmc_samples", str(reduced[1])],
    }


def line_bands(path, seed=0):
    """Predictive mean and 2.5/97.5% band (push-forward plus data noise) of sigma and mu on the test grid,
    as arrays over (strain, concentration)."""
    with h5py.File(path, "r") as f:
        samples = f["/pushforward/test/samples"][()]
        sd = f["/data/test/noise_std"][()]
        q, e, c, truth = (f["/data/test/" + k][()] for k in ("quantity", "strain", "concentration", "truth"))
        train = {k: f["/data/train/" + k][()] for k in ("quantity", "strain", "concentration", "value")}
    rng = np.random.default_rng(seed)
    draws = np.repeat(samples, max(1, 4000 // samples.shape[0]), axis=0)
    draws = draws + rng.standard_normal(draws.shape) * sd
    lo, hi = np.quantile(draws, [0.025, 0.975], axis=0)
    strains, concentrations = np.unique(e), np.unique(c)
    shape = (len(strains), len(concentrations))
    out = {"strain": strains, "concentration": concentrations, "train": train}
    for k, name in ((0, "sigma"), (1, "mu")):
        sel = q.astype(int) == k
        out[name] = {key: v[sel].reshape(shape) for key, v in
                     (("truth", truth), ("mean", samples.mean(axis=0)), ("lo", lo), ("hi", hi))}
    return out


def plot_lines(files, title, out):
    """Per method: mu(c) at eps = 0 and 0.1, sigma(eps) at c = 0.5 and 0.02 (grey: the training box)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = [("mu", "strain", 0.0), ("mu", "strain", 0.1), ("sigma", "concentration", 0.5),
              ("sigma", "concentration", 0.02)]
    fig, axes = plt.subplots(len(files), len(panels), figsize=(13, 2.2 * len(files)), squeeze=False)
    for r, (method, path) in enumerate(files.items()):
        b = line_bands(path)
        for col, (name, fixed, value) in enumerate(panels):
            ax = axes[r][col]
            i = int(np.argmin(np.abs(b[fixed] - value)))
            x = b["concentration"] if fixed == "strain" else b["strain"]
            pick = (lambda a: a[i, :]) if fixed == "strain" else (lambda a: a[:, i])
            g = b[name]
            ax.fill_between(x, pick(g["lo"]), pick(g["hi"]), color="C0", alpha=0.3, label="95% predictive")
            ax.plot(x, pick(g["mean"]), "C0", lw=1.2, label="mean")
            ax.plot(x, pick(g["truth"]), "k--", lw=1, label="truth")
            box = (0.1, 0.9) if fixed == "strain" else (-0.05, 0.05)
            inside = abs(b[fixed][i]) <= 0.05 + 1e-9 if fixed == "strain" else 0.1 - 1e-9 <= b[fixed][i] <= 0.9 + 1e-9
            if inside:
                ax.axvspan(*box, color="0.9", zorder=0)
            if r == 0:
                sym = "ε" if fixed == "strain" else "c"
                ax.set_title(f"{'μ(c)' if name == 'mu' else 'σ(ε)'} at {sym} = {b[fixed][i]:.2g}", fontsize=9)
            if col == 0:
                ax.set_ylabel(method)
            if r == len(files) - 1:
                ax.set_xlabel("c" if fixed == "strain" else "ε")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def markdown(rows, header):
    by_key = {(r["truth"], r["noise"], r["method"]): r for r in rows}
    lines = [header, "", f"{len(rows)} runs. Truth χ (1.5: one well in c, 3: a double well), noise κ as a "
             "fraction of each output's largest magnitude on the training box. The network has 148 parameters.",
             "", "### Comparison", "",
             "W1 and W2: posterior predictive against N(truth, σ²), σ and μ together, averaged over the training "
             "box (train) and the extrapolation points (extrap). ref W1: push-forward against the HMC "
             "push-forward of the same model (HMC reduced for l0svgd, HMC dense for l2svgd and psvgd). Times in "
             "seconds: L0 path, MAP, sampling (SVGD or HMC), wall = their sum. A reference that did not mix "
             f"(split R̂ of its push-forward > {RHAT_MAX} at some test point, or bulk ESS < {ESS_MIN}) is marked "
              "unusable and its ref W1 left out.", "",
             "| χ | κ | method | active | L0 R² | train W1 | extrap W1 | extrap W2 | ref W1 train | ref W1 extrap | "
             "coverage train / extrap | L0 s | MAP s | sampling s | wall s | HMC R̂ / ESS: parameters; push-forward |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(
            f"| {r['truth']:g} | {r['noise']:g} | {r['method']} | {r['active']} | {fmt(r['l0_r2'], '{:.4f}')} | "
            f"{fmt(r['train_w1'])} | {fmt(r['extrap_w1'])} | {fmt(r['extrap_w2'])} | "
            f"{reference_columns(r, by_key)} | {fmt(r['train_coverage'], '{:.2f}')} / "
            f"{fmt(r['extrap_coverage'], '{:.2f}')} | {fmt(r['l0_s'])} | {fmt(r['map_s'])} | "
            f"{fmt(r['sampling_s'])} | {fmt(r['wall_s'])} | {hmc_cell(r)} |")
    lines += targets(rows, by_key)
    return "\n".join(lines) + "\n"


def targets(rows, by_key):
    """The issue's four targets, each setting's verdict."""
    lines = ["", "### Targets", "",
             f"L0 keeps ≤ {TARGET_FRACTION:.0%} of the parameters with training R² ≥ {TARGET_R2} at κ = 0.01; "
             "L0+SVGD's extrapolation W1 ≤ L2+SVGD's; L0+SVGD within ¼ posterior sd of the reduced HMC at every "
             "test point (largest |mean difference| / HMC sd, and the largest ratio of band widths); sampling "
             "≥ 5× cheaper than L2+SVGD.", "",
             "| χ | κ | L0 active / dense, R² | extrap W1 L0 ≤ L2 | max \\|Δmean\\| / sd_HMC | sd ratio range "
             "| L2/L0 sampling time |", "|---:|---:|---|---|---:|---|---:|"]
    for truth in sorted({r["truth"] for r in rows}):
        for noise in sorted({r["noise"] for r in rows}):
            l0, l2 = by_key.get((truth, noise, "l0svgd")), by_key.get((truth, noise, "l2svgd"))
            if not (l0 and l2):
                continue
            dense = l2["active"]
            frac = l0["active"] / dense
            sparse_ok = frac <= TARGET_FRACTION and (noise != 0.01 or l0["l0_r2"] >= TARGET_R2)
            sparse = f"{l0['active']} / {dense} ({frac:.0%}), {l0['l0_r2']:.4f}" + ("" if sparse_ok else " ✗")
            better = "yes" if l0["extrap_w1"] <= l2["extrap_w1"] else "no"
            ref = reference_of(l0, by_key)
            if ref is not None and l0.get("shift", "") != "":
                caveat = "" if mixed(ref) else " (reference not mixed)"
                shift = f"{l0['shift']:.2f}" + (" ✓" if l0["shift"] <= 0.25 else " ✗") + caveat
                spread = f"{l0['sd_ratio_min']:.2f}–{l0['sd_ratio_max']:.2f}"
            else:
                shift = spread = "–"
            lines.append(f"| {truth:g} | {noise:g} | {sparse} | {better} ({l0['extrap_w1']:.3g} vs "
                         f"{l2['extrap_w1']:.3g}) | {shift} | {spread} | "
                         f"{l2['sampling_s'] / l0['sampling_s']:.1f}× |")
    return lines


def agreement(path, reference):
    """Largest |mean difference| over the test points in units of the reference's push-forward sd, and the
    range of the ratio of the two push-forward sds."""
    with h5py.File(path, "r") as f, h5py.File(reference, "r") as g:
        a, b = f["/pushforward/test/samples"][()], g["/pushforward/test/samples"][()]
    sd = b.std(axis=0, ddof=1)
    shift = np.abs(a.mean(axis=0) - b.mean(axis=0)) / sd
    ratio = a.std(axis=0, ddof=1) / sd
    return {"shift": float(shift.max()), "sd_ratio_min": float(ratio.min()), "sd_ratio_max": float(ratio.max())}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p)
    p.add_argument("--truths", nargs="+", type=float, default=TRUTHS)
    p.add_argument("--noise", nargs="+", type=float, default=NOISES)
    args = p.parse_args()

    exe, out, work, plots = directories(args, "mechanochemistry", need_executable=not args.tables_only)
    groups = settings(args.quick)
    revision = provenance.code_revision()
    rows = []
    with open(work / "log.txt", "a" if args.tables_only else "w") as log:
        for truth in args.truths:
            base = groups["common"] + ["-seed", str(args.seed), "-mech_chi", f"{truth:g}"]
            for noise in args.noise:
                files = {}
                for method in ["hmc_reduced", "hmc_dense", "l0svgd", "l2svgd", "psvgd"]:
                    ref = files.get(REFERENCE_METHOD.get(method))
                    h5 = work / f"chi{truth:g}_noise{noise:g}_{method}.h5"
                    cmd = run(exe, args.ranks, base + ["-mech_noise", f"{noise:g}"] +
                              method_options(method, groups, ref) + ["-output_file", str(h5)], log, args.tables_only)
                    files[method] = h5
                    row = dict(truth=truth, noise=noise, method=method, ranks=args.ranks)
                    row.update(collect(h5))
                    if method == "l0svgd":
                        row.update(agreement(h5, files["hmc_reduced"]))
                    row["command"] = cmd
                    rows.append(row)
                    print(f"chi {truth:g} κ={noise:g} {method}: {row['active']} parameters, extrap W1 "
                          f"{row['extrap_w1']:.3g}, sampling {row['sampling_s']:.2f} s, wall {row['wall_s']:.2f} s"
                          + (f", R̂ {row['rhat_max']:.3f}, ESS {row['ess_min']:.0f}" if row["rhat_max"] != "" else ""),
                          flush=True)
                plot_lines({m: files[m] for m in METHODS}, f"mechanochemistry χ = {truth:g}, κ = {noise:g}",
                           plots / f"mechanochemistry_chi{truth:g}_noise{noise:g}.png")
    rows.sort(key=lambda r: (r["truth"], r["noise"], METHODS.index(r["method"])))
    for r in rows:  # one set of columns for every row of the CSV
        for key in ("shift", "sd_ratio_min", "sd_ratio_max"):
            r.setdefault(key, "")
    write_csv(out / "mechanochemistry.csv", rows)
    noise_figure(rows, [f"χ = {t:g}" for t in args.truths], lambda r: f"χ = {r['truth']:g}",
                 ["l0svgd", "l2svgd", "psvgd", "hmc_reduced"], "mechanochemistry: W1 to the truth",
                 plots / "mechanochemistry_noise.png")
    header = (f"## Mechanochemistry comparison ({time.strftime('%Y-%m-%d')}, {platform.node()}, "
              f"{os.cpu_count()} cores, {args.ranks} ranks{', QUICK' if args.quick else ''})")
    (out / "mechanochemistry.md").write_text(markdown(rows, header))
    if not (args.quick or args.tables_only) and out == Path(provenance.RESULTS).resolve():
        provenance.stamp_set("mechanochemistry", revision, provenance.build_type(exe.parent))
    print(f"wrote {out}/mechanochemistry.csv, .md and plots/mechanochemistry_*.png")


if __name__ == "__main__":
    main()
