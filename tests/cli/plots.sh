#!/usr/bin/env bash
# The plot scripts on small outputs: a pair plot of an SVGD ensemble against HMC draws of the same
# target, a pair plot of a stored snapshot, and the convergence history. Each must write a readable
# PNG and print the moments of the files it was given; a bad parameter is refused. The shear frame's
# posterior predictive plot prints the W1 distances its file holds; the marginals plot of a SAS-mixture
# run prints the exact draws' and both mixtures' moments; the sensitivity plot prints the indices its file
# holds.
# Usage: plots.sh <workdir> <l0svgd> <source dir>
set -u
work="$1"; exe="$2"; src="$3"
rm -rf "$work"; mkdir -p "$work"; cd "$work" || exit 1
status=0
bad() { echo "FAIL: $*"; status=1; }
run=(timeout 120 mpirun -n 2 --oversubscribe "$exe" -target_type banana -log_level warning)
"${run[@]}" -task svgd -svgd_particles 100 -svgd_iterations 200 -svgd_ksd_every 20 -output_every 100 \
  -output_file svgd.h5 || bad "SVGD run"
"${run[@]}" -task hmc -hmc_chains 4 -hmc_warmup 300 -hmc_samples 500 -output_file hmc.h5 || bad "HMC run"

timeout 120 mpirun -n 2 --oversubscribe "$exe" "$src/inputs/shear_frame_vi_warm.yaml" -log_level warning \
  -vi_iterations 200 -output_file vi.h5 || bad "VI run"
timeout 120 mpirun -n 2 --oversubscribe "$exe" "$src/inputs/sas_mixture_15d_vi.yaml" -log_level warning \
  -target_dim 6 -vi_iterations 100 -output_samples 2000 -output_file sas.h5 || bad "SAS mixture VI run"

timeout 120 mpirun -n 2 --oversubscribe "$exe" "$src/tests/cli/data/sensitivity_small.yaml" -log_level warning \
  -output_file sensitivity.h5 || bad "sensitivity run"

plot() { /usr/bin/python3 "$src/scripts/$1" "${@:2}"; }
plot plot_pairs.py svgd.h5 --reference hmc.h5 -o pairs.png > pairs.txt || bad "plot_pairs.py"
plot plot_pairs.py svgd.h5 --dataset /history/particles --snapshot -1 --parameters x1 -o snap.png \
  > snap.txt || bad "plot_pairs.py --snapshot"
plot plot_history.py svgd.h5 -o history.png > history.txt || bad "plot_history.py"
plot plot_pushforward.py vi.h5 -o pushforward.png > pushforward.txt || bad "plot_pushforward.py"
plot plot_marginals.py sas.h5 --coords 0,2,5 -o marginals.png > marginals.txt || bad "plot_marginals.py"
plot plot_sensitivity.py sensitivity.h5 --talk -o sensitivity.png > sensitivity.txt || bad "plot_sensitivity.py"
# What the scripts printed is what the files hold; the images open and have their panels' size.
/usr/bin/python3 - << 'PY' || bad "printed moments or images"
import re
import h5py
import matplotlib.image as mpimg
import numpy as np

x, ref = h5py.File("svgd.h5")["particles"][()], h5py.File("hmc.h5")["particles"][()]
lines = open("pairs.txt").read().splitlines()
for j, name in enumerate(("x0", "x1")):
    m = re.match(rf"{name}: mean (\S+) sd (\S+); reference mean (\S+) sd (\S+)$", lines[j])
    assert m, lines[j]
    got = [float(v) for v in m.groups()]
    want = [x[:, j].mean(), x[:, j].std(ddof=1), ref[:, j].mean(), ref[:, j].std(ddof=1)]
    assert np.allclose(got, want, rtol=1e-3, atol=1e-3), (name, got, want)
