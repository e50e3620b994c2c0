#!/usr/bin/env bash
# Gradient-throughput benchmark of the dense hyperelastic ICNN posterior: particle-gradients per second of
# l0svgd's HyperelasticModel::evaluate (bench_hyper_gradient) against the same network and loss in PyTorch
# with double back-propagation (bench/torch_icnn.py), all on one core with one thread, for blocks of N
# particles. PyTorch is first checked against l0svgd's log density and gradient (the script stops if they
# differ). l0svgd is timed as built by default (portable) and, unless BENCH_NATIVE=0, also built with
# -DL0SVGD_NATIVE=ON (-march=native). Writes bench/results/hyper_gradient.{csv,md} and the raw
# measurements to bench/results/raw/hyper_gradient_*. About a minute, plus the builds.
#
# Usage: bench/run_hyper_gradient_bench.sh [BUILD_DIR] [bench_hyper_gradient options ...]
#        (default build/release, configured if needed; options e.g. -icnn_inputs extended -data_noise 0.01)
# Environment: BENCH_PARTICLES (comma-separated block sizes, default 1,16,64,256), BENCH_MIN_TIME (least
# seconds of one timed batch, default 0.2), BENCH_CORE (the core everything runs on, default 0),
# BENCH_NATIVE (1: also time a -march=native build, default 1), BENCH_NATIVE_BUILD (its build directory,
# default build/native next to build/release, else BUILD_DIR-native), TORCH_BLAS_DIR (a directory with
# libblas.so.3 for PyTorch), BENCH_NICE (run the measured commands under `nice -n BENCH_NICE` and set the
# session's autogroup nice, as run_svgd_bench.sh does).
#
# PyTorch's BLAS: Debian's python3-torch calls whatever libblas.so.3 the system alternative selects, the
# single-threaded netlib reference BLAS on a fresh machine, on which torch.bmm is about 5 times slower than
# on OpenBLAS. As in run_svgd_bench.sh, PyTorch runs on OpenBLAS 0.3.21 through LD_LIBRARY_PATH alone: the
# system's libopenblas0-pthread if installed, else a private copy unpacked from that package into
# BUILD_DIR/bench-deps (apt-get download; nothing is installed). OPENBLAS_NUM_THREADS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=$(realpath -m "${1:-build/release}")
shift $(($# > 0 ? 1 : 0))
py=/usr/bin/python3
results=$src/bench/results
raw=$results/raw
out=$build/bench-out
mkdir -p "$raw" "$out"
source scripts/mpi_env.sh
source bench/common.sh
particles=${BENCH_PARTICLES:-1,16,64,256}
min_time=${BENCH_MIN_TIME:-0.2}
core=${BENCH_CORE:-0}
native=${BENCH_NATIVE:-1}
if [[ $build == "$src/build/release" ]]; then
  native_build=${BENCH_NATIVE_BUILD:-$src/build/native}
else
  native_build=${BENCH_NATIVE_BUILD:-$build-native}
fi
native_build=$(realpath -m "$native_build")
bench_priority

# --- dependencies and builds -------------------------------------------------------------------------------
if ! $py -c 'import torch' 2> /dev/null; then
  log "python3-torch missing: installing the project's dependencies"
  scripts/install_deps.sh --bench
fi
deps=$build/bench-deps
blas_dir=${TORCH_BLAS_DIR:-$(openblas_dir "$deps")}
if [[ -z $blas_dir ]]; then
  if unpack_debs "$deps" libopenblas0-pthread; then
    blas_dir=$(openblas_dir "$deps")
  else
    log "apt-get download failed: PyTorch runs on the system BLAS (named in the md file)"
  fi
fi

build_bench() {  # BUILD_DIR [cmake options]
  local dir=$1
  shift
  [[ -f $dir/CMakeCache.txt ]] || cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" > /dev/null
  log "building bench_hyper_gradient in $dir"
  make -C "$dir" -j "$(nproc)" bench_hyper_gradient > "$out/build_hyper_gradient.log"
}
compile_flags() {  # BUILD_DIR: the flags of its Release compile lines
  local cache=$1/CMakeCache.txt flags
  flags="$(sed -n 's/^CMAKE_CXX_FLAGS:[A-Z]*=//p' "$cache") $(sed -n 's/^CMAKE_CXX_FLAGS_RELEASE:[A-Z]*=//p' "$cache")"
  grep -q '^L0SVGD_NATIVE:BOOL=ON' "$cache" && flags="$flags -march=native"
  echo "$(echo $flags) -DEIGEN_DONT_PARALLELIZE -DEIGEN_USE_BLAS (products through OpenBLAS), activations by a run-time-dispatched vector loop"
}
build_bench "$build"
builds=(l0svgd)
dirs=("$build")
if [[ $native == 1 ]]; then
  build_bench "$native_build" -DL0SVGD_NATIVE=ON
  builds+=(l0svgd_native)
  dirs+=("$native_build")
fi

# --- measurements --------------------------------------------------------------------------------------------
one_core=("${priority[@]}" taskset -c "$core" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1)
machine=$(describe_machine)
revision=$(code_revision)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $machine; load $load_before"

reference=$out/hyper_gradient_reference.h5
cpp_csvs=()
flags_json="{"
for i in "${!builds[@]}"; do
  name=${builds[$i]} dir=${dirs[$i]}
  # The portable build writes the reference file PyTorch is checked against.
  file=$reference
  [[ $i -gt 0 ]] && file=$out/hyper_gradient_reference_$name.h5
  log "$name: N = $particles on core $core"
  "${one_core[@]}" "$dir/bench/bench_hyper_gradient" -bench_particles "$particles" \
    -bench_min_time "$min_time" -bench_output "$file" "$@" > "$raw/hyper_gradient_$name.csv"
  cat "$raw/hyper_gradient_$name.csv" >&2
  cpp_csvs+=(--cpp-csv "$name=$raw/hyper_gradient_$name.csv")
  flags_json+="$([[ $i -gt 0 ]] && echo ,)\"$name\": \"$(compile_flags "$dir")\""
done
flags_json+="}"

log "PyTorch (BLAS ${blas_dir:-system}): check against l0svgd, then N = $particles on core $core"
torch_env=(env)
[[ -n $blas_dir ]] && torch_env+=(LD_LIBRARY_PATH="$blas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
"${one_core[@]}" "${torch_env[@]}" $py bench/torch_icnn.py "$reference" --particles "$particles" \
  --min-time "$min_time" --json "$raw/hyper_gradient_torch.json" > "$raw/hyper_gradient_torch.csv"
cat "$raw/hyper_gradient_torch.csv" >&2
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

meta=$(MACHINE="$machine" DATE="$(date -u +%Y-%m-%dT%H:%MZ)" \
  REVISION="$revision" LOAD_BEFORE="$load_before" \
  LOAD_AFTER="$load_after" FLAGS="$flags_json" CORE="$core" NICE="${BENCH_NICE:-0}" $py -c "
import json, os
e = os.environ
print(json.dumps({'machine': e['MACHINE'], 'date': e['DATE'], 'revision': e['REVISION'],
                  'load_before': e['LOAD_BEFORE'], 'load_after': e['LOAD_AFTER'],
                  'flags': json.loads(e['FLAGS']), 'core': e['CORE'], 'nice': e['NICE']}))")
$py bench/torch_icnn.py --tables "$raw/hyper_gradient_torch.json" "${cpp_csvs[@]}" \
  --csv "$results/hyper_gradient.csv" --md "$results/hyper_gradient.md" --meta "$meta"
stamp_builds="$(build_type_of "$build")"
[[ $native == 1 ]] && stamp_builds="$stamp_builds and $(build_type_of "$native_build")"
$py bench/provenance.py stamp hyper_gradient --revision "$revision" --build-type "$stamp_builds" \
  --machine "$machine"
log "wrote $results/hyper_gradient.csv and $results/hyper_gradient.md"
cat "$results/hyper_gradient.md"
