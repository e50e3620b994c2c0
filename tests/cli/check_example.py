#!/usr/bin/env python3
"""Checks the result file of an example in inputs/ (CTest example_<name>, after the run).

Usage: check_example.py NAME FILE

Each check reads the datasets the example promises and compares a value it must get right with a
tolerance derived from the problem, stated beside it. Monte Carlo tolerances use a standard error `se`
of N independent draws; SVGD particles are not independent, but their errors in these moments are
smaller than that of N independent draws, so k·se is a conservative bound (k is stated).
"""
import sys

import h5py
import numpy as np

ROOT = __file__.rsplit("/tests/cli/", 1)[0]
sys.path.insert(0, ROOT + "/scripts")
from gmm_density import mixture_moments  # noqa: E402  scripts/gmm_density.py
from h5text import strings  # noqa: E402  scripts/h5text.py

failures = []


def check(ok, what):
    print(("ok     " if ok else "FAILED ") + what)
    if not ok:
        failures.append(what)


def moments_against_laplace(f, k_mean=5.0, k_sd=5.0):
    """A Gaussian target: its Laplace approximation is exact, so /laplace holds the true mean and sds."""
    x = f["particles"][()]
    n = x.shape[0]
    mean, sd = f["laplace/mode"][()], np.sqrt(np.diag(f["laplace/covariance"][()]))
    err = np.abs(x.mean(0) - mean) / sd
    ratio = x.std(0, ddof=1) / sd
    # se of a mean in sds: 1/√n; of an sd ratio: 1/√(2n) (normal draws).
    check(err.max() <= k_mean / np.sqrt(n), f"mean within {k_mean}/√N = {k_mean / np.sqrt(n):.3f} sd of the truth "
          f"(worst {err.max():.3f})")
    tol = k_sd / np.sqrt(2 * n)
    check(np.all(np.abs(ratio - 1) <= tol), f"every marginal sd within {tol:.3f} of the truth's "
          f"(ratios {ratio.min():.3f}–{ratio.max():.3f})")


def gaussian_svgd(f):
    moments_against_laplace(f)


def banana_svgd(f):
    # Banana with a = b = 1 (inputs/banana_svgd.yaml): x1 ~ N(0, 1), x2 = y + b (x1² − a²), y ~ N(0, 1):
    # mean 0, var(x1) = 1, var(x2) = 1 + 2b² = 3, cov = 0 (tests/models/test_banana.cpp, by quadrature).
    x = f["particles"][()]
    n = x.shape[0]
    check(abs(x[:, 0].mean()) <= 5 / np.sqrt(n), f"mean x1 within 5 se of 0 ({x[:, 0].mean():.3f})")
    check(abs(x[:, 1].mean()) <= 5 * np.sqrt(3 / n), f"mean x2 within 5 se of 0 ({x[:, 1].mean():.3f})")
    # y = x2 − b (x1² − a²) is N(0, 1) and independent of x1, so the spread of both is checked where the
    # sample variance has a normal target's standard error sqrt(2/n) (x2's own is sqrt(66/n), too wide).
    y = x[:, 1] - (x[:, 0] ** 2 - 1)
    for name, v in (("x1", x[:, 0]), ("y = x2 − x1² + 1", y)):
        var, tol = v.var(ddof=1), 4 * np.sqrt(2 / n)
        check(abs(var - 1) <= tol, f"var {name} within 4 se ({tol:.3f}) of 1 ({var:.3f})")


def gmm_svgd(f):
    # 0.3 N(−2, 1) + 0.7 N(2, 1): P(x > 0) = 0.3 Φ(−2) + 0.7 Φ(2) = 0.6909.
    x = f["particles"][()][:, 0]
    p, n = 0.3 * 0.02275 + 0.7 * 0.97725, x.size
    tol = 4 * np.sqrt(p * (1 - p) / n)
    check(abs((x > 0).mean() - p) <= tol, f"mass above 0 within 4 se ({tol:.3f}) of {p:.4f} ({(x > 0).mean():.3f})")


