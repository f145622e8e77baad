#!/usr/bin/env bash
# bench_rtl_neuron.sh - the long neuron co-verification: rtl/glif_neuron.v against
# nrn_step() over the full boundary cross product and ten million random vectors
# (1,666,667 per width set x 6 width sets), printing vectors/s. Exits non-zero on the
# first mismatch (which it prints with every input).
#   bash bench/bench_rtl_neuron.sh [BUILD_DIR] [SEED]
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
seed="${2:-1}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target glif_rtl_neuron_tb >/dev/null
"$build/tests/rtl/glif_rtl_neuron_tb" --boundary full --random 1666667 --seed "$seed"
