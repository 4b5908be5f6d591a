#!/bin/sh
# Checks the citations of docs/ from the source tree:
#   1. every `docs/NAME.md` names a file that exists;
#   2. every section it cites exists in that file as a numbered heading
#      (`## 5. ...`, `### 5.2 ...`).  Forms: `docs/NAME.md §5.2` (Markdown)
#      and `docs/NAME.md section 5.2` (C, shell, CMake), followed by more
#      numbers after ", ", "-", "–", " and ", " to " or " or "
#      (`sections 8-10`, `§1–§6`, `section 1 and section 7.4`);
#   3. inside docs/NAME.md a bare `§N` refers to NAME.md itself;
#   4. no file cites PAPER.md or DESIGN.md (notes that are not part of the
#      repository).
# usage: check_citations.sh SOURCE_DIR
# Prints one line per fault, FILE:LINE: what; exits 0 when there is none.
set -eu
src=${1:?usage: check_citations.sh SOURCE_DIR}
cd "$src"
[ -d docs ] || { echo "check_citations: $src/docs: no such folder"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The numbered headings of every docs/*.md: "docs/NAME.md NUMBER" per line.
for f in docs/*.md; do
    [ -f "$f" ] || continue
    awk -v f="$f" '
        /^#+ [0-9]+(\.[0-9]+)*\.? / {
            match($0, /[0-9]+(\.[0-9]+)*/)
            print f, substr($0, RSTART, RLENGTH)
        }' "$f"
done > "$tmp/headings"

# The text files of the source tree (not build folders, not run outputs).
for top in README.md CMakeLists.txt CMakePresets.json; do
    [ -f "$top" ] && echo "$top"
done > "$tmp/files"
# tests/docs holds this checker and its self-test, which name the forms it
# refuses on purpose.
for d in core backends plugins benchmarks tests docs scripts cmake results/reference; do
    [ -d "$d" ] || continue
    find "$d" -path tests/docs -prune -o -type f \( -name '*.c' -o -name '*.h' -o -name '*.md' -o -name '*.txt' \
        -o -name '*.battery' -o -name '*.sh' -o -name '*.cmake' -o -name '*.in' \
        -o -name '*.glsl' -o -name '*.comp' -o -name '*.py' -o -name '*.json' \) -print
done | LC_ALL=C sort >> "$tmp/files"

# shellcheck disable=SC2046  # file names in this tree have no spaces
awk '
    function num(s) { match(s, /[0-9]+(\.[0-9]+)*/); return substr(s, RSTART, RLENGTH) }
    function fault(msg) { printf "%s:%d: %s\n", FILENAME, FNR, msg; faults++ }
    function check(doc, n) {
        cited++
        if (!((doc, n) in heading))
            fault("cites " doc " section " n ", which " doc " has no heading for")
    }
    FNR == NR { heading[$1, $2] = 1; if (($1, $2) in seen) dup[$1, $2] = 1; seen[$1, $2] = 1
                docfile[$1] = 1; next }
    {
        line = $0
        if (line ~ /PAPER\.md|DESIGN\.md/)
            fault("cites PAPER.md or DESIGN.md, which are not part of the repository")
        rest = line; bare = ""
        while (match(rest, /docs\/[A-Za-z0-9_-]+\.md/)) {
            doc = substr(rest, RSTART, RLENGTH)
            bare = bare substr(rest, 1, RSTART - 1) " "
            rest = substr(rest, RSTART + RLENGTH)
            files_cited++
            if (!(doc in docfile) && system("test -f \"" doc "\"") != 0) {
                fault("cites " doc ", which does not exist")
                continue
            }
            if (match(rest, /^ (§ ?|sections? )[0-9]+(\.[0-9]+)*/)) {
                n = RLENGTH  # num() and check() call match() again
                check(doc, num(substr(rest, 1, n)))
                rest = substr(rest, n + 1)
                while (match(rest, /^( ?, ?| ?- ?| ?– ?| and | to | or )(§ ?|sections? )?[0-9]+(\.[0-9]+)*/)) {
                    n = RLENGTH
                    check(doc, num(substr(rest, 1, n)))
                    rest = substr(rest, n + 1)
                }
            }
        }
        bare = bare rest
        if (FILENAME ~ /^docs\/[A-Za-z0-9_-]+\.md$/)
            while (match(bare, /§ ?[0-9]+(\.[0-9]+)*/)) {
                s = RSTART; n = RLENGTH
                check(FILENAME, num(substr(bare, s, n)))
                bare = substr(bare, s + n)
            }
    }
    END {
        for (k in dup) {
            split(k, p, SUBSEP)
            printf "%s: section %s is numbered twice\n", p[1], p[2]; faults++
        }
        if (files_cited == 0) {
            print "check_citations: no citation of docs/ found: the scan itself is broken"
            faults++
        }
        printf "check_citations: %d section citations of docs/ checked, %d fault(s)\n", cited, faults
        exit faults > 0
    }
' "$tmp/headings" $(cat "$tmp/files")
