#!/bin/sh
# The Vulkan backend on a real GPU, as one prepared script: build, list the
# backends, check vulkan against ref (f64 where the device has shaderFloat64,
# and f32), time the step and the NTK on vulkan and blas side by side, and run
# the smoke battery on vulkan against the stored reference.
#
# usage: scripts/gpu-check.sh OUT_DIR
#   VK_DRIVER_FILES may pin the driver; PB_VULKAN_DEVICE picks a device.
#   The machine needs cmake, a C compiler, the -dev packages of
#   scripts/setup-debian.sh and a Vulkan loader (libvulkan.so.1).
# Every step runs even when an earlier one fails; the exit code is that of
# the first failure.  Logs and CSVs go to OUT_DIR.
set -u
out=${1:?usage: scripts/gpu-check.sh OUT_DIR}
mkdir -p "$out"
build=${BUILD_DIR:-build-gpu}
rc=0
step() {
    name=$1
    shift
    echo "== $name: $*" | tee -a "$out/summary.txt"
    "$@" > "$out/$name.log" 2>&1
    r=$?
    echo "   exit $r" | tee -a "$out/summary.txt"
    [ $r -ne 0 ] && [ $rc -eq 0 ] && rc=$r
    return 0
}
step configure cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DPB_BUILD_TESTS=OFF
step build cmake --build "$build" -j "$(nproc)"
pb="$build/phasebench"
step backends "$pb" backends
step check_vulkan "$pb" check --backend vulkan --out "$out/check_vulkan.csv"
step bench "$pb" bench --backend vulkan,blas --sizes 5000:10:512:2,1000:10:128:2 \
    --dtype f64 --threads "$(nproc)" --repetitions 7 --out "$out/bench_f64.csv"
step bench_f32 "$pb" bench --backend vulkan,blas --sizes 5000:10:512:2,1000:10:128:2 \
    --dtype f32 --threads "$(nproc)" --repetitions 7 --out "$out/bench_f32.csv"
step smoke_vulkan "$pb" run smoke --backend vulkan --out "$out/smoke-vulkan" --quiet
step compare_smoke "$pb" compare "$out/smoke-vulkan" results/reference/smoke
tail -n 30 "$out/bench.log" "$out/check_vulkan.log" "$out/compare_smoke.log" > "$out/tail.txt" 2>/dev/null
exit $rc
