#!/usr/bin/python3
"""Accuracy of SVGD (`l0svgd -task svgd`) for every kernel x preconditioner, against exact or long-MCMC references.

Targets
  gaussian d in {2, 10, 50, 100}: random covariance (l0svgd's -target_random_cov, condition number 100, random
      mean-zero rotation); reference: the exact covariance, read back from a run's /laplace/covariance (exact for a
      Gaussian, whose Hessian is exact) and 20000 exact draws.
  banana (a = 1, b = 1): exact draws x1 = a z1, x2 = z2 + b x1^2 - a^2 b (REFERENCE §6).
  logreg: inputs/logreg_svgd.yaml (breast cancer, d = 31); reference: a long HMC run written here in numpy (Laplace-
      whitened coordinates, 8 chains x 6000 draws after 1500 warm-up, jittered trajectories), its split R-hat printed.

Settings: the example's (logreg: 128 particles, 1000 iterations) and, for the synthetic targets, 200 particles and
1000 iterations; the step rule of the task's defaults (plain, step 0.1 in whitened coordinates; AdaGrad 0.01 with
-svgd_precondition none); every configuration starts from the Laplace approximation (-init_type laplace, the
default) except the "old default" row of logreg (gaussian init, scale 0.1, rbf, no preconditioning, AdaGrad 0.05:
the example before issue 13). Each row: mean |error of the mean| in posterior sds, median and range of the
marginal sd ratio (ensemble / reference), energy distance to 2000 reference draws, wall time of the run.

Usage: svgd_accuracy.py [--build DIR] [--ranks 2] [--quick]
Writes results/svgd_accuracy.csv and results/svgd_accuracy.md, and the logreg reference's moments to
data/reference/logreg_breast_cancer_hmc.csv (which tests/drivers/test_svgd_task.cpp checks the example against).
"""
import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

import provenance  # bench/provenance.py, beside this script
from scipy.spatial.distance import cdist

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

KERNELS = ["rbf", "imq", "rbf_coord", "hessian_mixture"]
PRECONDITIONERS = ["none", "laplace_diag", "laplace_full"]


