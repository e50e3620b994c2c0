#!/usr/bin/env python3
"""Joins the raw measurements of run_svgd_bench.sh into results/svgd_scaling.csv and svgd_scaling.md.

Usage: make_tables.py RAW_DIR OUT_DIR
RAW_DIR holds l0svgd.csv (rows of scripts/timing_row.py), numpy.jsonl (one reference_svgd.py --json line
per (N, d)), gemm.csv and gemm_native.csv (bench_gemm), baseline.csv (P, peak RSS of an empty run) and
meta.json (machine, BLAS, load, correctness check).
"""
import csv
import json
import math
import os
import sys

MIB = 1024.0 * 1024.0


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def expected_mib(n, d, p):
    """Per-rank data of the SVGD engine, rank 0's block (ceil(N/P) rows), in MiB:
    N x 2d gathered [S X]; 2 n_local x N (squared distances, kernel); 9 n_local x d (particles, local
    [S X], direction, displacement, AdaGrad state, K S, K [S X]); 5 d^2 for the Gaussian target
    (covariance, precision, Cholesky factor and the temporaries of building them)."""
    n_local = math.ceil(n / p)
    doubles = 2 * n * d + 2 * n_local * n + 9 * n_local * d + 5 * d * d
    return 8.0 * doubles / MIB


