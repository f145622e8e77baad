#!/usr/bin/env bash
# dse_mpi.sh - the distributed sweep: glif-dse-mpi under `mpirun -np 2` must write the
# same CSV and JSON as `glif dse` in one process (--no-timing), byte for byte, with the
# points shared round-robin between the two ranks; a bad field fails on every rank with
# one message and exit status 2. Skipped (with a message, exit 0) when the build has no
# MPI launcher (CMake found no MPI) or mpirun is missing.
# Run by ctest as `bash dse_mpi.sh /path/to/glif`.
set -u
GLIF=${1:?usage: dse_mpi.sh /path/to/glif}
SRC=${GLIF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${GLIF_BINARY_DIR:-$(dirname "$(dirname "$GLIF")")}
MPI_DSE=$BIN/dse/glif-dse-mpi
SMALL=$SRC/examples/dse/small
if [ ! -x "$MPI_DSE" ] || ! command -v mpirun >/dev/null; then
  echo "dse_mpi.sh: skipped - no $MPI_DSE or no mpirun (build with MPI to test it)"
  exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# OpenMPI keeps some memory to the end: not ours to report in sanitizer builds
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
MPIRUN=(mpirun --oversubscribe --allow-run-as-root -np 2)
ARGS=("$SMALL/model.yaml" --sweep core.neurons=8:64:x2 --sweep core.lanes=4,8
      --sweep mesh=2x2,3x3 --input "$SMALL/inputs.npy" --labels "$SMALL/labels.npy"
      --samples 3 --no-timing --no-progress --quiet)

"$GLIF" dse "${ARGS[@]}" -o "$TMP/one.csv" --json "$TMP/one.json" ||
  fail "the single-process sweep failed"
timeout 300 "${MPIRUN[@]}" "$MPI_DSE" "${ARGS[@]}" -o "$TMP/two.csv" --json "$TMP/two.json" \
  >"$TMP/out" 2>"$TMP/err" || fail "mpirun failed: $(cat "$TMP/err")"
cmp -s "$TMP/one.csv" "$TMP/two.csv" || fail "the MPI CSV differs: $(diff "$TMP/one.csv" "$TMP/two.csv" | head -5)"
cmp -s "$TMP/one.json" "$TMP/two.json" || fail "the MPI JSON differs"
[ "$(wc -l <"$TMP/two.csv")" -eq 17 ] || fail "the MPI CSV has $(wc -l <"$TMP/two.csv") lines, want 17"

timeout 120 "${MPIRUN[@]}" "$MPI_DSE" "$SMALL/model.yaml" --sweep core.neuron=64 \
  -o "$TMP/bad.csv" >"$TMP/out" 2>"$TMP/err"
status=$?
[ "$status" -eq 2 ] || fail "a bad field under mpirun exited $status, want 2"
grep -qF "did you mean 'core.neurons'" "$TMP/err" || fail "no message: $(cat "$TMP/err")"
[ -e "$TMP/bad.csv" ] && fail "a failed MPI sweep left its CSV"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "dse_mpi.sh: all checks passed"
