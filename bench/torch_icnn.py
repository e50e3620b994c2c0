#!/usr/bin/python3
"""PyTorch version of l0svgd's dense hyperelastic ICNN posterior, for the gradient-throughput benchmark.

Rebuilds, from the reference file that `bench_hyper_gradient` writes, the same network and loss as
l0svgd::HyperelasticModel (include/l0svgd/apps/hyperelastic/*.hpp, REFERENCE.md §4), in float64:

  w = softplus(θ) for the weights that must stay ≥ 0, w = θ otherwise;
  x = (I1 − 3, I2 − 3[, √I1 − √3, √I2 − √3]);  z_0 = σ(A_0 x + b_0),  z_ℓ = σ(W_ℓ z_{ℓ−1} + A_ℓ x + b_ℓ),
  N(x) = W_L z_{L−1} + A_L x,  σ(t) = softplus(t) − log 2;  ψ = N(x(I)) − N(x(3, 3));
  P = c1 ∂ψ/∂I1 + c2 ∂ψ/∂I2 (UT, ET, PS coefficients), the stress derivatives by autograd with
  create_graph=True;
  log p = −½ Σ ((P − P̂)/σ)² − Σ log σ − ‖θ‖²/(2 s²)  [σ inferred: log σ last, with its Gaussian prior],
  and ∇_θ log p by a second backward pass through the first (double back-propagation).

Two batched implementations over a block of N particles (each particle has its own weights):
  bmm   the particle is a batch dimension of every weight tensor (N × rows × cols) and every layer is a
        torch.bmm/baddbmm over all data points at once; one autograd.grad for ∂ψ/∂I, one for ∇_θ log p.
  vmap  functorch.vmap of functorch.grad_and_value of the one-particle log posterior, whose ∂ψ/∂I is
        functorch.grad (the composable-transform formulation; torch.func in later releases).

First checks both against the log density and gradient l0svgd computed for the same particles (max
relative error), then times them with one intra-op and one inter-op thread on blocks of N particles.
Blocks larger than --chunk particles are evaluated chunk by chunk (PyTorch is fastest at about 64
particles per call here; larger batches fall out of cache). With --tables it joins its measurements
with bench_hyper_gradient's CSV output into the side-by-side CSV and Markdown tables.
"""
import argparse
import json
import math
import os
import re
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from h5text import strings  # noqa: E402  scripts/h5text.py

try:
    import functorch
except ImportError:  # older or newer torch: the bmm formulation alone
    functorch = None

LN2 = math.log(2.0)
SQRT3 = math.sqrt(3.0)
# softplus returns its argument above the threshold; l0svgd's softplus is exact, so keep the threshold
# where the difference (e^−t) is below double precision relative to t.
SOFTPLUS_THRESHOLD = 40.0
NAME = re.compile(r"layer(\d+)\.([WAb])\[(\d+),(\d+)\]$")


