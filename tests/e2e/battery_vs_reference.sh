#!/bin/sh
# Runs a battery on a backend and compares it with a stored reference under
# the tolerance class compare picks from the two manifests.  Skips (exit 77,
# with the reason) when the reference folder is absent or the backend is not
# available here.
# usage: battery_vs_reference.sh PHASEBENCH BATTERY BACKEND DTYPE REF_DIR WORKDIR
set -eu
pb=$1 battery=$2 backend=$3 dtype=$4 ref=$5 work=$6
if [ ! -f "$ref/manifest.csv" ]; then
    echo "no stored reference in $ref (no manifest.csv): skip."
    echo "Make it with: phasebench run $battery --backend $backend --dtype $dtype --out $ref"
    exit 77
fi
"$pb" backends --csv | grep -q "^1,$backend,available" || { echo "$backend unavailable here: skip"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
"$pb" run "$battery" --backend "$backend" --dtype "$dtype" --out "$work/run" --quiet
"$pb" compare "$work/run" "$ref" --quiet
echo "$battery on $backend/$dtype matches $ref"
