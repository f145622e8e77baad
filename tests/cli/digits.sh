#!/bin/bash
# tests/cli/digits.sh GLIF - the bundled trained example end to end (the README's main
# job): examples/digits compiles for the default architecture (glif-256), the compile
# report carries the quantiser's per-layer float-vs-fixed agreement measured on
# calibration inputs, the simulated chip's accuracy on the whole bundled test set is
# within 1 point of the PyTorch accuracy, and every neuron's spikes per logical step and
# every output equal the golden model's (`glif reference`) exactly.
set -u
GLIF=${1:?usage: digits.sh /path/to/glif}
SRC=${GLIF_SOURCE_DIR:?GLIF_SOURCE_DIR not set}
D="$SRC/examples/digits"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
# A JSON field from a file, with python3 (any interpreter: json is in the standard library).
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {'d': d}))" "$@"; }

"$GLIF" compile "$D/model.yaml" --arch glif-256 -o "$T/digits.img" --report "$T/compile.json" \
  --calibrate "$D/test_inputs.npy" --quiet 2> "$T/err" || fail "compile for glif-256: $(cat "$T/err")"
cores=$(field "$T/compile.json" "d['totals']['cores']")
[ "$cores" -le 64 ] && ok "digits fits the default 8 x 8 mesh ($cores cores)" || fail "$cores cores"

# per-layer quantisation report: every spiking layer calibrated, agreement in (0.9, 1]
python3 - "$T/compile.json" <<'PYEOF' && ok "per-layer float-vs-fixed agreement in compile.json" \
  || fail "quantisation report"
import json, sys
layers = json.load(open(sys.argv[1]))["layers"]
spiking = [l for l in layers if l["kind"] == "spiking"]
assert len(spiking) == 4, len(spiking)
for l in spiking:
    q = l["quant"]
    assert q["calibrated"] is True, l["name"]
    assert 0.9 < q["spike_agreement"] <= 1.0, (l["name"], q["spike_agreement"])
    assert q["saturations"] == 0 and q["acc_seen"] <= q["acc_worst"] <= q["acc_limit"], l["name"]
    print("  %-8s spike agreement %.4f, accumulator seen %d of worst case %d" %
          (l["name"], q["spike_agreement"], q["acc_seen"], q["acc_worst"]))
PYEOF

"$GLIF" run "$T/digits.img" --input "$D/test_inputs.npy" --labels "$D/test_labels.npy" \
  --jobs 2 --trace "$T/chip.trace" --report "$T/run.json" --quiet 2> "$T/err" \
  || fail "run: $(cat "$T/err")"
"$GLIF" reference "$D/model.yaml" --arch glif-256 --input "$D/test_inputs.npy" \
  --labels "$D/test_labels.npy" --trace "$T/ref.trace" --json "$T/ref.json" --quiet \
  > /dev/null 2> "$T/err" || fail "reference: $(cat "$T/err")"
cmp -s "$T/chip.trace" "$T/ref.trace" \
  && ok "simulated chip equals the golden model on all 540 samples (spikes and outputs)" \
  || fail "chip trace differs from the golden model"

python3 - "$T/run.json" "$D/pytorch.json" <<'PYEOF' && ok "chip accuracy within 1 point of PyTorch" \
  || fail "accuracy"
import json, sys
run, torch = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
acc = run["aggregate"]["accuracy"]
print("  chip %.4f, PyTorch %.4f over %d samples" % (acc, torch["test_accuracy"], run["samples"]))
assert run["samples"] == torch["n_test"] == 540
assert abs(acc - torch["test_accuracy"]) <= 0.01
PYEOF

[ $fails -eq 0 ] && echo "digits.sh: all passed" || echo "digits.sh: $fails failed"
exit $((fails > 0))
