#!/usr/bin/env bash
# The job scripts under a real SLURM: a one-node cluster on localhost (scripts/slurm_local.sh), started
# and stopped here. Checks that
#   1. `sbatch jobscripts/run.slurm` runs l0svgd on the job's ranks through srun (PMIx) and writes its
#      result, submitted from a folder other than the checkout;
#   2. a job told to stop (SIGUSR1 to its steps, what `#SBATCH --signal=USR1@120` sends before the time
#      limit) checkpoints, exits 75 and resubmits itself with -restart, and the second job ends with the
#      particles of an uninterrupted run (to 1e-12);
#   3. `jobscripts/scaling.sh` sweeps 1 and 2 ranks through srun inside a `salloc` allocation.
# Usage: slurm.sh <workdir> <l0svgd> <source dir>. Exit 77 (skipped, reason on stderr) when SLURM
# cannot run here; never a pass without the jobs having run.
set -u
work="$1"; exe="$2"; src="$3"
rm -rf "$work"; mkdir -p "$work/submit" "$work/cluster"
cluster="$work/cluster"
status=0
bad() { echo "FAIL: $*"; status=1; }

"$src/scripts/slurm_local.sh" start "$cluster"
code=$?
if [ "$code" -eq 77 ]; then echo "SKIPPED: SLURM cannot run on this machine (above)"; exit 77; fi
[ "$code" -eq 0 ] || { echo "FAIL: slurm_local.sh start exited $code"; exit 1; }
export SLURM_CONF="$cluster/slurm.conf" PATH="$PATH:/usr/sbin" L0SVGD_EXE="$exe"
finish() {
  # Jobs first (their steps outlive slurmd), then the daemons; nothing stays running.
  scancel --quiet --user="$(id -un)" 2> /dev/null
  for _ in $(seq 100); do [ -z "$(squeue -h 2> /dev/null)" ] && break; sleep 0.2; done
  "$src/scripts/slurm_local.sh" stop "$cluster"
}
trap finish EXIT
if ! srun --mpi=list 2>&1 | grep -q pmix; then
  echo "SKIPPED: this SLURM has no PMIx plugin (srun --mpi=list)"; exit 77
fi
# job_field <job> <name>: a field of the job's record while slurmctld remembers it (MinJobAge).
job_field() { scontrol show job "$1" -o 2> /dev/null | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
state() { job_field "$1" JobState; } # e.g. COMPLETED, FAILED, RUNNING
exit_code() { job_field "$1" ExitCode | cut -d: -f1; }
# wait_job <job> <seconds>: until it has ended.
wait_job() {
  local deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    case "$(state "$1")" in PENDING | RUNNING | CONFIGURING | COMPLETING | REQUEUED | "") sleep 0.5 ;; *) return 0 ;; esac
  done
  bad "job $1 did not end within $2 s (state $(state "$1"))"
  scancel "$1"
  return 1
}
cd "$work/submit" || exit 1
attr() { /usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1])['/'].attrs[sys.argv[2]])" "$@"; }

# 1. One job, submitted from elsewhere, with an input given relative to the submit folder.
cp "$src/inputs/logreg_svgd.yaml" .
sed -i "s|data: .*|data: $src/data/uci/breast_cancer.csv|" logreg_svgd.yaml
timeout 300 sbatch --wait --quiet -n 2 -o run-%j.out "$src/jobscripts/run.slurm" logreg_svgd.yaml \
  -svgd_iterations 200 -output_file run.h5
code=$?
[ "$code" -eq 0 ] || { bad "sbatch run.slurm: exit $code"; cat run-*.out; }
[ "$(attr run.h5 ranks 2> /dev/null)" = 2 ] || bad "run.slurm: run.h5 missing or not written by 2 ranks"
[ "$(attr run.h5 iterations 2> /dev/null)" = 200 ] || bad "run.slurm: run.h5 is not at iteration 200"
grep -q "on 2 ranks" run-*.out || bad "run.slurm: the job's log does not show 2 ranks"

# 2. Stop on SIGUSR1, resubmission, and the resumed job's result against an uninterrupted run.
case_args=("$src/inputs/gaussian_svgd.yaml" -svgd_iterations 20000 -svgd_monitor_every 1000)
timeout 120 mpirun -n 2 --oversubscribe "$exe" "${case_args[@]}" -output_file straight.h5 \
  -log_level warning || bad "the uninterrupted run failed"
first=$(sbatch --parsable -n 2 -o stop-%j.out "$src/jobscripts/run.slurm" "${case_args[@]}" \
  -output_file stopped.h5)
for _ in $(seq 600); do grep -q "^SVGD: .* particles in" "stop-$first.out" 2> /dev/null && break; sleep 0.1; done
sleep 1
scancel --signal=USR1 "$first"
wait_job "$first" 120
[ "$(exit_code "$first")" = 75 ] || { bad "stopped job: exit $(exit_code "$first"), expected 75"; cat "stop-$first.out"; }
second=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "stop-$first.out")
if [ -z "$second" ]; then
  bad "the stopped job did not resubmit itself"; cat "stop-$first.out"
else
  grep -q "run.slurm: resubmitting to resume from .*stopped.h5.ckpt.h5" "stop-$first.out" ||
    bad "the stopped job's log does not name its checkpoint"
  wait_job "$second" 180
  [ "$(state "$second")" = COMPLETED ] || { bad "resumed job $second: $(state "$second")"; cat l0svgd-"$second".out; }
  [ "$(job_field "$second" NumTasks)" = 2 ] ||
    bad "the resubmitted job does not have the first one's 2 tasks"
  /usr/bin/python3 "$src/tests/cli/h5compare.py" 1e-12 straight.h5 stopped.h5 /particles ||
    bad "the resumed job's particles differ from the uninterrupted run's"
  [ -n "$(attr stopped.h5 restarted_from 2> /dev/null)" ] || bad "stopped.h5 does not record its restart"
fi

# 3. A strong-scaling sweep through srun inside an allocation.
timeout 300 salloc --quiet -n 2 "$src/jobscripts/scaling.sh" strong "$work/submit/strong.csv" "1 2" \
  "$src/inputs/gaussian_svgd.yaml" -target_dim 8 -svgd_iterations 50 -svgd_particles 128 \
  > salloc.out 2>&1 || { bad "salloc scaling.sh"; cat salloc.out; }
/usr/bin/python3 - strong.csv << 'PY' || bad "strong.csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["ranks"] for r in rows] == ["1", "2"], rows
assert [r["timed"] for r in rows] == ["1", "1"], rows
assert rows[0]["efficiency"] == "1.000" and 0 < float(rows[1]["efficiency"]) < 1.5, rows
PY

[ "$status" -eq 0 ] && echo "SLURM: sbatch, resubmission after a stop, and a sweep under salloc: ok"
exit "$status"
