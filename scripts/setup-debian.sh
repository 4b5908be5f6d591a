#!/bin/sh
# Installs everything phasebench needs to build, test and run on Debian 12,
# from Debian's own packages.  Idempotent; run as root.  Skips apt-get when
# every package is already installed.
set -eu
PKGS="build-essential cmake git pkg-config ca-certificates
libopenblas-dev liblapacke-dev libcsv-dev zlib1g-dev nettle-dev
libvulkan-dev mesa-vulkan-drivers glslang-tools vulkan-tools vulkan-validationlayers
dataset-fashion-mnist
libxml2-dev libxml2-utils gnuplot-nox
clang libclang-rt-14-dev"
# PyTorch (about 1 GB) only for the twin of the step benchmark.
[ "${PB_WITH_TORCH:-0}" = 1 ] && PKGS="$PKGS python3-torch"
# Slurm and munge only for the one-node cluster test (ctest -L slurm, scripts/slurm/).
[ "${PB_WITH_SLURM:-0}" = 1 ] && PKGS="$PKGS slurm-wlm munge"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "setup-debian.sh: missing packages:$missing; run as root to install them" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -o DPkg::Lock::Timeout=600
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 $missing
