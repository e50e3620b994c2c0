#!/usr/bin/env bash
# Strong or weak scaling sweep of one case; writes one CSV with time per iteration, time per phase and
# parallel efficiency. Runs under SLURM (srun) or falls back to mpirun.
#   jobscripts/scaling.sh strong out/strong.csv "1 2" inputs/gaussian_svgd.yaml -svgd_particles 1024
#   jobscripts/scaling.sh weak   out/weak.csv   "1 2" inputs/gaussian_svgd.yaml -svgd_particles 512
# In a weak sweep the particle count given is per rank (N = P × that number). Rank counts above the
# cores of the machine (nproc, or SLURM's allocation) are oversubscribed: their rows are marked
# timed=0 and their particles are checked against a 1-rank run of the same N (h5diff to 1e-12), not
# timed. scripts/plot_scaling.py draws the CSV (time per phase and efficiency against ranks).
set -euo pipefail
mode="$1"; csv="$2"; ranks="$3"; input="$4"; shift 4
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/jobscripts/launch.sh"
per_rank=$(printf '%s\n' "$@" | awk 'prev=="-svgd_particles"{print; exit} {prev=$0}')
per_rank="${per_rank:-256}"
work="$(dirname "$csv")/scaling-$mode"
mkdir -p "$work"
cores="${SLURM_NTASKS:-$(nproc)}"
rows=()
timed=()
for np in $ranks; do
  n=$per_rank
  [ "$mode" = weak ] && n=$((per_rank * np))
  out="$work/np$np.h5"
  launch "$np" "$input" "$@" -svgd_particles "$n" -output_file "$out" -log_level warning
  rows+=("$out")
  if [ "$np" -gt "$cores" ]; then
    # Oversubscribed: a correctness check against one rank, not a timing.
    launch 1 "$input" "$@" -svgd_particles "$n" -output_file "$work/np$np.reference.h5" -log_level warning
    h5diff -d 1e-12 "$work/np$np.reference.h5" "$out" /particles /particles
    echo "P = $np (oversubscribed on $cores cores): particles agree with 1 rank to 1e-12" >&2
    timed+=(0)
  else
    timed+=(1)
  fi
done
/usr/bin/python3 - "$here/scripts/timing_row.py" "$mode" "$csv" "${timed[*]}" "${rows[@]}" <<'PY'
import subprocess, sys
timing_row, mode, csv, timed, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5:]
out = subprocess.run(["/usr/bin/python3", timing_row, "--header", *files],
                     capture_output=True, text=True, check=True).stdout.strip().splitlines()
header, rows = out[0].split(","), [r.split(",") for r in out[1:]]
t = header.index("time_per_iteration_s"); p = header.index("ranks")
base = float(rows[0][t]) * int(rows[0][p])
with open(csv, "w") as f:
    f.write(",".join(["mode"] + header + ["efficiency", "timed"]) + "\n")
    for r, ok in zip(rows, timed):
        ranks, time = int(r[p]), float(r[t])
        eff = (float(rows[0][t]) / time) if mode == "weak" else base / (ranks * time)
        f.write(",".join([mode] + r + [f"{eff:.3f}" if ok == "1" else "", ok]) + "\n")
print(open(csv).read(), end="")
PY
