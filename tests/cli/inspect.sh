#!/usr/bin/env bash
# inspect.sh - `glif inspect` on the committed sample image (tests/fabric/image/sample.img,
# which test_image.c rebuilds and compares byte for byte, so it is never stale): the
# summary, the maps, --cores, --json checked against an independent Python parse of the
# file, --picture, and the exit status and message of damaged files and bad usage.
# Run by ctest as `bash inspect.sh /path/to/glif`.
set -u
GLIF=${1:?usage: inspect.sh /path/to/glif}
source "$(dirname "$0")/lib.sh"
IMG=$SRC/tests/fabric/image/sample.img

[ -f "$IMG" ] || { echo "FAIL: $IMG is missing"; exit 1; }

# ---- the summary: the sample of tests/fabric/image/sample.h ------------------------------
# cores (0,0) and (1,0) hold 16 conv1 neurons each, (2,0) 8 relays, (3,0) 10 fc1 neurons,
# (0,1) 4 readouts: 54 neurons on 5 of the 8 cores of 16 neurons (54/128 = 42.2 %).
LC_ALL=C run 0 inspect "$IMG"
has out "model         sample-net"
has out "architecture  sample-4x2 (hash 0x"
has out "4 x 2 mesh, 16 neurons x 32 axons per core, I/O port at (0, 0)"
has out "T = 4 steps, 7 ticks per inference"
has out "cores used    5 of 8"
has out "1 x 4 x 4, direct encoding, 8-bit payloads, scale 0.015625, up to 32 packets"
has out "outputs       4 readout neurons"
has out "  conv1                    spiking           0          4x2x4       32      2"
has out "  fc1.psum                 relay             1          8x1x1        8      1"
has out "  out                      readout           3          4x1x1        4      1"
# neurons 54 of 5 x 16 = 80; axons 16+16+32+8+14 = 86 of 160; groups 2+2+1+1+1 = 7 of 20
has out "  neurons                    54           80    67.5%          4     10.8       16"
has out "  axons                      86          160    53.8%          8     17.2       32"
has out "  groups                      7           20    35.0%          1      1.4        2"
# fan-out 20+16+8+10+0 = 54; hops 16x2 + 4x1 (0,0) + 16x2 (1,0)... see docs/chip-image.md
has out "  fan-out entries            54          320    16.9%          0     10.8       20"
has out "chip: 54 of 128 neurons (42.2%) on 5 of 8 cores"
has out "traffic per full firing: 54 packets, 100 mesh hops (1.85 per packet)"
# maps: 16/16 -> #, 8/16 -> + (26-50 %), 10/16 -> * (51-75 %), 4/16 -> - (1-25 %)
has out "  >  0 ##+*"
has out "     1 -..."
has out "  >  0 AABC"
has out "     1 D..."
has out "A conv1  B fc1.psum  C fc1  D out"
[ -s "$TMP/err" ] && fail "stderr not empty for a valid image"
grep -q "^cores$" "$TMP/out" && fail "the per-core table needs --cores"

# Unicode shades under a UTF-8 locale, ASCII forced by --ascii
LC_ALL=C.UTF-8 run 0 inspect "$IMG"
has out "  >  0 ██▒▓"
LC_ALL=C.UTF-8 run 0 inspect --ascii "$IMG"
has out "  >  0 ##+*"

# --cores: one row per core
LC_ALL=C run 0 inspect --cores "$IMG"
has out "  (0,0)     conv1                  16/16       16/32"
has out "  (0,1)     out                     4/16       14/32"
[ "$(grep -c '^  ([0-9],[0-9])' "$TMP/out")" -eq 5 ] || fail "--cores: 5 core rows"