def logreg_reference():
    """Posterior mean and sd of the logistic regression from the long numpy HMC run of bench/svgd_accuracy.py
    (data/reference: 48000 draws, split R̂ 1.0001), independent of l0svgd's sampler."""
    rows = [line.split(",") for line in open(f"{ROOT}/data/reference/logreg_breast_cancer_hmc.csv")
            if not line.startswith("#")]
    return (np.array([float(r[rows[0].index(c)]) for r in rows[1:]]) for c in ("mean", "sd\n"))


def logreg_svgd(f):
    # Against the long HMC reference: the accuracy targets, mean error ≤ 0.1 posterior sd on average
    # and median marginal sd ratio ≥ 0.85.
    mean, sd = logreg_reference()
    x = f["particles"][()]
    err = np.abs(x.mean(0) - mean) / sd
    ratio = np.median(x.std(0, ddof=1) / sd)
    check(err.mean() <= 0.1, f"mean error {err.mean():.3f} posterior sd on average (≤ 0.1)")
    check(ratio >= 0.85, f"median marginal sd ratio {ratio:.3f} (≥ 0.85)")


def logreg_hmc(f):
    reference_sampler(f)


def logreg_nuts(f):
    # NUTS must meet the same bounds, and its trajectories must have turned back on their own: none cut at
    # the maximum depth (10), every n_steps within the range its tree depth allows (2^k - 1 to 2^(k+1) - 1).
    reference_sampler(f)
    stats = f["sample_stats"]
    depth, steps = stats["tree_depth"][()], stats["n_steps"][()]
    check(depth.shape == steps.shape == f["posterior/parameters"].shape[:2], "sample_stats n_steps, tree_depth are "
          "(chain, draw)")
    algorithm = f["hmc"].attrs["algorithm"]
    algorithm = algorithm.decode() if isinstance(algorithm, bytes) else str(algorithm)
    check(algorithm == "nuts", f"/hmc algorithm is nuts ({algorithm})")
    check(int(f["hmc"].attrs["max_depth_transitions"]) == 0
          and depth.max() < 10, f"no trajectory stopped at the maximum depth (deepest {depth.max():.0f})")
    check(np.all(steps >= 2 ** depth - 1) and np.all(steps <= 2 ** (depth + 1) - 1),
          "every n_steps within the range of its tree depth")
    check(np.isclose(f["hmc"].attrs["mean_leapfrog_steps"], steps.mean()), "/hmc mean_leapfrog_steps is n_steps' mean")


def reference_sampler(f):
    # l0svgd's HMC (-task hmc) against the independent numpy HMC reference. Its Monte Carlo error in a mean is
    # sd/√ESS and in an sd about sd/√(2 ESS), with this run's bulk ESS per parameter, which must reach a floor of
    # 400 (or the chains are no reference); the reference's own error, at most 0.02 sd (48000 draws at 10 %
    # efficiency would give 0.014), is added. 5 such errors bound every one of the 31 parameters.
    mean, sd = logreg_reference()
    post = f["posterior/parameters"][()]
    x = post.reshape(-1, post.shape[-1])
    ess, rhat = f["hmc/ess"][()], f["hmc/rhat"][()]
    check(post.shape[:2] == (4, 2000) and np.array_equal(x, f["particles"][()]),
          "4 chains × 2000 draws in /posterior, the same draws in /particles")
    check(ess.min() >= 400 and rhat.max() <= 1.01, f"mixed: min bulk ESS {ess.min():.0f} (≥ 400), max split-R̂ "
          f"{rhat.max():.4f} (≤ 1.01)")
    tail = f["hmc/tail_ess"][()]
    check(tail.min() >= 400, f"tails explored: min tail ESS {tail.min():.0f} (≥ 400)")
    err = np.abs(x.mean(0) - mean) / sd
    tol = 5 / np.sqrt(ess) + 0.02
    check(np.all(err <= tol), f"every mean within 5/√ESS + 0.02 sd of the reference (worst {np.max(err / tol):.2f} "
          "of its bound)")
    ratio_err = np.abs(x.std(0, ddof=1) / sd - 1)
    tol_sd = 5 / np.sqrt(2 * ess) + 0.02
    check(np.all(ratio_err <= tol_sd), f"every sd within 5/√(2 ESS) + 0.02 of the reference's (worst "
          f"{np.max(ratio_err / tol_sd):.2f} of its bound)")
    stats = f["sample_stats"]
    check(all(stats[k].shape == post.shape[:2] for k in ("lp", "acceptance_rate", "diverging", "step_size")),
          "sample_stats lp, acceptance_rate, diverging, step_size are (chain, draw)")
    check(np.allclose(stats["lp"][()].ravel(), f["log_density"][()]), "sample_stats/lp is /log_density by chain")


