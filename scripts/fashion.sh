#!/usr/bin/env bash
# The realistic benchmark: the trained Fashion-MNIST GLIF network (examples/fashion,
# 28x28 input, T = 4, partial sums) compiled for glif-256 on a 34 x 34 mesh and
# simulated cycle by cycle over the full 10,000-image test set, next to PyTorch and to
# the golden model. Usage: bash scripts/fashion.sh [SAMPLES]   (default: all 10,000)
# Installs the dependencies (the dataset-fashion-mnist package among them) and builds
# like scripts/demo.sh. Outputs go to out/fashion/.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
glif=./build/cli/glif
D=examples/fashion
O=out/fashion
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$O"
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" --target glif >/dev/null

if [ ! -f "$D/test_inputs.npy" ]; then
  echo "== test set from /usr/share/datasets/fashion-mnist"
  PYTHONPATH=python /usr/bin/python3 -m glif_torch.fashion_data
fi
/usr/bin/python3 - "$D" "$O" "$n" <<'PY'
import sys, numpy as np
d, o, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
np.save(o + "/x.npy", np.load(d + "/test_inputs.npy")[:n])
np.save(o + "/y.npy", np.load(d + "/test_labels.npy")[:n])
np.save(o + "/calib.npy", np.load(d + "/test_inputs.npy")[:200])
PY

echo "== compile (quantisation calibrated on 200 test images)"
$glif compile "$D/model.yaml" --arch glif-256-34x34 -o "$O/fashion.img" \
  --report "$O/compile.json" --calibrate "$O/calib.npy"
echo
echo "== golden model"
$glif reference "$D/model.yaml" --arch glif-256-34x34 --input "$O/x.npy" --labels "$O/y.npy" \
  --trace "$O/reference.trace" --quiet
echo
echo "== simulate $n test images on the chip ($jobs threads)"
$glif run "$O/fashion.img" --input "$O/x.npy" --labels "$O/y.npy" --jobs "$jobs" \
  --trace "$O/chip.trace" --report "$O/run.json" --quiet
cmp -s "$O/chip.trace" "$O/reference.trace" \
  && echo "chip spikes and outputs equal the golden model's on all $n images" \
  || { echo "fashion.sh: the chip differs from the golden model"; exit 1; }
echo
python3 - "$O" "$D" <<'PY'
import json, sys
o, d = sys.argv[1], sys.argv[2]
run = json.load(open(o + "/run.json")); agg = run["aggregate"]
comp = json.load(open(o + "/compile.json")); torch = json.load(open(d + "/pytorch.json"))
print("== fashion: %d images, chip accuracy %.2f %% (PyTorch %.2f %% on all 10,000)"
      % (run["samples"], 100 * agg["accuracy"], 100 * torch["test_accuracy"]))
print("   %d cores, latency %.1f us (%.0f cycles), energy %.2f uJ per inference"
      % (comp["totals"]["cores"], agg["latency_us"]["mean"], agg["latency_cycles"]["mean"],
         agg["energy_pj"]["mean"] / 1e6))
print("   per-layer quantisation (float vs fixed on 200 calibration images):")
for l in comp["layers"]:
    q = l.get("quant") or {}
    if l["kind"] == "spiking" and q.get("calibrated"):
        print("     %-8s spike agreement %.4f, accumulator seen %d of worst case %d of limit %d"
              % (l["name"], q["spike_agreement"], q["acc_seen"], q["acc_worst"], q["acc_limit"]))
PY
