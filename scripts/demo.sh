#!/usr/bin/env bash
# The README's main job: installs the dependencies, builds the toolchain, compiles the
# bundled trained digits network (examples/digits, 8x8 handwritten digits, T = 4) for the
# default fabric (glif-256: 8 x 8 cores of 256 neurons) and simulates the whole bundled
# test set (540 images) cycle by cycle: accuracy, latency and energy per inference, next
# to the accuracy the network had in PyTorch. Outputs go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" --target glif >/dev/null
glif=./build/cli/glif
mkdir -p out

echo "== $($glif --version): compile examples/digits for glif-256"
$glif compile examples/digits/model.yaml --arch examples/arch/glif-256.yaml \
  -o out/digits.img --report out/compile.json

echo
echo "== simulate the bundled test set on the chip image"
$glif run out/digits.img --input examples/digits/test_inputs.npy \
  --labels examples/digits/test_labels.npy --jobs "$jobs" --report out/run.json

echo
python3 - <<'PY'
import json
run = json.load(open("out/run.json"))["aggregate"]
torch = json.load(open("examples/digits/pytorch.json"))
print("== digits: chip accuracy %.2f %% (PyTorch %.2f %%), latency %.1f us, energy %.3f uJ per inference"
      % (100 * run["accuracy"], 100 * torch["test_accuracy"], run["latency_us"]["mean"],
         run["energy_pj"]["mean"] / 1e6))
print("   reports: out/compile.json, out/run.json; image: out/digits.img (glif inspect out/digits.img)")
PY