def sas_mixture_vi(f):
    # The warm start has found all three modes, and VI improves on the Laplace mixture by more than the
    # estimates' errors (measured: 0.30 -> 0.10, errors about 0.005) against the exact target.
    jsd, err = f["vi/history/jsd"][()], f["vi/history/jsd_error"][()]
    check(f["modes"].shape == (3, 5), f"three modes found ({f['modes'].shape[0]})")
    check(np.all(np.isfinite(jsd)) and np.all(err > 0) and err.max() < 0.02,
          f"every JSD estimate has a standard error (largest {err.max():.4f})")
    check(jsd[-1] < jsd[0] - 4 * np.hypot(err[0], err[-1]), f"VI lowers the JSD from {jsd[0]:.3f} (Laplace) to "
          f"{jsd[-1]:.3f}")
    check(jsd[-1] < 0.2, f"final JSD {jsd[-1]:.3f} (< 0.2)")


def sas_mixture_15d_vi(f):
    # No search box was given: the default box (from exact draws) holds all three modes. VI improves on
    # the Laplace mixture by more than the estimates' errors (measured: 0.50 -> 0.23, errors 0.006), and
    # the VI mixture's marginal means and spreads are closer to the exact draws' than the Laplace
    # mixture's (measured: mean error 0.89 -> 0.25, sd error 0.35 -> 0.11, averaged over coordinates).
    check(f["modes"].shape == (3, 15), f"three modes found in 15 dimensions ({f['modes'].shape})")
    truth = f["reference/samples"][()]
    check(truth.shape == (10000, 15), f"10000 exact draws in /reference/samples ({truth.shape})")
    jsd, err = f["vi/history/jsd"][()], f["vi/history/jsd_error"][()]
    check(jsd[-1] < jsd[0] - 4 * np.hypot(err[0], err[-1]), f"VI lowers the JSD from {jsd[0]:.3f} (Laplace) to "
          f"{jsd[-1]:.3f}")
    check(jsd[-1] < 0.3, f"final JSD {jsd[-1]:.3f} (< 0.3)")
    errors = {}
    for name in ("initial", "final"):
        mean, sd = mixture_moments(f["mixture/" + name])
        errors[name] = (np.abs(mean - truth.mean(0)).mean(), np.abs(sd - truth.std(0, ddof=1)).mean())
    (lm, ls), (vm, vs) = errors["initial"], errors["final"]
    check(vm < lm / 2 and vs < ls / 2, f"VI marginal mean / sd errors {vm:.3f} / {vs:.3f}, under half the "
          f"Laplace mixture's {lm:.3f} / {ls:.3f}")