# ---- --json against an independent parse of the file ------------------------------------
run 0 inspect --json "$IMG"
cp "$TMP/out" "$TMP/sample.json"
python3 - "$IMG" "$TMP/sample.json" <<'EOF' || fail "--json content"
import json, struct, sys
img = open(sys.argv[1], "rb").read()
d = json.load(open(sys.argv[2]))
u32 = lambda o: struct.unpack_from("<I", img, o)[0]
n_sec = u32(24)
sec = [struct.unpack_from("<IIQQ", img, 64 + 32 * i) for i in range(n_sec)]
arch = sec[0][2]
mesh_x, mesh_y, io_x, io_y, N, A = (u32(arch + 64 + 4 * i) for i in range(6))
G, E = u32(arch + 64 + 4 * 7), u32(arch + 64 + 4 * 9)
T = u32(sec[1][2])
pad8 = lambda n: (n + 7) & ~7
cores = []
for typ, index, off, size in sec[4:]:
    x, y = struct.unpack_from("<HH", img, off)
    nn, na, ng, nf = (u32(off + 4 + 4 * i) for i in range(4))
    xb = off + 32 + pad8(ng * (32 + 4 * T)) + pad8(12 * nn) + pad8(na)
    nz = sum(1 for b in img[xb:xb + na * nn] if b != 0)
    fan = off + 32 + pad8(ng * (32 + 4 * T)) + pad8(12 * nn) + pad8(na) + pad8(na * nn)
    hops = sum(abs(struct.unpack_from("<H", img, fan + 8 * e)[0] - x) +
               abs(struct.unpack_from("<H", img, fan + 8 * e + 2)[0] - y) for e in range(nf))
    cores.append(dict(x=x, y=y, neurons=nn, axons=na, groups=ng, fanout=nf, synapses=nz,
                      hops=hops))
assert d["glif_inspect"] == 1 and d["format_version"] == 1, d
assert d["model"] == "sample-net" and d["arch"]["name"] == "sample-4x2", d
assert d["arch"]["hash"] == "0x%08x" % u32(28), d["arch"]
assert (d["arch"]["mesh_x"], d["arch"]["mesh_y"], d["arch"]["neurons"]) == (mesh_x, mesh_y, N)
assert d["T"] == T == 4 and d["n_ticks"] == 7 and d["outputs"] == 4, d
assert d["cores_used"] == len(cores) == 5 and d["cores_total"] == mesh_x * mesh_y == 8
assert [l["name"] for l in d["layers"]] == ["conv1", "fc1.psum", "fc1", "out"]
assert [l["cores"] for l in d["layers"]] == [2, 1, 1, 1]
assert d["layers"][1]["kind"] == "relay" and d["layers"][0]["shape"] == [4, 2, 4]
assert d["input"] == dict(shape=[1, 4, 4], encoding="direct", payload_bits=8,
                          scale=0.015625, packets=32, hops=16), d["input"]
for mine, theirs in zip(cores, d["cores"]):
    for k, v in mine.items():
        assert theirs[k] == v, (k, mine, theirs)
    assert abs(theirs["fill_used"] - mine["synapses"] / (mine["axons"] * mine["neurons"])) < 1e-12
    assert abs(theirs["fill_core"] - mine["synapses"] / (A * N)) < 1e-12
assert d["cores"][0]["layers"] == ["conv1"] and d["cores"][4]["in_packets"] == 14
t = d["totals"]
for k in ("neurons", "axons", "groups", "fanout", "synapses", "hops"):
    assert t[k] == sum(c[k] for c in cores), k
assert t["neurons"] == 54 and t["hops"] == 100, t
uu = d["utilisation"]
assert uu["neurons"] == 54 / 80 and uu["chip_neurons"] == 54 / 128 and uu["chip_cores"] == 5 / 8
assert abs(uu["fill_core"] - t["synapses"] / (5 * A * N)) < 1e-12
assert uu["groups"] == 7 / (5 * G) and uu["fanout"] == 54 / (5 * E), uu
EOF

