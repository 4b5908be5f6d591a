#!/bin/sh
# A run killed with SIGKILL at a random moment and continued with --resume
# ends with the uninterrupted run's reports (but wall_s); before that,
# compare calls the folder incomplete.  Several moments, --jobs 1 and 2.
# usage: resume.sh PHASEBENCH BATTERY WORKDIR
set -eu
pb=$1 battery=$2 work=$3
. "$(dirname "$0")/common.sh"
rm -rf "$work"
mkdir -p "$work"
scale=8
t0=$(date +%s.%N)
"$pb" run "$battery" --backend ref --scale $scale --jobs 1 --out "$work/whole" --quiet
t1=$(date +%s.%N)
# kill moments spread over the uninterrupted run's duration
ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
[ "$ms" -gt 50 ] || ms=50
random_ms() { # a number in [20, ms)
    r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    echo $((20 + r % (ms - 20 + 1)))
}
i=0
for jobs in 1 2 1 2; do
    i=$((i + 1))
    d="$work/k$i"
    wait_ms=$(random_ms)
    "$pb" run "$battery" --backend ref --scale $scale --jobs $jobs --out "$d" --quiet &
    pid=$!
    sleep "$(awk -v m="$wait_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    done_units=$(ls "$d/units" 2>/dev/null | grep -c '\.unit$' || true)
    status=$(manifest_value "$d" status 2>/dev/null || true)
    echo "kill $i: --jobs $jobs after ${wait_ms} ms of ~${ms} ms: status '$status', $done_units units on disk"
    if [ "$status" = running ]; then
        if "$pb" compare "$d" "$work/whole" > /dev/null 2> "$work/err"; then
            echo "compare accepted an interrupted folder"; exit 1
        fi
        grep -q "incomplete" "$work/err" || { cat "$work/err"; exit 1; }
    fi
    if [ ! -f "$d/manifest.csv" ]; then
        # killed before the manifest: nothing to resume, start again
        "$pb" run "$battery" --backend ref --scale $scale --jobs $jobs --out "$d" --quiet
    else
        "$pb" run --resume "$d" --jobs $jobs --quiet
    fi
    [ "$(manifest_value "$d" status)" = complete ] || { echo "k$i: not complete after resume"; exit 1; }
    same_reports "$work/whole" "$d"
done
echo "resume: 4 runs killed at random moments, resumed to the uninterrupted reports"

# a battery file edited since the run started is refused on resume
cp "$battery" "$work/edited.battery"
"$pb" run "$work/edited.battery" --backend ref --out "$work/edited" --quiet
sed -i 's/^status,.*/status,interrupted/' "$work/edited/manifest.csv"
echo "# edited" >> "$work/edited.battery"
if "$pb" run --resume "$work/edited" --quiet 2> "$work/err"; then
    echo "resume took a battery that changed"; exit 1
fi
grep -q "has changed" "$work/err" || { cat "$work/err"; exit 1; }
# a run that is still going is not resumed behind its back
"$pb" run "$battery" --backend ref --scale $scale --jobs 1 --out "$work/busy" --quiet &
busy=$!
i=0
while [ ! -f "$work/busy/manifest.csv" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if [ "$(manifest_value "$work/busy" status)" = running ]; then
    if "$pb" run --resume "$work/busy" --quiet 2> "$work/err"; then
        echo "resume ran beside a live run"; kill -9 $busy; exit 1
    fi
    grep -q "still going" "$work/err" || { cat "$work/err"; kill -9 $busy; exit 1; }
fi
wait $busy
echo "resume: a changed battery and a live run refused"

# a damaged unit file is computed again, not trusted
"$pb" run "$battery" --backend ref --jobs 1 --out "$work/damaged" --quiet
u=$(ls "$work/damaged/units" | grep '\.unit$' | head -n 3 | tail -n 1)
head -c 200 "$work/damaged/units/$u" > "$work/cut" && mv "$work/cut" "$work/damaged/units/$u"
sed -i 's/^status,.*/status,interrupted/' "$work/damaged/manifest.csv"
"$pb" run --resume "$work/damaged" --jobs 1 --quiet 2> "$work/err"
grep -q "damaged unit file" "$work/err" || { cat "$work/err"; exit 1; }
"$pb" run "$battery" --backend ref --jobs 1 --out "$work/undamaged" --quiet
same_reports "$work/undamaged" "$work/damaged"
echo "resume: a damaged unit file was computed again"
