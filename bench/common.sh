# Sourced by the benchmark scripts, from the repository root: priority, logging, a private OpenBLAS for
# the reference implementations, and the machine description.

log() { echo "[bench $(date +%T)] $*" >&2; }

# Sets `priority`, the prefix of measured commands: `nice -n BENCH_NICE` if BENCH_NICE is set. With the
# kernel's autogroup scheduling, nice only ranks processes within one session; the session's own weight
# against the others is the autogroup's nice, set here and restored on exit.
bench_priority() {
  priority=()
  [[ -n ${BENCH_NICE:-} ]] || return 0
  priority=(nice -n "$BENCH_NICE")
  if [[ -w /proc/self/autogroup ]]; then
    autogroup_nice=$(awk '{print $NF}' /proc/self/autogroup)
    trap 'echo "$autogroup_nice" > /proc/self/autogroup' EXIT
    echo "$BENCH_NICE" > /proc/self/autogroup
  fi
}

# Prints the directory of an OpenBLAS (pthreads) libblas.so.3: the system's, else the private copy
# under DEPS; nothing if there is neither.
openblas_dir() {  # DEPS
  local candidate
  for candidate in /usr/lib/x86_64-linux-gnu/openblas-pthread \
                   "$1/root/usr/lib/x86_64-linux-gnu/openblas-pthread"; do
    if [[ -e $candidate/libblas.so.3 ]]; then echo "$candidate"; return; fi
  done
}

# Unpacks Debian packages into DEPS/root with apt-get download, installing nothing (so l0svgd and PETSc
# keep the system's BLAS); fails if the download does.
unpack_debs() {  # DEPS PACKAGE...
  local deps=$1 deb
  shift
  log "unpacking $* into $deps (private copy, nothing installed)"
  mkdir -p "$deps"
  (cd "$deps" && apt-get download "$@" > download.log 2>&1) || return 1
  for deb in "$deps"/*.deb; do dpkg-deb -x "$deb" "$deps/root"; done
}

# One line: CPU model, family/model, widest vector unit, cores, memory, hypervisor.
describe_machine() {
  local model family cpu_model vector=SSE2 hypervisor memory
  model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
  family=$(lscpu | sed -n 's/^CPU family: *//p' | head -1)
  cpu_model=$(lscpu | sed -n 's/^Model: *//p' | head -1)
  grep -qw avx2 /proc/cpuinfo && vector=AVX2
  grep -qw avx512f /proc/cpuinfo && vector=AVX-512
  hypervisor=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)
  memory=$(free -g | awk '/^Mem:/ {print $2}')
  echo "$model (family $family model $cpu_model, $vector), $(nproc) cores, ${memory} GiB${hypervisor:+, $hypervisor guest}"
}

# The commit the measured code is at: the short hash, with "-dirty" when tracked files outside
# bench/results differ from it (the benchmark's own result files are rewritten while it runs). Taken
# when the run starts.
code_revision() {
  local rev
  rev=$(git rev-parse --short HEAD 2> /dev/null) || { echo unknown; return; }
  if [[ -n $(git status --porcelain --untracked-files=no -- . ':(exclude)bench/results' 2> /dev/null) ]]; then
    rev="$rev-dirty"
  fi
  echo "$rev"
}

# The build type of a configured build directory, as the result files' provenance stamps record it.
build_type_of() {  # BUILD_DIR
  /usr/bin/python3 -c "import sys; sys.path.insert(0, 'bench'); import provenance; print(provenance.build_type(sys.argv[1]))" "$1"
}
