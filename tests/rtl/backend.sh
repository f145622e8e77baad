#!/usr/bin/env bash
# backend.sh - `glif run --backend rtl` against the C core model: on the digits example
# (12 x 12 mesh of glif-256 cores) and on a random conv network with partial-sum relays,
# the run reports of both backends must be identical in every simulated field (all of
# run.json but the name of the core model) and the spike traces byte-identical. An
# image for an architecture the RTL was not built for is refused with the field named.
#   bash backend.sh GLIF    (GLIF_SOURCE_DIR in the environment)
set -euo pipefail
glif="$1"
src="${GLIF_SOURCE_DIR:?}"
py=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

same_report() {  # C.json RTL.json: equal except "core_model"
  python3 - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a.pop("core_model") == "c-model", "C report names another core model"
assert b.pop("core_model") == "rtl", "RTL report does not name the rtl core model"
if a != b:
    for k in a:
        if a[k] != b.get(k):
            sys.exit("field '%s' differs between the C and the RTL backend" % k)
    sys.exit("the reports differ")
EOF
}

compare() {  # IMAGE INPUT TAG
  local img="$1" input="$2" tag="$3"
  "$glif" run "$img" --input "$input" --mode cycle --report "$tmp/$tag-c.json" \
    --trace "$tmp/$tag-c.trace" --quiet
  "$glif" run "$img" --input "$input" --backend rtl --report "$tmp/$tag-rtl.json" \
    --trace "$tmp/$tag-rtl.trace" --quiet
  same_report "$tmp/$tag-c.json" "$tmp/$tag-rtl.json"
  cmp "$tmp/$tag-c.trace" "$tmp/$tag-rtl.trace"
  echo "backend: $tag: reports and traces identical"
}

"$glif" arch --yaml --set mesh.x=12 --set mesh.y=12 glif-256 >"$tmp/a12.yaml"
"$glif" compile "$src/examples/digits/model.yaml" --arch "$tmp/a12.yaml" -o "$tmp/digits.img" >/dev/null
$py -c "import numpy as np; np.save('$tmp/x2.npy', np.load('$src/examples/digits/test_inputs.npy')[:2])"
compare "$tmp/digits.img" "$tmp/x2.npy" digits

$py "$src/tests/rtl/gen_conv.py" "$tmp/conv" 5
"$glif" arch --yaml --set core.axons=64 --set mesh.x=12 --set mesh.y=12 glif-256 >"$tmp/a64.yaml"
"$glif" compile "$tmp/conv/model.yaml" --arch "$tmp/a64.yaml" -o "$tmp/conv.img" >/dev/null
compare "$tmp/conv.img" "$tmp/conv/input.npy" conv

# an architecture with 8 lanes: the RTL core was built with 16
"$glif" arch --yaml --set core.lanes=8 --set mesh.x=12 --set mesh.y=12 glif-256 >"$tmp/l8.yaml"
"$glif" compile "$src/examples/digits/model.yaml" --arch "$tmp/l8.yaml" -o "$tmp/l8.img" >/dev/null
if "$glif" run "$tmp/l8.img" --input "$tmp/x2.npy" --backend rtl --quiet 2>"$tmp/err"; then
  echo "backend: an image for 8 lanes ran on the 16-lane RTL core" >&2; exit 1
fi
grep -q "lanes = 8 but the RTL core was built with 16" "$tmp/err" ||
  { cat "$tmp/err" >&2; echo "backend: unexpected message" >&2; exit 1; }
echo "backend: architecture mismatch refused"