# ---- --picture ------------------------------------------------------------------------------
LC_ALL=C run 0 inspect --picture "$TMP/mesh.svg" "$IMG"
python3 - "$TMP/mesh.svg" <<'EOF' || fail "--picture is not the expected SVG"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
titles = [t.text for t in root.iter(ns + "title")]
assert sum(1 for t in titles if t.startswith("core (")) == 8, titles
assert "core (1, 1): unused" in titles, titles
assert any(t.startswith("core (0, 0): conv1, 16/16 neurons") for t in titles), titles
EOF
ls "$TMP" | grep -q '\.tmp\.' && fail "--picture left a temporary file"
run 1 inspect --picture "$TMP/no-such-dir/mesh.svg" "$IMG"
has err "cannot create the picture (No such file or directory)"

# ---- damaged files: the reader's message, exit 1 -----------------------------------------------
python3 - "$IMG" "$TMP/flip.img" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[3000] ^= 0x10  # inside core (1, 0): bytes 2656 .. 3503
open(sys.argv[2], "wb").write(b)
EOF
run 1 inspect "$TMP/flip.img"
has err "flip.img: error: CORE section of core (1, 0): CRC mismatch"
head -c 1000 "$IMG" >"$TMP/short.img"
run 1 inspect "$TMP/short.img"
has err "truncated: header says 4776 bytes, file has 1000"
printf 'P6\n1 1\n255\n\0\0\0' >"$TMP/foreign.img"
run 1 inspect "$TMP/foreign.img"
has err "not a GLIF chip image"
run 1 inspect "$TMP/missing.img"
has err "cannot open the chip image"
[ -s "$TMP/out" ] && fail "nothing goes to stdout for a bad image"

# ---- measured traffic: --run with the report of a simulation of the image ------------------
D=$SRC/examples/tiny/residual
"$GLIF" compile "$D/model.yaml" -o "$TMP/res.img" --quiet || fail "compile the residual example"
"$GLIF" run "$TMP/res.img" --input "$D/input.npy" --report "$TMP/run.json" --quiet \
  || fail "run the residual example"
LC_ALL=C run 0 inspect "$TMP/res.img" --run "$TMP/run.json"
has out "measured traffic ($TMP/run.json: 3 samples; per inference:"
has out "packets each router sends over its links, per inference"
has out "cycles packets wait in each router (contention), per inference"
has out "energy of each core and its router, per inference"
has out "busiest links (packets over the whole run)"
run 0 inspect "$TMP/res.img" --run "$TMP/run.json" --json
python3 - "$TMP/out" "$TMP/run.json" <<'EOF' || fail "--json traffic differs from the run report"
import json, sys
t = json.load(open(sys.argv[1]))["traffic"]
r = json.load(open(sys.argv[2]))
n = r["samples"]  # 3: the figures are per inference
assert t["samples"] == n == 3
assert abs(n * sum(p["hops"] for p in t["positions"]) - r["totals"]["counts"]["hops"]) < 1e-6
assert abs(n * sum(p["router_stalls"] for p in t["positions"]) -
           r["totals"]["counts"]["router_stalls"]) < 1e-6
assert abs(n * t["energy_pj_per_inference"] - r["totals"]["energy_pj"]["total"]) < 1e-6
assert r["totals"]["counts"]["hops"] > 0
EOF
run 1 inspect "$IMG" --run "$TMP/run.json"
has err "the run report is of another image (model 'tiny-residual'"
echo "{" >"$TMP/bad.json"
run 1 inspect "$TMP/res.img" --run "$TMP/bad.json"
has err "not valid JSON"
run 2 inspect "$TMP/res.img" --run

# ---- usage ---------------------------------------------------------------------------------
run 0 inspect --help
has out "usage: glif inspect"
run 2 inspect
has err "no chip image given"
run 2 inspect --frobnicate "$IMG"
has err "unknown option '--frobnicate'"
run 2 inspect "$IMG" "$IMG"
run 2 inspect --picture

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "inspect.sh: all checks passed"