def run_l0svgd(build, ranks, args, workdir, name):
    out = os.path.join(workdir, name + ".h5")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = ["mpirun", "--oversubscribe", "-n", str(ranks), os.path.join(build, "l0svgd")] + args + [
        "-output_file", out, "-svgd_monitor_every", "0"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit("l0svgd failed: " + " ".join(cmd) + "\n" + proc.stdout + proc.stderr)
    with h5py.File(out, "r") as f:
        result = {"particles": f["/particles"][...], "wall": wall, "warning": ""}
        if "/laplace/covariance" in f:
            result["laplace_cov"] = f["/laplace/covariance"][...]
            result["laplace_mode"] = f["/laplace/mode"][...]
        if "/diagnostics" in f:
            w = f["/diagnostics"].attrs.get("warning", b"")
            result["warning"] = w.decode() if isinstance(w, bytes) else str(w)
    return result


def energy_distance(x, y):
    """Energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'| (V-statistics)."""
    return 2 * cdist(x, y).mean() - cdist(x, x).mean() - cdist(y, y).mean()


def metrics(particles, reference):
    mu, sd = reference.mean(0), reference.std(0, ddof=1)
    ratio = particles.std(0, ddof=1) / sd
    mean_err = np.abs(particles.mean(0) - mu) / sd
    rng = np.random.default_rng(0)
    sub = reference[rng.choice(len(reference), size=min(2000, len(reference)), replace=False)]
    return {"mean_error_sd": mean_err.mean(), "max_mean_error_sd": mean_err.max(), "sd_ratio_median": np.median(ratio),
            "sd_ratio_min": ratio.min(), "sd_ratio_max": ratio.max(), "energy": energy_distance(particles, sub)}


# --- logistic regression reference: HMC in the Laplace-whitened coordinates -------------------------------------

def logreg_problem(path=os.path.join(ROOT, "data/uci/breast_cancer.csv"), prior_scale=10.0):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    features, labels = data[:, :-1], data[:, -1]
    scale = features.std(0)
    scale[scale == 0] = 1.0
    design = np.hstack([np.ones((len(labels), 1)), (features - features.mean(0)) / scale])
    return design, labels, prior_scale


def logreg_logp_grad(theta, design, labels, tau):
    """theta: chains x D. log p up to a constant, and its gradient."""
    s = theta @ design.T
    logp = (labels * s - np.logaddexp(0, s)).sum(1) - 0.5 * (theta ** 2).sum(1) / tau ** 2
    grad = (labels - 1 / (1 + np.exp(-s))) @ design - theta / tau ** 2
    return logp, grad


def logreg_reference(chains=8, warmup=1500, draws=6000, seed=0):
    design, labels, tau = logreg_problem()
    d = design.shape[1]
    theta = np.zeros(d)
    for _ in range(100):  # Newton: the posterior is log-concave
        _, g = logreg_logp_grad(theta[None], design, labels, tau)
        p = 1 / (1 + np.exp(-design @ theta))
        hess = design.T @ (design * (p * (1 - p))[:, None]) + np.eye(d) / tau ** 2
        step = np.linalg.solve(hess, g[0])
        theta += step
        if np.abs(step).max() < 1e-12:
            break
    chol = np.linalg.cholesky(np.linalg.inv(hess))
    rng = np.random.default_rng(seed)

    def logp_grad_z(z):
        lp, g = logreg_logp_grad(theta + z @ chol.T, design, labels, tau)
        return lp, g @ chol

    z = rng.standard_normal((chains, d))
    lp, g = logp_grad_z(z)
    eps, out, accepted = 0.3, [], 0
    for it in range(warmup + draws):
        n_steps = rng.integers(5, 15)
        step = eps * rng.uniform(0.8, 1.2)
        p0 = rng.standard_normal((chains, d))
        zn, pn, gn = z.copy(), p0 + 0.5 * step * g, g
        for k in range(n_steps):
            zn = zn + step * pn
            lpn, gn = logp_grad_z(zn)
            pn = pn + (step if k < n_steps - 1 else 0.5 * step) * gn
        log_accept = lpn - 0.5 * (pn ** 2).sum(1) - lp + 0.5 * (p0 ** 2).sum(1)
        accept = np.log(rng.uniform(size=chains)) < log_accept
        z[accept], lp[accept], g[accept] = zn[accept], lpn[accept], gn[accept]
        if it >= warmup:
            out.append(theta + z @ chol.T)
            accepted += accept.sum()
    samples = np.array(out)  # draws x chains x d
    half = draws // 2
    split = np.concatenate([samples[:half], samples[half:2 * half]], axis=1)  # half x 2 chains x d
    within = split.var(0, ddof=1).mean(0)
    between = half * split.mean(0).var(0, ddof=1)
    rhat = np.sqrt(((half - 1) / half * within + between / half) / within)
    print(f"logreg reference HMC: {chains} chains x {draws} draws, acceptance {accepted / (chains * draws):.2f}, "
          f"max split R-hat {rhat.max():.4f}", flush=True)
    return samples.reshape(-1, d)


def write_reference_moments(draws, path=os.path.join(ROOT, "data/reference/logreg_breast_cancer_hmc.csv")):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("# Posterior mean and sd of inputs/logreg_svgd.yaml's target (breast cancer, prior sd 10) from "
                f"{len(draws)} HMC draws of bench/svgd_accuracy.py\n")
        f.write("# one row per parameter, in the order of /parameter_names: bias, w_0, w_1, ...\n")
        f.write("mean,sd\n")
        for m, s in zip(draws.mean(0), draws.std(0, ddof=1)):
            f.write(f"{m:.6f},{s:.6f}\n")


def banana_reference(n=20000, a=1.0, b=1.0, seed=0):
    z = np.random.default_rng(seed).standard_normal((n, 2))
    x1 = a * z[:, 0]
    return np.column_stack([x1, z[:, 1] + b * x1 ** 2 - a ** 2 * b])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build/release"))
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="logreg and gaussian d = 10 only")
    opts = parser.parse_args()
    revision = provenance.code_revision()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        problems = []
        ref = logreg_reference()
        write_reference_moments(ref)
        problems.append(("logreg", ["inputs/logreg_svgd.yaml"], ref))
        dims = [10] if opts.quick else [2, 10, 50, 100]
        for d in dims:
            base = ["-task", "svgd", "-target_type", "gaussian", "-target_dim", str(d), "-target_random_cov",
                    "-target_cond", "100", "-target_seed", "3", "-svgd_particles", "200", "-svgd_iterations", "1000",
                    "-seed", "1"]
            exact = run_l0svgd(opts.build, opts.ranks, base + ["-svgd_iterations", "0"], work, f"exact{d}")
            cov = exact["laplace_cov"]
            reference = np.random.default_rng(1).multivariate_normal(np.zeros(d), cov, size=20000)
            problems.append((f"gaussian d={d}", base, reference))
        if not opts.quick:
            base = ["-task", "svgd", "-target_type", "banana", "-svgd_particles", "200", "-svgd_iterations", "1000",
                    "-seed", "1"]
            problems.append(("banana", base, banana_reference()))
        for name, base, reference in problems:
            configs = [(k, p, []) for p in PRECONDITIONERS for k in KERNELS]
            if name == "logreg":
                configs.append(("rbf", "none", ["-init_type", "gaussian", "-init_scale", "0.1", "-svgd_step_rule",
                                                "adagrad", "-svgd_step", "0.05"]))
            for kernel, precondition, extra in configs:
                label = f"{name} {kernel} {precondition}" + (" (old default)" if extra else "")
                result = run_l0svgd(opts.build, opts.ranks, base + ["-svgd_kernel", kernel, "-svgd_precondition",
                                                                    precondition] + extra, work, "run")
                m = metrics(result["particles"], reference)
                row = {"target": name, "kernel": kernel, "precondition": precondition,
                       "init": "gaussian 0.1" if extra else "laplace", **m, "wall_s": result["wall"],
                       "warned": int(bool(result["warning"])), "ranks": opts.ranks, "revision": revision}
                rows.append(row)
                print(f"{label:45s} mean err {m['mean_error_sd']:.3f} sd, sd ratio {m['sd_ratio_median']:.3f} "
                      f"({m['sd_ratio_min']:.2f}-{m['sd_ratio_max']:.2f}), energy {m['energy']:.4f}, "
                      f"{result['wall']:.1f} s" + (" [warned]" if result["warning"] else ""), flush=True)
    results = os.path.join(HERE, "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "svgd_accuracy.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in row.items()})
    with open(os.path.join(results, "svgd_accuracy.md"), "w") as f:
        f.write(f"SVGD accuracy, {opts.ranks} ranks, {platform.node()}, code {revision}\n\n")
        f.write("| target | kernel | precondition | init | mean error (sd) | sd ratio median (range) | energy | "
                "wall (s) | warned |\n|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r['target']} | {r['kernel']} | {r['precondition']} | {r['init']} | {r['mean_error_sd']:.3f} | "
                    f"{r['sd_ratio_median']:.2f} ({r['sd_ratio_min']:.2f}-{r['sd_ratio_max']:.2f}) | "
                    f"{r['energy']:.4f} | {r['wall_s']:.1f} | {'yes' if r['warned'] else ''} |\n")
    if not opts.quick:
        provenance.stamp_set("svgd_accuracy", revision, provenance.build_type(opts.build))
    print("wrote", os.path.join(results, "svgd_accuracy.csv"))


if __name__ == "__main__":
    main()
