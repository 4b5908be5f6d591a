#!/bin/sh
# The promise of the reference backend: the smoke battery on ref gives the
# stored reference's values bit for bit whatever OpenBLAS kernel the machine
# picks and whatever libm code path glibc picks.  CTest runs this once per
# OPENBLAS_CORETYPE (Prescott, Haswell, SkylakeX, Zen) and once with glibc's
# FMA/AVX paths masked (GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-AVX), as
# on CPUs that have other kernels or no FMA.  The manifest must show that the
# forced core type took effect, and compare must use class same (every value
# exact) and find nothing moved.
# usage: portable_bits.sh PHASEBENCH REF_DIR WORKDIR
set -eu
pb=$1 ref=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
"$pb" run smoke --backend ref --dtype f64 --out "$work/run" --quiet
# A manifest value (key,value CSV: a value with commas is quoted).
value() { sed -n "s/^$1,//p" "$work/run/manifest.csv" | sed 's/^"\(.*\)"$/\1/'; }
core=$(value openblas_core)
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} GLIBC_TUNABLES=${GLIBC_TUNABLES:-unset}: OpenBLAS runs its $core kernels"
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    want=$(printf %s "$OPENBLAS_CORETYPE" | tr 'A-Z' 'a-z')
    got=$(printf %s "$core" | tr 'A-Z' 'a-z')
    [ "$want" = "$got" ] || { echo "OpenBLAS did not take OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (core $core)"; exit 1; }
fi
[ "$(value glibc_tunables)" = "${GLIBC_TUNABLES:-unset}" ] || { echo "manifest glibc_tunables is not what the test set"; exit 1; }
"$pb" compare "$work/run" "$ref" > "$work/compare.txt" || { cat "$work/compare.txt"; exit 1; }
grep -q "backend class same" "$work/compare.txt" || { cat "$work/compare.txt"; echo "not compared exactly"; exit 1; }
grep -q " 0 failed, 0 missing rows, 0 extra rows" "$work/compare.txt" || { cat "$work/compare.txt"; exit 1; }
if grep -q "^data differ" "$work/compare.txt"; then cat "$work/compare.txt"; exit 1; fi
tail -n 2 "$work/compare.txt"