def text(value):
    """An HDF5 string (bytes or str) or number as str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def loading(mode, stretch):
    """Invariants (I1, I2) and stress coefficients (c1, c2) of each point (REFERENCE.md §4)."""
    l = stretch
    ut, et = mode == 0, mode == 1
    i1 = np.where(ut, l**2 + 2 / l, np.where(et, 2 * l**2 + l**-4, l**2 + 1 + l**-2))
    i2 = np.where(ut, 2 * l + l**-2, np.where(et, l**4 + 2 * l**-2, l**2 + 1 + l**-2))
    f = 2 * (l - np.where(ut, l**-2, np.where(et, l**-5, l**-3)))
    c2 = np.where(ut, f / l, np.where(et, f * l**2, f))
    return np.stack([i1, i2], axis=1), np.stack([f, c2], axis=1)


class Layout:
    """Where each weight matrix sits in the parameter vector, from l0svgd's parameter names.

    The dense network stores every matrix contiguously and row-major (W_ℓ, A_ℓ, b_ℓ per layer), which
    is checked here, so a matrix of a block of particles is a strided view of the block's columns.
    """

    def __init__(self, names, n_inputs):
        entries = {}
        for k, name in enumerate(names):
            m = NAME.match(name)
            if not m:
                sys.exit(f"torch_icnn: unexpected parameter name '{name}'")
            layer, kind, row, col = int(m[1]), m[2], int(m[3]), int(m[4])
            entries.setdefault((layer, kind), []).append((k, row, col))
        self.depth = max(layer for layer, _ in entries)
        self.blocks = {}
        for key, items in entries.items():
            rows = max(r for _, r, _ in items) + 1
            cols = max(c for _, _, c in items) + 1
            first = items[0][0]
            expected = [(first + r * cols + c, r, c) for r in range(rows) for c in range(cols)]
            if items != expected:
                sys.exit(f"torch_icnn: parameters of layer {key[0]} {key[1]} are not one dense "
                         "row-major block")
            self.blocks[key] = (first, rows, cols)
        self.width = self.blocks[(0, "A")][1]
        if self.blocks[(0, "A")][2] != n_inputs:
            sys.exit("torch_icnn: layer 0 A does not have one column per input")

    def matrices(self, w):
        """{(layer, kind): tensor} views of the parameter block w (N × d or d) as (N ×) rows × cols."""
        lead = w.shape[:-1]
        return {key: w[..., first:first + rows * cols].view(*lead, rows, cols)
                for key, (first, rows, cols) in self.blocks.items()}


class Posterior:
    """The log posterior of the reference file's model, with both batched implementations."""

    def __init__(self, path):
        with h5py.File(path, "r") as f:
            mode = np.asarray(f["data/mode"])
            stretch = np.asarray(f["data/stretch"])
            self.observed = torch.from_numpy(np.asarray(f["data/stress"], dtype=np.float64))
            lik = f["likelihood"].attrs
            self.noise_model = text(lik["noise_model"])
            self.prior_scale = float(lik["prior_scale"])
            self.log_sigma_mean = float(lik["log_sigma_prior_mean"])
            self.log_sigma_scale = float(lik["log_sigma_prior_scale"])
            sigma = np.asarray(f["likelihood/sigma"]) if "sigma" in f["likelihood"] else None
            names = strings(f["network/parameter_names"])
            positive = np.asarray(f["network/positive"]).astype(bool)
            net = f["network"].attrs
            self.n_inputs = int(net["n_inputs"])
            inputs = "(I1, I2)" if self.n_inputs == 2 else "(I1, I2, √I1, √I2)"
            self.description = (f"ICNN with {text(net['depth'])} hidden layers of {text(net['width'])}"
                                f" neurons on {inputs}, data: {text(f['data'].attrs['description'])}, "
                                f"noise σ: {self.noise_model}")
            self.particles = np.asarray(f["particles"])
            self.log_density = np.asarray(f["log_density"])
            self.gradient = np.asarray(f["gradient"])
        self.inferred = self.noise_model == "inferred"
        self.layout = Layout(names, self.n_inputs)
        self.d_net = len(names)
        self.positive = torch.from_numpy(positive)
        invariants, coefficients = loading(mode, stretch)
        self.n_points = len(stretch)
        # The stress-free reference (I1, I2) = (3, 3) is the last point, as in l0svgd.
        self.invariants = torch.from_numpy(np.vstack([invariants, [3.0, 3.0]]))
        self.coefficients = torch.from_numpy(coefficients)
        if not self.inferred:
            self.sigma = torch.from_numpy(sigma)
            self.log_sigma_sum = float(np.log(sigma).sum())

    # --- shared pieces -----------------------------------------------------------------------
    def weights(self, theta):
        return torch.where(self.positive, F.softplus(theta, threshold=SOFTPLUS_THRESHOLD), theta)

    def features(self, invariants):
        if self.n_inputs == 2:
            return invariants - 3.0
        return torch.cat([invariants - 3.0, torch.sqrt(invariants) - SQRT3], dim=-1)

    @staticmethod
    def activation(h):
        return F.softplus(h, threshold=SOFTPLUS_THRESHOLD) - LN2

    def log_posterior(self, theta, stress):
        """log p from the stresses (N × n or n) and the parameters (N × dim or dim)."""
        theta_net = theta[..., :self.d_net]
        prior = -0.5 * (theta_net * theta_net).sum(-1) / self.prior_scale**2
        residual = stress - self.observed
        if not self.inferred:
            r = residual / self.sigma
            return -0.5 * (r * r).sum(-1) - self.log_sigma_sum + prior
        s = theta[..., self.d_net]
        z = (s - self.log_sigma_mean) / self.log_sigma_scale
        return (-0.5 * (residual * residual).sum(-1) * torch.exp(-2 * s) - self.n_points * s
                + prior - 0.5 * z * z)

    # --- bmm: particles as a batch dimension of the weights ------------------------------------
    def evaluate_bmm(self, theta):
        theta = theta.detach().requires_grad_(True)
        n = theta.shape[0]
        m = self.layout.matrices(self.weights(theta[:, :self.d_net]))
        invariants = self.invariants.expand(n, -1, -1).clone().requires_grad_(True)
        x = self.features(invariants)  # N × (points + 1) × inputs
        z = None
        for l in range(self.layout.depth):
            bias = m[(l, "b")].transpose(1, 2)  # N × 1 × width
            h = torch.baddbmm(bias, x, m[(l, "A")].transpose(1, 2))
            if l > 0:
                h = torch.baddbmm(h, z, m[(l, "W")].transpose(1, 2))
            z = self.activation(h)
        L = self.layout.depth
        out = torch.baddbmm(torch.bmm(x, m[(L, "A")].transpose(1, 2)), z,
                            m[(L, "W")].transpose(1, 2))[..., 0]
        psi = out[:, :-1] - out[:, -1:]
        (dpsi,) = torch.autograd.grad(psi.sum(), invariants, create_graph=True)
        stress = (self.coefficients * dpsi[:, :-1, :]).sum(-1)
        logp = self.log_posterior(theta, stress)
        (grad,) = torch.autograd.grad(logp.sum(), theta)
        return logp.detach(), grad

    # --- vmap: composable transforms of the one-particle function -------------------------------
    def _log_posterior_one(self, theta):
        m = self.layout.matrices(self.weights(theta[:self.d_net]))
        L = self.layout.depth

        def energy_sum(invariants):
            x = self.features(invariants)
            z = None
            for l in range(L):
                h = torch.addmm(m[(l, "b")].T, x, m[(l, "A")].T)
                if l > 0:
                    h = torch.addmm(h, z, m[(l, "W")].T)
                z = self.activation(h)
            out = (x @ m[(L, "A")].T + z @ m[(L, "W")].T)[:, 0]
            return (out[:-1] - out[-1]).sum()

        dpsi = functorch.grad(energy_sum)(self.invariants)
        stress = (self.coefficients * dpsi[:-1, :]).sum(-1)
        return self.log_posterior(theta, stress)

    def evaluate_vmap(self, theta):
        grad, logp = functorch.vmap(functorch.grad_and_value(self._log_posterior_one))(theta)
        return logp, grad

    def implementations(self):
        impls = {"torch_bmm": self.evaluate_bmm}
        if functorch is not None:
            impls["torch_vmap"] = self.evaluate_vmap
        return impls


