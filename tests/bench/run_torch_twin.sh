#!/bin/sh
# Runs benchmarks/torch_twin.py at a tiny size and checks its CSV: the
# header of `phasebench bench` (exactly, when a phasebench CSV is given) and
# positive median step times.  Exit 77 (a visible skip) when no Python
# interpreter here can import torch.
#   run_torch_twin.sh TWIN.py OUT.csv [PHASEBENCH.csv]
set -u
twin=$1
out=$2
pb_csv=${3:-}

py=""
for cand in ${PB_PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import torch" >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
if [ -z "$py" ]; then
    echo "torch cannot be imported by python3 or /usr/bin/python3: skipped"
    exit 77
fi

rm -f "$out"
"$py" "$twin" --sizes 32:3:8:2,16:2:4:1 --dtype f64 --threads 1 \
    --repetitions 1 --warmup 0 --out "$out" || exit 1

"$py" - "$out" "$pb_csv" <<'PYEOF'
import csv, sys
out, pb = sys.argv[1], sys.argv[2]
required = ["schema_version", "backend", "dtype", "threads", "P", "d", "h", "L", "what",
            "median_s", "min_s", "stddev_s", "cv", "reps", "flops", "gflops",
            "roofline_gflops", "roofline_ratio"]
with open(out, newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
bad = []
if header[:len(required)] != required:
    bad.append("header starts %r" % header[:len(required)])
if pb:
    try:
        with open(pb, newline="") as f:
            pb_header = next(csv.reader(f))
        if pb_header != header:
            bad.append("columns differ from phasebench bench's: %r vs %r" % (header, pb_header))
    except (OSError, StopIteration):
        print("no phasebench CSV at %s: exact header check skipped" % pb)
col = {n: i for i, n in enumerate(header)}
steps = [r for r in body if r[col["what"]] == "step"]
if len(steps) != 2:
    bad.append("%d step rows, expected 2" % len(steps))
for r in body:
    if len(r) != len(header):
        bad.append("row of %d fields" % len(r))
        continue
    if r[col["error"]] or not float(r[col["median_s"]]) > 0 or not r[col["backend"]].startswith("pytorch-"):
        bad.append("bad row %r" % r)
    if r[col["roofline_ratio"]] != "":
        bad.append("roofline_ratio should be empty: %r" % r)
for b in bad:
    print("torch_twin CSV: " + b)
sys.exit(1 if bad else 0)
PYEOF
