#!/usr/bin/env bash
# SVGD speed against the machine's limit: l0svgd on P = 1, 2 ranks (the portable default build) against
# the numpy reference SVGD (bench/reference_svgd.py) on an OpenBLAS with one thread per core, and the
# machine's limit measured in the same run (bench_gemm: OpenBLAS DGEMM at the kernel's shapes on P
# threads, and the kernel's vectorised exponential), for N in {256, 1024, 4096, 16384} and d in {10,
# 100, 1000} on the Gaussian target (what does not fit the time or memory is skipped), plus one
# N = 32768, d = 100 run on 2 ranks for the memory of the streamed kernel. Every l0svgd cell is run
# BENCH_REPEAT times (default 5): the tables give the median and the range. Writes
# bench/results/svgd_scaling.{csv,md} and the raw measurements to bench/results/raw/. About 30 minutes
# on a 2-core machine, plus the build.
#
# Usage: bench/run_svgd_bench.sh [BUILD_DIR]        (default build/release; configured if needed)
# Environment: BENCH_N, BENCH_D, BENCH_P (space-separated lists) shrink the grid; BENCH_WORK scales the
# iteration counts (default 1e11 "flops" per run); BENCH_REPEAT; BENCH_MAX_LOAD waits (at most 30 min)
# until the 1-minute load average is below it; BENCH_NICE runs every measured command under
# `nice -n BENCH_NICE` (and sets the session's autogroup nice).
#
# BLAS kernels: this machine sets OPENBLAS_CORETYPE=Haswell (and OPENBLAS_L2_SIZE) for old OpenBLAS
# builds. Every measured command, l0svgd, numpy and bench_gemm alike, runs with both unset, so all three
# use the kernels OpenBLAS picks for this CPU; the kernel each used is recorded (l0svgd's /timing blas
# attribute, threadpoolctl for numpy, bench_gemm's first line). numpy runs on the system's OpenBLAS
# (libopenblas0-pthread, which scripts/install_deps.sh installs with libopenblas-dev).
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
bench_priority
repeat=${BENCH_REPEAT:-5}

# --- build --------------------------------------------------------------------------------------------
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
fi
log "building l0svgd and bench_gemm in $build"
make -C "$build" -j "$(nproc)" l0svgd bench_gemm > "$out/build.log"
l0svgd=$build/l0svgd
gemm=$build/bench/bench_gemm
measured=("${priority[@]}" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)

# --- numpy on OpenBLAS, one thread per core --------------------------------------------------------------
deps=$build/bench-deps
blas_dir=$(openblas_dir "$deps")
if ! $py -c 'import threadpoolctl' 2> /dev/null && [[ ! -f $deps/root/usr/lib/python3/dist-packages/threadpoolctl.py ]]; then
  unpack_debs "$deps" python3-threadpoolctl || log "no threadpoolctl: numpy's kernel is not reported"
