#!/usr/bin/env bash
# dse.sh - `glif dse` end to end on examples/dse/small (16 inputs -> 40 GLIF -> 10
# readout; the hidden layer takes ceil(40/N) cores, the readout ceil(10/N)): the CSV
# header and rows, the JSON (read back with Python), the SVG, the table's Pareto marks,
# identical CSVs for --jobs 1 and 2 and with --no-reuse, a sweep file, auto mesh, and the
# exit status, message and absence of output files for every kind of bad input.
# Run by ctest as `bash dse.sh /path/to/glif`.
set -u
GLIF=${1:?usage: dse.sh /path/to/glif}
source "$(dirname "$0")/lib.sh"
SMALL=$SRC/examples/dse/small
# col FILE NAME: the values of CSV column NAME, one per line
col() {
  python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1])): print(r[sys.argv[2]])' "$1" "$2"
}

SWEEP=(dse "$SMALL/model.yaml" --sweep core.neurons=8:64:x2 --sweep core.lanes=8
       --sweep mesh=2x2,3x3 --input "$SMALL/inputs.npy" --labels "$SMALL/labels.npy"
       --samples 4 --no-timing --no-progress)

# ---- a sweep: CSV, JSON, SVG, table ------------------------------------------------------
run 0 "${SWEEP[@]}" -o "$TMP/r.csv" --json "$TMP/r.json" --plot "$TMP/r.svg"
[ -s "$TMP/err" ] && fail "stderr not empty: $(cat "$TMP/err")"
header="core.neurons,core.lanes,mesh.x,mesh.y,point,status,reason,mesh,mesh_cores,cores_used,\
neurons,relay_neurons,relay_layers,synapses,crossbar_cells,crossbar_nonzero,crossbar_fill,\
chip_fill,fanout_entries,input_entries,image_bytes,samples,latency_cycles,latency_us,\
energy_pj,e_synop_pj,e_mac_pj,e_row_read_pj,e_update_pj,e_spike_pj,e_packet_pj,e_hop_pj,\
e_barrier_pj,e_static_pj,edp_uj_us,accuracy,golden_equal,spike_agreement,spikes,packets,\
hops,router_stalls,busiest_link,busiest_link_at,core_logic_cells,core_flipflops,\
core_memory_bits,core_area_um2,chip_area_mm2,pareto"
[ "$(head -1 "$TMP/r.csv")" = "$header" ] || fail "CSV header: $(head -1 "$TMP/r.csv")"
[ "$(wc -l <"$TMP/r.csv")" -eq 9 ] || fail "CSV: $(wc -l <"$TMP/r.csv") lines, want 1 + 8"
# points in order: N = 8, 16, 32, 64 (slowest) x mesh 2x2, 3x3
[ "$(col "$TMP/r.csv" mesh | tr '\n' ' ')" = "2x2 3x3 2x2 3x3 2x2 3x3 2x2 3x3 " ] ||
  fail "mesh column: $(col "$TMP/r.csv" mesh | tr '\n' ' ')"
# 7 cores for N = 8 do not fit 2 x 2 (4 cores of 8 hold 32 of the 50 neurons)
[ "$(col "$TMP/r.csv" status | tr '\n' ' ')" = "does not fit fits fits fits fits fits fits fits " ] ||
  fail "status column: $(col "$TMP/r.csv" status | tr '\n' ' ')"
grep -qF '"DRC neurons: the network has 50 neurons (0 of them relays), the chip holds 32 (4 cores x 8) - use a larger mesh or larger cores"' "$TMP/r.csv" ||
  fail "the reason of the point that does not fit"
[ "$(col "$TMP/r.csv" cores_used | tr '\n' ' ')" = " 7 4 4 3 3 2 2 " ] ||
  fail "cores_used: $(col "$TMP/r.csv" cores_used | tr '\n' ' ')"
[ "$(col "$TMP/r.csv" golden_equal | sort -u | tr '\n' ' ')" = " 4 " ] ||
  fail "every fitting point must agree with the golden model on all 4 samples"
