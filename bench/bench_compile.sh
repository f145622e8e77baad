#!/bin/bash
# bench/bench_compile.sh [GLIF] - how fast `glif compile` is, and how much memory it takes.
#
#   bash bench/bench_compile.sh build/cli/glif
#
# 1. The Gated-LIF CIFAR ResNet-19 (scripts/gen_resnet19.py, generated once and cached in
#    $GLIF_BENCH_DIR, default bench-cache/ in the build folder of GLIF) compiled for the
#    resnet19 preset:
#    time and memory per pass (from compile.json), synapses per second, cores, image
#    size, wall and CPU time and peak memory (/usr/bin/time).
# 2. The same model on glif-256, which cannot hold it: how long the refusal takes.
# 3. Small models (examples/digits, examples/tiny/residual): wall time per compile.
# Prints figures only; docs/compiler.md quotes them. Not part of ctest.
set -eu
GLIF=$(realpath "${1:-build/cli/glif}")
SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GLIF_BENCH_DIR:-$(dirname "$GLIF")/../bench-cache}
MODEL=$CACHE/resnet19
OUT=$(mktemp -d "${TMPDIR:-/tmp}/bench_compile.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

if [ ! -f "$MODEL/model.yaml" ]; then
  echo "generating ResNet-19 into $MODEL (once; about a minute)"
  /usr/bin/python3 "$SRC/scripts/gen_resnet19.py" -o "$MODEL"
fi

echo "== ResNet-19 on the resnet19 preset"
/usr/bin/time -v "$GLIF" compile "$MODEL/model.yaml" --arch resnet19 -o "$OUT/chip.img" \
  --report "$OUT/compile.json" --quiet 2> "$OUT/time.txt"
python3 - "$OUT/compile.json" "$OUT/time.txt" <<'EOF'
import json, re, sys
r = json.load(open(sys.argv[1]))
tv = open(sys.argv[2]).read()
field = lambda name: re.search(re.escape(name) + r":\s*(\S+)", tv).group(1)
t, tm = r["totals"], r["timing"]
print("%-10s %9s %12s %12s" % ("pass", "seconds", "arena MiB", "peak RSS MiB"))
for p in tm["passes"]:
    print("%-10s %9.2f %12.1f %12.1f" % (p["pass"], p["seconds"], p["arena_bytes"] / 2**20,
                                         p["peak_rss_kb"] / 1024))
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
parts = [float(x) for x in wall.split(":")]
wall_s = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
cpu_s = float(field("User time (seconds)")) + float(field("System time (seconds)"))
print("total     %9.2f s in the passes; wall %.1f s, CPU %.1f s (user + system)"
      % (tm["seconds"], wall_s, cpu_s))
print("synapses  %d (+%d parallel copies): %.1f million per second of wall time"
      % (t["synapses"], t["parallel_copies"], t["synapses"] / wall_s / 1e6))
print("neurons   %d (%d relays) in %d layers + %d relay layers"
      % (t["neurons"], t["relay_neurons"], t["layers"], t["relay_layers"]))
print("cores     %d of %d; crossbar fill %.1f%% of used cells, %.1f%% of the cores"
      % (t["cores"], t["mesh_cores"], 100 * t["crossbar_fill"], 100 * t["chip_fill"]))
print("fan-out   %d entries, %.2f hops per entry (%s placement)"
      % (t["fanout_entries"], t["est_hops"] / (t["fanout_entries"] + t["input_entries"]),
         r["options"]["place"]))
print("image     %d bytes (%.2f GiB)" % (t["image_bytes"], t["image_bytes"] / 2**30))
print("memory    peak RSS %.0f MiB" % (int(field("Maximum resident set size (kbytes)")) / 1024))
EOF

echo "== ResNet-19 on glif-256 (does not fit: time to the design-rule error)"
start=$(date +%s.%N)
"$GLIF" compile "$MODEL/model.yaml" --arch glif-256 -o "$OUT/no.img" 2> "$OUT/err" && {
  echo "unexpected: it fit"; exit 1; }
end=$(date +%s.%N)
grep -o "DRC mesh: [^;]*" "$OUT/err" | head -1
python3 -c "print('refused in %.1f s' % ($end - $start))"

echo "== small models (wall time per compile, best of 3)"
for m in examples/digits/model.yaml:resnet19 examples/tiny/residual/model.yaml:glif-256; do
  model=${m%%:*} arch=${m##*:}
  best=
  for k in 1 2 3; do
    s=$(date +%s.%N)
    "$GLIF" compile "$SRC/$model" --arch "$arch" -o "$OUT/small.img" --quiet
    e=$(date +%s.%N)
    best=$(python3 -c "b='$best'; t=$e-$s; print(t if not b or t < float(b) else b)")
  done
  python3 -c "print('%-36s %.3f s' % ('$model', $best))"
done