def sensitivity_gmm(f):
    # The talk's design (N = 512: 3584 mixtures). Measured: S_T of d 0.76 [0.67, 0.86] and of c 0.67
    # [0.58, 0.76] the two largest, their intervals above those of K (0.40), omega (0.33) and lambda
    # (0.31); their first-order indices small (0.10, -0.02): the factors act through interactions.
    s = f["sensitivity"]
    names = strings(s["factor_names"])
    check(names == ["d", "K", "omega", "c", "lambda"], f"five factors ({names})")
    qoi = s["qoi"][()]
    check(qoi.shape == (512 * 7,) and np.isfinite(qoi).all(), f"3584 finite JSDs ({qoi.shape})")
    design = s["design"][()]
    check(set(design[:, 0]) == {8, 9, 10} and set(design[:, 1]) == {3, 4},
          "d takes 8, 9, 10 and K takes 3, 4")
    check(design[:, 4].min() >= 1e-4 and design[:, 4].max() <= 1e-2, "lambda within [1e-4, 1e-2]")
    st, lo, hi = s["total_order"][()], s["total_order_lower"][()], s["total_order_upper"][()]
    first = s["first_order"][()]
    top = {names[i] for i in np.argsort(st)[-2:]}
    check(top == {"d", "c"}, f"d and c have the largest total indices ({dict(zip(names, st.round(3)))})")
    others = [names.index(n) for n in ("K", "omega", "lambda")]
    for n in ("d", "c"):
        i = names.index(n)
        check(lo[i] > hi[others].max(), f"the interval of S_T({n}) [{lo[i]:.3f}, {hi[i]:.3f}] lies above "
              f"the others' (upper ends {hi[others].round(3)})")
        check(st[i] > 3 * abs(first[i]), f"S_T({n}) {st[i]:.3f} well above S({n}) {first[i]:.3f}")
    check(np.all((lo <= st) & (st <= hi)), "each interval holds its estimate")


def mirror_pair(means, what):
    # The shear frame's two modes are exact mirror images, (c1, c2) → (2 c2, c1 / 2) (the likelihood is
    # invariant under it): each found mode's mirror must be the other to the optimiser's tolerance.
    a, b = means[np.argsort(means[:, 0])]
    mirror = np.array([2 * a[1], a[0] / 2])
    gap = np.abs(mirror - b).max() / np.abs(b).max()
    return gap, f"{what}: the two modes are mirror images, relative gap {gap:.2e}"


def shear_frame_laplace(f):
    modes = f["modes"][()]
    check(modes.shape == (2, 2), f"two modes found ({modes.shape[0]})")
    gap, what = mirror_pair(modes, "multistart")
    check(gap <= 1e-3, what + " (≤ 1e-3)")
    w = f["mixture/initial/weights"][()]
    # Equal modes: NNLS weights ½ each, up to the Monte Carlo error of its 400 samples per component.
    check(np.abs(w - 0.5).max() <= 0.05, f"NNLS weights within 0.05 of ½ ({w.round(3).tolist()})")
    check(f["laplace"].attrs["jsd"] <= 0.1, f"Laplace mixture JSD {f['laplace'].attrs['jsd']:.4f} to the grid (≤ 0.1)")
    pushforward(f, ["laplace"])


def pushforward(f, sources):
    """The floors' posterior predictive: bands around the observed floor-1 data, and each approximation's
    W1 to the grid posterior's predictive finite and above the reference's own Monte Carlo floor."""
    g = f["pushforward"]
    t, data = g["points"][()], g["data/x1"]
    lower, upper = g["reference/lower"][0], g["reference/upper"][0]
    at = np.searchsorted(t, data["points"][()])
    check(np.allclose(t[at], data["points"][()]), "the data times are prediction times")
    # The band is of the noise-free response; the data scatter around it by σ = 0.02.
    inside = np.mean((data["values"][()] >= lower[at] - 0.04) & (data["values"][()] <= upper[at] + 0.04))
    check(inside >= 0.9, f"floor-1 data within 2σ of the reference band at {inside:.0%} of the times (≥ 90%)")
    floor = g["reference/w1_floor"][()]
    for s in sources:
        w1 = g[s + "/w1_mean"][()]
        check(np.all(np.isfinite(w1)) and np.all(w1 >= 0.5 * floor),
              f"{s}: predictive W1 (x1, x2) = {w1.round(5).tolist()}, Monte Carlo floor {floor.round(5).tolist()}")
    return {s: g[s + "/w1_mean"][()] for s in sources}


def shear_frame_vi_warm(f):
    w = f["mixture/final/weights"][()]
    jsd = f["vi/history/jsd"][()]
    check(np.abs(w - 0.5).max() <= 0.05, f"final weights within 0.05 of ½ ({w.round(3).tolist()})")
    check(jsd[-1] <= jsd[0] and jsd[-1] <= 0.05, f"VI improves on its Laplace start and ends below JSD 0.05 "
          f"({jsd[0]:.4f} → {jsd[-1]:.4f})")
    w1 = pushforward(f, ["laplace", "vi"])
    check(np.all(w1["vi"] < w1["laplace"]), "the VI-refined predictive is closer to the grid posterior's "
          f"than the Laplace one, on both floors ({w1['vi'].round(5).tolist()} < {w1['laplace'].round(5).tolist()})")


