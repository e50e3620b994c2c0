#!/usr/bin/env bash
# SVGD scaling benchmark: l0svgd on P = 1, 2 ranks against the numpy reference SVGD (bench/reference_svgd.py)
# and the single-threaded Eigen GEMM peak (bench_gemm) of the kernel phase's shapes, for N in {256, 1024,
# 4096} and d in {10, 100, 1000} on the Gaussian target. Writes bench/results/svgd_scaling.{csv,md} and the
# raw measurements to bench/results/raw/. About 5 minutes on a 2-core machine, plus the build.
#
# Usage: bench/run_svgd_bench.sh [BUILD_DIR]        (default build/release; configured if needed)
# Environment: BENCH_N, BENCH_D, BENCH_P (space-separated lists) shrink the grid; BENCH_WORK scales the
# iteration counts (default 2.5e10 "flops" per run); NUMPY_BLAS_DIR points numpy to a BLAS directory;
# BENCH_MAX_LOAD waits (at most 30 min) until the 1-minute load average is below it before measuring;
# BENCH_NICE runs every measured command under `nice -n BENCH_NICE`, and sets the session's autogroup nice
# (e.g. -20, as root, on a machine shared with jobs that cannot be stopped: they then take little of the
# cores while the benchmark runs).
#
# numpy's BLAS: Debian's python3-numpy uses whatever libblas.so.3 the system alternative selects, the
# single-threaded reference BLAS on a fresh machine. A like-for-like comparison on the same cores gives numpy
# an optimised, threaded BLAS, so the script runs numpy on OpenBLAS (pthreads, one thread per core) through
# LD_LIBRARY_PATH alone: /usr/lib/x86_64-linux-gnu/openblas-pthread when libopenblas0-pthread is installed,
# else a private copy unpacked from that Debian package into BUILD_DIR/bench-deps (apt-get download; the
# system's alternatives, and so l0svgd's and PETSc's BLAS, stay untouched). OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE are unset for the numpy command only; threadpoolctl reports the kernel OpenBLAS picks.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=$(realpath -m "${1:-build/release}")
py=/usr/bin/python3
results=$src/bench/results
raw=$results/raw
out=$build/bench-out
mkdir -p "$raw" "$out"
source scripts/mpi_env.sh
source bench/common.sh
cores=$(nproc)
bench_priority

# --- build --------------------------------------------------------------------------------------------
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
fi
log "building l0svgd in $build"
make -C "$build" -j "$cores" l0svgd > "$out/build.log"
l0svgd=$build/l0svgd
eigen_include=$(pkg-config --cflags-only-I eigen3 2> /dev/null || true)
read -r eigen_include <<< "${eigen_include:--I/usr/include/eigen3}"  # trims pkg-config's trailing space
gemm_flags=(-std=c++17 -O3 -DNDEBUG -DEIGEN_DONT_PARALLELIZE -I"$src/include" "$eigen_include")
make -C "$build" bench_gemm >> "$out/build.log"
gemm=$build/bench/bench_gemm
gemm_native=$out/bench_gemm_native
"${CXX:-g++}" "${gemm_flags[@]}" -march=native bench/gemm_peak.cpp -o "$gemm_native"

# --- numpy on OpenBLAS ----------------------------------------------------------------------------------
deps=$build/bench-deps
blas_dir=${NUMPY_BLAS_DIR:-$(openblas_dir "$deps")}
need_tpc=0
[[ -f $deps/root/usr/lib/python3/dist-packages/threadpoolctl.py ]] ||
  $py -c 'import threadpoolctl' 2> /dev/null || need_tpc=1
if [[ -z $blas_dir || $need_tpc == 1 ]]; then
  pkgs=()
  [[ -z $blas_dir ]] && pkgs+=(libopenblas0-pthread)
  [[ $need_tpc == 1 ]] && pkgs+=(python3-threadpoolctl)
  if unpack_debs "$deps" "${pkgs[@]}"; then
    [[ -z $blas_dir ]] && blas_dir=$(openblas_dir "$deps")
  else
    log "apt-get download failed: numpy runs on the system BLAS (see the md file)"
  fi
