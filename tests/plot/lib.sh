# Checks shared by the plot tests (sourced by sh).

fail() { echo "FAIL: $*" >&2; exit 1; }

# check_png FILE: the PNG signature and more than a near-empty image.
check_png() {
    [ -f "$1" ] || fail "$1: missing"
    sig=$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')
    [ "$sig" = "89504e470d0a1a0a" ] || fail "$1: not a PNG (signature $sig)"
    size=$(wc -c < "$1")
    [ "$size" -gt 15000 ] || fail "$1: $size bytes, too small for a drawn figure"
}

# check_svg FILE: well-formed XML with an <svg> root and drawn content.
check_svg() {
    [ -f "$1" ] || fail "$1: missing"
    xmllint --noout --nonet "$1" || fail "$1: not well-formed XML"
    root=$(xmllint --nonet --xpath 'local-name(/*)' "$1") || fail "$1: no root"
    [ "$root" = svg ] || fail "$1: root element is '$root', not svg"
    paths=$(xmllint --nonet --xpath 'count(//*[local-name()="path"])' "$1")
    [ "$paths" -gt 10 ] || fail "$1: only $paths paths drawn"
}

# check_figures DIR NAME...: every figure in PNG and SVG.
check_figures() {
    dir=$1
    shift
    for f in "$@"; do
        check_png "$dir/$f.png"
        check_svg "$dir/$f.svg"
    done
}

# check_html FILE: xmllint's HTML parser accepts it without a message.
check_html() {
    [ -f "$1" ] || fail "$1: missing"
    msg=$(xmllint --html --noout --nonet "$1" 2>&1) || fail "$1: xmllint --html: $msg"
    [ -z "$msg" ] || fail "$1: xmllint --html: $msg"
    ! grep -qiE '<script|https?://' "$1" || fail "$1: has a script or a network link"
}
