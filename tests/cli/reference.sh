#!/usr/bin/env bash
# tests/cli/reference.sh - `glif reference` end to end (run by ctest as
# `bash reference.sh /path/to/glif`, with GLIF_SOURCE_DIR in the environment).
#
# Every example under examples/tiny/ carries its expected traces (STYLE habit 12):
# the fixed-point trace must equal expected.trace and the float one
# expected-float.trace byte for byte. Then the report options, and the failures: a bad
# model exits 1 with a file:line:col message and leaves no output file behind, bad
# usage exits 2.
set -u
GLIF=${1:?usage: reference.sh /path/to/glif}
SRC=${GLIF_SOURCE_DIR:?GLIF_SOURCE_DIR is not set}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/glif-reference.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- every example against its expected traces -----------------------------------
n_examples=0
for dir in "$SRC"/examples/tiny/*/; do
  [ -f "$dir/model.yaml" ] || continue
  name=$(basename "$dir")
  arch=glif-256
  [ -f "$dir/arch.yaml" ] && arch="$dir/arch.yaml"
  for mode in fixed float; do
    flag="" want="$dir/expected.trace"
    [ $mode = float ] && flag=--float want="$dir/expected-float.trace"
    out="$TMP/$name-$mode.trace"
    if ! "$GLIF" reference "$dir/model.yaml" --arch "$arch" --input "$dir/input.npy" \
        $flag --trace "$out" > "$TMP/$name-$mode.out" 2> "$TMP/err"; then
      fail "$name $mode: exit status $? ($(cat "$TMP/err"))"
      continue
    fi
    grep -q '^sample 0 class [0-9]* spikes ' "$TMP/$name-$mode.out" ||
      fail "$name $mode: no per-sample line in: $(cat "$TMP/$name-$mode.out")"
    cmp -s "$out" "$want" || fail "$name $mode: trace differs from $want: $(diff "$out" "$want" | head -5)"
  done
  n_examples=$((n_examples + 1))
done
[ "$n_examples" -ge 4 ] || fail "only $n_examples examples found under examples/tiny"

# ---- labels, quiet, json, dump ------------------------------------------------------
RES="$SRC/examples/tiny/residual"
out=$("$GLIF" reference "$RES/model.yaml" --input "$RES/input.npy" --labels "$RES/labels.npy")
classes=$(echo "$out" | sed -n 's/^sample [0-9]* class \([0-9]*\) label \([0-9]*\) .*/\1 \2/p')
right=$(echo "$classes" | awk '$1 == $2' | wc -l)
[ "$(echo "$classes" | wc -l)" = 3 ] || fail "labels: expected 3 labelled sample lines, got: $out"
echo "$out" | grep -q "^accuracy .* ($right of 3)$" || fail "labels: accuracy line does not count $right right: $out"

out=$("$GLIF" reference "$RES/model.yaml" --input "$RES/input.npy" --quiet)
[ "$out" = "3 samples" ] || fail "--quiet printed: $out"

"$GLIF" reference "$RES/model.yaml" --input "$RES/input.npy" --labels "$RES/labels.npy" \
    --json "$TMP/r.json" --quiet > /dev/null || fail "--json: exit status $?"
python3 - "$TMP/r.json" <<'PY' || fail "--json: report fields"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["glif_reference"] == 1 and r["mode"] == "fixed" and r["T"] == 4, r
assert [l["name"] for l in r["layers"]] == ["l1", "l2", "l3", "out"]
assert r["layers"][2]["quantisation"]["shift_max"] <= 6
assert len(r["samples"]) == 3 and len(r["samples"][0]["outputs"]) == 2
assert r["summary"]["samples"] == 3 and 0 <= r["summary"]["accuracy"] <= 1
assert r["samples"][1]["label"] == 1
PY

"$GLIF" reference "$RES/model.yaml" --input "$RES/input.npy" --dump=schedule --quiet |
  grep -q '^  proj 3 sc: l1 -> l3 depthwise .* dly=1 ' || fail "--dump=schedule: no shortcut with dly=1"

# ---- calibration: the input scale comes from the data ----------------------------------
sed 's/, range: 1.0//' "$RES/model.yaml" > "$TMP/norange.yaml"
"$GLIF" reference "$TMP/norange.yaml" --input "$RES/input.npy" > "$TMP/out" 2> "$TMP/err" &&
  fail "no range and no --calibrate: should fail"
grep -q "norange.yaml:11:5: error: input layer 'x' .* no 'range'" "$TMP/err" ||
  fail "no range: message: $(cat "$TMP/err")"
"$GLIF" reference "$TMP/norange.yaml" --input "$RES/input.npy" --calibrate "$RES/input.npy" \
    > "$TMP/out" || fail "--calibrate: exit status $?"
grep -q "from --calibrate" "$TMP/out" || fail "--calibrate: header does not name the source"

# ---- failures: exit 1 with file:line:col, no file left behind -------------------------
sed 's/input: l2, padding: 1/input: l9, padding: 1/' "$RES/model.yaml" > "$TMP/bad.yaml"
"$GLIF" reference "$TMP/bad.yaml" --input "$RES/input.npy" --trace "$TMP/bad.trace" \
    --json "$TMP/bad.json" > /dev/null 2> "$TMP/err"
status=$?
[ $status = 1 ] || fail "bad model: exit status $status, wanted 1"
grep -Eq "^$TMP/bad.yaml:2[0-9]:[0-9]+: error: layer 'c3' uses 'l9', but there is no layer of that name" "$TMP/err" ||
  fail "bad model: message: $(cat "$TMP/err")"
ls "$TMP" | grep -q '^bad\.\(trace\|json\)' && fail "bad model: an output file was left: $(ls "$TMP")"

python3 -c "import sys; sys.stdout.buffer.write(open('$RES/input.npy','rb').read()[:150])" > "$TMP/cut.npy"
"$GLIF" reference "$RES/model.yaml" --input "$TMP/cut.npy" --trace "$TMP/cut.trace" 2> "$TMP/err" > /dev/null
[ $? = 1 ] || fail "truncated input: wanted exit 1"
grep -q "cut.npy: error: .*truncated" "$TMP/err" || fail "truncated input: message: $(cat "$TMP/err")"
ls "$TMP" | grep -q '^cut\.trace' && fail "truncated input: trace left behind"

"$GLIF" reference "$RES/model.yaml" --input "$SRC/examples/tiny/chain/input.npy" 2> "$TMP/err" > /dev/null
[ $? = 1 ] || fail "mis-shaped input: wanted exit 1"
grep -q "does not fit input layer 'x'" "$TMP/err" || fail "mis-shaped input: $(cat "$TMP/err")"

"$GLIF" reference "$RES/model.yaml" 2> "$TMP/err" > /dev/null
[ $? = 2 ] || fail "no --input: wanted exit 2"
"$GLIF" reference "$RES/model.yaml" --input "$RES/input.npy" --bogus 2> "$TMP/err" > /dev/null
[ $? = 2 ] || fail "unknown option: wanted exit 2"
"$GLIF" reference --help | grep -q '^usage: glif reference' || fail "--help"

if [ $fails -ne 0 ]; then
  echo "reference.sh: $fails failure(s)"
  exit 1
fi
echo "reference.sh: $n_examples examples, all checks passed"
