#!/usr/bin/env bash
# No output may destroy a file the run reads, and no input may hang the run: each case must fail with its
# message (expect_failure.sh: one error line, non-zero exit, no temporary left) and leave the input as it
# was. Usage: inputs_protected.sh <workdir> <l0svgd> <source dir>
set -u
work="$1"; exe="$2"; src="$3"
mkdir -p "$work"; cd "$work" || exit 1
fail="$src/tests/cli/expect_failure.sh"
launch=(timeout 120 mpirun -n 2 --oversubscribe "$exe")
run() { "${launch[@]}" "$@"; }
status=0
check() {  # <name> <expected> <protected file> <args...>: fails as expected, file unchanged
  local name="$1" expected="$2" file="$3"; shift 3
  cp "$file" "$work/$name.orig"
  # expect_failure.sh removes its output path first: give it a scratch name, the clash is in the args.
  if ! "$fail" "$expected" "$work/$name.none" "${launch[@]}" "$@"; then echo "FAIL: $name"; status=1; fi
  if ! cmp -s "$file" "$work/$name.orig"; then echo "FAIL: $name changed $file"; status=1; fi
}
small=(-task svgd -target_type gaussian -target_dim 3 -svgd_particles 24 -svgd_iterations 10 -log_level warning)
cp "$src/inputs/gaussian_svgd.yaml" in.yaml
check output_is_input "is the run's input file 'in.yaml'" in.yaml in.yaml -svgd_iterations 5 -output_file in.yaml
check checkpoint_is_input "is the run's input file 'in.yaml'" in.yaml in.yaml -svgd_iterations 5 \
  -checkpoint_every 2 -checkpoint_file in.yaml -output_file out.h5
cp "$src/data/uci/breast_cancer.csv" data.csv
check output_is_data "is the run's input file 'data.csv'" data.csv -task svgd -target_type logreg \
  -target_data data.csv -svgd_iterations 2 -output_file ./data.csv
run "${small[@]}" -output_file init.h5 || status=1
check output_is_init "is the run's input file 'init.h5'" init.h5 "${small[@]}" -init_type file \
  -init_file init.h5 -output_file init.h5
check checkpoint_is_output "-checkpoint_file 'r.h5' is the -output_file" init.h5 "${small[@]}" \
  -checkpoint_every 2 -checkpoint_file r.h5 -output_file ./r.h5
# Resuming and checkpointing into the same file (the requeue pattern) works.
run "${small[@]}" -checkpoint_every 5 -checkpoint_file ckpt.h5 -output_file a.h5 || status=1
run "${small[@]}" -svgd_iterations 20 -checkpoint_every 5 -checkpoint_file ckpt.h5 -restart ckpt.h5 \
  -output_file b.h5 || { echo "FAIL: resume into the same checkpoint"; status=1; }
# A directory or a FIFO as the input file: an error on every rank, not a hang.
mkdir -p adir
if ! "$fail" "is a directory" "$work/dir.none" "${launch[@]}" adir; then echo "FAIL: directory"; status=1; fi
rm -f fifo; mkfifo fifo
if ! "$fail" "is not a regular file" "$work/fifo.none" "${launch[@]}" fifo; then echo "FAIL: fifo"; status=1; fi
rm -f fifo
exit $status
