#!/usr/bin/env bash
# bench_reference.sh - speed of the compiler front end and of the golden model on a
# ResNet-19 (CIFAR-10, T = 6, 11.2M weights) and on the digits test set, printing wall
# and CPU seconds.
#
# The ResNet-19 is a synthetic Gated-LIF checkpoint with random weights in the released
# layout (python/glif_torch/gatedlif_synth.py, exported by gatedlif_export.py): it needs
# /usr/bin/python3 with torch and takes a minute or two to generate the first time; it
# is cached in BUILD_DIR/bench-resnet19/.
#   bash bench/bench_reference.sh [BUILD_DIR] [IMAGES]
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
images="${2:-2}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target glif >/dev/null
glif="$build/cli/glif"
cache="$build/bench-resnet19"
mkdir -p "$cache"

timed() { # label, command...: prints wall and CPU (user + sys) seconds
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %U s user + %S s sys, %M KB peak" "$@" > /dev/null
}

if [ ! -f "$cache/model/model.yaml" ]; then
  echo "generating the synthetic ResNet-19 (once) ..."
  PYTHONPATH="$src/python" /usr/bin/python3 -m glif_torch.gatedlif_synth --arch resnet19 \
    --dataset cifar10 --timesteps 6 --seed 0 -o "$cache/r19.pth.tar" > /dev/null
  PYTHONPATH="$src/python" /usr/bin/python3 -m glif_torch.gatedlif_export \
    "$cache/r19.pth.tar" -o "$cache/model" > /dev/null
fi
/usr/bin/python3 - "$cache/x.npy" "$images" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(0)
x = rng.standard_normal((int(sys.argv[2]), 3, 32, 32)).clip(-2.1, 2.1).astype(np.float32)
np.save(sys.argv[1], x)
PY

echo "== ResNet-19, CIFAR-10, T = 6 =="
timed "front end (load .. schedule)" "$glif" compile "$cache/model/model.yaml" \
  --stop-after=schedule --quiet
timed "golden model, fixed point, $images images" "$glif" reference \
  "$cache/model/model.yaml" --input "$cache/x.npy" --quiet
timed "golden model, float64, $images images" "$glif" reference \
  "$cache/model/model.yaml" --input "$cache/x.npy" --quiet --float

echo "== digits, 540 test images, T = 4 =="
timed "golden model, fixed point" "$glif" reference "$src/examples/digits/model.yaml" \
  --input "$src/examples/digits/test_inputs.npy" --quiet
"$glif" reference "$src/examples/digits/model.yaml" --input "$src/examples/digits/test_inputs.npy" \
  --labels "$src/examples/digits/test_labels.npy" --quiet
"$glif" reference "$src/examples/digits/model.yaml" --input "$src/examples/digits/test_inputs.npy" \
  --labels "$src/examples/digits/test_labels.npy" --quiet --float
