#!/bin/sh
# Training settings: one table for the command line, the battery, the plan
# and runs.csv (issue 12, cases 03, 04, 12).  Every bad setting is refused at
# plan time (run and --dry-run alike) with FILE:LINE, before any run.
# usage: settings.sh PHASEBENCH SOURCE_DIR WORKDIR
set -u
pb=$1; src=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err"; exit 1; }

# bat NAME DEFAULTS_LINES EXPERIMENT_LINES: a jamming battery on synthetic data
bat() {
    f="$work/$1.battery"
    printf '[battery]\nname = %s\n\n[defaults]\ndataset = random\nd = 5\nptr = 32\npte = 16\nptk = 0\n%b\n[experiment jamming]\nh = 8\nalpha = 1\nseeds = 0\nrefine = 0\n%b\n' \
        "$1" "$2" "$3" > "$f"
}
# refused NAME LINE PATTERN: both --dry-run and run exit 2, name FILE:LINE and
# the pattern, and run creates no run folder
refused() {
    for mode in dry run; do
        if [ $mode = dry ]; then
            "$pb" run "$work/$1.battery" --backend ref --dry-run >/dev/null 2>"$work/err"
        else
            "$pb" run "$work/$1.battery" --backend ref --quiet --out "$work/out-$1" 2>"$work/err"
        fi
        rc=$?
        [ $rc = 2 ] || fail "$1 ($mode): exit $rc, expected 2"
        grep -q "$1.battery:$2: " "$work/err" || fail "$1 ($mode): no $1.battery:$2 in the message"
        grep -q -- "$3" "$work/err" || fail "$1 ($mode): message lacks '$3'"
    done
    [ ! -e "$work/out-$1" ] || fail "$1: run created its folder although planning failed"
}

# case 03: a misspelt key in [defaults] (line 10), with a suggestion
bat typo_defaults 'max_step = 5' ''
refused typo_defaults 10 "unknown key 'max_step' in \[defaults\].*did you mean 'max_steps'"
bat typo_section '' 'max_step = 5'
refused typo_section 16 "did you mean 'max_steps'"
bat junk_defaults 'frobnicate = 1' ''
refused junk_defaults 10 "unknown key 'frobnicate'"
# ... in [battery] too
bat typo_battery '' ''
sed -i 's/^name = typo_battery$/name = typo_battery\ndescriptoin = x/' "$work/typo_battery.battery"
refused typo_battery 3 "unknown key 'descriptoin' in \[battery\] (did you mean 'description'?"
# a key some experiment of the battery reads is fine in [defaults]
bat shared_key 'refine = 0\nmax_steps = 5' ''
"$pb" run "$work/shared_key.battery" --dry-run >/dev/null 2>"$work/err" || fail "an experiment key in [defaults] was refused"

# case 04: lists and fractions for single-valued keys
bat list_ptr '' 'ptr = 40, 80'
refused list_ptr 16 "does not vary ptr"
bat range_ptr '' 'ptr = 40..80+40'
refused range_ptr 16 "does not vary ptr"
bat frac_ptr '' 'ptr = 40.7'
refused frac_ptr 16 "key 'ptr': expected an integer in \[1, 100000000\], found '40.7'"
bat frac_steps 'max_steps = 20.9' ''
refused frac_steps 10 "key 'max_steps': expected an integer"
bat frac_h_list '' 'max_steps = 5'
sed -i 's/^h = 8$/h = 8, 4.5/' "$work/frac_h_list.battery"
refused frac_h_list 12 "key 'h': value 2 of the list: expected an integer"

# case 12: the battery accepts exactly what the command line accepts
bat L0 'L = 0' ''
refused L0 10 "key 'L': expected an integer in \[1, 16\], found '0'"
"$pb" train --backend ref --L 0 2>"$work/err" && fail "train --L 0 accepted"
grep -q -- "--L: expected an integer in \[1, 16\], found '0'" "$work/err" || fail "train --L 0: not the battery's words"
"$pb" train --backend ref --ptr 40.7 2>"$work/err" && fail "train --ptr 40.7 accepted"
grep -q -- "--ptr: expected an integer" "$work/err" || fail "train --ptr 40.7: wrong message"
"$pb" train --backend ref --ptr 40,80 2>"$work/err" && fail "train --ptr 40,80 accepted"
bat act 'act = swishh' ''
refused act 10 "key 'act': expected one of swish|relu|tanh|softplus"

