#!/bin/sh
# Plugin safety (issue 12, cases 09 and 12): plugins another user can write
# are refused unless PHASEBENCH_ALLOW_INSECURE_PLUGINS=1; a refused plugin
# replaced by another of its name is reported; the manifest records the path
# and SHA-256 of every plugin that ran; `phasebench experiments` lists the
# experiment plugins.  usage: plugins.sh PHASEBENCH PLUGIN_DIR WORKDIR
set -u
pb=$1; plugdir=$2; work=$3
rm -rf "$work"; mkdir -p "$work"; chmod 0755 "$work"
fail() { echo "FAIL: $*"; [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err"; exit 1; }
unset PHASEBENCH_ALLOW_INSECURE_PLUGINS

# a world-writable folder: refused, the built-in plugin used
mkdir -p "$work/ww"; chmod 0777 "$work/ww"; cp "$plugdir/pb_backend_ref.so" "$work/ww/"
PHASEBENCH_PLUGIN_PATH="$work/ww" "$pb" backends --csv > "$work/list" 2>"$work/err"
grep -q "^1,ref,refused,.*$work/ww/pb_backend_ref.so,.*writable by every user" "$work/list" || fail "world-writable folder not refused"
grep -q "^1,ref,available,.*$plugdir/pb_backend_ref.so" "$work/list" || fail "the built-in ref is not used"
PHASEBENCH_PLUGIN_PATH="$work/ww" "$pb" train --backend ref --dataset random --d 3 --ptr 8 --pte 0 \
    --ptk 0 --h 2 --max-steps 2 >/dev/null 2>"$work/err" || fail "train with a refused shadow failed"
grep -q "warning: backend plugin $work/ww/pb_backend_ref.so was refused (insecure.*); using $plugdir/pb_backend_ref.so" \
    "$work/err" || fail "no word that the refused plugin was replaced"
# ... loaded with a warning when the user opts in
PHASEBENCH_ALLOW_INSECURE_PLUGINS=1 PHASEBENCH_PLUGIN_PATH="$work/ww" "$pb" backends --csv > "$work/list" 2>"$work/err"
grep -q "^1,ref,available,.*$work/ww/pb_backend_ref.so" "$work/list" || fail "opt-in did not load it"
grep -q "warning: .*writable by every user (loaded anyway" "$work/err" || fail "opt-in: no warning"
# a group-writable file in a safe folder: refused
mkdir -p "$work/gw"; cp "$plugdir/pb_backend_ref.so" "$work/gw/"; chmod 0775 "$work/gw/pb_backend_ref.so"
PHASEBENCH_PLUGIN_PATH="$work/gw" "$pb" backends --csv > "$work/list" 2>&1
grep -q "^1,ref,refused,.*writable by its group" "$work/list" || fail "group-writable file not refused"
# a file owned by another user (root only)
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$work/other"; cp "$plugdir/pb_backend_ref.so" "$work/other/"; chown nobody "$work/other/pb_backend_ref.so"
    PHASEBENCH_PLUGIN_PATH="$work/other" "$pb" backends --csv > "$work/list" 2>&1
    grep -q "^1,ref,refused,.*owned by another user" "$work/list" || fail "foreign-owned file not refused"
fi
# a broken plugin named like a built-in one: refused, and the swap is said
mkdir -p "$work/bad"; head -c 4096 "$plugdir/pb_backend_ref.so" > "$work/bad/pb_backend_ref.so"
PHASEBENCH_PLUGIN_PATH="$work/bad" "$pb" train --backend ref --dataset random --d 3 --ptr 8 --pte 0 \
    --ptk 0 --h 2 --max-steps 2 >/dev/null 2>"$work/err" || fail "train failed"
grep -q "warning: backend plugin $work/bad/pb_backend_ref.so was refused (.*); using" "$work/err" || fail "broken plugin skipped silently"

# the manifest: path and SHA-256 of the backend and each experiment plugin
printf '[battery]\nname = tiny\n[defaults]\ndataset = random\nd = 3\nptr = 8\npte = 4\nptk = 0\nmax_steps = 3\n[experiment jamming]\nh = 2\nalpha = 1\nseeds = 0\nrefine = 0\n' > "$work/tiny.battery"
"$pb" run "$work/tiny.battery" --backend ref --quiet --out "$work/run" 2>"$work/err" || fail "run failed"
m="$work/run/manifest.csv"
grep -q "^plugin_backend_path,$plugdir/pb_backend_ref.so$" "$m" || fail "manifest: no backend path"
want=$(sha256sum "$plugdir/pb_backend_ref.so" | cut -d' ' -f1)
grep -q "^plugin_backend_sha256,$want$" "$m" || fail "manifest: backend SHA-256 is not sha256sum's $want"
want=$(sha256sum "$plugdir/pb_experiment_jamming.so" | cut -d' ' -f1)
grep -q "^plugin_experiment_jamming_sha256,$want$" "$m" || fail "manifest: jamming SHA-256 missing or wrong"

# case 09: experiments are listed, and the unknown-name error points there
"$pb" experiments > "$work/list" || fail "phasebench experiments failed"
for e in jamming kernel ensemble; do
    grep -q "^$e  *available" "$work/list" || fail "experiments does not list $e"
done
"$pb" experiments --csv | grep -q "^1,jamming,available,1\.[0-9]*,$plugdir/pb_experiment_jamming.so," || fail "experiments --csv"
sed 's/\[experiment jamming\]/[experiment jaming]/' "$work/tiny.battery" > "$work/typo.battery"
"$pb" run "$work/typo.battery" --dry-run 2>"$work/err" && fail "unknown experiment accepted"
grep -q "typo.battery:10: .*no experiment named 'jaming' (did you mean 'jamming'? see \`phasebench experiments\`)" \
    "$work/err" || fail "unknown experiment: hint does not point at phasebench experiments"
echo "plugins: insecure plugins refused, swaps reported, hashes recorded"
