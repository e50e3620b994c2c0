#!/usr/bin/env bash
# Runs l0svgd with several rank counts (or a run split by a restart) and checks that the final particles
# agree to a tolerance with h5diff. Usage:
#   compare_runs.sh ranks <tolerance> <workdir> <l0svgd> <input> [options...]
#   compare_runs.sh restart <tolerance> <workdir> <l0svgd> <input> [options...]
#   compare_runs.sh variant <tolerance> <workdir> <l0svgd> <input> [options...] -- [variant options...]
#     (2 ranks, without and with the variant options: the same final particles)
# A restart checkpoints every 7 iterations (every $COMPARE_CHECKPOINT_EVERY if set), resumes from the
# last checkpoint written and compares /particles (the datasets in $COMPARE_DATASETS if set).
set -eu
mode="$1"; tol="$2"; work="$3"; exe="$4"; input="$5"; shift 5
mkdir -p "$work"
run() { local np="$1"; shift; mpirun -n "$np" --oversubscribe "$exe" "$input" -log_level warning "$@"; }
if [ "$mode" = variant ]; then
  common=(); while [ "$#" -gt 0 ] && [ "$1" != -- ]; do common+=("$1"); shift; done
  shift
  run 2 "${common[@]}" -output_file "$work/base.h5"
  run 2 "${common[@]}" "$@" -output_file "$work/variant.h5"
  h5diff -d "$tol" "$work/base.h5" "$work/variant.h5" /particles /particles
  h5diff -d "$tol" "$work/base.h5" "$work/variant.h5" /log_density /log_density
elif [ "$mode" = ranks ]; then
  for np in 1 2 3 4; do run "$np" "$@" -output_file "$work/np$np.h5"; done
  for np in 2 3 4; do
    h5diff -d "$tol" "$work/np1.h5" "$work/np$np.h5" /particles /particles
    h5diff -d "$tol" "$work/np1.h5" "$work/np$np.h5" /log_density /log_density
  done
else
  run 2 "$@" -output_file "$work/straight.h5"
  run 2 "$@" -output_file "$work/first.h5" -checkpoint_every "${COMPARE_CHECKPOINT_EVERY:-7}" -checkpoint_file "$work/ckpt.h5"
  run 2 "$@" -output_file "$work/resumed.h5" -restart "$work/ckpt.h5"
  run 3 "$@" -output_file "$work/resumed3.h5" -restart "$work/ckpt.h5"
  for d in ${COMPARE_DATASETS:-/particles}; do
    h5diff -d "$tol" "$work/straight.h5" "$work/resumed.h5" "$d" "$d"
    h5diff -d "$tol" "$work/straight.h5" "$work/resumed3.h5" "$d" "$d"
  done
  # The resumed file holds the whole history, as the uninterrupted one does (where there is one).
  h5ls "$work/straight.h5/history" > /dev/null 2>&1 || { echo "runs agree to $tol"; exit 0; }
  for f in resumed resumed3; do
    for h in iteration mean_log_density step_norm; do
      h5diff -d "$tol" "$work/straight.h5" "$work/$f.h5" /history/$h /history/$h
    done
  done
fi
echo "runs agree to $tol"
