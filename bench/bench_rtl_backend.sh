#!/usr/bin/env bash
# bench_rtl_backend.sh - speed of the RTL as a simulation backend and of the SystemC
# co-simulation, on the digits example compiled for glif-256 (8 x 8 mesh):
#   * glif run --backend rtl vs the C core model in cycle mode (CPU seconds, fabric
#     cycles per second), with identical reports checked;
#   * the SystemC model of one core replaying a record (core cycles per second).
#   bash bench/bench_rtl_backend.sh [BUILD_DIR] [SAMPLES]
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
n="${2:-8}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target glif glif_rtl_core_sc_tb >/dev/null
glif="$build/cli/glif"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$glif" compile "$src/examples/digits/model.yaml" --arch glif-256 -o "$tmp/d.img" >/dev/null
cores=$("$glif" inspect "$tmp/d.img" --json | python3 -c "import json, sys; print(len(json.load(sys.stdin)['cores']))")
first=$("$glif" inspect "$tmp/d.img" --json | python3 -c "import json, sys; c = json.load(sys.stdin)['cores'][0]; print('%d,%d' % (c['x'], c['y']))")
/usr/bin/python3 -c "import numpy as np; np.save('$tmp/x.npy', np.load('$src/examples/digits/test_inputs.npy')[:$n])"

cpu() {  # command... -> prints the user + system CPU seconds it took
  local TIMEFORMAT='%3U %3S' t
  t=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
  echo "$t" | awk '{printf "%.2f", $1 + $2}'
}
c=$(cpu "$glif" run "$tmp/d.img" --input "$tmp/x.npy" --mode cycle --report "$tmp/c.json" --quiet)
r=$(cpu "$glif" run "$tmp/d.img" --input "$tmp/x.npy" --backend rtl --report "$tmp/r.json" --quiet)
cycles=$(python3 -c "import json; print(sum(s['latency_cycles'] for s in json.load(open('$tmp/c.json'))['per_sample']))")
cmp <(grep -v core_model "$tmp/c.json") <(grep -v core_model "$tmp/r.json") >/dev/null &&
  same="identical reports" || same="REPORTS DIFFER"
echo "digits, $n samples, $cycles fabric cycles, $cores cores: C cycle mode $c s, RTL backend $r s" \
     "($(awk "BEGIN {printf \"%.0f\", $cycles / $r}") fabric cycles/s), $same"
"$glif" run "$tmp/d.img" --input "$tmp/x.npy" --record-core "$first" --record "$tmp/rec" --quiet
"$build/tests/rtl/glif_rtl_core_sc_tb" "$tmp/rec" "$tmp/d.img" 2>/dev/null | grep '^SystemC'
