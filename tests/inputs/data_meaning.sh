#!/bin/sh
# Data that cannot mean what was asked (issue 12, item 4, case 07):
# --pte 0 prints no nan; a synthetic set too large for memory is refused
# before it is generated; the blas default thread count honours
# OPENBLAS_NUM_THREADS, then OMP_NUM_THREADS.
# usage: data_meaning.sh PHASEBENCH WORKDIR HAVE_BLAS
set -u
pb=$1; work=$2; blas=$3
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err"; exit 1; }
col() { awk -F, -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i } NR == 2 { print $k }' "$2"; }

"$pb" train --backend ref --dataset random --d 5 --ptr 16 --pte 0 --ptk 0 --h 4 --max-steps 5 \
    --out "$work/p0.csv" --dynamics "$work/p0-dyn.csv" 2>"$work/err" || fail "train --pte 0 failed"
grep -qi nan "$work/p0.csv" "$work/p0-dyn.csv" "$work/err" && fail "--pte 0 printed nan"
for c in test_err test_loss test_nd out_norm; do
    [ -z "$(col $c "$work/p0.csv")" ] || fail "--pte 0: column $c is not empty"
done
grep -q "test_err=none (pte = 0)" "$work/err" || fail "--pte 0: the summary does not say there is no test set"

start=$(date +%s)
"$pb" train --backend ref --dataset random --d 1000000 --ptr 100000000 --pte 0 --ptk 0 2>"$work/err" && fail "a synthetic set of 800 TB was accepted"
grep -q "need [0-9.e+]* GB (pool and split), more than the [0-9.e+]* GB of memory" "$work/err" || fail "too large: no sizes"
[ $(( $(date +%s) - start )) -lt 10 ] || fail "too large: refused only after generating"

if [ "$blas" = 1 ]; then
    for var in OPENBLAS_NUM_THREADS OMP_NUM_THREADS; do
        env -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS -u GOTO_NUM_THREADS "$var=1" "$pb" train --backend blas \
            --dataset random --d 5 --ptr 32 --pte 0 --ptk 0 --h 8 --max-steps 3 --out "$work/t.csv" 2>"$work/err" ||
            fail "blas train failed"
        [ "$(col threads "$work/t.csv")" = 1 ] || fail "$var=1: blas ran $(col threads "$work/t.csv") threads"
        env -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS "$var=1" "$pb" backends --csv | grep -q '^1,blas,available,.*,bitwise,1,' ||
            fail "$var=1: backends does not report 1 thread, bitwise"
    done
    # the flag still wins over the environment
    OPENBLAS_NUM_THREADS=1 "$pb" train --backend blas --threads 2 --dataset random --d 5 --ptr 32 --pte 0 \
        --ptk 0 --h 8 --max-steps 3 --out "$work/t.csv" 2>"$work/err" || fail "blas train failed"
    n=$(col threads "$work/t.csv")
    [ "$n" = 2 ] || [ "$(nproc)" = 1 ] || fail "--threads 2 with OPENBLAS_NUM_THREADS=1 ran $n threads"
fi
echo "data meaning: no nan for an empty test set, sizes refused first, thread variables honoured"
