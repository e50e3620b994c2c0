#!/usr/bin/env python3
"""Performance model of one SVGD iteration on P ranks, built from the measured per-phase costs in
bench/results/svgd_scaling.csv (this machine) and a network given as parameters, predicting strong- and
weak-scaling efficiency for allgather and ring exchange. Prints Markdown (docs/performance.md embeds it).

Usage: /usr/bin/python3 scripts/performance_model.py [--csv bench/results/svgd_scaling.csv]
           [--latency 1.5e-6] [--bandwidth 12.5e9] [--d 100]

Model (n = N/P rows per rank, d dimensions, 8-byte doubles):
  compute  = 6 n N d / R_gemm + n N (1/R_exp + c_pair) + n c_score
  allgather: every rank receives (P-1) n rows of [S X]: alpha log2 P + (P-1) n 16 d / beta, not overlapped
  ring:      P-1 steps of n rows each, overlapped with the block's compute; with the median heuristic
             the columns are visited twice when the distances are kept (each visit about half of a
             block's work), so each step exposes max(0, alpha + 16 n d / beta - block / 2)
  both:      ~8 small allreduces (median histogram, statistics): 8 alpha log2 P, and the statistics
             allgather 24 N / beta
R_gemm: the kernel phase's measured GFLOP/s per rank at the largest d = 100 row; c_pair: the O(N²) work
outside the GEMMs per pair (exp, median passes), from the d = 10 rows; c_score: gradient seconds per particle.
"""
import argparse
import csv
import math


def fit(path, d_target):
    # Rows with kept distances: the streamed ones recompute distances for the median, which the model
    # does not count.
    rows = [r for r in csv.DictReader(line for line in open(path) if not line.startswith("#"))
            if r["exchange"] == "allgather" and r["kernel_distances"] == "kept"]
    one = [r for r in rows if int(r["P"]) == 1]
    big = max((r for r in one if int(r["d"]) == d_target), key=lambda r: int(r["N"]))
    n, d = int(big["N"]), int(big["d"])
    kernel = float(big["kernel_s_per_iter"])
    small = max((r for r in one if int(r["d"]) == 10), key=lambda r: int(r["N"]))
    ns, ds = int(small["N"]), int(small["d"])
    # Split the d = 10 kernel time into its GEMM part (at the d = 100 rate) and the per-pair rest.
    r_gemm = 6.0 * n * n * d / kernel  # flops/s including the per-pair work at d = 100
    c_pair = max(float(small["kernel_s_per_iter"]) - 6.0 * ns * ns * ds / r_gemm, 0.0) / (ns * ns)
    r_gemm = 6.0 * n * n * d / max(kernel - c_pair * n * n, 1e-12)
    c_score = float(big["gradient_s_per_iter"]) / n
    return {"R_gemm": r_gemm, "c_pair": c_pair, "c_score": c_score, "from": (n, d, ns, ds)}


def iteration(n_total, p, d, m, alpha, beta, mode):
    n = n_total / p
    block = 6.0 * n * n * d / m["R_gemm"] + n * n * m["c_pair"]
    compute = p * block + n * m["c_score"]
    logp = math.log2(p) if p > 1 else 0.0
    small = 8 * alpha * logp + 24.0 * n_total / beta
    if mode == "allgather":
        comm = alpha * logp + (p - 1) * n * 16.0 * d / beta
        return compute + comm + small, comm + small
    # Two visits of the columns (distances + median, then K·[S X]), each about half a block's work;
    # a message is exposed only where it takes longer than the work it overlaps.
    message = alpha + 16.0 * n * d / beta
    exposed = 2 * (p - 1) * max(0.0, message - block / 2)
    return compute + exposed + small, exposed + small


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default="bench/results/svgd_scaling.csv")
    ap.add_argument("--latency", type=float, default=1.5e-6, help="alpha, s (InfiniBand EDR/HDR: 1-2 µs)")
    ap.add_argument("--bandwidth", type=float, default=12.5e9, help="beta, bytes/s per rank (EDR: 12.5e9)")
    ap.add_argument("--d", type=int, default=100)
    a = ap.parse_args()
    m = fit(a.csv, a.d)
    d = a.d
    print(f"Measured constants (from `{a.csv}`, N = {m['from'][0]}, d = {m['from'][1]} and N = "
          f"{m['from'][2]}, d = {m['from'][3]}, P = 1): R_gemm = {m['R_gemm'] / 1e9:.1f} GFLOP/s per rank, "
          f"c_pair = {m['c_pair'] * 1e9:.2f} ns per pair, c_score = {m['c_score'] * 1e6:.2f} µs per particle. "
          f"Network: α = {a.latency * 1e6:.1f} µs, β = {a.bandwidth / 1e9:.1f} GB/s. d = {d}.\n")
    print("Strong scaling (fixed N): predicted efficiency T(1) / (P T(P)), and the share of an iteration "
          "spent communicating.\n")
    ps = [16, 64, 256, 1024]
    print("| N | exchange | " + " | ".join(f"P = {p}" for p in ps) + " |")
    print("|---:|---|" + "---:|" * len(ps))
    for n_total in (1e4, 1e5, 1e6):
        for mode in ("allgather", "ring"):
            t1 = iteration(n_total, 1, d, m, a.latency, a.bandwidth, "allgather")[0]
            cells = []
            for p in ps:
                t, comm = iteration(n_total, p, d, m, a.latency, a.bandwidth, mode)
                cells.append(f"{t1 / (p * t):.2f} ({100 * comm / t:.0f} % comm)")
            print(f"| {n_total:.0e} | {mode} | " + " | ".join(cells) + " |")
    print("\nWeak scaling (N = 1000 P, so the O(N²/P) kernel work per rank grows with P): predicted "
          "efficiency = the iteration's computing time / its whole time (what communication and latency "
          "cost).\n")
    print("| exchange | " + " | ".join(f"P = {p}" for p in ps) + " |")
    print("|---|" + "---:|" * len(ps))
    for mode in ("allgather", "ring"):
        cells = []
        for p in ps:
            n_total = 1000.0 * p
            t, comm = iteration(n_total, p, d, m, a.latency, a.bandwidth, mode)
            cells.append(f"{(t - comm) / t:.2f}")
        print(f"| {mode} | " + " | ".join(cells) + " |")
    print("\nMemory per rank of the particle buffers ([S X] of the other ranks): allgather 16 N d bytes, "
          "ring 32 (N/P) d bytes:\n")
    print("| N | P | allgather | ring |\n|---:|---:|---:|---:|")
    for n_total, p in ((1e6, 64), (1e6, 1024), (1e5, 64)):
        print(f"| {n_total:.0e} | {p} | {16 * n_total * d / 1e6:.0f} MB | {32 * n_total / p * d / 1e6:.1f} MB |")
    # Where communication starts to dominate: smallest n per rank with comm < compute.
    for mode in ("allgather", "ring"):
        for n_local in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
            p = 1024
            t, comm = iteration(n_local * p, p, d, m, a.latency, a.bandwidth, mode)
            if comm < 0.5 * t:
                print(f"\n{mode}: at P = 1024 communication is below half of an iteration from about "
                      f"{n_local} particles per rank (N = {n_local * p}).")
                break


if __name__ == "__main__":
    main()
