#!/bin/sh
# `phasebench plot` on the stored smoke reference (no battery run): every
# figure, the report's content, and the errors: no reports, no gnuplot, a bad
# --format, a run without the data for a figure.
# usage: plot_reference.sh PHASEBENCH REF_DIR WORKDIR
set -eu
here=$(dirname "$0")
. "$here/lib.sh"
pb=$1 ref=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cp -r "$ref" "$work/run"
"$pb" bench --backend ref --sizes 60:4:8:2,120:4:16:2 --repetitions 2 --warmup 1 \
    --ref-repetitions 2 --ref-warmup 1 --out "$work/run/bench.csv" > /dev/null 2>&1 \
    || fail "phasebench bench failed"
"$pb" plot "$work/run" > "$work/plot.out" 2> "$work/plot.err" || {
    cat "$work/plot.out" "$work/plot.err"
    fail "phasebench plot failed"
}
check_figures "$work/run/figures" phase_diagram test_error_h ntk_r_alpha ensemble_n \
    ensemble_h ensemble_deltaF bench_roofline
grep -q "^plot: phase_diagram_ensemble not drawn: ensemble.csv summary rows: the grid has 2 widths and 1 alpha~ value" \
    "$work/plot.err" || fail "no reason given for the ensemble phase diagram"
html=$work/run/report.html
check_html "$html"

# The report: every manifest key and value, every claim with its verdict
# class, every CSV linked.
tail -n +2 "$ref/manifest.csv" | cut -d, -f1 | while read -r key; do
    grep -q "<th>$key</th>" "$html" || fail "report.html lacks manifest key $key"
done
n_claims=$(($(wc -l < "$ref/claims.csv") - 1))
n_rows=$(xmllint --html --nonet --xpath 'count(//tr[@class="pass" or @class="fail" or @class="not-judged"])' "$html")
[ "$n_rows" = "$n_claims" ] || fail "report.html has $n_rows claim rows, claims.csv $n_claims"
n_nj=$(grep -c ',not-judged,' "$ref/claims.csv" || true)
[ "$(xmllint --html --nonet --xpath 'count(//tr[@class="not-judged"])' "$html")" = "$n_nj" ] \
    || fail "not-judged rows do not match"
grep -q 'NOT JUDGED' "$html" && grep -q 'PASS' "$html" || fail "verdict text missing"
for f in "$work"/run/*.csv; do
    b=$(basename "$f")
    grep -q "href=\"$b\"" "$html" || fail "report.html does not link $b"
done

# PNG only, into a folder outside the run: no SVG, the page shows the PNGs.
"$pb" plot "$work/run" --format png --out "$work/png" > /dev/null 2>&1 || fail "--format png failed"
check_png "$work/png/phase_diagram.png"
[ ! -e "$work/png/phase_diagram.svg" ] || fail "--format png wrote an SVG"
grep -q "src=\"$(cd "$work/png" && pwd -P)/phase_diagram.png\"" "$html" \
    || fail "report.html does not show the PNG of --out"

# Errors, before any work: a bad format, a folder without reports, no gnuplot.
if "$pb" plot "$work/run" --format bmp > /dev/null 2> "$work/err.txt"; then fail "--format bmp accepted"; fi
grep -q -- "--format 'bmp'" "$work/err.txt" || fail "bad format not named"
mkdir -p "$work/empty"
if "$pb" plot "$work/empty" > /dev/null 2> "$work/err.txt"; then fail "empty folder accepted"; fi
grep -q "no report to draw from" "$work/err.txt" || fail "empty folder: $(cat "$work/err.txt")"
cp "$html" "$work/before.html"
pbabs=$(cd "$(dirname "$pb")" && pwd -P)/$(basename "$pb")
if PATH=/nonexistent "$pbabs" plot "$work/run" > /dev/null 2> "$work/err.txt"; then fail "ran without gnuplot"; fi
grep -q "gnuplot-nox" "$work/err.txt" || fail "missing gnuplot: package not named: $(cat "$work/err.txt")"
cmp -s "$html" "$work/before.html" || fail "report.html changed although nothing was drawn"

# A run without the data for a figure: one kernel width at one alpha.
mkdir -p "$work/thin"
head -2 "$ref/kernel.csv" > "$work/thin/kernel.csv"
cp "$ref/manifest.csv" "$ref/claims.csv" "$work/thin/"
"$pb" plot "$work/thin" > /dev/null 2> "$work/thin.err" || fail "plot of a thin run failed"
grep -q "^plot: ntk_r_alpha not drawn: kernel.csv: no width has r measured at 2 or more alpha~ values" \
    "$work/thin.err" || fail "ntk_r_alpha: no reason: $(cat "$work/thin.err")"
grep -q "^plot: phase_diagram not drawn: no runs.csv" "$work/thin.err" || fail "phase_diagram: no reason"
[ -z "$(ls "$work/thin/figures")" ] || fail "figures drawn without data: $(ls "$work/thin/figures")"
check_html "$work/thin/report.html"
echo "plot on the smoke reference: 7 figures, report.html, and every error path hold"
