# Shared by the scale-out tests: compare two run folders' reports.
# same_reports A B: every report CSV of A is in B with the same bytes, the
# wall_s column (wall-clock time, the one column allowed to differ) blanked.
same_reports() {
    n=0
    for f in "$1"/*.csv; do
        b=$(basename "$f")
        [ "$b" = manifest.csv ] && continue
        [ -f "$2/$b" ] || { echo "$2 has no $b"; return 1; }
        for d in "$1" "$2"; do
            awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_s") w = i }
                              { if (w) $w = ""; print }' "$d/$b" > "$d.$b.cmp"
        done
        if ! cmp -s "$1.$b.cmp" "$2.$b.cmp"; then
            echo "$b differs between $1 and $2 (wall_s aside):"
            diff "$1.$b.cmp" "$2.$b.cmp" | head -10
            return 1
        fi
        n=$((n + 1))
    done
    [ "$n" -ge 4 ] || { echo "only $n report files in $1"; return 1; }
    for f in "$2"/*.csv; do
        [ -f "$1/$(basename "$f")" ] || { echo "$1 has no $(basename "$f")"; return 1; }
    done
}

# manifest_value DIR KEY
manifest_value() {
    awk -F, -v k="$2" '$1 == k { print $2 }' "$1/manifest.csv"
}
