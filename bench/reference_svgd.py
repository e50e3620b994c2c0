#!/usr/bin/env python3
"""Reference SVGD in plain numpy, written after Liu & Wang's published code (github.com/DartML/Stein-
Variational-Gradient-Descent, python/svgd.py), timed per iteration, on the Gaussian target of l0svgd's
benchmark: score s(x) = -(x - mu) P with P the precision (batched, one GEMM for all particles).

Per iteration, as in the reference code:
  pairwise squared distances   squareform(pdist(X))**2            (scipy, N x N)
  median trick                 h = med^2 / log(N + 1)             (med^2 = np.median of that matrix)
  RBF kernel                   K = exp(-r^2 / h)
  repulsive term               (2/h) (diag(K 1) X - K X)
  direction                    phi = (K S + repulsive) / N
  AdaGrad with momentum        G = g^2 (first), then alpha G + (1 - alpha) g^2; X += eps g / (1e-6 + sqrt G)

The reference code takes np.median over the full N x N matrix (its N zero self-distances included);
--median pairs takes it over the pairs i < j instead, as REFERENCE.md §1 and l0svgd do, for an exact
comparison with l0svgd (--init / --output).

Usage: reference_svgd.py -N 1024 -d 100 --iterations 10 [--json] [--init F.h5] [--output F.h5]
Prints time per iteration and the BLAS numpy runs on (threadpoolctl when importable).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from scipy.spatial.distance import pdist, squareform

FUDGE = 1e-6  # the reference code's fudge_factor


def blas_info():
    """What BLAS numpy runs on, and with how many threads."""
    try:
        import threadpoolctl
        info = threadpoolctl.threadpool_info()
        if info:
            return [{k: v for k, v in lib.items() if k in
                     ("internal_api", "version", "architecture", "num_threads", "threading_layer",
                      "filepath")} for lib in info]
    except ImportError:
        pass
    return [{"internal_api": "unknown (threadpoolctl not importable)",
             "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "unset")}]


def random_spd(d, cond, rng):
    """Covariance Q diag(cond^(k/(d-1) - 1/2)) Q^T with Q Haar-distributed: l0svgd's -target_random_cov
    construction (same distribution, not the same draw: l0svgd uses its own Philox stream)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    q *= np.sign(np.diag(r))
    k = np.arange(d)
    eig = cond ** (k / (d - 1) - 0.5) if d > 1 else np.ones(1)
    cov = (q * eig) @ q.T
    return 0.5 * (cov + cov.T)


def svgd_kernel(theta, median):
    """Kernel matrix and the repulsive term sum_j grad_{x_j} k(x_j, x_i), as the reference code."""
    n = theta.shape[0]
    sq_dist = pdist(theta)
    pairwise_dists = squareform(sq_dist) ** 2
    med2 = np.median(pairwise_dists) if median == "reference" else np.median(sq_dist ** 2)
    h = med2 / np.log(n + 1)
    kxy = np.exp(-pairwise_dists / h)
    dxkxy = -np.matmul(kxy, theta)
    sumkxy = np.sum(kxy, axis=1)
    for i in range(theta.shape[1]):
        dxkxy[:, i] = dxkxy[:, i] + np.multiply(theta[:, i], sumkxy)
    dxkxy = dxkxy * (2.0 / h)
    return kxy, dxkxy


def run(x0, mean, precision, iterations, stepsize, alpha, median):
    """The reference update loop; returns the final particles and the seconds of each iteration."""
    theta = np.copy(x0)
    historical_grad = 0
    seconds = []
    for it in range(iterations):
        start = time.perf_counter()
        lnpgrad = -(theta - mean) @ precision
        kxy, dxkxy = svgd_kernel(theta, median)
        grad_theta = (np.matmul(kxy, lnpgrad) + dxkxy) / x0.shape[0]
        if it == 0:
            historical_grad = historical_grad + grad_theta ** 2
        else:
            historical_grad = alpha * historical_grad + (1 - alpha) * (grad_theta ** 2)
        adj_grad = np.divide(grad_theta, FUDGE + np.sqrt(historical_grad))
        theta = theta + stepsize * adj_grad
        seconds.append(time.perf_counter() - start)
    return theta, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-N", "--particles", type=int, required=True)
    parser.add_argument("-d", "--dim", type=int, required=True)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--step", type=float, default=0.01, help="step size (l0svgd -svgd_step)")
    parser.add_argument("--alpha", type=float, default=0.9, help="AdaGrad momentum")
    parser.add_argument("--cond", type=float, default=100.0,
                        help="condition number of the random covariance (l0svgd -target_cond)")
    parser.add_argument("--identity", action="store_true",
                        help="identity covariance instead of a random one (l0svgd's default target)")
    parser.add_argument("--median", choices=("reference", "pairs"), default="reference")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--init", help="HDF5 file whose /particles are the initial particles")
    parser.add_argument("--output", help="HDF5 file to write the final /particles to")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()

    n, d = args.particles, args.dim
    rng = np.random.default_rng(args.seed)
    mean = np.zeros(d)
    cov = np.eye(d) if args.identity else random_spd(d, args.cond, rng)
    precision = np.linalg.inv(cov)
    precision = 0.5 * (precision + precision.T)
    if args.init:
        import h5py
        with h5py.File(args.init, "r") as f:
            x0 = np.array(f["particles"], dtype=np.float64)
        if x0.shape != (n, d):
            sys.exit(f"reference_svgd.py: {args.init} holds {x0.shape} particles, expected {(n, d)}")
    else:
        x0 = rng.standard_normal((n, d))  # l0svgd's default initial ensemble: N(0, I)

    theta, seconds = run(x0, mean, precision, args.iterations, args.step, args.alpha, args.median)
    if args.output:
        import h5py
        with h5py.File(args.output, "w") as f:
            f["particles"] = theta
    result = {"N": n, "d": d, "iterations": args.iterations,
              "time_per_iteration": float(np.mean(seconds)) if seconds else 0.0,
              "first_iteration": seconds[0] if seconds else 0.0,
              "numpy": np.__version__, "blas": blas_info()}
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
