#!/usr/bin/env bash
# bench_sim.sh - the simulator's speed figures (docs/simulator.md "Speed"):
#   1. synaptic operations per second of the event-driven engine on a dense random
#      network (1024-1024-1024-10, ~10 % firing, T = 4) on 1024-neuron cores
#   2. packet-hops per second on examples/digits (12 x 12 mesh of glif-256 cores)
#   3. event-driven vs cycle-stepped on sparse activity (256-512-512-10, 2 % firing,
#      spike input at 2 %, T = 8, 16 x 16 mesh), on the same samples
#   4. one ResNet-19 inference (T = 6): time and peak memory, when the back end's
#      scripts/gen_resnet19.py and examples/arch/resnet19.yaml are present
# Times are CPU seconds of one thread (bench_sim), so that other work on a shared machine
# does not count; wall times are printed beside them.
#
#   bash bench/bench_sim.sh [BUILD_DIR]      (default: build; needs glif and bench_sim)
# Generated models and images are cached in BUILD_DIR/bench-sim.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
GLIF=$BUILD/cli/glif
BENCH=$BUILD/simulator/bench_sim
PY=/usr/bin/python3
WORK=$BUILD/bench-sim
mkdir -p "$WORK"
for tool in "$GLIF" "$BENCH"; do
  [ -x "$tool" ] || { echo "bench_sim.sh: $tool is missing - build the project first" >&2; exit 1; }
done

arch() { # arch NAME MESH [core: {...}] [widths: {...}]
  local f="$WORK/$1.yaml"
  { printf 'glif_arch: 1\nbase: glif-256\nname: %s\nmesh: {x: %s, y: %s}\n' "$1" "$2" "$2"
    [ -n "${3:-}" ] && printf 'core: %s\n' "$3"
    [ -n "${4:-}" ] && printf 'widths: %s\n' "$4"; } >"$f.new"
  if cmp -s "$f.new" "$f"; then rm -f "$f.new"; else mv "$f.new" "$f"; fi   # keeps its time
  echo "$f"
}

compile() { # compile MODEL ARCH IMAGE: cached, again when the model, arch or glif is newer
  if [ -s "$3" ] && [ "$3" -nt "$1" ] && [ "$3" -nt "$2" ] && [ "$3" -nt "$GLIF" ]; then
    return
  fi
  "$GLIF" compile "$1" --arch "$2" -o "$3" --quiet
}

echo "== 1. dense 1024-1024-1024-10, 10 % firing, T = 4: synaptic ops per second"
if [ ! -s "$WORK/dense/model.yaml" ]; then
  "$PY" "$ROOT/scripts/gen_dense.py" -o "$WORK/dense" --sizes 1024,1024,1024,10 --T 4 \
    --rate 0.1 --samples 64 --seed 1
fi
A=$(arch dense-1024 4 '{neurons: 1024, axons: 1024, groups: 1024}' '{membrane: 28, accumulator: 28}')
compile "$WORK/dense/model.yaml" "$A" "$WORK/dense.img"
"$BENCH" "$WORK/dense.img" "$WORK/dense/inputs.npy" --samples 64 --label dense

echo "== 2. examples/digits on a 12 x 12 mesh: packet-hops per second"
A=$(arch glif-256-12x12 12)
compile "$ROOT/examples/digits/model.yaml" "$A" "$WORK/digits.img"
"$BENCH" "$WORK/digits.img" "$ROOT/examples/digits/test_inputs.npy" --samples 100 --label digits

echo "== 3. sparse activity (2 % firing, 16 x 16 mesh): event-driven vs cycle-stepped"
if [ ! -s "$WORK/sparse/model.yaml" ]; then
  "$PY" "$ROOT/scripts/gen_dense.py" -o "$WORK/sparse" --sizes 256,512,512,10 --T 8 \
    --rate 0.02 --samples 4 --seed 3 --encoding spikes --in-rate 0.02
fi
A=$(arch glif-256-16x16 16)
compile "$WORK/sparse/model.yaml" "$A" "$WORK/sparse.img"
ev=$("$BENCH" "$WORK/sparse.img" "$WORK/sparse/inputs.npy" --samples 4 --label sparse-event)
cy=$("$BENCH" "$WORK/sparse.img" "$WORK/sparse/inputs.npy" --samples 4 --mode cycle --label sparse-cycle)
echo "$ev"
echo "$cy"
te=$(echo "$ev" | sed -n 's/.*samples, \([0-9.e+-]*\) s CPU per inference.*/\1/p')
tc=$(echo "$cy" | sed -n 's/.*samples, \([0-9.e+-]*\) s CPU per inference.*/\1/p')
awk -v e="$te" -v c="$tc" 'BEGIN { printf "sparse: event-driven is %.0fx faster than cycle-stepped (%.4f s vs %.4f s per inference)\n", c / e, e, c }'

echo "== 4. ResNet-19 (T = 6): one inference"
R19_ARCH=$ROOT/examples/arch/resnet19.yaml
if [ ! -f "$ROOT/scripts/gen_resnet19.py" ] || [ ! -f "$R19_ARCH" ]; then
  echo "resnet19: skipped - scripts/gen_resnet19.py or examples/arch/resnet19.yaml is missing"
  exit 0
fi
[ -s "$WORK/resnet19/model.yaml" ] || "$PY" "$ROOT/scripts/gen_resnet19.py" -o "$WORK/resnet19"
[ -s "$WORK/resnet19_x.npy" ] || "$PY" -c "
import numpy as np
r = np.random.default_rng(19)
np.save('$WORK/resnet19_x.npy', np.clip(r.normal(0, 1, (2, 3, 32, 32)), -2.7, 2.7).astype(np.float32))"
compile "$WORK/resnet19/model.yaml" "$R19_ARCH" "$WORK/resnet19.img"
ls -l "$WORK/resnet19.img" | awk '{ printf "resnet19: image %.2f GB\n", $5 / 1e9 }'
/usr/bin/time -f "resnet19: %e s wall, %M KB peak resident memory" \
  "$BENCH" "$WORK/resnet19.img" "$WORK/resnet19_x.npy" --samples 1 --label resnet19 --ticks
