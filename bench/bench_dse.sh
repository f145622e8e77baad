#!/usr/bin/env bash
# bench_dse.sh - design-space exploration speed: a sweep of the trained digits model
# (examples/digits) over core sizes, meshes and synapse lanes, every point compiled,
# simulated on 8 test images and checked against the golden model. Prints points per
# second, the mean compile and simulation time per point (from the CSV's timing
# columns), and the same sweep without the shared front end.
#
#   bash bench/bench_dse.sh [BUILD_DIR] [JOBS]     (defaults: build, 2)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
jobs="${2:-2}"
glif="$build/cli/glif"
[ -x "$glif" ] || { echo "bench_dse.sh: $glif not found - build the glif target first" >&2; exit 1; }
d="$src/examples/digits"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sweep=(dse "$d/model.yaml" --sweep core.neurons,core.axons=64:1024:x2
       --sweep mesh=8x8,12x12,16x16,24x24,32x32 --sweep core.lanes=8,16
       --input "$d/test_inputs.npy" --labels "$d/test_labels.npy" --samples 8
       --jobs "$jobs" --quiet --no-progress)

# run NAME EXTRA... : one timed sweep, then its figures
run() {
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$glif" "${sweep[@]}" "$@" -o "$work/$name.csv"
  t1=$(date +%s.%N)
  python3 - "$work/$name.csv" "$t0" "$t1" "$name" "$jobs" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
wall = float(sys.argv[3]) - float(sys.argv[2])
fits = [r for r in rows if r["status"] == "fits"]
nofit = [r for r in rows if r["status"] != "fits"]
mean = lambda xs: sum(xs) / len(xs) if xs else 0.0
comp = mean([float(r["compile_s"]) for r in fits])
sim = mean([float(r["sim_s"]) for r in fits])
fail = mean([float(r["compile_s"]) for r in nofit if r["compile_s"]])
agree = sum(int(r["golden_equal"]) for r in fits)
print("%-9s %3d points (%d fit) in %6.2f s on %s threads: %5.2f points/s; per fitting point "
      "compile %.3f s, simulate %.3f s (8 samples); a point that does not fit: %.4f s; "
      "golden agreement %d/%d samples" % (sys.argv[4], len(rows), len(fits), wall, sys.argv[5],
      len(rows) / wall, comp, sim, fail, agree, 8 * len(fits)))
PY
}

echo "bench_dse.sh: digits-glif, $(nproc) cores, glif $("$glif" --version | cut -d' ' -f2)"
run shared
run no-reuse --no-reuse
