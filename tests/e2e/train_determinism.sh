#!/bin/sh
# Two identical trainings give identical CSV bytes except wall_s; --dynamics
# writes checkpoint rows; bad flags are clear errors.
# usage: train_determinism.sh PHASEBENCH BACKEND WORKDIR
set -eu
pb=$1 backend=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
args="--backend $backend --dataset sphere --d 5 --ptr 60 --pte 200 --ptk 0 --h 12 --alpha 2 --max-steps 3000"
"$pb" train $args --out "$work/a.csv" --dynamics "$work/dyn.csv" 2>/dev/null
"$pb" train $args --out "$work/b.csv" 2>/dev/null
strip() { awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_s") w = i } { $w = ""; print }' "$1"; }
strip "$work/a.csv" > "$work/a.cmp"
strip "$work/b.csv" > "$work/b.cmp"
cmp "$work/a.cmp" "$work/b.cmp" || { echo "two identical trainings differ"; diff "$work/a.cmp" "$work/b.cmp"; exit 1; }
[ "$(wc -l < "$work/a.csv")" -eq 2 ] || { echo "expected header + one row"; exit 1; }
[ "$(wc -l < "$work/dyn.csv")" -gt 5 ] || { echo "dynamics file too short"; exit 1; }
# the wall-clock cap is a safety limit that says so
"$pb" train $args --max-wall 1e-9 --out "$work/w.csv" 2>/dev/null
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "stop_reason") c = i } NR == 2 { exit $c != "wall" }' "$work/w.csv" ||
    { echo "--max-wall did not stop the run with stop_reason=wall"; exit 1; }
# bad input: a clear message naming the flag, exit 2, nothing written
if "$pb" train --backend "$backend" --h abc --out "$work/c.csv" 2>"$work/err"; then exit 1; fi
grep -q -- "--h: expected an integer" "$work/err" || { cat "$work/err"; exit 1; }
if "$pb" train --backend "$backend" --frobnicate 1 2>"$work/err"; then exit 1; fi
grep -q "unknown flag '--frobnicate'" "$work/err" || { cat "$work/err"; exit 1; }
if "$pb" train --backend "$backend" --dataset mnist:/nonexistent 2>"$work/err"; then exit 1; fi
grep -q "/nonexistent" "$work/err" || { cat "$work/err"; exit 1; }
[ ! -e "$work/c.csv" ] || { echo "a failed run left a file"; exit 1; }
echo "train determinism and input errors: ok"