def chunked(evaluate, chunk):
    """`evaluate` on blocks of at most `chunk` particles."""
    def run(theta):
        if len(theta) <= chunk:
            return evaluate(theta)
        parts = [evaluate(theta[i:i + chunk]) for i in range(0, len(theta), chunk)]
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
    return run


def blas_library():
    """The BLAS this process mapped (Debian's torch calls whatever libblas.so.3 resolves to)."""
    with open("/proc/self/maps") as f:
        paths = {os.path.realpath(line.split()[-1]) for line in f if "blas" in line.split()[-1]}
    openblas = sorted(p for p in paths if "openblas" in os.path.basename(p))
    # The directory tells the variant apart: blas/ (netlib reference), openblas-pthread/, ...
    short = ["/".join(p.split("/")[-2:]) for p in openblas or sorted(paths)]
    return ", ".join(short) or "none mapped"


def seconds_per_call(work, min_time):
    """Best of at least three batches of calls, each at least min_time long (as bench_hyper_gradient)."""
    best, total, batch = float("inf"), 0.0, 0
    while batch < 10 and (batch < 3 or total < 5 * min_time):
        calls, start = 0, time.perf_counter()
        while True:
            work()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = min(best, elapsed / calls)
        total += elapsed
        batch += 1
    return best


def verify(post, impls):
    """Max relative errors against l0svgd: |Δ log p| / |log p| and ‖Δ∇‖∞ / ‖∇‖∞ over the particles."""
    theta = torch.from_numpy(post.particles)
    errors = {}
    for name, evaluate in impls.items():
        logp, grad = evaluate(theta)
        logp, grad = logp.numpy(), grad.numpy()
        errors[name] = {
            "log_density": float(np.max(np.abs(logp - post.log_density) / np.abs(post.log_density))),
            "gradient": float(np.max(np.abs(grad - post.gradient).max(axis=1)
                                     / np.abs(post.gradient).max(axis=1))),
        }
    return errors