python3 - "$TMP/r.json" "$TMP/r.csv" <<'EOF' || fail "JSON content"
import csv, json, sys
doc = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert doc["glif_dse_report"] == 1 and doc["model"] == "dse-small", doc
assert doc["swept"] == ["core.neurons", "core.lanes", "mesh.x", "mesh.y"]
assert doc["samples"] == 4 and not doc["synthetic_input"]
pts = doc["points"]
assert len(pts) == len(rows) == 8
for p, r in zip(pts, rows):
    assert p["status"] == r["status"]
    assert p["swept"]["core.neurons"] == float(r["core.neurons"])
    if p["status"] == "fits":
        assert p["energy_pj"] == float(r["energy_pj"]), (p["energy_pj"], r["energy_pj"])
        assert p["cores_used"] == int(r["cores_used"])
        assert p["pareto"] == (r["pareto"] == "1")
        assert abs(sum(p["e_%s_pj" % c] for c in ("synop", "mac", "row_read", "update",
                   "spike", "packet", "hop", "barrier", "static")) - p["energy_pj"]) < 1e-6 * p["energy_pj"]
    else:
        assert p["latency_us"] is None and p["cores_used"] is None
EOF
npareto=$(col "$TMP/r.csv" pareto | grep -c '^1$')
[ "$npareto" -ge 1 ] || fail "no Pareto-optimal point"
[ "$(grep -c '^ \* ' "$TMP/out")" -eq "$npareto" ] || fail "table: Pareto marks differ from the CSV"
has out "glif dse: dse-small on glif-256, 8 points, 7 fit, $npareto Pareto-optimal"
[ "$(grep -c '<circle' "$TMP/r.svg")" -eq 14 ] || fail "SVG: want 2 x 7 dots"
[ "$(grep -c '#d62728' "$TMP/r.svg")" -eq $((2 * npareto)) ] || fail "SVG: Pareto dots"

# --pareto lists only the Pareto-optimal points
run 0 "${SWEEP[@]}" --pareto
[ "$(grep -c '^ \* ' "$TMP/out")" -eq "$npareto" ] || fail "--pareto: marks"
[ "$(grep -c '^   ' "$TMP/out")" -eq 0 ] || fail "--pareto lists a point that is not optimal"

# ---- determinism -----------------------------------------------------------------------------
run 0 "${SWEEP[@]}" -o "$TMP/j2.csv" --jobs 2 --quiet
cmp -s "$TMP/r.csv" "$TMP/j2.csv" || fail "--jobs 2 changed the CSV"
run 0 "${SWEEP[@]}" -o "$TMP/nr.csv" --no-reuse --quiet
cmp -s "$TMP/r.csv" "$TMP/nr.csv" || fail "--no-reuse changed the CSV"
[ -s "$TMP/out" ] && fail "--quiet printed the table"
run 0 "${SWEEP[@]}" -o -
cmp -s "$TMP/r.csv" "$TMP/out" || fail "-o - must print the same CSV (and no table)"

# ---- sweep file, ties, auto mesh, synthetic input -------------------------------------------
run 0 dse "$SMALL/model.yaml" --sweep-file "$SRC/examples/dse/small.yaml" --no-timing -o "$TMP/s.csv"
has out "(auto mesh)"
has out "input: random(seed=1) (synthetic), 2 samples per point"
[ "$(col "$TMP/s.csv" mesh | tr '\n' ' ')" = "3x3 2x2 2x2 2x2 " ] || fail "auto mesh: $(col "$TMP/s.csv" mesh | tr '\n' ' ')"
[ "$(col "$TMP/s.csv" core.lanes | tr '\n' ' ')" = "8 16 32 64 " ] || fail "tie: $(col "$TMP/s.csv" core.lanes | tr '\n' ' ')"

