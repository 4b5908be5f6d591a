#!/bin/sh
# Installs the build into a scratch prefix and builds a backend plugin out of
# tree against the installed headers, found through pkg-config; the
# installed command must load it.
# usage: install_and_plugin.sh BUILD_DIR SOURCE_DIR WORKDIR
set -eu
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work/plugins"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
pc=$(find "$work/prefix" -name phasebench.pc | head -n 1)
[ -n "$pc" ] || { echo "no phasebench.pc installed"; exit 1; }
for f in phasebench/backend.h phasebench/experiment.h; do
    [ -f "$work/prefix/include/$f" ] || { echo "header $f not installed"; exit 1; }
done
ls "$(dirname "$(dirname "$pc")")"/phasebench/pb_backend_ref.so > /dev/null
ls "$work/prefix/share/phasebench/smoke.battery" > /dev/null
cflags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags phasebench)
# The loader test's plugin source, built as a well-formed plugin (kind 9).
cc -std=c11 -shared -fPIC -fvisibility=hidden $cflags -DBROKEN_KIND=9 '-DBROKEN_NAME="outoftree"' \
    "$src/tests/loader/broken_plugin.c" -o "$work/plugins/pb_backend_outoftree.so"
PHASEBENCH_PLUGIN_PATH="$work/plugins" "$work/prefix/bin/phasebench" backends --csv > "$work/backends.csv"
grep -q '^1,outoftree,available,1\.' "$work/backends.csv" || { cat "$work/backends.csv"; exit 1; }
grep -q '^1,ref,available' "$work/backends.csv" || { cat "$work/backends.csv"; exit 1; }
echo "installed; an out-of-tree plugin built with pkg-config loads"