def main(raw, out):
    meta = json.load(open(os.path.join(raw, "meta.json")))
    l0 = {(int(r["particles"]), int(r["dim"]), int(r["ranks"])): r
          for r in read_csv(os.path.join(raw, "l0svgd.csv"))}
    numpy_rows = {}
    with open(os.path.join(raw, "numpy.jsonl")) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                numpy_rows[(r["N"], r["d"])] = r
    system_blas = {}
    system_path = os.path.join(raw, "numpy_system_blas.jsonl")
    if os.path.exists(system_path):
        with open(system_path) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    system_blas[(r["N"], r["d"])] = r
    gemm = {(int(r["N"]), int(r["d"]), int(r["P"])): r for r in read_csv(os.path.join(raw, "gemm.csv"))}
    native_path = os.path.join(raw, "gemm_native.csv")
    native = {(int(r["N"]), int(r["d"]), int(r["P"])): r for r in read_csv(native_path)} \
        if os.path.exists(native_path) else {}
    baseline = {int(r["P"]): float(r["peak_rss_mib"]) for r in read_csv(os.path.join(raw, "baseline.csv"))}

    machine = meta["machine"]
    columns = ["machine", "N", "d", "P", "iterations", "l0svgd_s_per_iter", "numpy_s_per_iter", "speedup",
               "kernel_gflops_per_rank", "gemm_gflops", "kernel_fraction_of_gemm", "peak_rss_mib_per_rank",
               "expected_mib_per_rank", "baseline_rss_mib", "gradient_s_per_iter", "gather_s_per_iter",
               "kernel_s_per_iter", "update_s_per_iter", "gemm_native_gflops",
               "numpy_system_blas_s_per_iter", "speedup_vs_numpy_system_blas"]
    rows = []
    for key in sorted(l0):
        n, d, p = key
        t = l0[key]
        its = int(t["iterations"])
        l0_time = float(t["time_per_iteration_s"])
        np_row = numpy_rows.get((n, d))
        np_time = np_row["time_per_iteration"] if np_row else float("nan")
        kernel_per_rank = float(t["kernel_gflops"]) / p  # the file's value is summed over ranks
        g = gemm.get(key)
        gemm_gflops = float(g["combined_gflops"]) if g else float("nan")
        gn = native.get(key)
        rows.append({
            "machine": machine, "N": n, "d": d, "P": p, "iterations": its,
            "l0svgd_s_per_iter": l0_time, "numpy_s_per_iter": np_time,
            "speedup": np_time / l0_time if l0_time > 0 else float("nan"),
            "kernel_gflops_per_rank": kernel_per_rank, "gemm_gflops": gemm_gflops,
            "kernel_fraction_of_gemm": kernel_per_rank / gemm_gflops if g else float("nan"),
            "peak_rss_mib_per_rank": float(t["peak_rss_mib"]),
            "expected_mib_per_rank": expected_mib(n, d, p),
            "baseline_rss_mib": baseline.get(p, float("nan")),
            "gradient_s_per_iter": float(t["gradient_s"]) / its,
            "gather_s_per_iter": float(t["gather_s"]) / its,
            "kernel_s_per_iter": float(t["kernel_s"]) / its,
            "update_s_per_iter": float(t["update_s"]) / its,
            "gemm_native_gflops": float(gn["combined_gflops"]) if gn else float("nan"),
        })
        sb = system_blas.get((n, d))
        rows[-1]["numpy_system_blas_s_per_iter"] = sb["time_per_iteration"] if sb else float("nan")
        rows[-1]["speedup_vs_numpy_system_blas"] = \
            sb["time_per_iteration"] / l0_time if sb and l0_time > 0 else float("nan")

    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "svgd_scaling.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})

    def fmt(v, digits=3):
        if isinstance(v, float):
            if math.isnan(v):
                return "–"
            return f"{v:.{digits}g}"
        return str(v)

    lines = [
        "# SVGD scaling benchmark",
        "",
        f"Machine: **{machine}**. Generated by `bench/run_svgd_bench.sh` on {meta['date']} "
        f"(l0svgd {meta['revision']}).",
        "",
        "- Target: Gaussian, d dimensions, random covariance of condition number 100 "
        "(`-target_random_cov true`), RBF kernel with median heuristic, AdaGrad with momentum, step 0.01; "
        "KSD and monitor off, no particle output.",
        "- l0svgd: `mpirun -n P`, one single-threaded rank per core; time/iter = SVGD loop wall time / "
        "iterations (from /timing).",
        "- numpy: `bench/reference_svgd.py` (Liu & Wang's reference algorithm), one process, numpy "
        f"{meta['numpy_version']} on {meta['numpy_blas']} (OPENBLAS_CORETYPE in the environment: "
        f"{meta['openblas_coretype_in_environment']}; unset, with OPENBLAS_L2_SIZE, for numpy); the same "
        "numpy time is used for P = 1 and P = 2.",
        "- GEMM: `bench_gemm`, Eigen, single thread, rank 0's shapes (⌈N/P⌉ × d · d × N and "
        f"⌈N/P⌉ × N · N × 2d), compiled with the library's flags ({meta['gemm_flags']}); "
        "'native GEMM' is the same code with -march=native.",
        "- kernel GFLOP/s per rank = flops logged in the SVGDKernel event / its time / P.",
        "- expected MiB = per-rank data of the engine, 8 B × (2Nd + 2⌈N/P⌉N + 9⌈N/P⌉d + 5d²) "
        "(the d² term is the Gaussian target's own matrices); baseline = peak RSS of a run with N = 2, d = 1 "
        "(MPI, PETSc and HDF5 libraries).",
        f"- Load average before / after the run: {meta['load_before']} / {meta['load_after']} "
        "(the machine is shared: numbers taken under load are pessimistic); measured commands ran at nice "
        f"{meta.get('nice', '0')}.",
        "- Correctness: l0svgd (P = 2) and the numpy reference (median over pairs i < j) from the same initial "
        f"particles, identity covariance, N = 256, d = 10, 50 iterations: max |Δx| = {meta['check_max_abs_diff']}.",
        "",
        "| N | d | P | iters | l0svgd s/iter | numpy s/iter | speedup | kernel GFLOP/s/rank | GEMM GFLOP/s "
        "| kernel / GEMM | native GEMM GFLOP/s | peak RSS MiB/rank | expected MiB | baseline MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append("| " + " | ".join([
            str(r["N"]), str(r["d"]), str(r["P"]), str(r["iterations"]), fmt(r["l0svgd_s_per_iter"]),
            fmt(r["numpy_s_per_iter"]), fmt(r["speedup"]), fmt(r["kernel_gflops_per_rank"]),
            fmt(r["gemm_gflops"]), fmt(r["kernel_fraction_of_gemm"], 2), fmt(r["gemm_native_gflops"]),
            fmt(r["peak_rss_mib_per_rank"], 4), fmt(r["expected_mib_per_rank"]),
            fmt(r["baseline_rss_mib"], 3)]) + " |")
    lines += ["", "## The issue's targets (N = 1024, d = 100 and 1000, P = 2)", ""]
    for r in rows:
        if r["N"] != 1024 or r["d"] not in (100, 1000) or r["P"] != 2:
            continue
        data = r["peak_rss_mib_per_rank"] - r["baseline_rss_mib"]
        lines += [
            f"- d = {r['d']}: speedup over numpy {fmt(r['speedup'])}× "
            f"({'met' if r['speedup'] >= 10 else 'NOT met'}: target ≥ 10×); kernel at "
            f"{fmt(r['kernel_fraction_of_gemm'], 2)} of the Eigen GEMM "
            f"({'met' if r['kernel_fraction_of_gemm'] >= 0.5 else 'NOT met'}: target ≥ 0.5); "
            f"peak RSS above the baseline {fmt(data)} MiB against {fmt(r['expected_mib_per_rank'])} MiB "
            f"expected (ratio {fmt(data / r['expected_mib_per_rank'], 2)})."]
    lines += ["", "Per-iteration phase times of l0svgd (seconds, max over ranks; the gradient includes the one "
              "evaluation after the last iteration for the output):", "",
              "| N | d | P | gradient | gather | kernel | update |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append("| " + " | ".join([str(r["N"]), str(r["d"]), str(r["P"])] + [
            fmt(r[c]) for c in ("gradient_s_per_iter", "gather_s_per_iter", "kernel_s_per_iter",
                                "update_s_per_iter")]) + " |")
    if system_blas:
        lines += ["", "numpy as the system has it (" + meta.get("numpy_system_blas", "system BLAS") +
                  "), the issue's target sizes:", "",
                  "| N | d | P | numpy (system BLAS) s/iter | l0svgd s/iter | speedup |", "|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            if not math.isnan(r["numpy_system_blas_s_per_iter"]):
                lines.append("| " + " | ".join([str(r["N"]), str(r["d"]), str(r["P"]),
                                                fmt(r["numpy_system_blas_s_per_iter"]),
                                                fmt(r["l0svgd_s_per_iter"]),
                                                fmt(r["speedup_vs_numpy_system_blas"])]) + " |")
    with open(os.path.join(out, "svgd_scaling.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
