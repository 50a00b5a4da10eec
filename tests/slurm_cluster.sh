#!/usr/bin/env bash
# slurm_cluster.sh — start or stop a throwaway one-node SLURM cluster.
#
#   eval "$(tests/slurm_cluster.sh start DIR)"   # prints export SLURM_CONF=...; PIDs in DIR/*.pid
#   tests/slurm_cluster.sh stop DIR              # kills the daemons it started, by PID
#
# slurmctld + slurmd from Debian, state and spool under DIR, no munge
# (auth/none, cred/none), pmix for srun, the node sized from `slurmd -C`.
set -u
cmd=${1:?start|stop} dir=${2:?DIR}
case $cmd in
start)
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  cpus=$(slurmd -C | sed -nE 's/.*CPUs=([0-9]+).*/\1/p')
  mem=$(slurmd -C | sed -nE 's/.*RealMemory=([0-9]+).*/\1/p')
  port=$((20000 + RANDOM % 20000))
  cat > "$dir/slurm.conf" <<EOC
ClusterName=dsetest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pidfile
SlurmdPidFile=$dir/slurmd.pidfile
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=pmix
MailProg=/bin/true
SchedulerParameters=batch_sched_delay=0
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobRequeue=1
MinJobAge=600
ReturnToService=2
KillWait=5
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOC
  export SLURM_CONF=$dir/slurm.conf
  slurmctld -D -f "$SLURM_CONF" >"$dir/log/slurmctld.stdout" 2>&1 &
  echo $! > "$dir/slurmctld.pid"
  slurmd -D -N localhost -f "$SLURM_CONF" >"$dir/log/slurmd.stdout" 2>&1 &
  echo $! > "$dir/slurmd.pid"
  for _ in $(seq 1 100); do
    state=$(sinfo -h -n localhost -o %t 2>/dev/null | head -1)
    [ "$state" = idle ] && break
    sleep 0.2
  done
  if [ "${state:-}" != idle ]; then
    echo "slurm_cluster.sh: the node did not come up (state '${state:-}'); see $dir/log" >&2
    exit 1
  fi
  echo "export SLURM_CONF=$dir/slurm.conf"
  ;;
stop)
  for d in slurmd slurmctld; do
    if [ -f "$dir/$d.pid" ]; then
      pid=$(cat "$dir/$d.pid")
      kill "$pid" 2>/dev/null
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null
      rm -f "$dir/$d.pid"
    fi
  done
  ;;
esac
