#!/bin/sh
# A battery of the struct_size probes of ABI 1.0, 1.1 and 1.2 on the ABI 1.1
# test backend, through the command: each probe's row must say every guard
# byte is intact and struct_size is as the rule says, with a real training
# run, and claims.csv must hold three passes and nothing else.
# usage: previous_minor.sh PHASEBENCH BATTERY WORKDIR
set -eu
pb=$1 battery=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
"$pb" run "$battery" --backend abi11 --out "$work/run" --quiet
col() { # col FILE NAME: the values of column NAME, one a line
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                          c { print $c }' "$1"
}
for m in 0 1 2; do
    t="$work/run/abi1${m}probe.csv"
    [ -s "$t" ] || { echo "missing $t"; exit 1; }
    [ "$(col "$t" abi_minor)" = "$m" ] || { echo "$t: abi_minor is not $m"; cat "$t"; exit 1; }
    for c in guards_intact struct_size_ok ok; do
        [ "$(col "$t" $c)" = 1 ] || { echo "$t: $c is not 1"; cat "$t"; exit 1; }
    done
    steps=$(col "$t" steps)
    [ "$steps" -gt 0 ] || { echo "$t: no training steps"; exit 1; }
done
pass=$(col "$work/run/claims.csv" verdict | grep -c '^pass$' || true)
rows=$(col "$work/run/claims.csv" verdict | wc -l)
[ "$pass" = 3 ] && [ "$rows" = 3 ] || { echo "claims:"; cat "$work/run/claims.csv"; exit 1; }
grep -q ',abi11,' "$work/run/runs.csv" || { echo "runs.csv does not name the abi11 backend"; head -3 "$work/run/runs.csv"; exit 1; }
echo "previous minor: the ABI 1.0, 1.1 and 1.2 probes ran on the ABI 1.1 backend with their structs intact"