last = h5py.File("svgd.h5")["history/particles"][-1]
m = re.match(r"x1: mean (\S+) sd (\S+)$", open("snap.txt").readline().strip())
assert m and np.isclose(float(m.group(1)), last[:, 1].mean(), rtol=1e-3, atol=1e-3), open("snap.txt").read()
h = h5py.File("svgd.h5")["history"]
ksd = h["ksd_squared"][()]
final = ksd[np.isfinite(ksd)][-1]
m = re.match(r"svgd.h5: final KSD² (\S+) at iteration 200,", open("history.txt").readline())
assert m and np.isclose(float(m.group(1)), final, rtol=1e-3), open("history.txt").read()
g = h5py.File("vi.h5")["pushforward"]
printed = open("pushforward.txt").read()
for source in ("laplace", "vi"):
    for q, name in enumerate(("x1", "x2")):
        m = re.search(rf"^{source} {name}: mean W1 (\S+), largest (\S+) at time (\S+)$", printed, re.M)
        w1 = g[source + "/w1"][q]
        assert m, printed
        got = [float(v) for v in m.groups()]
        want = [w1.mean(), w1.max(), g["points"][np.argmax(w1)]]
        assert np.allclose(got, want, rtol=1e-5), (source, name, got, want)
f = h5py.File("sas.h5")
truth, lines = f["reference/samples"][()], open("marginals.txt").read().splitlines()
for line, j in zip(lines, (0, 2, 5)):
    m = re.match(rf"x{j}: truth mean (\S+) sd (\S+); Laplace mean (\S+) sd (\S+); VI mean (\S+) sd (\S+)$", line)
    assert m, line
    got = [float(v) for v in m.groups()]
    want = [truth[:, j].mean(), truth[:, j].std(ddof=1)]
    for name in ("initial", "final"):  # closed-form mixture moments
        w, mu, low = (f[f"mixture/{name}/{k}"][()] for k in ("weights", "means", "cholesky"))
        mean = w @ mu[:, j]
        want += [mean, np.sqrt(w @ ((low[:, j, :] ** 2).sum(1) + mu[:, j] ** 2) - mean**2)]
    assert np.allclose(got, want, rtol=1e-4, atol=1e-5), (line, want)
s = h5py.File("sensitivity.h5")["sensitivity"]
lines = open("sensitivity.txt").read().splitlines()
assert len(lines) == 5, lines
for i, (line, name) in enumerate(zip(lines, ("d", "K", "omega", "c", "lambda"))):
    m = re.match(rf"{name}: S (\S+) \[(\S+), (\S+)\]; S_T (\S+) \[(\S+), (\S+)\]$", line)
    assert m, line
    want = [s[k][i] for k in ("first_order", "first_order_lower", "first_order_upper", "total_order",
                              "total_order_lower", "total_order_upper")]
    assert np.allclose([float(v) for v in m.groups()], want, atol=1e-4), (line, want)
for png, min_size in (("pairs.png", 400), ("snap.png", 200), ("history.png", 300), ("pushforward.png", 500),
                      ("marginals.png", 500), ("sensitivity.png", 500)):
    img = mpimg.imread(png)
    assert img.shape[0] >= min_size and img.shape[1] >= min_size, (png, img.shape)
    assert img[..., :3].std() > 0.01, f"{png} is blank"
PY
out=$(plot plot_pairs.py svgd.h5 --parameters nosuch -o never.png 2>&1) && bad "an unknown parameter was accepted"
grep -q "'nosuch' is neither a parameter name nor an index" <<< "$out" || bad "message: $out"
[ -e never.png ] && bad "an image was written for a bad parameter"
out=$(plot plot_pushforward.py svgd.h5 -o never2.png 2>&1) && bad "a file without /pushforward was accepted"
grep -q "has no /pushforward" <<< "$out" || bad "message: $out"
[ -e never2.png ] && bad "an image was written for a file without /pushforward"
out=$(plot plot_marginals.py sas.h5 --coords 0,6 -o never3.png 2>&1) && bad "a coordinate out of range was accepted"
grep -q "coords must be distinct indices in \[0, 5\]" <<< "$out" || bad "message: $out"
out=$(plot plot_marginals.py vi.h5 -o never4.png 2>&1) && bad "a file without exact draws was accepted"
grep -q "has no /reference/samples" <<< "$out" || bad "message: $out"
[ -e never3.png ] || [ -e never4.png ] && bad "an image was written for a bad marginals call"
out=$(plot plot_sensitivity.py vi.h5 -o never5.png 2>&1) && bad "a file without /sensitivity was accepted"
grep -q "has no /sensitivity" <<< "$out" || bad "message: $out"
[ -e never5.png ] && bad "an image was written for a file without /sensitivity"
[ "$status" -eq 0 ] && echo "plots: ok"
exit "$status"
