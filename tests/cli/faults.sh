#!/usr/bin/env bash
# The fault cases of issue 8 that need more than one command: each asserts the message, the exit code,
# and the files left (none under the final name, no temporary, inputs unchanged).
# Usage: faults.sh <workdir> <l0svgd> <source dir>. Exit 77 (skipped) only for the full-disk case when
# no file system can be mounted here, and only after every other case has passed.
set -u
work="$1"; exe="$2"; src="$3"
rm -rf "$work"; mkdir -p "$work"; cd "$work" || exit 1
fail="$src/tests/cli/expect_failure.sh"
launch=(timeout 120 mpirun -n 2 --oversubscribe "$exe")
status=0
bad() { echo "FAIL: $*"; status=1; }
# Values to 1e-12 (h5diff would also follow the dimension scales' references to the wall times).
same() { /usr/bin/python3 "$src/tests/cli/h5compare.py" 1e-12 "$@"; }
attr() { /usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1])['/'].attrs[sys.argv[2]])" "$@"; }
no_temporaries() { if compgen -G "$1.*tmp" > /dev/null; then bad "temporary left: $(compgen -G "$1.*tmp")"; fi; }
# Waits (up to 100 s) until the run logging to $1 is in its SVGD (HMC, VI, design) iterations, where a signal is
# answered with a checkpoint (before, during the setup, it ends the run as usual), and a little more.
started() {
  for _ in $(seq 1000); do
    grep -q "^\(p\?SVGD: .* particles\|HMC: .* chains\|VI: .* components\) in\|^sensitivity: .* problems" "$1" 2> /dev/null && break; sleep 0.1
  done
  sleep 0.5
}
# stops_on <signal> <output> <args...>: a run of $of (default 100000000) iterations, sent the signal
# once in its iterations, stops with exit 75 and its one resume line, leaves its checkpoint
# <output>.ckpt.h5 and neither the result nor a temporary.
stops_on() {
  local signal="$1" out="$2" total="${of:-100000000}"; shift 2
  rm -f "$out" "$out.ckpt.h5"
  "${launch[@]}" "$@" -output_file "$out" > "$out.stdout" 2> "$out.stderr" &
  local pid=$!
  started "$out.stdout"
  pkill "-$signal" -x l0svgd
  wait $pid; local code=$?
  [ "$code" -eq 75 ] || bad "SIG$signal ($out): exit $code, expected 75"
  grep -q "^l0svgd: error: stopped by SIG$signal at iteration [0-9]* of $total; checkpoint written to '$out.ckpt.h5': resume with the same options and -restart $out.ckpt.h5" "$out.stderr" \
    || { bad "SIG$signal ($out): message"; cat "$out.stderr"; }
  [ -e "$out" ] && bad "SIG$signal ($out): a result file was written"
  [ -e "$out.ckpt.h5" ] || bad "SIG$signal ($out): no checkpoint"
  no_temporaries "$out"; no_temporaries "$out.ckpt.h5"
}
small=(-task svgd -target_type gaussian -target_dim 3 -svgd_particles 24 -log_level warning)

# The input file anywhere on the command line: its options apply (5 iterations, d = 4).
printf "task: svgd\ntarget:\n  type: gaussian\n  dim: 4\nsvgd:\n  particles: 16\n" > in.yaml
"${launch[@]}" -svgd_iterations 5 in.yaml -output_file anywhere.h5 -log_level warning || bad "input file last"
[ "$(attr anywhere.h5 iterations 2>/dev/null)" = 5 ] || bad "input file last: not 5 iterations"
/usr/bin/python3 -c "import h5py; assert h5py.File('anywhere.h5')['particles'].shape == (16, 4)" \
  || bad "input file last: its options were not applied"

# Data paths in an input file are relative to that file; on the command line, to the working directory.
mkdir -p case/data; cp "$src/data/uci/breast_cancer.csv" case/data/bc.csv
printf "task: svgd\ntarget:\n  type: logreg\n  data: data/bc.csv\nsvgd:\n  particles: 8\n  iterations: 2\n" \
  > case/logreg.yaml
"${launch[@]}" case/logreg.yaml -output_file relative.h5 -log_level warning || bad "path relative to the input"
"$fail" "data file 'data/bc.csv' does not exist" "$work/cmdline.h5" "${launch[@]}" case/logreg.yaml \
  -target_data data/bc.csv || bad "a command-line path is relative to the working directory"

# An output name that is a directory: refused before the run, nothing left in it.
mkdir -p outdir
"$fail" "output file 'outdir' is an existing directory" "$work/outdir.none" "${launch[@]}" "${small[@]}" \
  -svgd_iterations 5 -output_file outdir || bad "output directory"
[ -z "$(ls -A outdir)" ] || bad "output directory: left $(ls outdir)"
no_temporaries outdir

