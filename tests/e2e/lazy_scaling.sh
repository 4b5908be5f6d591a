#!/bin/sh
# The lazy regime: the relative weight change |w - w0| / |w0| of a trained
# net falls as 1/alpha for large alpha (docs/physics.md section 9).  Trains the same net
# at alpha = 1e2, 1e3, 1e4 and checks each decade divides dw_rel by 10
# within 10 %.
# usage: lazy_scaling.sh PHASEBENCH BACKEND WORKDIR
set -eu
pb=$1 backend=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
for a in 100 1000 10000; do
    "$pb" train --backend "$backend" --dataset sphere --d 5 --ptr 80 --pte 100 --ptk 0 \
        --h 24 --alpha $a --max-steps 20000 --out "$work/a$a.csv" 2>/dev/null
done
col() { awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i } NR == 2 { print $c }' "$1"; }
for a in 100 1000 10000; do
    [ "$(col "$work/a$a.csv" stop_reason)" = converged ] || { echo "alpha=$a did not converge"; exit 1; }
done
r1=$(col "$work/a100.csv" dw_rel) r2=$(col "$work/a1000.csv" dw_rel) r3=$(col "$work/a10000.csv" dw_rel)
echo "dw_rel: alpha=1e2 $r1, 1e3 $r2, 1e4 $r3"
awk -v a="$r1" -v b="$r2" -v c="$r3" 'BEGIN {
    q1 = a / b; q2 = b / c
    printf "ratios per decade: %.4f %.4f (expected 10)\n", q1, q2
    exit !(q1 > 9 && q1 < 11 && q2 > 9 && q2 < 11) }'
