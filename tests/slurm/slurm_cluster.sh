#!/bin/sh
# A real one-node Slurm cluster on this machine: munged, slurmctld and slurmd
# started here from a temporary folder (munge key, slurm.conf with this host
# as controller and node), the battery submitted with scripts/slurm/submit.sh
# as a job array of 4 shards plus the dependent merge job; the merged report
# must equal a single-process run (but wall_s).  Every daemon started is
# stopped at the end, on failure too.  Exit 77 (skip) without Slurm/munge.
# usage: slurm_cluster.sh PHASEBENCH BATTERY WORKDIR [TIMEOUT_S]
set -eu
pb=$1 battery=$2 work=$3 limit=${4:-1500}
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/scaleout/common.sh"
for t in munged mungekey slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
    if ! command -v "$t" > /dev/null 2>&1 && [ ! -x "/usr/sbin/$t" ]; then
        echo "SKIP: $t not found: Slurm and munge are not installed (install them with" \
             "PB_WITH_SLURM=1 sh scripts/setup-debian.sh)"
        exit 77
    fi
done
export PATH="$PATH:/usr/sbin"
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
tmp=$(mktemp -d /tmp/pb-slurm.XXXXXX)
chmod 755 "$tmp"

stop_all() {
    rc=$?
    set +e
    [ -f "$tmp/slurm.conf" ] && SLURM_CONF="$tmp/slurm.conf" scancel --quiet --user="$(id -un)" 2>/dev/null
    for p in slurmd slurmctld munged; do
        if [ -f "$tmp/$p.pid" ]; then
            pid=$(cat "$tmp/$p.pid")
            kill "$pid" 2>/dev/null
            i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            kill -9 "$pid" 2>/dev/null
        fi
    done
    if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
        for l in "$tmp"/*.log "$work"/jobs/slurm-*.log; do
            [ -f "$l" ] && { echo "--- $l (tail)"; tail -n 15 "$l"; }
        done
    fi
    rm -rf "$tmp"
    exit $rc
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# munge: a fresh key and a private socket
mungekey --create --keyfile="$tmp/munge.key" 2>/dev/null ||
    dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge.key"
mkdir -m 700 "$tmp/munge"
munged --key-file="$tmp/munge.key" --socket="$tmp/munge/munge.sock" \
       --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" \
       --seed-file="$tmp/munge/seed" --force
i=0
while [ ! -S "$tmp/munge/munge.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$tmp/munge/munge.sock" ] || { echo "munged did not start"; exit 1; }

# slurm.conf: this host is controller and node; ports chosen free
host=$(hostname -s)
node=$(slurmd -C | head -n 1)
free_port() {
    p=$1
    while ss -ltn 2>/dev/null | awk '{ print $4 }' | grep -q ":$p\$"; do p=$((p + 1)); done
    echo "$p"
}
ctld_port=$(free_port 16817)
slurmd_port=$(free_port $((ctld_port + 1)))
mkdir -p "$tmp/state" "$tmp/spool"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=phasebench-test
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
$node State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -c -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
i=0
until [ "$(sinfo -h -o %t 2>/dev/null)" = idle ]; do
    i=$((i + 1))
    [ $i -lt 300 ] || { echo "the node did not become idle:"; sinfo; exit 1; }
    sleep 0.2
done
echo "slurm: node $host idle (controller port $ctld_port)"

# the single-process run, then the cluster's
t0=$(date +%s)
"$pb" run "$battery" --backend ref --jobs 1 --out "$work/single" --quiet
t1=$(date +%s)
echo "single process: $((t1 - t0)) s"
ids=$(PHASEBENCH="$pb" sh "$src/scripts/slurm/submit.sh" "$battery" "$work/jobs" 4 --backend ref)
echo "$ids"
merge=$(echo "$ids" | awk '$1 == "merge" { print $2 }')
array=$(echo "$ids" | awk '$1 == "array" { print $2 }')
[ -n "$merge" ] && [ -n "$array" ] || { echo "submit.sh printed no job ids"; exit 1; }
start=$(date +%s)
while squeue -h -j "$array,$merge" 2>/dev/null | grep -q .; do
    [ $(($(date +%s) - start)) -lt "$limit" ] || { echo "not done after $limit s:"; squeue; exit 1; }
    sleep 2
done
t2=$(date +%s)
echo "slurm: 4 shards and the merge in $((t2 - t1)) s"
state=$(scontrol show job "$merge" | tr ' ' '\n' | awk -F= '$1 == "JobState" { print $2 }')
[ "$state" = COMPLETED ] || { echo "merge job $merge ended $state"; scontrol show job "$merge"; exit 1; }
n_tasks=$(scontrol show job "$array" | grep -c "JobState=COMPLETED" || true)
[ "$n_tasks" = 4 ] || { echo "$n_tasks of 4 array tasks completed"; scontrol show job "$array"; exit 1; }
for k in 1 2 3 4; do
    [ "$(manifest_value "$work/jobs/shard-$k" shard)" = "$k/4" ] || { echo "shard-$k is not shard $k/4"; exit 1; }
done
same_reports "$work/single" "$work/jobs/merged"
[ "$(manifest_value "$work/jobs/merged" status)" = complete ] || { echo "merged run not complete"; exit 1; }
echo "slurm: the merged report of 4 array tasks equals the single-process run"
