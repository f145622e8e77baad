#!/usr/bin/env bash
# arch.sh - `glif arch`: a file and a preset print their capacities, --list, --yaml
# round trip, --json, --set, and the exit status and file:line:col message of bad
# input and bad usage. Run by ctest as `bash arch.sh /path/to/glif`.
set -u
GLIF=${1:?usage: arch.sh /path/to/glif}
source "$(dirname "$0")/lib.sh"

# a file: capacities of glif-256 (hand-computed in tests/fabric/test_arch.c)
run 0 arch "$SRC/examples/arch/glif-256.yaml"
has out "architecture glif-256 (hash 0x4ff2e8df): 64 cores, 16384 neurons, 4194304 synapses"
has out "total                                    672512      82.09"
has out "memory per chip: 43040768 bits = 5.13 MiB"
[ -s "$TMP/err" ] && fail "stderr not empty for a valid file"

# a preset by name
run 0 arch loihi
has out "1024 neurons x 4096 axons = 4194304 synapses"
has out "270 MHz"

# --list: every preset, one line each
run 0 arch --list
for p in glif-256 loihi odin truenorth; do
  grep -q "^$p " "$TMP/out" || fail "--list lacks $p"
done
[ "$(wc -l <"$TMP/out")" -eq "$(ls "$SRC"/examples/arch/*.yaml | wc -l)" ] ||
  fail "--list prints one line per preset file"

# --yaml writes a file that loads back to the same architecture (same JSON)
for p in glif-256 loihi odin truenorth; do
  run 0 arch --yaml "$p"
  cp "$TMP/out" "$TMP/$p.yaml"
  run 0 arch --json "$TMP/$p.yaml"
  cp "$TMP/out" "$TMP/a.json"
  run 0 arch --json "$p"
  cmp -s "$TMP/a.json" "$TMP/out" || fail "--yaml of $p does not round-trip"
done

# --json: machine-readable fields and capacities
run 0 arch --json odin
python3 - "$TMP/out" <<'EOF' || fail "--json content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["glif_arch"] == 1 and d["name"] == "odin", d
assert d["core"]["neurons"] == 256 and d["energy"]["synop_pj"] == 12.7, d
assert d["capacity"]["cores"] == 1 and d["capacity"]["synapses"] == 65536, d
assert d["hash"] == "0x7aebd417", d["hash"]
EOF

# --set overrides a field and re-validates
run 0 arch --set core.neurons=512 --set core.lanes=32 glif-256
has out "512 neurons x 256 axons"
run 1 arch --set core.lanes=300 glif-256
has err "error: field 'core.lanes' = 300 exceeds core.neurons = 256"
run 1 arch --set core.neurons=0 glif-256
has err "field 'core.neurons' = 0 is out of range (allowed 1 .. 65536)"
run 2 arch --set core.neurons glif-256
has err "is not SECTION.KEY=VALUE"

# a bad file: exit 1, file:line:col on stderr, nothing on stdout
printf 'glif_arch: 1\ncore:\n  neurons: 0\n' >"$TMP/bad.yaml"
run 1 arch "$TMP/bad.yaml"
has err "$TMP/bad.yaml:3:12: error: field 'core.neurons' = 0 is out of range (allowed 1 .. 65536)"
[ -s "$TMP/out" ] && fail "stdout not empty for a bad file"
printf 'glif_arch: 1\ncore: {neurons: 5\n' >"$TMP/syntax.yaml"
run 1 arch "$TMP/syntax.yaml"
has err "$TMP/syntax.yaml:3:1: error: malformed YAML"
printf 'glif_arch: 1\nbase: lohi\n' >"$TMP/base.yaml"
run 1 arch "$TMP/base.yaml"
has err "$TMP/base.yaml:2:7: error: base 'lohi' is not a built-in preset (did you mean 'loihi'?)"
run 1 arch "$TMP/missing.yaml"
has err "missing.yaml: error: cannot open the architecture file"
run 1 arch lohi
has err "did you mean 'loihi'?"

# the YAML examples of docs/architecture.md load (the docs cannot drift from the code)
awk '/^```yaml/{n++; f=1; next} /^```/{f=0} f{print > (dir "/doc" n ".yaml")}' \
  dir="$TMP" "$SRC/docs/architecture.md"
ls "$TMP"/doc*.yaml >/dev/null 2>&1 || fail "no yaml examples found in docs/architecture.md"
for f in "$TMP"/doc*.yaml; do
  run 0 arch "$f"
done
run 0 arch --json "$TMP/doc2.yaml"
cp "$TMP/out" "$TMP/doc.json"
run 0 arch --json glif-256
cmp -s "$TMP/doc.json" "$TMP/out" || fail "the complete file in the docs is not glif-256"

# bad usage: exit 2
run 2 arch
run 2 arch --bogus glif-256
run 2 arch glif-256 loihi
run 2 arch --yaml --json glif-256
run 0 arch --help
has out "usage: glif arch"

if [ "$failures" -ne 0 ]; then
  echo "arch.sh: $failures failure(s)"
  exit 1
fi
echo "arch.sh: all passed"
