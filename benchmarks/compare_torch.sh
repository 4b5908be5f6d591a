#!/bin/sh
# Time phasebench's gradient-flow step and its PyTorch twin back to back on
# this machine, then print per size both median step times and the ratio
# torch / phasebench (> 1: phasebench is faster).  Both CSVs are kept.
#
#   benchmarks/compare_torch.sh [--phasebench PATH] [--python PY] [--backend B,B]
#       [--sizes P:d:h:L,...] [--dtype f64|f32] [--threads T] [--repetitions R]
#       [--warmup W] [--grad autograd|manual] [--out-dir DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pb=$here/../build/phasebench
py=""
backend=blas
sizes=5000:10:512:2,1000:10:128:2
dtype=f64
threads=1
reps=5
warmup=2
grad=autograd
outdir=bench-$(date -u +%Y%m%dT%H%M%SZ)
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "compare_torch.sh: $1 needs a value" >&2; exit 2; }
    case $1 in
    --phasebench) pb=$2 ;;
    --python) py=$2 ;;
    --backend) backend=$2 ;;
    --sizes) sizes=$2 ;;
    --dtype) dtype=$2 ;;
    --threads) threads=$2 ;;
    --repetitions) reps=$2 ;;
    --warmup) warmup=$2 ;;
    --grad) grad=$2 ;;
    --out-dir) outdir=$2 ;;
    *) echo "compare_torch.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
if [ -z "$py" ]; then
    # Debian's python3-torch lives under /usr/bin/python3; another python3
    # (pyenv, a venv) earlier on PATH may not see it.
    for cand in python3 /usr/bin/python3; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import torch" 2>/dev/null; then
            py=$cand
            break
        fi
    done
fi
[ -n "$py" ] || { echo "compare_torch.sh: no python3 here can import torch" >&2; exit 77; }
[ -x "$pb" ] || { echo "compare_torch.sh: no phasebench at $pb (--phasebench PATH)" >&2; exit 2; }
mkdir -p "$outdir"
echo "== phasebench ($pb), then PyTorch ($py), into $outdir" >&2
"$pb" bench --backend "$backend" --sizes "$sizes" --dtype "$dtype" --threads "$threads" \
    --repetitions "$reps" --warmup "$warmup" --what step,gemm --out "$outdir/phasebench.csv"
"$py" "$here/torch_twin.py" --sizes "$sizes" --dtype "$dtype" --threads "$threads" \
    --repetitions "$reps" --warmup "$warmup" --grad "$grad" --out "$outdir/torch.csv" \
    --compare "$outdir/phasebench.csv"