# data availability and sizes, at plan time
bat unknown_ds 'max_steps = 5' ''
sed -i 's/^dataset = random$/dataset = fasion/' "$work/unknown_ds.battery"
refused unknown_ds 5 "unknown dataset spec 'fasion'"
bat missing_dir 'max_steps = 5' ''
sed -i "s|^dataset = random\$|dataset = fashion:$work/no-such-folder|" "$work/missing_dir.battery"
refused missing_dir 5 "no-such-folder: no such directory"
bat synth_d0 'max_steps = 5' ''
sed -i 's/^d = 5$/d = 0/' "$work/synth_d0.battery"
refused synth_d0 6 "needs d > 0"
bat huge 'max_steps = 5' ''
sed -i 's/^d = 5$/d = 1000000/; s/^ptr = 32$/ptr = 100000000/' "$work/huge.battery"
refused huge 7 "GB (pool and split), more than the"
if [ -d /usr/share/datasets/fashion-mnist ]; then
    bat d785 'max_steps = 5' ''
    sed -i 's/^dataset = random$/dataset = fashion/; s/^d = 5$/d = 785/' "$work/d785.battery"
    refused d785 6 "d = 785 is more than the 784 pixels"
    bat pool 'max_steps = 5' ''
    sed -i 's/^dataset = random$/dataset = fashion/; s/^ptr = 32$/ptr = 80000/' "$work/pool.battery"
    refused pool 7 "ptr + pte + ptk = 80016 samples, but its pool holds 70000"
    "$pb" train --backend ref --dataset fashion --d 785 2>"$work/err" && fail "train --d 785 accepted"
    grep -q "d = 785 is more than the 784 pixels" "$work/err" || fail "train --d 785: wrong message"
fi

# data whose headers are fine but whose labels are not: the plan cannot know,
# every run fails, and run says so with a non-zero exit (not status complete)
idx="$work/badlabels"; mkdir -p "$idx"
idx_images() { printf "\000\000\010\003\000\000\000\\$(printf %o $2)\000\000\000\002\000\000\000\002" > "$1"
               head -c $(( $2 * 4 )) /dev/zero | tr '\000' '\007' >> "$1"; }
idx_labels() { printf "\000\000\010\001\000\000\000\\$(printf %o $2)" > "$1"
               head -c $2 /dev/zero | tr '\000' "\\$3" >> "$1"; }
idx_images "$idx/train-images-idx3-ubyte" 30; idx_labels "$idx/train-labels-idx1-ubyte" 30 014
idx_images "$idx/t10k-images-idx3-ubyte" 10; idx_labels "$idx/t10k-labels-idx1-ubyte" 10 001
bat allfail 'max_steps = 5' ''
sed -i "s|^dataset = random\$|dataset = fashion:$idx|; s/^d = 5\$/d = 0/; s/^ptr = 32\$/ptr = 8/; s/^pte = 16\$/pte = 4/" "$work/allfail.battery"
"$pb" run "$work/allfail.battery" --dry-run >/dev/null 2>"$work/err" || fail "allfail: the plan should pass (headers are valid)"
"$pb" run "$work/allfail.battery" --backend ref --quiet --out "$work/allfail" 2>"$work/err"
rc=$?
[ $rc = 1 ] || fail "every run failed but run exited $rc"
grep -q "every run failed" "$work/err" || fail "allfail: no word that every run failed"
grep -q "^status,every run failed$" "$work/allfail/manifest.csv" || fail "allfail: manifest status is not 'every run failed'"
grep -q "label" "$work/allfail/runs.csv" || fail "allfail: runs.csv does not say why"

# runs.csv keeps its columns: the stored reference's header is the train row's
"$pb" train --backend ref --dataset random --d 5 --ptr 16 --pte 8 --ptk 0 --h 4 --max-steps 3 \
    --out "$work/row.csv" 2>"$work/err" || fail "a valid train failed"
want=$(head -1 "$src/results/reference/smoke/runs.csv")
got="experiment,role,$(head -1 "$work/row.csv")"
[ "$want" = "$got" ] || fail "runs.csv columns changed: $got"
# --help shows every parameter with its default, from the table
"$pb" train --help > "$work/help"
for f in dataset d ptr pte ptk L h act act-beta alpha loss loss-beta loss-margin tau-over-h \
         tau-alpha-crit seed-init seed-data max-steps max-time max-wall; do
    grep -q -- "--$f " "$work/help" || fail "train --help lacks --$f"
done
grep -q -- "--ptr P .*(5000)" "$work/help" || fail "train --help: no default for --ptr"
echo "settings: every bad setting refused at plan time with FILE:LINE"
