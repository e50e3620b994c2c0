#!/usr/bin/env bash
# Runs l0svgd with several rank counts (or a run split by a restart) and checks that the final particles
# agree to a tolerance (h5compare.py, values only). Usage:
#   compare_runs.sh ranks <tolerance> <workdir> <l0svgd> <input> [options...]
#   compare_runs.sh restart <tolerance> <workdir> <l0svgd> <input> [options...]
#   compare_runs.sh variant <tolerance> <workdir> <l0svgd> <input> [options...] -- [variant options...]
#     (2 ranks, without and with the variant options: the same final particles)
# A restart checkpoints every 7 iterations (every $COMPARE_CHECKPOINT_EVERY if set) on 1 and on 4 ranks,
# resumes from the last checkpoint written on 4 and 2 ranks, and on 1, checks that each resumed run
# records the checkpoint it resumed, and compares /particles (the datasets in $COMPARE_DATASETS if set;
# with ranks, /particles and /log_density by default).
set -eu
mode="$1"; tol="$2"; work="$3"; exe="$4"; input="$5"; shift 5
mkdir -p "$work"
run() { local np="$1"; shift; mpirun -n "$np" --oversubscribe "$exe" "$input" -log_level warning "$@"; }
# Values only: h5diff would also follow the dimension scales' references to the wall times.
same() { /usr/bin/python3 "$(dirname "$0")/h5compare.py" "$tol" "$@"; }
if [ "$mode" = variant ]; then
  common=(); while [ "$#" -gt 0 ] && [ "$1" != -- ]; do common+=("$1"); shift; done
  shift
  run 2 "${common[@]}" -output_file "$work/base.h5"
  run 2 "${common[@]}" "$@" -output_file "$work/variant.h5"
  same "$work/base.h5" "$work/variant.h5" /particles /log_density
elif [ "$mode" = ranks ]; then
  for np in 1 2 3 4; do run "$np" "$@" -output_file "$work/np$np.h5"; done
  for np in 2 3 4; do
    # shellcheck disable=SC2086 # a list of names
    same "$work/np1.h5" "$work/np$np.h5" ${COMPARE_DATASETS:-/particles /log_density}
  done
else
  # Checkpoints written on 1 and on 4 ranks, resumed on 4 and 2, and on 1.
  every="${COMPARE_CHECKPOINT_EVERY:-7}"
  run 2 "$@" -output_file "$work/straight.h5"
  for np in 1 4; do
    run "$np" "$@" -output_file "$work/first$np.h5" -checkpoint_every "$every" \
      -checkpoint_file "$work/ckpt$np.h5"
  done
  run 4 "$@" -output_file "$work/resumed_1to4.h5" -restart "$work/ckpt1.h5"
  run 2 "$@" -output_file "$work/resumed_1to2.h5" -restart "$work/ckpt1.h5"
  run 1 "$@" -output_file "$work/resumed_4to1.h5" -restart "$work/ckpt4.h5"
  # Each resumed run says what it resumed, at the checkpoint's iteration (a driver that ignored
  # -restart and ran from the start would match the particles but not this); the others say nothing.
  /usr/bin/python3 - "$work" <<'PY'
import h5py, sys
work = sys.argv[1]
for name in ("straight", "first1", "first4"):
    assert "restarted_from" not in h5py.File(f"{work}/{name}.h5").attrs, f"{name}: restart recorded"
for name, ckpt in (("resumed_1to4", "ckpt1"), ("resumed_1to2", "ckpt1"), ("resumed_4to1", "ckpt4")):
    attrs = h5py.File(f"{work}/{name}.h5").attrs
    at = h5py.File(f"{work}/{ckpt}.h5").attrs["iteration"]
    assert at > 0, f"{ckpt}: checkpoint at iteration {at}"
    source = attrs.get("restarted_from", b"")
    source = source.decode() if isinstance(source, bytes) else source
    assert source == f"{work}/{ckpt}.h5", f"{name}: restarted_from {source!r}"
    assert attrs.get("restarted_at") == at, f"{name}: restarted_at {attrs.get('restarted_at')}, checkpoint at {at}"
PY
  resumed="first1 first4 resumed_1to4 resumed_1to2 resumed_4to1"
  for f in $resumed; do
    # shellcheck disable=SC2086
    same "$work/straight.h5" "$work/$f.h5" ${COMPARE_DATASETS:-/particles}
  done
  # The resumed file holds the whole history, as the uninterrupted one does (where there is one).
  h5ls "$work/straight.h5/history" > /dev/null 2>&1 || { echo "runs agree to $tol"; exit 0; }
  for f in $resumed; do
    same "$work/straight.h5" "$work/$f.h5" /history/iteration /history/mean_log_density \
      /history/step_norm
  done
fi
echo "runs agree to $tol"
