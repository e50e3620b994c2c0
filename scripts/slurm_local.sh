#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for testing the job scripts under a real scheduler.
#   scripts/slurm_local.sh start DIR   # writes DIR/slurm.conf, starts munged, slurmctld, slurmd
#   export SLURM_CONF=DIR/slurm.conf   # then sbatch, srun, salloc, sinfo talk to it
#   scripts/slurm_local.sh stop DIR    # stops the three daemons by their pid files
# Every file (key, sockets, state, spool, logs, pids) lives in DIR, and the daemons listen on ports
# chosen free at start, so the cluster touches nothing of the system's and can run beside another.
# Exit status 77 from start: SLURM cannot run here (packages missing, or the daemons do not come
# up); the reason is on stderr and the daemons that did start are stopped again.
set -uo pipefail
action="${1:-}"; dir="${2:-}"
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

unavailable() {
  echo "slurm_local: $*" >&2
  [ -d "$dir" ] && stop_daemons
  exit 77
}

stop_daemons() {
  local f pid
  for f in slurmd slurmctld munged; do
    [ -s "$dir/$f.pid" ] || continue
    pid="$(cat "$dir/$f.pid")"
    kill "$pid" 2> /dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  done
  rm -f "$dir"/*.pid
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local cmd
  for cmd in munged slurmctld slurmd sbatch srun sinfo; do
    command -v "$cmd" > /dev/null || PATH="$PATH:/usr/sbin" command -v "$cmd" > /dev/null ||
      unavailable "$cmd not found (install slurmctld slurmd slurm-client munge: scripts/install_deps.sh)"
  done
  export PATH="$PATH:/usr/sbin"
  id munge > /dev/null 2>&1 || unavailable "no user munge (the munge package creates it)"
  [ "$(id -u)" -eq 0 ] || unavailable "slurmd must run as root to start job steps"
  mkdir -p "$dir"/{munge,state,spool,log}
  dir="$(cd "$dir" && pwd)"
  # munged wants its folder owned by its own user and searchable by all (clients reach the socket), and
  # refuses a key others can read.
  head -c 1024 /dev/urandom > "$dir/munge/munge.key"
  chown -R munge:munge "$dir/munge"
  chmod 755 "$dir/munge"
  chmod 400 "$dir/munge/munge.key"
  chmod 755 "$dir"
  runuser -u munge -- munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" 2> "$dir/log/munged.start" ||
    unavailable "munged did not start: $(tail -n 1 "$dir/log/munged.start")"
  cp "$dir/munge/munged.pid" "$dir/munged.pid"
  local host cpus mem
  host="$(hostname -s)"
  cpus="$(nproc)"
  mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2))
  cat > "$dir/slurm.conf" << EOF
ClusterName=l0svgdtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF" 2> "$dir/log/slurmctld.start" ||
    unavailable "slurmctld did not start: $(tail -n 1 "$dir/log/slurmctld.start")"
  slurmd -f "$SLURM_CONF" 2> "$dir/log/slurmd.start" ||
    unavailable "slurmd did not start: $(tail -n 1 "$dir/log/slurmd.start")"
  # The node registers within seconds; give it 30. (Addresses are 127.0.0.1, so the host name need
  # not resolve.)
  for _ in $(seq 60); do
    if sinfo -h -N -o '%T' 2> /dev/null | grep -q '^idle'; then
      echo "slurm_local: node $host idle, $cpus CPUs; export SLURM_CONF=$SLURM_CONF" >&2
      return 0
    fi
    sleep 0.5
  done
  unavailable "node did not come up idle within 30 s: $(sinfo -h -N -o '%T %E' 2>&1 | head -n 1);" \
    "slurmd log: $(tail -n 1 "$dir/log/slurmd.log" 2> /dev/null)"
}

case "$action" in
  start) start ;;
  stop) stop_daemons ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
