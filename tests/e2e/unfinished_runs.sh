#!/bin/sh
# Runs that cannot finish never count as finished, and the quadratic hinge
# stops on its own within the margin tolerance (issue cases: f32 with
# alpha = 1e39; f64 with alpha = 1e16, whose steps change no weight).
# usage: unfinished_runs.sh PHASEBENCH WORKDIR
set -eu
pb=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
col() { # col FILE NAME: the NAME column of the first data row
    awk -F, -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i } NR == 2 { print $c }' "$1"
}
small="--backend ref --dataset random --d 5 --ptr 32 --pte 32 --ptk 0"

# f32 cannot hold alpha = 1e39: refused before training, with the reason.
if "$pb" train $small --dtype f32 --h 8 --alpha 1e39 --max-steps 200 > "$work/f32.csv" 2> "$work/f32.err"; then
    echo "an alpha f32 cannot hold was trained"; exit 1
fi
[ "$(col "$work/f32.csv" stop_reason)" = error ] || { cat "$work/f32.csv"; exit 1; }
grep -q "refused" "$work/f32.err" || { cat "$work/f32.err"; exit 1; }
[ -z "$(col "$work/f32.csv" train_nd)" ] || { echo "N_Delta reported for a refused run"; exit 1; }

# alpha = 1e16 in f64: accepted steps change nothing: stalled, not max_steps.
"$pb" train $small --h 8 --alpha 1e16 --max-steps 3000 > "$work/frozen.csv" 2>/dev/null
[ "$(col "$work/frozen.csv" stop_reason)" = stalled ] || { cat "$work/frozen.csv"; exit 1; }
[ "$(col "$work/frozen.csv" steps)" -lt 3000 ] || { echo "stalled only at the budget"; exit 1; }

# The ensemble of case 01: both members refused, excluded, claim not judged.
cat > "$work/nan.battery" <<'BAT'
[battery]
name = nan_ens
[defaults]
dataset = random
d = 5
ptr = 32
pte = 32
ptk = 0
L = 2
max_steps = 200
[experiment ensemble]
h = 8
alpha = 1e39
seeds = 0, 1
judge_exponent = 0
BAT
"$pb" run "$work/nan.battery" --backend ref --dtype f32 --out "$work/nan" --quiet || true
grep -q '^"ensemble_beats_single\[h=8,alpha=1e+39\]",.*,not-judged,' "$work/nan/claims.csv" ||
    { cat "$work/nan/claims.csv"; exit 1; }
if grep -q ',pass,' "$work/nan/claims.csv"; then echo "a claim passed on runs that did not finish"; exit 1; fi
excluded=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "n_excluded") c = i }
                   $1 == "summary" { print $c }' "$work/nan/ensemble.csv")
[ "$excluded" = 2 ] || { cat "$work/nan/ensemble.csv"; exit 1; }

# The quadratic hinge stops on its own once every margin is within 1e-6.
"$pb" train $small --h 32 --loss qhinge --margin-tol 1e-6 --max-steps 100000 > "$work/q.csv" 2>/dev/null
[ "$(col "$work/q.csv" stop_reason)" = converged ] || { cat "$work/q.csv"; exit 1; }
[ "$(col "$work/q.csv" train_nd_tol)" = 0 ] || { cat "$work/q.csv"; exit 1; }
[ "$(col "$work/q.csv" steps)" -lt 100000 ] || exit 1
echo "refused, stalled and excluded runs are reported as such; qhinge stops within the tolerance"
