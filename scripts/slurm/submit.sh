#!/bin/sh
# Submits a battery to Slurm as a job array of N shards and a merge job that
# starts when every shard succeeded.
#   scripts/slurm/submit.sh BATTERY OUT N [RUN FLAGS...]   (e.g. --backend ref)
# OUT must be on a file system the nodes share.  Prints the two job ids
# ("array JOBID", "merge JOBID"); the report lands in OUT/merged.
# Environment: PHASEBENCH (the phasebench command, default `phasebench`),
# SBATCH_FLAGS (extra sbatch flags for both jobs, e.g. "--partition=cpu"),
# SHARD_CPUS (CPUs per array task, default 1: one unit at a time).
set -eu
[ $# -ge 3 ] || { echo "usage: submit.sh BATTERY OUT N [RUN FLAGS...]" >&2; exit 2; }
battery=$1 out=$2 n=$3
shift 3
case "$n" in '' | *[!0-9]* | 0) echo "submit.sh: N must be a positive integer, got '$n'" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
# the battery, as every node will see it
case "$battery" in
    */* | *.battery) battery=$(cd "$(dirname "$battery")" && pwd)/$(basename "$battery") ;;
esac
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_FLAGS:-} --array="1-$n" --cpus-per-task="${SHARD_CPUS:-1}" \
        --output="$out/slurm-shard-%a.log" "$here/shard.sbatch" "$battery" "$out" "$n" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_FLAGS:-} --dependency="afterok:$array" --kill-on-invalid-dep=yes \
        --output="$out/slurm-merge.log" "$here/merge.sbatch" "$out" "$n")
merge=${merge%%;*}
echo "array $array"
echo "merge $merge"
