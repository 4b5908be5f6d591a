#!/bin/sh
# report.html in headless Chromium: it loads from disk with no network and
# renders to a screenshot.  Skipped (77) when Chromium is not installed
# (Debian's `chromium` is optional).
# usage: chromium.sh PHASEBENCH REF_DIR WORKDIR
set -eu
here=$(dirname "$0")
. "$here/lib.sh"
pb=$1 ref=$2 work=$3
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not installed (apt-get install chromium): skip"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
cp -r "$ref" "$work/run"
"$pb" plot "$work/run" > /dev/null 2>&1 || fail "phasebench plot failed"
page=$(cd "$work/run" && pwd -P)/report.html
HOME=$work timeout 180 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --user-data-dir="$work/profile" \
    --window-size=1200,2400 --screenshot="$work/shot.png" "file://$page" \
    > "$work/chromium.log" 2>&1 || { cat "$work/chromium.log"; fail "chromium failed"; }
check_png "$work/shot.png"
size=$(wc -c < "$work/shot.png")
[ "$size" -gt 60000 ] || fail "screenshot of $size bytes: the page did not render its figures"
echo "report.html rendered by $browser: $work/shot.png ($size bytes)"
