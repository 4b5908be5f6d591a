#!/bin/sh
# Same battery, same backend, same seeds: the reports must be identical but
# for the wall-clock columns and the manifest's times.  Also: a run folder is
# never overwritten.
# usage: determinism.sh PHASEBENCH BATTERY BACKEND WORKDIR
set -eu
pb=$1 battery=$2 backend=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
"$pb" run "$battery" --backend "$backend" --out "$work/a" --quiet
"$pb" run "$battery" --backend "$backend" --out "$work/b" --quiet
for f in runs jamming kernel ensemble claims; do
    [ -s "$work/a/$f.csv" ] || { echo "missing or empty $f.csv"; exit 1; }
    # drop the wall_s column (its index is read from the header)
    for d in a b; do
        awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_s") w = i }
                          { if (w) $w = ""; print }' "$work/$d/$f.csv" > "$work/$d.$f.cmp"
    done
    if ! cmp -s "$work/a.$f.cmp" "$work/b.$f.cmp"; then
        echo "$f.csv differs between two identical runs:"
        diff "$work/a.$f.cmp" "$work/b.$f.cmp" | head -20
        exit 1
    fi
done
if "$pb" run "$battery" --backend "$backend" --out "$work/a" --quiet 2>"$work/err"; then
    echo "a second run into the same folder was not refused"
    exit 1
fi
grep -q "already holds a run" "$work/err" || { cat "$work/err"; exit 1; }
echo "determinism: identical reports from two runs of $battery on $backend"
