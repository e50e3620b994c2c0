#!/usr/bin/env bash
# -help exits 0 and documents the options, with their defaults and ranges, of every module.
# Usage: help.sh <l0svgd>
set -u
out="$("$1" -help)" || { echo "FAIL: -help exited with $?"; exit 1; }
status=0
for expected in "-svgd_particles <int> default 100, in \[2," "-hmc_warmup <int> default 1000" \
  "-vi_iterations <int> default 2000" "-checkpoint_every <int> default 0" "-l0_lambda"; do
  grep -q -- "$expected" <<< "$out" || { echo "FAIL: -help lacks '$expected'"; status=1; }
done
exit $status