fi
numpy_env=(OPENBLAS_NUM_THREADS="$(nproc)")
[[ -n $blas_dir ]] && numpy_env+=(LD_LIBRARY_PATH="$blas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
[[ -d $deps/root/usr/lib/python3/dist-packages ]] &&
  numpy_env+=(PYTHONPATH="$deps/root/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}")
numpy() { "${measured[@]}" "${numpy_env[@]}" "$py" bench/reference_svgd.py "$@"; }

# --- machine and correctness gate -------------------------------------------------------------------------
if [[ -n ${BENCH_MAX_LOAD:-} ]]; then  # on a shared machine: wait (at most 30 min) for the others
  for _ in $(seq 120); do
    awk -v max="$BENCH_MAX_LOAD" '{exit !($1 < max)}' /proc/loadavg && break
    log "load $(cut -d' ' -f1 /proc/loadavg) >= $BENCH_MAX_LOAD, waiting"
    sleep 15
  done
fi
machine=$(describe_machine)
revision=$(code_revision)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $machine; load $load_before"

# The timed code path (median over all pairs, AdaGrad, the BLAS kernels of the timed runs) against the
# numpy reference from the same particles; the run stops here on a mismatch.
log "correctness gate: l0svgd vs numpy reference from the same particles"
$py - "$out/check_init.h5" << 'PYEOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f["particles"] = 1.0 + 2.0 * np.random.default_rng(7).standard_normal((256, 100))
PYEOF
"${measured[@]}" mpirun -n 2 "$l0svgd" -task svgd -target_type gaussian -target_dim 100 -svgd_particles 256 \
  -svgd_iterations 50 -svgd_monitor_every 0 -svgd_ksd_every 0 -init_type file \
  -svgd_precondition none -svgd_check_spread 0 -svgd_kernel rbf -svgd_step_rule adagrad \
  -init_file "$out/check_init.h5" -output_file "$out/check_l0svgd.h5" -log_level warning
numpy -N 256 -d 100 --iterations 50 --identity --median pairs --init "$out/check_init.h5" \
  --output "$out/check_numpy.h5" > /dev/null
check=$($py -c "
import h5py, numpy as np
a = np.asarray(h5py.File('$out/check_l0svgd.h5', 'r')['particles'])
b = np.asarray(h5py.File('$out/check_numpy.h5', 'r')['particles'])
print(f'{np.abs(a - b).max():.2e}')")
log "max |x_l0svgd - x_numpy| = $check (N = 256, d = 100, 50 iterations)"
$py -c "import sys; sys.exit(0 if float('$check') < 1e-8 else 1)" ||
  { log "correctness gate FAILED: l0svgd and the numpy reference differ by $check"; exit 1; }

# Peak RSS of an (almost) empty run: the libraries' share of every rank's memory.
echo "P,peak_rss_mib" > "$raw/baseline.csv"
for p in ${BENCH_P:-1 2}; do
  "${measured[@]}" mpirun -n "$p" "$l0svgd" -task svgd -target_type gaussian -target_dim 1 -svgd_particles 2 \
    -svgd_iterations 1 -svgd_monitor_every 0 -svgd_ksd_every 0 -output_file "$out/baseline.h5" \
    -log_level warning
  echo "$p,$($py scripts/timing_row.py "$out/baseline.h5" | awk -F, '{print $NF}')" >> "$raw/baseline.csv"
done

# --- the grid ---------------------------------------------------------------------------------------------
# Iterations: about BENCH_WORK flops of kernel and score work per run (6N²d + 2Nd²), at least 10 for
# N <= 4096 and 3 above (so that the first iteration's page faults and BLAS buffers are amortised), at
# most 100.
iterations() {
  awk -v n="$1" -v d="$2" -v w="${BENCH_WORK:-1e11}" 'BEGIN {
    it = int(w / (6 * n * n * d + 2 * n * d * d) + 0.5); lo = (n <= 4096) ? 10 : 3
    if (it < lo) it = lo; if (it > 100) it = 100; print it }'
}
run_l0svgd() {  # N d P iterations output [extra options]; KERNEL (default rbf)
  local n=$1 d=$2 p=$3 it=$4 file=$5
  shift 5
  # The kernel under test in the target's own coordinates, from a Gaussian start: no Laplace fit
  # (-task svgd's accuracy defaults whiten and pick the kernel by dimension).
  "${measured[@]}" mpirun -n "$p" "$l0svgd" -task svgd -target_type gaussian -target_dim "$d" \
    -target_random_cov true -svgd_particles "$n" -svgd_iterations "$it" -svgd_monitor_every 0 \
    -svgd_ksd_every 0 -svgd_kernel "${KERNEL:-rbf}" -svgd_precondition none -svgd_check_spread 0 \
    -init_type gaussian -svgd_step_rule adagrad -output_file "$file" -log_level warning "$@"
}
# numpy's N x N float64 temporaries (about six of them) must fit in memory, and its run in a minute.
numpy_fits() { awk -v n="$1" -v d="$2" 'BEGIN { exit !(n <= 8192 || d <= 100) }'; }

for table in l0svgd coordinate defaults; do
  $py scripts/timing_row.py --header | sed 's/$/,repeat,kernel_distances,exchange,particle_buffer_mib,blas/' > "$raw/$table.csv"
done
record() {  # FILE REPEAT [TABLE]: one row of raw/TABLE.csv (default l0svgd)
  echo "$($py scripts/timing_row.py "$1"),$2,$($py -c "
import h5py; t = h5py.File('$1', 'r')['timing'].attrs
v = lambda k: t[k].decode() if isinstance(t[k], bytes) else str(t[k])
print(','.join([v('kernel_distances'), v('exchange'), v('particle_buffer_mib'), v('blas').replace(',', ' ')]))")" \
    >> "$raw/${3:-l0svgd}.csv"
}
: > "$raw/numpy.jsonl"
gemm_cases=()
for n in ${BENCH_N:-256 1024 4096 16384}; do
  for d in ${BENCH_D:-10 100 1000}; do
    [[ $n == 16384 && $d == 1000 ]] && continue  # 10 s per iteration and 6 GiB of [S X]: skipped
    it=$(iterations "$n" "$d")
    if numpy_fits "$n" "$d"; then
      # numpy's iterations all cost the same: a few suffice for the large cases.
      nit=$it; [[ $n -ge 4096 && $nit -gt 5 ]] && nit=5; [[ $n -ge 16384 ]] && nit=1
      log "N=$n d=$d: numpy reference, $nit iterations"
      numpy -N "$n" -d "$d" --iterations "$nit" --json >> "$raw/numpy.jsonl"
    fi
    for p in ${BENCH_P:-1 2}; do
      for r in $(seq "$repeat"); do
        log "N=$n d=$d: l0svgd on $p ranks, $it iterations, run $r of $repeat"
        f=$out/svgd_N${n}_d${d}_P${p}.h5
        run_l0svgd "$n" "$d" "$p" "$it" "$f"
        record "$f" "$r"
      done
      gemm_cases+=("$n:$d:$p")
    done
  done
done

# Ring against allgather on 2 ranks, and the memory target: N = 32768, d = 100 streams its kernel
# tiles (2 iterations each).
if [[ -z ${BENCH_N:-} ]]; then
  for n in 4096 16384 32768; do
    for r in $(seq "$repeat"); do
      log "N=$n d=100: l0svgd on 2 ranks with the ring exchange, run $r"
      f=$out/svgd_N${n}_d100_P2_ring.h5
      its=$(iterations "$n" 100); [[ $n == 32768 ]] && its=2
      run_l0svgd "$n" 100 2 "$its" "$f" -svgd_exchange ring
      record "$f" "$r"
    done
  done
  # The coordinate-wise kernel (-svgd_kernel rbf_coord): N² d exponentials, against their rate.
  for n in 1024 4096; do
    [[ " ${BENCH_N:-256 1024 4096 16384} " == *" $n "* ]] || continue
    for r in $(seq "$repeat"); do
      log "N=$n d=100: l0svgd rbf_coord on 2 ranks, run $r"
      f=$out/svgd_N${n}_d100_P2_coord.h5
      KERNEL=rbf_coord run_l0svgd "$n" 100 2 "$(( $(iterations "$n" 100) / 10 + 2 ))" "$f"
      record "$f" "$r" coordinate
    done
  done
  # What a user gets: -task svgd with nothing but the target and the size (Laplace-whitened
  # coordinates, rbf_coord from d = 5, particles from the Laplace approximation, the plain step).
  for case in 1024:100 4096:100 1024:1000; do
    n=${case%:*} d=${case#*:}
    [[ " ${BENCH_N:-256 1024 4096 16384} " == *" $n "* && " ${BENCH_D:-10 100 1000} " == *" $d "* ]] || continue
    for r in $(seq "$repeat"); do
      log "N=$n d=$d: l0svgd with the task's defaults on 2 ranks, run $r"
      f=$out/svgd_N${n}_d${d}_P2_defaults.h5
      "${measured[@]}" mpirun -n 2 "$l0svgd" -task svgd -target_type gaussian -target_dim "$d" \
        -target_random_cov true -svgd_particles "$n" -svgd_iterations "$(( $(iterations "$n" "$d") / 4 + 2 ))" \
        -svgd_monitor_every 0 -svgd_ksd_every 0 -output_file "$f" -log_level warning
      record "$f" "$r" defaults
    done
  done
  for r in $(seq "$repeat"); do
    log "N=32768 d=100: l0svgd on 2 ranks (allgather, streamed kernel), 2 iterations, run $r"
    f=$out/svgd_N32768_d100_P2.h5
    run_l0svgd 32768 100 2 2 "$f"
    record "$f" "$r"
  done
fi

log "machine's limit: OpenBLAS DGEMM at the kernel's shapes on P threads, vectorised exp"
"${measured[@]}" "$gemm" -min_time 0.2 "${gemm_cases[@]}" > "$raw/gemm.csv" 2> "$raw/gemm.log"

# Where the time goes at the issue's target size.
for d in 100 1000; do
  if [[ " ${BENCH_D:-10 100 1000} " == *" $d "* && " ${BENCH_N:-256 1024 4096 16384} " == *" 1024 "* ]]; then
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
numpy_version=$(env "${numpy_env[@]}" "$py" -c 'import numpy; print(numpy.__version__)')
MACHINE="$machine" DATE="$(date -u +%Y-%m-%dT%H:%MZ)" REVISION="$revision" \
LOAD_BEFORE="$load_before" LOAD_AFTER="$load_after" CHECK="$check" NUMPY_BLAS="$numpy_blas" \
NUMPY_VERSION="$numpy_version" NICE="${BENCH_NICE:-0}" REPEAT="$repeat" GEMM_BLAS="$(head -1 "$raw/gemm.log")" \
$py -c "
import json, os
e = os.environ
json.dump({'machine': e['MACHINE'], 'date': e['DATE'], 'revision': e['REVISION'],
           'load_before': e['LOAD_BEFORE'], 'load_after': e['LOAD_AFTER'],
           'check_max_abs_diff': e['CHECK'], 'numpy_blas': e['NUMPY_BLAS'],
           'numpy_version': e['NUMPY_VERSION'], 'nice': e['NICE'], 'repeat': e['REPEAT'],
           'gemm_blas': e['GEMM_BLAS'], 'build_type': 'Release (portable, no -march)'},
          open('$raw/meta.json', 'w'), indent=1)"
$py bench/make_tables.py "$raw" "$results"
$py bench/provenance.py stamp svgd_scaling --revision "$revision" --build-type "$(build_type_of "$build")" \
  --machine "$machine"
log "wrote $results/svgd_scaling.csv and $results/svgd_scaling.md"
cat "$results/svgd_scaling.md"
