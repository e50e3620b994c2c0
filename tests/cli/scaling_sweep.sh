#!/usr/bin/env bash
# A small strong and weak sweep through jobscripts/scaling.sh (1, 2 ranks timed; 4 oversubscribed,
# checked against one rank), then the plot script on both CSVs. Usage: scaling_sweep.sh <l0svgd> <workdir>
set -euo pipefail
export L0SVGD_EXE="$1"
work="$2"
here="$(cd "$(dirname "$0")/../.." && pwd)"
rm -rf "$work" && mkdir -p "$work"
export OMP_NUM_THREADS=1
case_args=(-target_dim 8 -svgd_iterations 10 -svgd_monitor_every 0 -svgd_ksd_every 0)
# Pretend the machine has 2 cores, so that P = 4 is the oversubscribed, untimed case everywhere.
export SLURM_NTASKS=2
"$here/jobscripts/scaling.sh" strong "$work/strong.csv" "1 2 4" "$here/inputs/gaussian_svgd.yaml" \
  "${case_args[@]}" -svgd_particles 64 > /dev/null
"$here/jobscripts/scaling.sh" weak "$work/weak.csv" "1 2 4" "$here/inputs/gaussian_svgd.yaml" \
  "${case_args[@]}" -svgd_particles 32 > /dev/null
/usr/bin/python3 - "$work" << 'PY'
import csv, sys
for mode in ("strong", "weak"):
    rows = list(csv.DictReader(open(f"{sys.argv[1]}/{mode}.csv")))
    assert [r["ranks"] for r in rows] == ["1", "2", "4"], rows
    assert [r["timed"] for r in rows] == ["1", "1", "0"], rows
    assert rows[0]["efficiency"] == "1.000" and rows[2]["efficiency"] == "", rows
    n = [int(r["particles"]) for r in rows]
    assert n == ([64] * 3 if mode == "strong" else [32, 64, 128]), n
PY
/usr/bin/python3 "$here/scripts/plot_scaling.py" "$work/strong.csv" "$work/weak.csv" -o "$work/scaling.png"
test -s "$work/scaling.png"
echo "scaling sweep and plot: ok"
