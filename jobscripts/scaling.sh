#!/usr/bin/env bash
# Strong or weak scaling sweep of one case; writes one CSV with time per iteration, time per phase and
# parallel efficiency. Runs under SLURM (srun) or falls back to mpirun.
#   jobscripts/scaling.sh strong out/strong.csv "1 2" inputs/gaussian_svgd.yaml -svgd_particles 1024
#   jobscripts/scaling.sh weak   out/weak.csv   "1 2" inputs/gaussian_svgd.yaml -svgd_particles 512
# In a weak sweep the particle count given is per rank (N = P × that number).
set -euo pipefail
mode="$1"; csv="$2"; ranks="$3"; input="$4"; shift 4
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/jobscripts/launch.sh"
per_rank=$(printf '%s\n' "$@" | awk 'prev=="-svgd_particles"{print; exit} {prev=$0}')
per_rank="${per_rank:-256}"
work="$(dirname "$csv")/scaling-$mode"
mkdir -p "$work"
rows=()
for np in $ranks; do
  n=$per_rank
  [ "$mode" = weak ] && n=$((per_rank * np))
  out="$work/np$np.h5"
  launch "$np" "$input" "$@" -svgd_particles "$n" -output_file "$out" -log_level warning
  rows+=("$out")
done
/usr/bin/python3 - "$here/scripts/timing_row.py" "$mode" "$csv" "${rows[@]}" <<'PY'
import subprocess, sys
timing_row, mode, csv, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
out = subprocess.run(["/usr/bin/python3", timing_row, "--header", *files],
                     capture_output=True, text=True, check=True).stdout.strip().splitlines()
header, rows = out[0].split(","), [r.split(",") for r in out[1:]]
t = header.index("time_per_iteration_s"); p = header.index("ranks")
base = float(rows[0][t]) * int(rows[0][p])
with open(csv, "w") as f:
    f.write(",".join(["mode"] + header + ["efficiency"]) + "\n")
    for r in rows:
        ranks, time = int(r[p]), float(r[t])
        eff = (float(rows[0][t]) / time) if mode == "weak" else base / (ranks * time)
        f.write(",".join([mode] + r + [f"{eff:.3f}"]) + "\n")
print(open(csv).read(), end="")
PY
