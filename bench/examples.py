#!/usr/bin/env python3
"""The figures the README quotes from its example runs, produced by running them.

Runs, on 2 ranks (about two minutes on 2 cores):
  - inputs/treloar_l0svgd.yaml, and again with -icnn_inputs extended: weights kept by L0, the posterior
    predictive's W1 against the held-out pure-shear measurements, how many of them lie inside the 95% band;
  - inputs/shear_frame_laplace.yaml: the modes multistart found, their NNLS weights, the Laplace mixture's
    JSD against the grid posterior; inputs/shear_frame_vi_{warm,cold}.yaml: VI's JSD at its start and end,
    and the W1 of the floors' posterior predictive (Laplace, VI) to the grid posterior's.
Writes bench/results/examples.{csv,md} (stamped with the revision, bench/provenance.py).

Usage: /usr/bin/python3 bench/examples.py [--build build/release] [--ranks 2]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

import provenance  # bench/provenance.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(exe, ranks, args, out):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    cmd = ["mpirun", "-n", str(ranks), exe] + args + ["-output_file", out, "-log_level", "warning"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"examples.py: {' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return " ".join(["mpirun", "-n", str(ranks), "l0svgd"] + args)


def treloar_row(path, command):
    with h5py.File(path, "r") as f:
        held = f["/metrics/held_out"].attrs
        # The posterior predictive's 95% band (stress plus the inferred noise), as /metrics reports it;
        # /pushforward's band is the stress alone.
        inside = int(round(float(held["coverage"]) * int(held["n_points"])))
        return {"example": "treloar", "setting": command, "active": int(f["/metrics"].attrs["active_parameters"]),
                "held_out_points": int(held["n_points"]), "held_out_inside_band": inside,
                "held_out_w1_mpa": float(held["w1"]), "held_out_rmse_mpa": float(held["rmse"])}


def shear_rows(path, command):
    with h5py.File(path, "r") as f:
        modes = f["/modes"][()]
        weights = f["/mixture/initial/weights"][()]
        means = f["/mixture/initial/means"][()]
        jsd = float(f["/laplace"].attrs["jsd"])
    order = np.argsort(means[:, 0])  # by c1
    return [{"example": "shear_frame", "setting": command, "modes_found": len(modes),
             "component": int(rank), "mean_c1": float(means[i, 0]), "mean_c2": float(means[i, 1]),
             "weight": float(weights[i]), "laplace_jsd": jsd} for rank, i in enumerate(order)]


def vi_row(path, command, start):
    with h5py.File(path, "r") as f:
        jsd = f["/vi/history/jsd"][()]
        weights = f["/mixture/final/weights"][()]
        # Mean W1 over time of each posterior predictive of the floors (x1 observed, x2 not) to the grid
        # posterior's, and the reference's own Monte Carlo floor.
        g = f["/pushforward"]
        w1 = {f"{s}_w1_{q}": float(g[s + "/w1_mean"][i]) for s in ("laplace", "vi") if s in g
              for i, q in enumerate(("x1", "x2"))}
        w1.update({f"w1_floor_{q}": float(g["reference/w1_floor"][i]) for i, q in enumerate(("x1", "x2"))})
    return {"example": "shear_frame_vi", "setting": command, "start": start, "initial_jsd": float(jsd[0]),
            "final_jsd": float(jsd[-1]), "final_weights": " ".join(f"{w:.3f}" for w in sorted(weights)), **w1}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--ranks", type=int, default=2)
    args = ap.parse_args()
    exe = os.path.join(os.path.abspath(args.build), "l0svgd")
    revision = provenance.code_revision()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for extra in ([], ["-icnn_inputs", "extended"]):
            out = os.path.join(work, "treloar.h5")
            rows.append(treloar_row(out, run(exe, args.ranks, ["inputs/treloar_l0svgd.yaml"] + extra, out)))
            print(rows[-1], flush=True)
        out = os.path.join(work, "shear.h5")
        rows += shear_rows(out, run(exe, args.ranks, ["inputs/shear_frame_laplace.yaml"], out))
        for start in ("warm", "cold"):
            out = os.path.join(work, f"vi_{start}.h5")
            rows.append(vi_row(out, run(exe, args.ranks, [f"inputs/shear_frame_vi_{start}.yaml"], out), start))
    results = os.path.join(ROOT, "bench", "results")
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(os.path.join(results, "examples.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    lines = ["# The README's example figures", "", f"`bench/examples.py`, {args.ranks} ranks.", "",
             "| example | command | weights kept | held-out W1 (MPa) | held-out RMSE (MPa) | held-out points inside the 95% predictive band |",
             "|---|---|---:|---:|---:|---|"]
    for r in (r for r in rows if r["example"] == "treloar"):
        lines.append(f"| Treloar | `{r['setting']}` | {r['active']} | {r['held_out_w1_mpa']:.3f} | "
                     f"{r['held_out_rmse_mpa']:.3f} | {r['held_out_inside_band']} of {r['held_out_points']} |")
    shear = [r for r in rows if r["example"] == "shear_frame"]
    lines += ["", f"Shear frame (`{shear[0]['setting']}`): {shear[0]['modes_found']} modes found; Laplace mixture "
              f"JSD to the grid posterior {shear[0]['laplace_jsd']:.4f}.", "",
              "| component | mean c1 | mean c2 | NNLS weight |", "|---:|---:|---:|---:|"]
    for r in shear:
        lines.append(f"| {r['component']} | {r['mean_c1']:.3f} | {r['mean_c2']:.3f} | {r['weight']:.3f} |")
    lines += ["", "| VI start | command | JSD at the start | final JSD | final weights |", "|---|---|---:|---:|---|"]
    for r in (r for r in rows if r["example"] == "shear_frame_vi"):
        lines.append(f"| {r['start']} | `{r['setting']}` | {r['initial_jsd']:.4f} | {r['final_jsd']:.4f} | "
                     f"{r['final_weights']} |")
    vi = {r["start"]: r for r in rows if r["example"] == "shear_frame_vi"}
    lines += ["", "Posterior predictive of the floor displacements over t = 0–30 (`/pushforward`): mean W1 over time "
              "to the grid posterior's predictive, 2000 draws each.", "",
              "| posterior | floor 1 (observed) | floor 2 (unobserved) |", "|---|---:|---:|"]
    for label, r, s in (("Laplace mixture", vi["warm"], "laplace"), ("VI, warm start", vi["warm"], "vi"),
                        ("VI, cold start", vi["cold"], "vi")):
        lines.append(f"| {label} | {r[s + '_w1_x1']:.5f} | {r[s + '_w1_x2']:.5f} |")
    lines.append(f"| Monte Carlo floor (two draw sets of the grid posterior) | {vi['warm']['w1_floor_x1']:.5f} | "
                 f"{vi['warm']['w1_floor_x2']:.5f} |")
    with open(os.path.join(results, "examples.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    provenance.stamp_set("examples", revision, provenance.build_type(args.build))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
