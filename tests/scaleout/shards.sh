#!/bin/sh
# Shards 1..3 of 3, merged, give the single run's reports (but wall_s);
# merge refuses a missing, repeated or foreign shard, naming it.
# usage: shards.sh PHASEBENCH BATTERY WORKDIR
set -eu
pb=$1 battery=$2 work=$3
. "$(dirname "$0")/common.sh"
rm -rf "$work"
mkdir -p "$work"
"$pb" run "$battery" --backend ref --out "$work/single" --quiet
for k in 1 2 3; do
    "$pb" run "$battery" --backend ref --shard $k/3 --out "$work/s$k" --quiet
    [ ! -f "$work/s$k/runs.csv" ] || { echo "a shard wrote a report"; exit 1; }
done
# a shard folder is not a report: compare says so
if "$pb" compare "$work/s1" "$work/single" 2> "$work/err"; then echo "compare took a shard"; exit 1; fi
grep -q "shard 1/3" "$work/err" || { cat "$work/err"; exit 1; }
"$pb" merge "$work/merged" "$work/s3" "$work/s1" "$work/s2" --quiet
same_reports "$work/single" "$work/merged"
"$pb" compare "$work/merged" "$work/single" --quiet \
    --tolerances "$(dirname "$0")/../../results/reference/tolerances.csv" > /dev/null

refused() { # refused NAME EXPECTED-TEXT merge-args...
    name=$1 text=$2
    shift 2
    if "$pb" merge "$work/bad-$name" "$@" --quiet 2> "$work/err-$name"; then
        echo "merge accepted $name"; exit 1
    fi
    grep -q -- "$text" "$work/err-$name" || { echo "merge ($name) said:"; cat "$work/err-$name"; exit 1; }
    [ ! -f "$work/bad-$name/runs.csv" ] || { echo "merge ($name) wrote a report"; exit 1; }
}
refused missing "shard 2/3 is missing" "$work/s1" "$work/s3"
refused repeated "$work/s1 is 1/3 again" "$work/s1" "$work/s1" "$work/s2" "$work/s3"
# a shard of the same battery in f32: named, with the key that differs
"$pb" run "$battery" --backend ref --dtype f32 --shard 2/3 --out "$work/s2-f32" --quiet
refused dtype "shard $work/s2-f32: dtype 'f32' differs" "$work/s1" "$work/s2-f32" "$work/s3"
# another build: the commit the shard was built from differs
cp -r "$work/s3" "$work/s3-other"
sed -i 's/^build_commit,.*/build_commit,0123456789ab/' "$work/s3-other/manifest.csv"
refused build "shard $work/s3-other: build_commit" "$work/s1" "$work/s2" "$work/s3-other"
# other data: every shard fingerprints the data of the whole plan, so the
# shards of one battery agree; one made on other data is refused
for d in s1 s2 s3; do
    fp=$(sed -n 's/^data_fingerprint,//p' "$work/$d/manifest.csv")
    case "$fp" in none|unknown|"") fail "shard $d has no data fingerprint ($fp)" ;; esac
    [ "$fp" = "$(sed -n 's/^data_fingerprint,//p' "$work/s1/manifest.csv")" ] || fail "shards disagree on the data fingerprint"
    cp -r "$work/$d" "$work/fp-$d"
done
sed -i 's/^data_fingerprint,.*/data_fingerprint,bbbb/' "$work/fp-s3/manifest.csv"
refused data "shard $work/fp-s3: data_fingerprint" "$work/fp-s1" "$work/fp-s2" "$work/fp-s3"
echo "shards: 3 shards merged into the single run's reports; bad shards refused"
