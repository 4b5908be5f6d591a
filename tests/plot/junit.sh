#!/bin/sh
# `phasebench compare --junit`: the JUnit elements and their counts, for a run
# that holds and for one with a failed claim and a moved value; hostile text
# stays well-formed; an input error leaves an earlier file as it was.
# usage: junit.sh PHASEBENCH REF_DIR WORKDIR
set -eu
here=$(dirname "$0")
. "$here/lib.sh"
pb=$1 ref=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
x() { xmllint --nonet --xpath "$1" "$2"; }

# check_counts FILE: counts of every suite and of the root match the cases.
check_counts() {
    xmllint --noout --nonet "$1" || fail "$1: not well-formed"
    [ "$(x 'local-name(/*)' "$1")" = testsuites ] || fail "$1: root is not testsuites"
    [ "$(x 'count(/testsuites/testsuite)' "$1")" = 2 ] || fail "$1: expected 2 testsuites"
    [ "$(x 'count(//testcase)' "$1")" = "$(x 'string(/testsuites/@tests)' "$1")" ] || fail "$1: root tests"
    [ "$(x 'count(//testcase[failure])' "$1")" = "$(x 'string(/testsuites/@failures)' "$1")" ] || fail "$1: root failures"
    [ "$(x 'count(//testcase[skipped])' "$1")" = "$(x 'string(/testsuites/@skipped)' "$1")" ] || fail "$1: root skipped"
    for s in claims compare; do
        p="/testsuites/testsuite[@name='$s']"
        [ "$(x "count($p/testcase)" "$1")" = "$(x "string($p/@tests)" "$1")" ] || fail "$1: $s tests"
        [ "$(x "count($p/testcase[failure])" "$1")" = "$(x "string($p/@failures)" "$1")" ] || fail "$1: $s failures"
        [ "$(x "count($p/testcase[skipped])" "$1")" = "$(x "string($p/@skipped)" "$1")" ] || fail "$1: $s skipped"
        [ "$(x "count($p/testcase[error])" "$1")" = "$(x "string($p/@errors)" "$1")" ] || fail "$1: $s errors"
        [ "$(x "count($p/testcase[not(@name) or not(@classname)])" "$1")" = 0 ] || fail "$1: $s: a case without name or classname"
    done
}

# The reference against itself: everything holds.
"$pb" compare "$ref" "$ref" --quiet --junit "$work/same.xml" > /dev/null || fail "compare of the reference with itself"
check_counts "$work/same.xml"
n_claims=$(($(wc -l < "$ref/claims.csv") - 1))
n_tables=$(ls "$ref"/*.csv | grep -cv -e manifest.csv -e tolerances.csv)
c="/testsuites/testsuite[@name='claims']"
[ "$(x "count($c/testcase)" "$work/same.xml")" = "$n_claims" ] || fail "one case per claim"
[ "$(x "count(/testsuites/testsuite[@name='compare']/testcase)" "$work/same.xml")" = "$n_tables" ] || fail "one case per table"
# Every value holds: the only failures are the claims the reference itself
# fails (a claim that does not reproduce is reported, not hidden).
n_fail=$(grep -c ',fail,' "$ref/claims.csv" || true)
[ "$(x 'string(/testsuites/@failures)' "$work/same.xml")" = "$n_fail" ] || fail "failures in a comparison that holds, beyond the reference's $n_fail failed claims"
[ "$(x "count(/testsuites/testsuite[@name='compare']/testcase[failure])" "$work/same.xml")" = 0 ] || fail "a table failed against itself"
n_nj=$(grep -c ',not-judged,' "$ref/claims.csv" || true)
[ "$(x "count($c/testcase[skipped])" "$work/same.xml")" = "$n_nj" ] || fail "not-judged claims are not skipped"

# A run with a failed claim (and hostile text in its detail) and a moved value.
mkdir -p "$work/run"
cp "$ref"/*.csv "$work/run/"
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "test_err") c = i }
                  NR == 2 { $c = $c + 0.01 } { print }' "$ref/runs.csv" > "$work/run/runs.csv"
first=$(grep ',pass,' "$ref/claims.csv" | head -n 1 | cut -d, -f1)
# (inside the detail field: before its closing quote when it is quoted)
awk -v f="$first" 'index($0, f ",") == 1 && !done { sub(/,pass,/, ",fail,")
                      if ($0 ~ /"$/) sub(/"$/, " <\&\047> \001 \377\""); else $0 = $0 " <&\047> \001 \377"
                      done = 1 } { print }' "$ref/claims.csv" > "$work/run/claims.csv"
if "$pb" compare "$work/run" "$ref" --quiet --junit "$work/moved.xml" > /dev/null; then
    fail "compare accepted a moved value"
fi
check_counts "$work/moved.xml"
[ "$(x "count($c/testcase[failure])" "$work/moved.xml")" = "$((n_fail + 1))" ] || fail "expected $((n_fail + 1)) failed claims"
msg=$(x "string($c/testcase[@name='$first']/failure/@message)" "$work/moved.xml")
case "$msg" in *measured*expected*tolerance*) ;; *) fail "claim failure message of $first: $msg" ;; esac
r="/testsuites/testsuite[@name='compare']/testcase[@name='runs.csv']/failure"
body=$(x "string($r)" "$work/moved.xml")
case "$body" in *"column test_err, key "*"reference "*"run "*"tolerance "*) ;; *) fail "runs.csv failure: $body" ;; esac

# An input error writes nothing and keeps the earlier file.
cp "$work/moved.xml" "$work/keep.xml"
if "$pb" compare "$work/nowhere" "$ref" --junit "$work/keep.xml" > /dev/null 2>&1; then fail "missing run accepted"; fi
cmp -s "$work/keep.xml" "$work/moved.xml" || fail "an input error changed the JUnit file"
[ ! -e "$work/keep.xml.tmp" ] || fail "temporary file left behind"
echo "compare --junit: counts match, failures name claim, column, key, values and tolerance"