def read_cpp_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [dict(zip(header, line.strip().split(","))) for line in f if line.strip()]
    return {int(r["n_particles"]): r for r in rows}


def write_tables(cpp_csvs, rows, meta, csv_path, md_path):
    """Side-by-side tables; speedup = gradients/s ÷ the fastest PyTorch gradients/s at the same N."""
    builds = {name: read_cpp_csv(path) for name, path in cpp_csvs}
    impls = sorted({r["impl"] for r in rows})
    torch_rate = {(r["impl"], r["n_particles"]): r["gradients_per_second"] for r in rows}
    sizes = sorted(next(iter(builds.values())))
    fastest = {n: max(torch_rate[(i, n)] for i in impls) for n in sizes}
    rate = {(b, n): float(builds[b][n]["gradients_per_second"]) for b in builds for n in sizes}
    rate.update(torch_rate)
    names = list(builds) + impls
    with open(csv_path, "w") as f:
        f.write("n_particles,impl,seconds_per_call,gradients_per_second,speedup\n")
        for n in sizes:
            for i in names:
                f.write(f"{n},{i},{n / rate[(i, n)]:.6e},{rate[(i, n)]:.6e},"
                        f"{rate[(i, n)] / fastest[n]:.4g}\n")
    first = next(iter(builds.values()))[sizes[0]]
    errs = "; ".join(f"{i}: log p {e['log_density']:.1e}, gradient {e['gradient']:.1e}"
                     for i, e in meta["verification"].items())
    best_torch = max(rows, key=lambda r: r["gradients_per_second"])
    lines = [
        "# Gradient throughput: dense hyperelastic ICNN, l0svgd against PyTorch",
        "",
        f"Machine: **{meta['machine']}**. Generated by `bench/run_hyper_gradient_bench.sh` on "
        f"{meta['date']} (l0svgd {meta['revision']}).",
        "",
        f"- Model: {meta['model']}; d = {first['dim']} parameters, {first['n_points']} training "
        "points (+ the stress-free reference point).",
        "- One gradient = the log posterior of one particle and its gradient with respect to every "
        "parameter: stresses from ∂ψ/∂I, then the parameter gradient through them (double "
        "back-propagation).",
        f"- Everything on one core (`taskset -c {meta['core']}`), one thread; best of ≥ 3 batches of "
        f"≥ {meta['min_time']} s each.",
    ]
    for b in builds:
        lines.append(f"- {b}: `bench_hyper_gradient`, compiled with {meta['flags'].get(b, '?')}.")
    lines += [
        f"- PyTorch {meta['torch']}, float64, eager, `torch.set_num_threads(1)`, BLAS: "
        f"{meta['blas']}; particle blocks larger than {meta['chunk']} are evaluated in chunks of "
        f"{meta['chunk']} (its fastest block size here). torch_bmm: particles as a batch dimension "
        "of the weights, `torch.baddbmm` per layer, `torch.autograd.grad(create_graph=True)` for "
        "∂ψ/∂I and a second `autograd.grad` for ∇θ. torch_vmap: `functorch.vmap(grad_and_value(·))` "
        "of the one-particle function, `functorch.grad` for ∂ψ/∂I.",
        f"- Check before timing, {meta['n_verify']} particles, max relative error against l0svgd: "
        f"{errs}.",
        f"- Load average before / after: {meta['load_before']} / {meta['load_after']}"
        f"{'; measured commands at nice ' + str(meta['nice']) if str(meta.get('nice', '0')) != '0' else ''}.",
        "",
        "| N particles | " + " | ".join(f"{i} gradients/s" for i in names) + " | "
        + " | ".join(f"{b} ÷ fastest torch" for b in builds) + " |",
        "|---:|" + "---:|" * (len(names) + len(builds)),
    ]
    for n in sizes:
        cells = [f"{rate[(i, n)]:.0f}" for i in names]
        ratios = []
        for b in builds:
            r = rate[(b, n)] / fastest[n]
            ratios.append(f"**{r:.2f}**" if r >= 3 else f"{r:.2f}")
        lines.append(f"| {n} | " + " | ".join(cells + ratios) + " |")
    lines += [
        "",
        f"Fastest PyTorch over all N: {best_torch['gradients_per_second']:.0f} gradients/s "
        f"({best_torch['impl']}, N = {best_torch['n_particles']}); "
        + "; ".join(f"{b} over all N: {max(rate[(b, n)] for n in sizes):.0f} "
                    f"({max(rate[(b, n)] for n in sizes) / best_torch['gradients_per_second']:.2f}×)"
                    for b in builds)
        + ". Target: ≥ 3× (bold).",
    ]
    with open(md_path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reference", nargs="?", help="HDF5 file written by bench_hyper_gradient")
    ap.add_argument("--particles", default="1,16,64,256", help="block sizes N (comma-separated)")
    ap.add_argument("--min-time", type=float, default=0.2, help="least seconds of a timed batch")
    ap.add_argument("--tolerance", type=float, default=1e-9,
                    help="largest relative error against l0svgd accepted before timing")
    ap.add_argument("--json", help="write the check and the timings here (for --tables)")
    ap.add_argument("--tables", metavar="JSON",
                    help="no measurement: join this --json file with --cpp-csv into --csv and --md")
    ap.add_argument("--chunk", type=int, default=64, help="largest particle block per PyTorch call")
    ap.add_argument("--cpp-csv", action="append", default=[], metavar="NAME=CSV",
                    help="bench_hyper_gradient's CSV output of build NAME (repeatable)")
    ap.add_argument("--csv", default=os.devnull, help="side-by-side CSV (with --tables)")
    ap.add_argument("--md", default=os.devnull, help="side-by-side Markdown (with --tables)")
    ap.add_argument("--meta", default="{}", help="JSON of facts for the Markdown header")
    args = ap.parse_args()

    if args.tables:
        if not args.cpp_csv or any("=" not in c for c in args.cpp_csv):
            ap.error("--tables needs --cpp-csv NAME=CSV")
        with open(args.tables) as f:
            measured = json.load(f)
        meta = {key: "?" for key in ("machine", "date", "revision", "load_before", "load_after",
                                     "core")}
        meta["flags"] = {}
        meta.update(json.loads(args.meta))
        meta.update({k: v for k, v in measured.items() if k != "rows"})
        write_tables([c.split("=", 1) for c in args.cpp_csv], measured["rows"], meta, args.csv,
                     args.md)
        return
    if not args.reference:
        ap.error("the reference file is required")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.set_default_dtype(torch.float64)
    post = Posterior(args.reference)
    impls = {name: chunked(evaluate, args.chunk) for name, evaluate in post.implementations().items()}

    errors = verify(post, impls)
    for name, e in errors.items():
        print(f"# {name}: max relative error vs l0svgd: log p {e['log_density']:.2e}, "
              f"gradient {e['gradient']:.2e}", file=sys.stderr)
    worst = max(max(e.values()) for e in errors.values())
    if not worst <= args.tolerance:
        sys.exit(f"torch_icnn: PyTorch and l0svgd disagree (max relative error {worst:.2e} > "
                 f"{args.tolerance:.0e}): the networks differ")

    rows = []
    sizes = [int(s) for s in args.particles.split(",")]
    if max(sizes) > len(post.particles):
        sys.exit(f"torch_icnn: the reference file has only {len(post.particles)} particles")
    print("n_particles,impl,seconds_per_call,gradients_per_second")
    for n in sizes:
        theta = torch.from_numpy(post.particles[:n].copy())
        for name, evaluate in impls.items():
            evaluate(theta)  # first call: autograd and functorch set-up outside the timing
            seconds = seconds_per_call(lambda: evaluate(theta), args.min_time)
            rows.append({"n_particles": n, "impl": name, "gradients_per_second": n / seconds})
            print(f"{n},{name},{seconds:.6e},{n / seconds:.6e}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(),
                       "blas": blas_library(), "chunk": args.chunk,
                       "verification": errors, "n_verify": len(post.particles),
                       "min_time": args.min_time, "model": post.description, "rows": rows}, f,
                      indent=1)


if __name__ == "__main__":
    main()
