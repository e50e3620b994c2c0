# Sourced by the job scripts: `launch NP args...` runs l0svgd on NP ranks with srun inside a SLURM
# allocation (PMIx) and with mpirun otherwise.
here="${here:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
L0SVGD_EXE="${L0SVGD_EXE:-$here/build/release/l0svgd}"
source "$here/scripts/mpi_env.sh"
# srun no longer passes --cpus-per-task on to job steps (SLURM >= 22.05).
[ -n "${SLURM_CPUS_PER_TASK:-}" ] && export SRUN_CPUS_PER_TASK="$SLURM_CPUS_PER_TASK"

launch() {
  local np="$1"; shift
  if [ ! -x "$L0SVGD_EXE" ]; then
    echo "l0svgd executable not found at $L0SVGD_EXE (build with scripts/build.sh)" >&2
    return 1
  fi
  if [ -n "${SLURM_JOB_ID:-}" ] && command -v srun > /dev/null; then
    srun --mpi=pmix -n "$np" "$L0SVGD_EXE" "$@"
  else
    mpirun -n "$np" --oversubscribe "$L0SVGD_EXE" "$@"
  fi
}
