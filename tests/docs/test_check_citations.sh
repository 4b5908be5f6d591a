#!/bin/sh
# Self-test of check_citations.sh: a small tree with one citation of each
# faulty kind must give exactly those faults and exit 1; the same tree with
# them removed must pass.
# usage: test_check_citations.sh CHECKER
set -eu
checker=${1:?usage: test_check_citations.sh CHECKER}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/docs" "$tmp/core/src" "$tmp/plugins/x"

cat > "$tmp/docs/physics.md" <<'DOC'
# Physics
## 1. The model
### 1.2 Weights
See §1.2 and §2.
## 3. The flow
DOC
cat > "$tmp/README.md" <<'DOC'
The model: docs/physics.md §1.2; the flow: docs/physics.md §1–§3.
DOC
cat > "$tmp/core/src/a.h" <<'DOC'
/* net of docs/physics.md section 1 and section 4, see also docs/missing.md */
/* the stop rules of PAPER.md section 2.2 */
DOC
cat > "$tmp/plugins/x/CMakeLists.txt" <<'DOC'
# sections: docs/physics.md sections 1-3
DOC

out=$tmp/out
if sh "$checker" "$tmp" > "$out"; then
    echo "FAIL: the faulty tree passed"; cat "$out"; exit 1
fi
cat "$out"
expect() {
    grep -qF "$1" "$out" || { echo "FAIL: expected a fault: $1"; exit 1; }
}
expect "docs/physics.md:4: cites docs/physics.md section 2,"
expect "core/src/a.h:1: cites docs/physics.md section 4,"
expect "core/src/a.h:1: cites docs/missing.md, which does not exist"
expect "core/src/a.h:2: cites PAPER.md or DESIGN.md"
n=$(grep -c ': cites ' "$out")
[ "$n" -eq 4 ] || { echo "FAIL: $n faults, expected 4"; exit 1; }

# The same tree, repaired.
printf '# Physics\n## 1. The model\n### 1.2 Weights\nSee §1.2 and §3.\n## 3. The flow\n' \
    > "$tmp/docs/physics.md"
printf '/* net of docs/physics.md section 1 and section 3 */\n' > "$tmp/core/src/a.h"
sh "$checker" "$tmp" > "$out" || { echo "FAIL: the repaired tree failed"; cat "$out"; exit 1; }
grep -qF "9 section citations of docs/ checked, 0 fault(s)" "$out" \
    || { echo "FAIL: unexpected count"; cat "$out"; exit 1; }
echo "PASS"