def shear_frame_vi_cold(f):
    # The cold start is the negative control: it is expected to stay on one mode, so only its own progress
    # is checked (a rising ELBO, a history).
    elbo = f["vi/history/elbo"][()]
    check(elbo.size > 1 and elbo[-1] > elbo[0], f"ELBO rises ({elbo[0]:.1f} → {elbo[-1]:.1f})")
    check(np.all(np.isfinite(f["vi/history/jsd"][()])), "JSD history finite")
    # One mode only: floor 1 cannot tell the mirror modes apart, floor 2 can, so the unobserved floor's
    # predictive is where the missing mode shows.
    w1 = pushforward(f, ["vi"])["vi"]
    floor = f["pushforward/reference/w1_floor"][()]
    check(w1[1] > 10 * floor[1], f"floor-2 predictive W1 {w1[1]:.4f} > 10 × its Monte Carlo floor {floor[1]:.5f}")


def predictive(f, group, k=5.0):
    """Coverage of the 95% band over n points: binomial, at least 0.95 − k·sqrt(0.95·0.05/n)."""
    g = f["metrics/" + group].attrs
    n, cov = int(g["n_points"]), float(g["coverage"])
    floor = 0.95 - k * np.sqrt(0.95 * 0.05 / n)
    check(cov >= floor, f"{group}: 95% band covers {cov:.3f} of {n} points (≥ {floor:.3f})")
    return g


def hyperelastic(f, reduced):
    # Mooney–Rivlin truth, κ = 0.05: the posterior predictive over the training range must be within one
    # noise sd of the truth in W1, and cover it; L0 keeps at least the truth's 2 terms and far fewer than
    # the 1002 weights.
    g = predictive(f, "training_range")
    sd = float(np.mean(f["data/train/noise_std"][()]))
    check(g["w1"] <= sd, f"training-range W1 {g['w1']:.4f} MPa ≤ the noise sd {sd:.4f}")
    active = int(f["metrics"].attrs["active_parameters"])
    if reduced:
        check(2 <= active <= 20, f"{active} of 1002 parameters survive L0 (2–20)")
        ext = f["metrics/extrapolation"].attrs
        check(ext["w1"] <= 2 * sd, f"extrapolation W1 {ext['w1']:.4f} MPa ≤ 2 noise sds")


def hyperelastic_l0svgd(f):
    hyperelastic(f, True)


def hyperelastic_hmc(f):
    hyperelastic(f, True)
    rhat, ess = f["hmc/rhat"][()], f["hmc/ess"][()]
    check(rhat.max() <= 1.01 and ess.min() >= 100, f"chains mixed: R̂ ≤ 1.01 and ESS ≥ 100 "
          f"(R̂ {rhat.max():.3f}, ESS {ess.min():.0f})")


def hyperelastic_l2svgd(f):
    hyperelastic(f, False)


def hyperelastic_psvgd(f):
    hyperelastic(f, False)


def mechanochemistry(f, reduced):
    # Double-well free energy (χ = 3), κ = 0.05: the predictive over the training box within one noise sd
    # of the truth in W1; L0 keeps at most a quarter of the 148 weights. The test grid holds σ and μ at
    # every point, marked by quantity.
    g = predictive(f, "training_range")
    sd = float(np.mean(f["data/train/noise_std"][()]))
    check(g["w1"] <= sd, f"training-range W1 {g['w1']:.4f} ≤ the mean noise sd {sd:.4f}")
    quantity = f["data/test/quantity"][()]
    check(set(np.unique(quantity)) == {0, 1}, "test points hold both σ (0) and μ (1)")
    active = int(f["metrics"].attrs["active_parameters"])
    if reduced:
        check(active <= 37 and int(f["l0/mask"][()].sum()) == active,
              f"{active} of 148 parameters survive L0 (≤ 25 %), as the mask says")
    else:
        check(active == 148, f"the dense network's 148 parameters are sampled ({active})")


