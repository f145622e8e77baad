#!/usr/bin/env bash
# run.sh - `glif run`: compiles examples/digits, runs it, and checks that the trace is
# byte-identical to `glif reference --trace`, that the two engines, two runs and
# --jobs 1/2 give byte-identical reports, that --arch re-costs one image, that the
# VCD, record and report are written, and that every bad input (shape, dtype,
# corrupted image, labels, unwritable report, foreign architecture) and bad usage is
# refused with its exit status, a clear message, and no output file left behind.
# Run by ctest as `bash run.sh /path/to/glif`. Needs no Python: .npy files are sliced
# and written here.
set -u
GLIF=${1:?usage: run.sh /path/to/glif}
source "$(dirname "$0")/lib.sh"
absent() { for f in "$@"; do [ -e "$f" ] && fail "$f was left behind"; done; return 0; }
no_tmp() { ls "$TMP" | grep -q '\.tmp\.' && fail "a temporary file was left: $(ls "$TMP")"; return 0; }

# npy_write FILE DESCR SHAPE BYTES: a version 1.0 .npy of BYTES zero bytes
npy_write() {
  local dict="{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
  local len=$(( (10 + ${#dict} + 1 + 63) / 64 * 64 - 10 ))
  { printf '\223NUMPY\001\000'; printf "\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))"
    printf '%s' "$dict"; printf '%*s\n' $((len - ${#dict} - 1)) ''; head -c "$4" /dev/zero; } >"$1"
}

# npy_head N IN OUT DESCR ITEM_BYTES: the first N samples of a C-order .npy (v1.0)
npy_head() {
  local hlen shape rest per
  hlen=$(od -An -tu2 -j8 -N2 "$2" | tr -d ' ')
  shape=$(head -c $((10 + hlen)) "$2" | tail -c "$hlen" | sed -n "s/.*'shape': (\([^)]*\)).*/\1/p")
  rest=${shape#*,}
  per=$4
  for d in ${rest//,/ }; do per=$((per * d)); done
  npy_write "$TMP/hdr" "$3" "($1,${rest})" 0
  { cat "$TMP/hdr"; tail -c +$((11 + hlen)) "$2" | head -c $(($1 * per)); } >"$5"
}

# ---- a chip image of examples/digits on a 12 x 12 mesh --------------------------------
printf 'glif_arch: 1\nbase: glif-256\nname: glif-256-12x12\nmesh: {x: 12, y: 12}\n' >"$TMP/a12.yaml"
run 0 compile "$SRC/examples/digits/model.yaml" --arch "$TMP/a12.yaml" -o "$TMP/chip.img" --quiet
npy_head 12 "$SRC/examples/digits/test_inputs.npy" '<f4' 4 "$TMP/x12.npy"
npy_head 12 "$SRC/examples/digits/test_labels.npy" '|i1' 1 "$TMP/y12.npy"
npy_head 1 "$SRC/examples/digits/test_inputs.npy" '<f4' 4 "$TMP/x1b.npy"

# ---- one sample: summary, outputs, and the golden model's trace ------------------------
run 0 run "$TMP/chip.img" --input "$TMP/x1b.npy" --trace "$TMP/sim1.trace"
has out "glif run: model digits-glif, T = 4"
has out "sample 0: class"
has out "latency"
has out "energy"
has out "traffic"
[ -s "$TMP/err" ] && fail "stderr not empty (no progress bar in a pipe): $(cat "$TMP/err")"
run 0 reference "$SRC/examples/digits/model.yaml" --arch "$TMP/a12.yaml" --input "$TMP/x1b.npy" \
  --trace "$TMP/ref1.trace" --quiet
cmp -s "$TMP/sim1.trace" "$TMP/ref1.trace" || fail "one-sample trace differs from glif reference"

# ---- a batch: labels, accuracy, trace == reference, determinism ------------------------
run 0 run "$TMP/chip.img" --input "$TMP/x12.npy" --labels "$TMP/y12.npy" --report "$TMP/r1.json" \
  --trace "$TMP/s1.trace" --trace "$TMP/s1.vcd"
has out "batch: 12 samples, accuracy"
has out "p50"
run 0 reference "$SRC/examples/digits/model.yaml" --arch "$TMP/a12.yaml" --input "$TMP/x12.npy" \
  --trace "$TMP/ref12.trace" --quiet
cmp -s "$TMP/s1.trace" "$TMP/ref12.trace" || fail "batch trace differs from glif reference"
run 0 run "$TMP/chip.img" --input "$TMP/x12.npy" --labels "$TMP/y12.npy" --report "$TMP/r2.json" \
  --trace "$TMP/s2.trace" --trace "$TMP/s2.vcd" --jobs 2 --quiet
for f in r1.json:r2.json s1.trace:s2.trace s1.vcd:s2.vcd; do
  cmp -s "$TMP/${f%:*}" "$TMP/${f#*:}" || fail "--jobs 1 and --jobs 2 differ: $f"
done
run 0 run "$TMP/chip.img" --input "$TMP/x12.npy" --labels "$TMP/y12.npy" --report "$TMP/r3.json" --quiet
cmp -s "$TMP/r1.json" "$TMP/r3.json" || fail "two runs give different reports"
grep -q '"glif_run_report":[[:space:]]*1' "$TMP/r1.json" || fail "report lacks its version"
for key in per_sample aggregate totals ticks cores io_port links histogram accuracy p99 \
           energy_pj latency_cycles synops router_stalls; do
  grep -q "\"$key\"" "$TMP/r1.json" || fail "report lacks \"$key\""
done
head -1 "$TMP/s1.vcd" | grep -q '^\$version' || fail "VCD does not start with \$version"
grep -q '^\$enddefinitions' "$TMP/s1.vcd" || fail "VCD lacks \$enddefinitions"

# ---- the cycle-stepped oracle gives the same report (but its mode) ---------------------
run 0 run "$TMP/chip.img" --input "$TMP/x1b.npy" --report "$TMP/e.json" --quiet
run 0 run "$TMP/chip.img" --input "$TMP/x1b.npy" --report "$TMP/c.json" --quiet --mode cycle
diff <(grep -v '"mode"' "$TMP/e.json") <(grep -v '"mode"' "$TMP/c.json") >/dev/null ||
  fail "event-driven and cycle-stepped reports differ"

# ---- --arch re-costs the image: same cycles, other energy; a foreign structure fails ----
printf 'glif_arch: 1\nbase: glif-256\nname: costly\nmesh: {x: 12, y: 12}\nenergy: {synop_pj: 100}\n' \
  >"$TMP/costly.yaml"
run 0 run "$TMP/chip.img" --input "$TMP/x1b.npy" --arch "$TMP/costly.yaml" --report "$TMP/k.json" --quiet
grep '"latency_cycles"' "$TMP/e.json" | head -1 >"$TMP/l1"
grep '"latency_cycles"' "$TMP/k.json" | head -1 >"$TMP/l2"
cmp -s "$TMP/l1" "$TMP/l2" || fail "--arch changed the cycle count"
grep -q '"name":[[:space:]]*"costly"' "$TMP/k.json" || fail "--arch costs not reported"
cmp -s "$TMP/e.json" "$TMP/k.json" && fail "--arch did not change the energy"
run 1 run "$TMP/chip.img" --input "$TMP/x1b.npy" --arch loihi --report "$TMP/bad.json"
has err "error"
has err "compiled for"
absent "$TMP/bad.json"

# ---- a core record -----------------------------------------------------------------------
# the first used core of the report (placement is the compiler's business)
read -r RX RY < <(awk '/"x":/ { x = $2 } /"y":/ { y = $2 }
  /"used":[[:space:]]*true/ { gsub(/,/, "", x); gsub(/,/, "", y); print x, y; exit }' "$TMP/e.json")
run 0 run "$TMP/chip.img" --input "$TMP/x1b.npy" --record-core "$RX,$RY" --record "$TMP/core.rec" \
  --quiet
head -1 "$TMP/core.rec" | grep -qx 'glif-record 1' || fail "record header"
grep -q '^tick 0$' "$TMP/core.rec" || fail "record has no tick"
run 2 run "$TMP/chip.img" --input "$TMP/x1b.npy" --record "$TMP/r.rec"
absent "$TMP/r.rec"
run 1 run "$TMP/chip.img" --input "$TMP/x1b.npy" --record-core 40,0 --record "$TMP/r.rec"
has err "chip.img: error: --record-core 40,0"
absent "$TMP/r.rec"

# ---- bad input: exit 1, a clear message, no output file ----------------------------------
outs=(--report "$TMP/o.json" --trace "$TMP/o.trace" --trace "$TMP/o.vcd")
npy_write "$TMP/shape.npy" '<f8' '(2, 3)' 48
run 1 run "$TMP/chip.img" --input "$TMP/shape.npy" "${outs[@]}"
has err "[2, 3]"
has err "[1, 8, 8]"
absent "$TMP/o.json" "$TMP/o.trace" "$TMP/o.vcd"
npy_write "$TMP/dtype.npy" '<i4' '(1, 8, 8)' 256
run 1 run "$TMP/chip.img" --input "$TMP/dtype.npy" "${outs[@]}"
has err "dtype.npy"
absent "$TMP/o.json" "$TMP/o.trace" "$TMP/o.vcd"
cp "$TMP/chip.img" "$TMP/bad.img"
printf '\377' | dd of="$TMP/bad.img" bs=1 seek=5000 conv=notrunc status=none
run 1 run "$TMP/bad.img" --input "$TMP/x1b.npy" "${outs[@]}"
has err "bad.img"
has err "corrupted"
absent "$TMP/o.json" "$TMP/o.trace" "$TMP/o.vcd"
head -c 100 "$TMP/chip.img" >"$TMP/short.img"
run 1 run "$TMP/short.img" --input "$TMP/x1b.npy" "${outs[@]}"
has err "short.img"
run 1 run "$TMP/chip.img" --input "$TMP/x12.npy" --labels "$SRC/examples/digits/test_labels.npy" \
  "${outs[@]}"
has err "labels have shape [540], expected [12]"
absent "$TMP/o.json" "$TMP/o.trace" "$TMP/o.vcd"
run 1 run "$TMP/chip.img" --input "$TMP/x1b.npy" --report "$TMP/no/such/dir/r.json" \
  --trace "$TMP/o.trace"
has err "$TMP/no/such/dir/r.json"
absent "$TMP/o.trace"
run 1 run "$TMP/chip.img" --input "$TMP/missing.npy"
has err "missing.npy"
no_tmp

# ---- usage: exit 2 -------------------------------------------------------------------------
run 2 run "$TMP/chip.img"
has err "--input"
run 2 run "$TMP/chip.img" --input "$TMP/x1b.npy" --mode fast
has err "--mode"
run 2 run "$TMP/chip.img" --input "$TMP/x1b.npy" --jobs 0
run 2 run "$TMP/chip.img" --input "$TMP/x1b.npy" --bogus
has err "unknown option"
run 0 run --help
has out "--record-core"

if [ "$failures" -ne 0 ]; then
  echo "run.sh: $failures failure(s)"
  exit 1
fi
echo "run.sh: all checks passed"
