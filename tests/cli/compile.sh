#!/bin/bash
# tests/cli/compile.sh GLIF - `glif compile` end to end.
#
# Every examples/tiny model is compiled and simulated (`glif run --trace`); the trace
# must equal the folder's expected.trace, byte for byte (the golden model's output).
# Also: byte-identical output of two compiles, compile.json fields, report-only mode,
# dumps, and failures: exit status, the message, and no output file left behind.
set -u
GLIF=${1:?usage: compile.sh /path/to/glif}
SRC=${GLIF_SOURCE_DIR:?GLIF_SOURCE_DIR not set}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# ---- help ------------------------------------------------------------------------
"$GLIF" compile --help > "$T/help" || fail "--help exit status"
for opt in --arch -o --report --calibrate --partition --place --dump= --stop-after= \
           --no-timing --quiet; do
  grep -q -- "$opt" "$T/help" || fail "--help does not describe $opt"
done
ok "help"

# ---- every tiny example: compile, run, compare with the golden model's trace ------
for dir in "$SRC"/examples/tiny/*/; do
  name=$(basename "$dir")
  arch=glif-256
  [ -f "$dir/arch.yaml" ] && arch="$dir/arch.yaml"
  if ! "$GLIF" compile "$dir/model.yaml" --arch "$arch" -o "$T/$name.img" \
       --report "$T/$name.json" --quiet 2> "$T/$name.err"; then
    fail "$name: compile failed: $(cat "$T/$name.err")"; continue
  fi
  "$GLIF" run "$T/$name.img" --input "$dir/input.npy" --trace "$T/$name.trace" --quiet \
    > /dev/null 2> "$T/$name.runerr" || { fail "$name: run failed: $(cat "$T/$name.runerr")"; continue; }
  cmp -s "$T/$name.trace" "$dir/expected.trace" \
    && ok "$name: simulated image equals the golden model" \
    || fail "$name: trace differs from $dir/expected.trace"
done
grep -q '"relay_for"' "$T/relay.json" || fail "relay example has no relay layer in the report"

# ---- the other partitioner and placers give other images with the same results -----
R="$SRC/examples/tiny/relay"
for opt in "--partition metis" "--place rowmajor" "--place snake" "--place hilbert"; do
  "$GLIF" compile "$R/model.yaml" --arch "$R/arch.yaml" $opt -o "$T/alt.img" --quiet     && "$GLIF" run "$T/alt.img" --input "$R/input.npy" --trace "$T/alt.trace" --quiet > /dev/null     && cmp -s "$T/alt.trace" "$R/expected.trace"     && ok "relay with $opt equals the golden model" || fail "relay with $opt"
done

# ---- determinism: two compiles, byte-identical image and report ----------------------
M="$SRC/examples/tiny/residual/model.yaml"
for k in 1 2; do
  "$GLIF" compile "$M" -o "$T/d$k.img" --report "$T/d$k.json" --no-timing --quiet \
    || fail "determinism compile $k"
done
cmp -s "$T/d1.img" "$T/d2.img" && cmp -s "$T/d1.json" "$T/d2.json" \
  && ok "two compiles are byte-identical" || fail "two compiles differ"
grep -q '"timing"' "$T/d1.json" && fail "--no-timing report has timing"
"$GLIF" compile "$M" -o "$T/t.img" --report "$T/t.json" --quiet || fail "timed compile"
grep -q '"timing"' "$T/t.json" || fail "report without timing"

# ---- compile.json fields ----------------------------------------------------------
python3 - "$T/d1.json" <<'EOF' || fail "compile.json fields"
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("glif_compile_report", "model", "arch", "options", "layers", "cores", "totals", "notes"):
    assert k in r, k
t = r["totals"]
assert t["cores"] == len(r["cores"]) > 0
assert t["neurons"] == sum(l["neurons"] for l in r["layers"])
assert t["fanout_entries"] == sum(c["fanout"] for c in r["cores"])
assert t["crossbar_nonzero"] == sum(c["crossbar_nonzero"] for c in r["cores"])
assert t["image_bytes"] > 0 and 0 < t["crossbar_fill"] <= 1
for l in r["layers"]:
    for k in ("name", "kind", "shape", "neurons", "first_tick", "synapses", "cores", "tile"):
        assert k in l, k
    if l["kind"] != "relay":
        assert "quant" in l and "acc_worst" in l["quant"]
for c in r["cores"]:
    for k in ("x", "y", "layer", "neurons", "axons", "crossbar_fill", "groups", "fanout"):
        assert k in c, k
EOF
ok "compile.json fields"

# ---- report only, dump, stop-after ---------------------------------------------------
"$GLIF" compile "$M" --report "$T/only.json" --quiet || fail "report-only compile"
[ -f "$T/only.json" ] && ok "report without an image" || fail "no report-only report"
"$GLIF" compile "$M" --dump=lower --stop-after=lower -o "$T/none.img" > "$T/dump" \
  || fail "--dump=lower"
grep -q "^## after lower" "$T/dump" && grep -q "^layer 0 " "$T/dump" || fail "lower dump"
[ -e "$T/none.img" ] && fail "--stop-after=lower wrote an image"
"$GLIF" compile "$M" --dump=route --stop-after=route > "$T/dump2" || fail "--dump=route"
grep -q "^core 0 (" "$T/dump2" || fail "route dump"
ok "dumps and stop-after"

# ---- failures: status, message, nothing left behind ----------------------------------
mkdir "$T/out"
"$GLIF" arch glif-256 --set mesh.x=4 --set mesh.y=4 --yaml > "$T/mesh4.yaml" \
  || fail "glif arch --set"
"$GLIF" compile "$SRC/examples/digits/model.yaml" --arch "$T/mesh4.yaml" -o "$T/out/chip.img" \
  --report "$T/out/compile.json" 2> "$T/err"
st=$?
[ $st -eq 1 ] || fail "design-rule failure exit status $st"
grep -q "model.yaml: error: DRC mesh: the network needs 51 cores, the mesh has 16 (4 x 4); use an architecture with a mesh of at least 8 x 8" \
  "$T/err" || fail "DRC message: $(cat "$T/err")"
[ -z "$(ls -A "$T/out")" ] && ok "failed compile leaves nothing" || fail "left: $(ls "$T/out")"

"$GLIF" compile "$T/missing.yaml" -o "$T/out/x.img" 2> "$T/err"; st=$?
[ $st -eq 1 ] && grep -q "missing.yaml" "$T/err" || fail "missing model: $st $(cat "$T/err")"
"$GLIF" compile "$M" --bogus 2> "$T/err"; st=$?
[ $st -eq 2 ] && grep -q "unknown option '--bogus'" "$T/err" || fail "bad option: $st"
"$GLIF" compile "$M" --place nowhere -o "$T/out/x.img" 2> "$T/err"; st=$?
[ $st -eq 2 ] && grep -q "is not a placer" "$T/err" || fail "bad placer: $st $(cat "$T/err")"
"$GLIF" compile "$M" -o "$T/nodir/x.img" 2> "$T/err"; st=$?
[ $st -eq 1 ] || fail "unwritable output: $st"
[ -z "$(ls -A "$T/out")" ] || fail "failures left: $(ls "$T/out")"
ok "failures"

[ $fails -eq 0 ] && echo "compile.sh: all passed" || echo "compile.sh: $fails failed"
exit $((fails > 0))