def mechanochemistry_l0svgd(f):
    mechanochemistry(f, True)


def mechanochemistry_hmc(f):
    mechanochemistry(f, True)


def mechanochemistry_l2svgd(f):
    mechanochemistry(f, False)


def mechanochemistry_psvgd(f):
    mechanochemistry(f, False)


def treloar_l0svgd(f):
    # Held-out pure shear (measurements, no truth): the predictive band covers them, W1 below a tenth of
    # their range, and L0 keeps few of the 1002 weights.
    g = predictive(f, "held_out", k=3.0)
    s = f["data/test/stress"][()]
    check(g["w1"] <= 0.1 * (s.max() - s.min()), f"held-out W1 {g['w1']:.3f} MPa ≤ a tenth of the range "
          f"{s.max() - s.min():.2f}")
    active = int(f["metrics"].attrs["active_parameters"])
    check(active <= 30, f"{active} of 1002 weights kept (≤ 30)")


def opens_in_xarray(path):
    """Every group of the file opens in xarray with both netCDF engines, every axis of every dataset has a
    named dimension from the layout's table (no phony_dim_*, no generic <name>_dim<k>), every variable holds
    what h5py reads, and /particles has the parameter names as a coordinate."""
    import xarray as xr
    failed_before = len(failures)
    with h5py.File(path, "r") as f:
        groups = [""]
        f.visit(lambda name: groups.append(name) if isinstance(f[name], h5py.Group) else None)
        for engine in ("netcdf4", "h5netcdf"):
            for group in groups:
                ds = xr.open_dataset(path, engine=engine, group=group or None)
                where = f"{engine} /{group}"
                for name, var in ds.variables.items():
                    bad = [d for d in var.dims if d.startswith("phony_dim") or "_dim" in d]
                    if bad:
                        check(False, f"{where}/{name}: unnamed dimensions {bad}")
                    raw = f[f"{group}/{name}" if group else name]
                    if raw.dtype.kind == "S":  # characters: xarray joins each row into a string
                        want = strings(raw)
                        if list(var.values) != want:
                            check(False, f"{where}/{name}: strings differ from h5py's")
                    elif not np.array_equal(var.values, raw[()], equal_nan=True):
                        check(False, f"{where}/{name}: values differ from h5py's")
                if not group and "particles" in ds:
                    names = strings(f["parameter_names"])
                    check(ds.particles.dims == ("particle", "parameter")
                          and list(ds.particles.coords["parameter_names"].values) == names,
                          f"{engine}: /particles is (particle, parameter) with the parameter names as a coordinate")
                ds.close()
    check(len(failures) == failed_before, f"every group of {path.rsplit('/', 1)[-1]} opens in xarray with named dimensions and h5py's "
          "values")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    name, path = sys.argv[1], sys.argv[2]
    checks = {k: v for k, v in globals().items() if callable(v) and k in {
        "gaussian_svgd", "banana_svgd", "gmm_svgd", "logreg_svgd", "logreg_hmc", "logreg_nuts", "sas_mixture_vi", "sas_mixture_15d_vi", "sensitivity_gmm", "shear_frame_laplace", "shear_frame_vi_warm",
        "shear_frame_vi_cold", "hyperelastic_l0svgd", "hyperelastic_hmc", "hyperelastic_l2svgd",
        "hyperelastic_psvgd", "treloar_l0svgd", "mechanochemistry_l0svgd", "mechanochemistry_hmc",
        "mechanochemistry_l2svgd", "mechanochemistry_psvgd"}}
    if name not in checks:
        sys.exit(f"check_example.py: no check for example '{name}' (add one beside the others)")
    with h5py.File(path, "r") as f:
        checks[name](f)
    opens_in_xarray(path)
    if failures:
        sys.exit(f"check_example.py: {name}: {len(failures)} check(s) failed")


if __name__ == "__main__":
    main()
