#!/bin/sh
# Runs the smoke battery on a backend and compares it with the stored
# reference under the backend-class tolerances; then checks that compare
# catches a moved test error on a copy.
# usage: smoke_vs_reference.sh PHASEBENCH BACKEND DTYPE REF_DIR WORKDIR
set -eu
pb=$1 backend=$2 dtype=$3 ref=$4 work=$5
rm -rf "$work"
mkdir -p "$work"
"$pb" backends --csv | grep -q "^1,$backend,available" || { echo "$backend unavailable here: skip"; exit 77; }
"$pb" run smoke --backend "$backend" --dtype "$dtype" --out "$work/run" --quiet
"$pb" compare "$work/run" "$ref" --quiet
# A copy with one test error moved must fail.
cp -r "$work/run" "$work/moved"
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "test_err") c = i }
                  NR == 2 { $c = $c + 0.01 } { print }' "$work/run/runs.csv" > "$work/moved/runs.csv"
if "$pb" compare "$work/moved" "$ref" --quiet > "$work/moved.txt"; then
    echo "compare accepted a moved test error"
    exit 1
fi
grep -q test_err "$work/moved.txt" || { cat "$work/moved.txt"; exit 1; }
echo "smoke on $backend/$dtype matches $ref; a moved value is caught"
