#!/bin/sh
# `run --jobs 2` writes the same reports as `--jobs 1` (but wall_s), and the
# dry run lists the units and the work of each shard.
# usage: jobs.sh PHASEBENCH BATTERY WORKDIR
set -eu
pb=$1 battery=$2 work=$3
. "$(dirname "$0")/common.sh"
rm -rf "$work"
mkdir -p "$work"
"$pb" run "$battery" --backend ref --scale 4 --jobs 1 --out "$work/j1" --quiet
"$pb" run "$battery" --backend ref --scale 4 --jobs 2 --out "$work/j2" --quiet
same_reports "$work/j1" "$work/j2"
for d in j1 j2; do
    [ "$(manifest_value "$work/$d" status)" = complete ] || { echo "$d: status not complete"; exit 1; }
done
[ "$(manifest_value "$work/j2" jobs)" = 2 ] || { echo "j2: manifest jobs is not 2"; exit 1; }
n=$(ls "$work/j1/units" | grep -c '\.unit$')
[ "$n" = "$(manifest_value "$work/j1" units)" ] || { echo "$n unit files, manifest says otherwise"; exit 1; }
"$pb" run "$battery" --dry-run --shard 2/3 > "$work/plan"
grep -q "^0001-jamming-alpha=1 " "$work/plan" || { cat "$work/plan"; echo "no jamming unit in the plan"; exit 1; }
[ "$(grep -c '^[123] ' "$work/plan")" = 3 ] || { cat "$work/plan"; echo "no work per shard"; exit 1; }
echo "jobs: --jobs 2 and --jobs 1 wrote the same reports ($n units)"
