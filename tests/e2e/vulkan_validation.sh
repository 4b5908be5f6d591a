#!/bin/sh
# usage: vulkan_validation.sh PHASEBENCH BATTERY WORKDIR
# Exit 77 (skip) when the vulkan backend or the validation layer is missing.
set -eu
pb=$1 battery=$2 work=$3
"$pb" backends --csv | grep -q '^1,vulkan,available' || { echo "vulkan unavailable: skip"; exit 77; }
[ -e /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json ] ||
    { echo "validation layer not installed (vulkan-validationlayers): skip"; exit 77; }
rm -rf "$work"
"$pb" run "$battery" --backend vulkan --out "$work" --quiet
grep '^features' "$work/manifest.csv"
grep -q 'validation=VK_LAYER_KHRONOS_validation' "$work/manifest.csv" || { echo "the validation layer was not active"; exit 1; }
grep -q 'validation_errors=0;' "$work/manifest.csv" || { echo "validation errors reported"; exit 1; }
grep -q 'validation_warnings=0;' "$work/manifest.csv" || { echo "validation warnings reported"; exit 1; }
echo "tiny battery on vulkan under the validation layer: no message"
