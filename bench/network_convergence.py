#!/usr/bin/python3
"""Convergence rate of L0+SVGD against L2+SVGD and projected SVGD, one setting per application (issue 9).

For hyperelasticity (Mooney-Rivlin, invariant inputs, kappa = 0.05) and mechanochemistry (chi = 3,
kappa = 0.05) runs each SVGD method with the same particles for an increasing number of iterations (the
runs are deterministic, so a run of k iterations is the first k of a longer one) and records, per run, the
predictive W1 to the truth over the training range and the extrapolation points and the sampling time;
the longest run also records the KSD every 10 iterations. Writes OUT/network_convergence.csv and .md and
OUT/plots/network_convergence.png (W1 against iteration and against sampling time, KSD against
iteration).

  bench/network_convergence.py [--build build/release] [--quick]
"""
import argparse
import os
import platform
import time
from pathlib import Path

import h5py

import provenance  # bench/provenance.py, beside this script
from network_comparison import add_common_arguments, collect, directories, fmt, method_options, run, write_csv

METHODS = ["l0svgd", "l2svgd", "psvgd"]
ITERATIONS = [10, 20, 50, 100, 200, 300]
L0 = ["-l0_r2_threshold", "0.99", "-l0_tao_max_it", "2000"]
SVGD = ["-svgd_particles", "64", "-svgd_step", "0.01", "-svgd_monitor_every", "0"]
APPLICATIONS = {
    "hyperelastic": {
        "label": "hyperelastic (Mooney-Rivlin, κ = 0.05)",
        "base": ["-task", "hyperelastic", "-data_truth", "mooney_rivlin", "-icnn_inputs", "invariants",
                 "-data_noise", "0.05", "-map_tao_max_it", "5000"],
        "l0": ["-l0_lambda", "1e-4,1e-3,1e-2"] + L0,
    },
    "mechanochemistry": {
        "label": "mechanochemistry (χ = 3, κ = 0.05)",
        "base": ["-task", "mechanochemistry", "-mech_chi", "3", "-mech_noise", "0.05", "-map_tao_max_it", "5000"],
        "l0": ["-l0_lambda", "1e-4,1e-3,3e-3,1e-2"] + L0,
    },
}


def ksd_trace(path):
    with h5py.File(path, "r") as f:
        if "/svgd/ksd" not in f:
            return [], []
        return list(f["/svgd/ksd_iteration"][()]), list(f["/svgd/ksd"][()])


def plot(rows, traces, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    apps = list(APPLICATIONS)
    fig, axes = plt.subplots(len(apps), 4, figsize=(16, 3.4 * len(apps)), squeeze=False)
    for r, app in enumerate(apps):
        for k, method in enumerate(METHODS):
            mine = sorted((x for x in rows if x["application"] == app and x["method"] == method),
                          key=lambda x: x["iterations"])
            if not mine:
                continue
            style = dict(color=f"C{k}", marker="o", label=method)
            for col, (tag, name) in enumerate((("train", "training range"), ("extrap", "extrapolation"))):
                axes[r][col].plot([x["iterations"] for x in mine], [x[f"{tag}_w1"] for x in mine], **style)
                axes[r][col].set_title(f"{APPLICATIONS[app]['label']}\nW1 {name}", fontsize=9)
                axes[r][col].set_xlabel("SVGD iterations")
            axes[r][2].plot([x["sampling_s"] for x in mine], [x["extrap_w1"] for x in mine], **style)
            axes[r][2].set_title("W1 extrapolation against sampling time", fontsize=9)
            axes[r][2].set_xlabel("sampling seconds (2 ranks)")
            it, ksd = traces.get((app, method), ([], []))
            # The KSD is sqrt(max(KSD², 0)) of a U-statistic, which reaches 0 once the ensemble has
            # converged: those points have no place on a log axis, so a marker at the bottom shows the first.
            positive = [(i, v) for i, v in zip(it, ksd) if v > 0]
            if positive:
                axes[r][3].plot(*zip(*positive), color=f"C{k}", label=method)
            zero = [i for i, v in zip(it, ksd) if v <= 0]
            if zero:
                axes[r][3].plot([zero[0]], [0.0], marker="v", color=f"C{k}", ls="none",
                                transform=axes[r][3].get_xaxis_transform(), clip_on=False)
            axes[r][3].set_title("KSD, SVGD coordinates (▼: first at 0)", fontsize=9)
            axes[r][3].set_xlabel("SVGD iterations")
        for ax in axes[r]:
            ax.set_yscale("log")
        axes[r][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def markdown(rows, header):
    lines = [header, "", "Predictive W1 to the truth after k SVGD iterations (64 particles, step 0.01, the same "
             "options for every method); sampling seconds of that run; KSD iterations: where the KSD trace of "
             "the longest run settles within ±10% of its final level.", ""]
    for app, spec in APPLICATIONS.items():
        mine = [r for r in rows if r["application"] == app]
        if not mine:
            continue
        lines += [f"### {spec['label']}", "",
                  "| method | active | iterations | train W1 | extrap W1 | sampling s | s/iter |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for r in mine:
            lines.append(f"| {r['method']} | {r['active']} | {r['iterations']} | {fmt(r['train_w1'])} | "
                         f"{fmt(r['extrap_w1'])} | {fmt(r['sampling_s'])} | {fmt(r['s_per_iter'])} |")
        lines.append("")
        for method in METHODS:
            last = [r for r in mine if r["method"] == method]
            if last and last[-1]["ksd_iters"] != "":
                lines.append(f"- {method}: KSD settles after {last[-1]['ksd_iters']:.0f} iterations")
        lines.append("")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p, tables_only=False)
    args = p.parse_args()
    exe, out, work, plots = directories(args, "convergence")
    revision = provenance.code_revision()
    iterations = [10, 20] if args.quick else ITERATIONS
    rows, traces = [], {}
    with open(work / "log.txt", "w") as log:
        for app, spec in APPLICATIONS.items():
            for method in METHODS:
                for n in iterations:
                    groups = {"l0": spec["l0"], "psvgd": ["-psvgd_rank", "10", "-psvgd_update_every", "100"],
                              "svgd": SVGD + ["-svgd_iterations", str(n)] +
                              (["-svgd_ksd_every", "10"] if n == iterations[-1] else [])}
                    h5 = work / f"{app}_{method}_{n}.h5"
                    cmd = run(exe, args.ranks, spec["base"] + ["-seed", str(args.seed)] +
                              method_options(method, groups, None) + ["-output_file", str(h5)], log)
                    row = dict(application=app, method=method)
                    row.update(collect(h5))
                    row["command"] = cmd
                    rows.append(row)
                    print(f"{app} {method} {n}: extrap W1 {row['extrap_w1']:.3g}, sampling {row['sampling_s']:.3f} s",
                          flush=True)
                traces[(app, method)] = ksd_trace(work / f"{app}_{method}_{iterations[-1]}.h5")
    write_csv(out / "network_convergence.csv", rows)
    plot(rows, traces, plots / "network_convergence.png")
    header = (f"## SVGD convergence on the network applications ({time.strftime('%Y-%m-%d')}, {platform.node()}, "
              f"{os.cpu_count()} cores, {args.ranks} ranks{', QUICK' if args.quick else ''})")
    (out / "network_convergence.md").write_text(markdown(rows, header))
    if not args.quick and out == Path(provenance.RESULTS).resolve():
        provenance.stamp_set("network_convergence", revision, provenance.build_type(exe.parent))
    print(f"wrote {out}/network_convergence.csv, .md and plots/network_convergence.png")


if __name__ == "__main__":
    main()