# A NaN in an initial-particle file is the file's fault, named as such.
"${launch[@]}" "${small[@]}" -svgd_iterations 2 -output_file init.h5 || bad "init file"
/usr/bin/python3 -c "
import h5py; f = h5py.File('init.h5', 'r+'); p = f['particles'][:]; p[5, 1] = float('nan'); f['particles'][...] = p"
"$fail" "initial particles in 'init.h5': particle 5 has a non-finite coordinate" "$work/nan.h5" \
  "${launch[@]}" "${small[@]}" -svgd_precondition none -init_type file -init_file init.h5 || bad "NaN init"

# A restart exactly at its limit writes the checkpointed state; the resumed file equals the whole run.
"${launch[@]}" "${small[@]}" -svgd_iterations 10 -checkpoint_every 10 -checkpoint_file at.ckpt.h5 \
  -output_file at.h5 || bad "checkpoint"
"${launch[@]}" "${small[@]}" -svgd_iterations 10 -restart at.ckpt.h5 -output_file at_again.h5 \
  || bad "restart at the limit"
same at.h5 at_again.h5 /particles || bad "restart at the limit: particles"
same at.h5 at_again.h5 /history/mean_log_density || bad "restart at the limit: history"

# SIGTERM, SIGINT, SIGUSR1 sent to the ranks (as srun and SLURM's --signal do): every rank stops at the
# same iteration, writes the checkpoint, removes its temporary, says how to resume, exits with 75; the
# resumed run equals an uninterrupted one.
long=("${small[@]}" -svgd_precondition none -svgd_iterations 100000000 -svgd_monitor_every 0)
for signal in TERM INT USR1; do
  stops_on "$signal" sig.h5 "${long[@]}" -log_level info
done
stopped=$(attr sig.h5.ckpt.h5 iteration)
total=$((stopped + 7))
"${launch[@]}" "${long[@]}" -svgd_iterations "$total" -restart sig.h5.ckpt.h5 -output_file resumed.h5 \
  || bad "resume after a signal"
"${launch[@]}" "${long[@]}" -svgd_iterations "$total" -output_file straight.h5 || bad "uninterrupted run"
same straight.h5 resumed.h5 /particles || bad "resumed != uninterrupted"
same straight.h5 resumed.h5 /history/iteration || bad "resumed history != uninterrupted history"

# The hyperelastic task's SVGD phase stops, checkpoints and resumes the same way.
stops_on TERM hyper.h5 -task hyperelastic -uq_method l2svgd -icnn_width 2 -icnn_depth 1 \
  -svgd_particles 8 -svgd_iterations 100000000 -svgd_monitor_every 0
# So do its HMC chains (here in the warm-up).
of=100000004 stops_on USR1 hmc.h5 -task hyperelastic -uq_method hmc -icnn_width 2 -icnn_depth 1 \
  -hmc_warmup 100000000 -hmc_samples 4 -hmc_monitor_every 0
# And Gaussian-mixture VI (warm-started: the multistart and Laplace fit come first).
stops_on INT vi.h5 -task vi -target_type shear_frame -vi_iterations 100000000 -reference none \
  -multistart_samples 64 -multistart_max_local 4

# And a sensitivity design (65536 base points: 458752 problems), between two blocks of problems.
of=458752 stops_on TERM sensitivity.h5 "$src/tests/cli/data/sensitivity_small.yaml" \
  -sensitivity_samples 65536 -log_level info

# Two runs with one output name: each renames its own file; the later one's data wins.
"${launch[@]}" "${small[@]}" -target_dim 10 -svgd_particles 200 -svgd_iterations 20000 -seed 1 \
  -output_file same.h5 &
first=$!
sleep 1
"${launch[@]}" "${small[@]}" -target_dim 10 -svgd_particles 200 -svgd_iterations 5 -seed 2 \
  -output_file same.h5 || bad "second run"
[ "$(attr same.h5 seed)" = 2 ] || bad "the quick run's file is not its own"
wait $first || bad "first run"
[ "$(attr same.h5 seed)" = 1 ] || bad "the later-finishing run did not win"
no_temporaries same.h5

# A full disk while writing history: every rank fails together (no hang), one line, nothing left.
mkdir -p full
skipped=0
if mount -t tmpfs -o size=4m tmpfs full 2> /dev/null; then
  for np in 1 2; do
    "$fail" "no space left on device writing '$work/full/o.h5'" "$work/full/o.h5" timeout 120 mpirun -n $np \
      --oversubscribe "$exe" "${small[@]}" -target_dim 10 -svgd_particles 200 -svgd_iterations 4000 \
      -output_every 10 -svgd_precondition none -output_file "$work/full/o.h5" || bad "full disk on $np ranks"
    [ -z "$(ls -A full)" ] || bad "full disk on $np ranks left $(ls full)"
  done
  umount full
else
  echo "SKIP: the full-disk case needs to mount a small tmpfs (root in a container that allows it)"
  skipped=1
fi
[ $status -ne 0 ] && exit $status
[ $skipped -eq 1 ] && exit 77
echo "every fault case passed"
exit 0
