#!/usr/bin/env bash
# cosim.sh - SystemC co-simulation of the RTL core against the simulator, on real
# compiled networks: the digits example (12 x 12 mesh of glif-256 cores, 2 samples) and a
# random convolutional network with partial-sum relays (tests/rtl/gen_conv.py, cores of
# 64 axons, 2 samples). For each network, one core of every distinct layer mix is
# recorded with `glif run --record-core` and replayed on the SystemC model of glif_core
# (glif_rtl_core_sc_tb), which compares spikes, packets, membranes, phase lengths and
# counts at every tick. Then a record with one membrane changed must be refused (the
# comparison can fail), and --trace must write a VCD.
#   bash cosim.sh GLIF SC_TB    (GLIF_SOURCE_DIR in the environment)
set -euo pipefail
glif="$1"
tb="$2"
src="${GLIF_SOURCE_DIR:?}"
py=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# one core (x,y) per distinct list of layers, from glif inspect --json
pick_cores() {
  "$glif" inspect "$1" --json | python3 -c '
import json, sys
seen = set()
for c in json.load(sys.stdin)["cores"]:
    k = tuple(c["layers"])
    if k not in seen:
        seen.add(k)
        print("%d,%d" % (c["x"], c["y"]))'
}

ticks=0
cycles=0
cosim() {  # IMAGE INPUT TAG
  local img="$1" input="$2" tag="$3" n=0
  for xy in $(pick_cores "$img"); do
    "$glif" run "$img" --input "$input" --record-core "$xy" --record "$tmp/$tag.rec" --quiet
    out=$("$tb" "$tmp/$tag.rec" "$img" --min-ticks 2 2>"$tmp/err") ||
      { cat "$tmp/err" >&2; echo "cosim: $tag core $xy: $out" >&2; exit 1; }
    line=$(echo "$out" | grep '^SystemC co-simulation')
    echo "$tag core $xy: ${line#*: }"
    ticks=$((ticks + $(echo "$line" | sed 's/.* \([0-9]*\) ticks.*/\1/')))
    cycles=$((cycles + $(echo "$line" | sed 's/.* \([0-9]*\) cycles compared.*/\1/')))
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || { echo "cosim: $tag: no core recorded" >&2; exit 1; }
}

# ---- the digits example ------------------------------------------------------------
"$glif" arch --yaml --set mesh.x=12 --set mesh.y=12 glif-256 >"$tmp/a12.yaml"
"$glif" compile "$src/examples/digits/model.yaml" --arch "$tmp/a12.yaml" -o "$tmp/digits.img" >/dev/null
$py -c "import numpy as np; np.save('$tmp/x2.npy', np.load('$src/examples/digits/test_inputs.npy')[:2])"
cosim "$tmp/digits.img" "$tmp/x2.npy" digits

# ---- a random conv network with relays -----------------------------------------------
$py "$src/tests/rtl/gen_conv.py" "$tmp/conv" 3
"$glif" arch --yaml --set core.axons=64 --set mesh.x=12 --set mesh.y=12 glif-256 >"$tmp/a64.yaml"
"$glif" compile "$tmp/conv/model.yaml" --arch "$tmp/a64.yaml" -o "$tmp/conv.img" >/dev/null
cosim "$tmp/conv.img" "$tmp/conv/input.npy" conv

# ---- the comparison can fail: one membrane of the record changed -------------------
cores=$(pick_cores "$tmp/digits.img")
first=${cores%%$'\n'*}
"$glif" run "$tmp/digits.img" --input "$tmp/x2.npy" --record-core "$first" --record "$tmp/d.rec" --quiet
awk '!done && /^state / {$3 = $3 + 1; done = 1} {print}' "$tmp/d.rec" >"$tmp/bad.rec"
bad_tick=$(awk '/^tick / {t = $2} /^state / {print t; exit}' "$tmp/d.rec")
if "$tb" "$tmp/bad.rec" "$tmp/digits.img" >"$tmp/out" 2>&1; then
  echo "cosim: a corrupted record was accepted" >&2; exit 1
fi
grep -q "first mismatch: sample 0 tick $bad_tick: state 0: record" "$tmp/out" ||
  { cat "$tmp/out" >&2; echo "cosim: the mismatch report is not the expected one" >&2; exit 1; }

# ---- --trace writes a VCD --------------------------------------------------------------
"$tb" "$tmp/d.rec" "$tmp/digits.img" --trace "$tmp/core.vcd" >/dev/null 2>&1
grep -q '\$enddefinitions' "$tmp/core.vcd" && grep -q 'in_valid' "$tmp/core.vcd" ||
  { echo "cosim: --trace wrote no usable VCD" >&2; exit 1; }

echo "cosim: $ticks ticks, $cycles cycles compared, 0 mismatches"