# ---- bad input: message, exit status, no output file --------------------------------------------
OUT=(-o "$TMP/bad.csv" --json "$TMP/bad.json" --plot "$TMP/bad.svg")
nothing_written() { ls "$TMP" | grep -q '^bad' && fail "$1 left an output file: $(ls "$TMP" | grep bad)"; }
run 2 dse "$SMALL/model.yaml" --sweep core.neuron=64 "${OUT[@]}"
has err "'core.neuron' is not an architecture field (did you mean 'core.neurons'?)"
nothing_written "a bad field"
run 2 dse "$SMALL/model.yaml" --sweep core.neurons=0 "${OUT[@]}"
has err "--sweep core.neurons=0: "
has err "core.neurons"
nothing_written "a bad value"
run 2 dse "$SMALL/model.yaml" --sweep core.neurons=64:32 "${OUT[@]}"
has err "range '64:32' is empty or endless"
run 2 dse "$SMALL/model.yaml" "${OUT[@]}"
has err "nothing to sweep"
nothing_written "an empty sweep"
run 2 dse "$SMALL/model.yaml" --sweep mesh=4x4 --auto-mesh
has err "auto mesh chooses the mesh"
run 2 dse --sweep core.neurons=64
has err "no model given"
run 2 dse "$SMALL/model.yaml" --sweep core.neurons=64 --jobs 0
has err "--jobs takes 1 .. 256"
run 2 dse "$SMALL/model.yaml" --sweep core.neurons=64 --frobnicate
has err "unknown option: --frobnicate"
run 1 dse "$SMALL/missing.yaml" --sweep core.neurons=64 "${OUT[@]}"
has err "missing.yaml"
nothing_written "a missing model"
run 1 dse "$SMALL/model.yaml" --sweep core.neurons=64 --input "$SMALL/labels.npy" "${OUT[@]}"
has err "labels.npy"
nothing_written "an input of the wrong shape"
run 1 dse "$SMALL/model.yaml" --sweep core.neurons=64 --input "$SMALL/nothing.npy" "${OUT[@]}"
nothing_written "a missing input"
printf 'glif_dse: 1\nsweep:\n  core.nerons: 64\n' >"$TMP/spec.yaml"
run 1 dse "$SMALL/model.yaml" --sweep-file "$TMP/spec.yaml" "${OUT[@]}"
has err "spec.yaml:3:16: error:"
has err "did you mean 'core.neurons'"
run 1 dse "$SMALL/model.yaml" --sweep core.neurons=64 -o "$TMP/no/such/dir/r.csv"
has err "cannot create the output"
run 0 dse --help
has out "usage: glif dse MODEL.yaml"

# ---- the RTL area table embedded at build time (dse/embed_area.cmake) ----------------------
# embed CSV_TEXT: runs the script on a CSV holding CSV_TEXT ("-" = no file), output in $TMP/a.c
embed() {
  rm -f "$TMP/a.csv" "$TMP/a.c"
  [ "$1" = - ] || printf '%b' "$1" >"$TMP/a.csv"
  cmake -DCSV="$TMP/a.csv" -DOUT="$TMP/a.c" -P "$SRC/dse/embed_area.cmake" >"$TMP/out" 2>"$TMP/err" ||
    fail "embed_area.cmake failed: $(cat "$TMP/err")"
}
if command -v cmake >/dev/null; then
  H='neurons,axons,weight_bits,v_bits,a_bits,cells,flipflops,memory_bits\n'
  embed "${H}64,64,8,24,24,66036,1915,205700\n128,128,8,24,24,72314,2373,320840\n"
  has a.c "const int dse_area_rtl_n = 2;"
  has a.c "{64,64,8,24,24,66036,1915,205700},"
  embed -
  has a.c "const int dse_area_rtl_n = 0;"
  embed "neurons,axons,cells\n64,64,1\n"
  has a.c "const int dse_area_rtl_n = 0;"
  has err "has header"
  embed "${H}64,64,8,24,24,66036,oops,205700\n"
  has a.c "const int dse_area_rtl_n = 0;"
  has err "malformed row"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "dse.sh: all checks passed"
