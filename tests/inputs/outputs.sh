#!/bin/sh
# Output paths (issue 12, cases 10 and 12): checked before any work, with the
# reason; devices, FIFOs and symbolic links never replaced by a regular file;
# the same file never given twice; a run never replaces a file it did not
# write.  usage: outputs.sh PHASEBENCH WORKDIR
set -u
pb=$1; work=$2
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err"; exit 1; }
T="--backend ref --dataset random --d 5 --ptr 16 --pte 8 --ptk 0 --h 4 --max-steps 20"

# train --out F --dynamics F: refused before training, F untouched
echo keep > "$work/same.csv"
"$pb" train $T --out "$work/same.csv" --dynamics "$work/same.csv" >/dev/null 2>"$work/err" && fail "same file twice accepted"
grep -q "name the same file" "$work/err" || fail "same file: no reason"
[ "$(cat "$work/same.csv")" = keep ] || fail "same file: the file was changed"
# ... also through another spelling of the path and through a symbolic link
mkdir -p "$work/sub"; ln -s "$work/same.csv" "$work/link.csv"
"$pb" train $T --out "$work/sub/../same.csv" --dynamics "$work/link.csv" >/dev/null 2>"$work/err" && fail "same file (link) accepted"
"$pb" train $T --out "$work/new.csv" --dynamics "$work/sub/../new.csv" >/dev/null 2>"$work/err" && fail "same new file accepted"
[ ! -e "$work/new.csv" ] || fail "same new file: written"

# a symbolic link to a regular file: the target is replaced, the link stays
echo old > "$work/target.csv"
"$pb" train $T --out "$work/link.csv" 2>"$work/err" || fail "train --out LINK failed"
[ -L "$work/link.csv" ] || fail "the symbolic link was replaced by a regular file"
grep -q '^schema_version,' "$work/same.csv" || fail "the link's target was not written"
# a symbolic link to a pipe (here /proc/self/fd/1): written through
ln -s /proc/self/fd/1 "$work/stdout"
n=$("$pb" train $T --out "$work/stdout" 2>"$work/err" | wc -l)
[ "$n" = 2 ] || fail "--out LINK-TO-STDOUT gave $n lines on stdout, expected 2"
[ -L "$work/stdout" ] || fail "the link to stdout was replaced"
# a FIFO: written in place, stays a FIFO
mkfifo "$work/fifo"
cat "$work/fifo" > "$work/fifo.out" &
"$pb" train $T --out "$work/fifo" 2>"$work/err" || fail "train --out FIFO failed"
wait
[ -p "$work/fifo" ] || fail "the FIFO was replaced by a regular file"
[ "$(wc -l < "$work/fifo.out")" = 2 ] || fail "the FIFO reader got no row"
# device nodes (root only: private nodes, never the real /dev)
if [ "$(id -u)" = 0 ] && mknod "$work/full" c 1 7 2>/dev/null && mknod "$work/null" c 1 3; then
    "$pb" train $T --out "$work/full" 2>"$work/err" && fail "writing to a full device exited 0"
    grep -q "No space left on device" "$work/err" || fail "full device: no errno text"
    [ -c "$work/full" ] || fail "the device node was replaced by a regular file"
    "$pb" train $T --dynamics "$work/null" >/dev/null 2>"$work/err" || fail "--dynamics DEVNULL failed"
    [ -c "$work/null" ] || fail "the null device node was replaced"
fi

# unwritable or impossible paths: refused before training, with the reason
"$pb" train $T --out "$work/no/such/folder/x.csv" 2>"$work/err" && fail "missing folder accepted"
grep -q "No such file or directory" "$work/err" || fail "missing folder: no reason"
grep -q "phasebench train:.*N=" "$work/err" && fail "missing folder: found only after training"
"$pb" train $T --out "$work/sub" 2>"$work/err" && fail "a folder as --out accepted"
grep -q "is a folder" "$work/err" || fail "folder as --out: no reason"
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
    mkdir -p "$work/ro"; chmod 0755 "$work/ro"; touch "$work/ro/x.csv"; chmod 0444 "$work/ro/x.csv"
    chmod 0755 "$work"
    runuser -u nobody -- "$pb" train $T --out "$work/ro/x.csv" 2>"$work/err" && fail "read-only --out accepted"
    grep -q "Permission denied" "$work/err" || fail "read-only --out: no errno text"
    grep -q "N=" "$work/err" && fail "read-only --out: found only after training"
fi

# run --out DIR: an existing non-empty folder is refused, its files untouched
printf '[battery]\nname = tiny\n[defaults]\ndataset = random\nd = 5\nptr = 16\npte = 8\nptk = 0\nmax_steps = 5\n[experiment jamming]\nh = 4\nalpha = 1\nseeds = 0\nrefine = 0\n' > "$work/tiny.battery"
mkdir -p "$work/mine"; echo "my,own,notes" > "$work/mine/jamming.csv"
"$pb" run "$work/tiny.battery" --backend ref --quiet --out "$work/mine" 2>"$work/err" && fail "run into a non-empty folder accepted"
grep -q "not empty" "$work/err" || fail "non-empty folder: no reason"
[ "$(cat "$work/mine/jamming.csv")" = "my,own,notes" ] || fail "the user's file was replaced"
[ ! -e "$work/mine/runs.csv" ] || fail "run wrote into the refused folder"
mkdir -p "$work/empty"
"$pb" run "$work/tiny.battery" --backend ref --quiet --out "$work/empty" 2>"$work/err" || fail "run into an empty folder failed"
"$pb" run "$work/tiny.battery" --backend ref --quiet --out "$work/fresh/a/b" 2>"$work/err" || fail "run into a new folder failed"
echo x > "$work/afile"
"$pb" run "$work/tiny.battery" --backend ref --quiet --out "$work/afile/run" 2>"$work/err" && fail "run under a file accepted"
grep -q "Not a directory" "$work/err" || fail "run under a file: no reason"

# compare, check and bench outputs are checked before the work too
cp "$work/empty/runs.csv" "$work/runs.keep"
"$pb" compare "$work/empty" "$work/fresh/a/b" --csv="$work/empty/runs.csv" >/dev/null 2>"$work/err" && fail "compare --csv over a compared report accepted"
grep -q "whose reports are being compared" "$work/err" || fail "compare --csv into a compared folder: no reason"
cmp -s "$work/empty/runs.csv" "$work/runs.keep" || fail "compare --csv replaced a report it compares"
"$pb" compare "$work/empty" "$work/empty" --csv="$work/no/such/c.csv" 2>"$work/err" && fail "compare --csv into a missing folder accepted"
grep -q "No such file or directory" "$work/err" || fail "compare --csv: no reason"
"$pb" check --backend ref --out "$work/no/such/c.csv" >/dev/null 2>"$work/err" && fail "check --out into a missing folder accepted"
grep -q "No such file or directory" "$work/err" || fail "check --out: no reason"
"$pb" bench --backend ref --out "$work/no/such/b.csv" >/dev/null 2>"$work/err" && fail "bench --out into a missing folder accepted"
grep -q "No such file or directory" "$work/err" || fail "bench --out: no reason"
echo "outputs: every output checked first, never replaced unsafely"