fi
numpy_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "OPENBLAS_NUM_THREADS=$cores")
[[ -n $blas_dir ]] && numpy_env+=(LD_LIBRARY_PATH="$blas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
[[ -d $deps/root/usr/lib/python3/dist-packages ]] &&
  numpy_env+=(PYTHONPATH="$deps/root/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}")
numpy() { "${priority[@]}" "${numpy_env[@]}" "$py" bench/reference_svgd.py "$@"; }

# --- machine and correctness check ------------------------------------------------------------------------
if [[ -n ${BENCH_MAX_LOAD:-} ]]; then  # on a shared machine: wait (at most 30 min) for the others
  for _ in $(seq 120); do
    awk -v max="$BENCH_MAX_LOAD" '{exit !($1 < max)}' /proc/loadavg && break
    log "load $(cut -d' ' -f1 /proc/loadavg) >= $BENCH_MAX_LOAD, waiting"
    sleep 15
  done
fi
machine=$(describe_machine)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $machine; load $load_before"

log "correctness check: l0svgd vs numpy reference from the same particles"
$py - "$out/check_init.h5" << 'EOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f["particles"] = 1.0 + 2.0 * np.random.default_rng(7).standard_normal((256, 10))
EOF
mpirun -n 2 "$l0svgd" -task svgd -target_type gaussian -target_dim 10 -svgd_particles 256 \
  -svgd_iterations 50 -svgd_monitor_every 0 -svgd_ksd_every 0 -init_type file \
  -init_file "$out/check_init.h5" -output_file "$out/check_l0svgd.h5" -log_level warning
numpy -N 256 -d 10 --iterations 50 --identity --median pairs --init "$out/check_init.h5" \
  --output "$out/check_numpy.h5" > /dev/null
check=$($py -c "
import h5py, numpy as np
a = np.asarray(h5py.File('$out/check_l0svgd.h5', 'r')['particles'])
b = np.asarray(h5py.File('$out/check_numpy.h5', 'r')['particles'])
print(f'{np.abs(a - b).max():.2e}')")
log "max |x_l0svgd - x_numpy| = $check"

# Peak RSS of an (almost) empty run: the libraries' share of every rank's memory.
echo "P,peak_rss_mib" > "$raw/baseline.csv"
for p in ${BENCH_P:-1 2}; do
  mpirun -n "$p" "$l0svgd" -task svgd -target_type gaussian -target_dim 1 -svgd_particles 2 \
    -svgd_iterations 1 -svgd_monitor_every 0 -svgd_ksd_every 0 -output_file "$out/baseline.h5" \
    -log_level warning
  echo "$p,$($py scripts/timing_row.py "$out/baseline.h5" | awk -F, '{print $NF}')" >> "$raw/baseline.csv"
done

# --- the grid ---------------------------------------------------------------------------------------------
# Iterations: about BENCH_WORK flops of kernel and score work per run (6N²d + 2Nd²), at least 5 for
# N <= 1024 and 2 above, at most 100.
iterations() {
  awk -v n="$1" -v d="$2" -v w="${BENCH_WORK:-2.5e10}" 'BEGIN {
    it = int(w / (6 * n * n * d + 2 * n * d * d) + 0.5); lo = (n <= 1024) ? 5 : 2
    if (it < lo) it = lo; if (it > 100) it = 100; print it }'
}
run_l0svgd() {  # N d P iterations output [extra options]
  local n=$1 d=$2 p=$3 it=$4 file=$5
  shift 5
  "${priority[@]}" mpirun -n "$p" "$l0svgd" -task svgd -target_type gaussian -target_dim "$d" -target_random_cov true \
    -svgd_particles "$n" -svgd_iterations "$it" -svgd_monitor_every 0 -svgd_ksd_every 0 \
    -output_file "$file" -log_level warning "$@"
}

$py scripts/timing_row.py --header > "$raw/l0svgd.csv"
: > "$raw/numpy.jsonl"
: > "$raw/numpy_system_blas.jsonl"
gemm_cases=()
for n in ${BENCH_N:-256 1024 4096}; do
  for d in ${BENCH_D:-10 100 1000}; do
    it=$(iterations "$n" "$d")
    log "N=$n d=$d: $it iterations; numpy reference"
    numpy -N "$n" -d "$d" --iterations "$it" --json >> "$raw/numpy.jsonl"
    if [[ $n == 1024 && $d != 10 ]]; then  # the issue's target sizes, also on numpy as the system has it
      log "N=$n d=$d: numpy reference on the system's BLAS"
      "${priority[@]}" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" bench/reference_svgd.py -N "$n" -d "$d" \
        --iterations 3 --json >> "$raw/numpy_system_blas.jsonl"
    fi
    for p in ${BENCH_P:-1 2}; do
      log "N=$n d=$d: l0svgd on $p ranks"
      run_l0svgd "$n" "$d" "$p" "$it" "$out/svgd_N${n}_d${d}_P${p}.h5"
      $py scripts/timing_row.py "$out/svgd_N${n}_d${d}_P${p}.h5" >> "$raw/l0svgd.csv"
      gemm_cases+=("$n:$d:$p")
    done
  done
done
log "Eigen GEMM peak (library flags, then -march=native)"
"${priority[@]}" "$gemm" -min_time 0.1 "${gemm_cases[@]}" > "$raw/gemm.csv"
"${priority[@]}" "$gemm_native" -min_time 0.1 "${gemm_cases[@]}" > "$raw/gemm_native.csv"

# Where the time goes at the issue's target size.
for d in 100 1000; do
  if [[ " ${BENCH_D:-10 100 1000} " == *" $d "* && " ${BENCH_N:-256 1024 4096} " == *" 1024 "* ]]; then
    log "-log_view, N=1024 d=$d P=2"
    run_l0svgd 1024 "$d" 2 "$(iterations 1024 "$d")" "$out/log_view.h5" -log_view \
      > "$raw/log_view_N1024_d${d}_P2.txt"
  fi
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
numpy_blas=$(numpy -N 4 -d 2 --iterations 1 --json | $py -c "
import json, sys
r = json.load(sys.stdin)
print('; '.join(f\"{b.get('internal_api')} {b.get('version', '')} kernel {b.get('architecture', '?')}, \"
                f\"{b.get('num_threads', '?')} threads\" for b in r['blas']))")
system_blas="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2> /dev/null || echo unknown)"
[[ $system_blas == */blas/libblas.so.3* ]] && system_blas="netlib reference BLAS, single-threaded ($system_blas)"
numpy_version=$("${numpy_env[@]}" "$py" -c 'import numpy; print(numpy.__version__)')
MACHINE="$machine" DATE="$(date -u +%Y-%m-%dT%H:%MZ)" REVISION="$(git describe --always --dirty 2> /dev/null || echo unknown)" \
LOAD_BEFORE="$load_before" LOAD_AFTER="$load_after" CHECK="$check" NUMPY_BLAS="$numpy_blas" \
NUMPY_VERSION="$numpy_version" SYSTEM_BLAS="$system_blas" GEMM_FLAGS="-O3 -DNDEBUG -DEIGEN_DONT_PARALLELIZE" NICE="${BENCH_NICE:-0}" CORETYPE="${OPENBLAS_CORETYPE:-unset}" \
$py -c "
import json, os
e = os.environ
json.dump({'machine': e['MACHINE'], 'date': e['DATE'], 'revision': e['REVISION'],
           'load_before': e['LOAD_BEFORE'], 'load_after': e['LOAD_AFTER'],
           'check_max_abs_diff': e['CHECK'], 'numpy_blas': e['NUMPY_BLAS'],
           'numpy_version': e['NUMPY_VERSION'], 'gemm_flags': e['GEMM_FLAGS'],
           'numpy_system_blas': e['SYSTEM_BLAS'], 'nice': e['NICE'],
           'openblas_coretype_in_environment': e['CORETYPE']}, open('$raw/meta.json', 'w'), indent=1)"
$py bench/make_tables.py "$raw" "$results"
log "wrote $results/svgd_scaling.csv and $results/svgd_scaling.md"
cat "$results/svgd_scaling.md"
