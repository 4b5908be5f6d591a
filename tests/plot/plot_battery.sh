#!/bin/sh
# Runs a battery, draws its figures and checks each one the battery has the
# data for, the report, and the skip lines of the figures it lacks data for.
# usage: plot_battery.sh PHASEBENCH BATTERY BACKEND WORKDIR "FIGURES" "SKIPPED"
set -eu
here=$(dirname "$0")
. "$here/lib.sh"
pb=$1 battery=$2 backend=$3 work=$4 figures=$5 skipped=$6
rm -rf "$work"
mkdir -p "$work"
"$pb" run "$battery" --backend "$backend" --out "$work/run" --quiet
"$pb" plot "$work/run" > "$work/plot.out" 2> "$work/plot.err" || {
    cat "$work/plot.out" "$work/plot.err"
    fail "phasebench plot failed"
}
# shellcheck disable=SC2086
check_figures "$work/run/figures" $figures
check_html "$work/run/report.html"
for f in $skipped; do
    grep -q "^plot: $f not drawn: " "$work/plot.err" || fail "no skip line for $f"
    [ ! -e "$work/run/figures/$f.png" ] || fail "$f.png drawn without its data"
    why=$(xmllint --html --nonet --xpath "string(//p[strong='$f'])" "$work/run/report.html")
    case "$why" in *"not drawn: "?*) ;; *) fail "report.html does not say why $f is missing" ;; esac
done
for f in $figures; do
    grep -q "src=\"figures/$f.svg\"" "$work/run/report.html" || fail "report.html does not show $f"
done
echo "plot: $battery on $backend: figures $figures; skipped with a reason: $skipped"
