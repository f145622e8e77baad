#!/bin/bash
# tests/cli/gatedlif.sh GLIF - Gated-LIF checkpoints through the exporter and the C
# golden model: for synthetic checkpoints in the released layout (ResNet-19 CIFAR-10,
# ResNet-18 CIFAR-100, random weights), `glif reference --float` on the exported model
# must reproduce the float64 PyTorch forward of the checkpoint to 1e-6 relative.
# Skips (visibly) only when /usr/bin/python3 has no torch.
set -u
GLIF=${1:?usage: gatedlif.sh /path/to/glif}
SRC=${GLIF_SOURCE_DIR:?GLIF_SOURCE_DIR not set}
PY=/usr/bin/python3
export PYTHONPATH="$SRC/python"
if ! $PY -c "import torch" 2>/dev/null; then
  echo "SKIPPED: /usr/bin/python3 has no torch (install python3-torch)"
  exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

check() { # ARCH DATASET
  local arch=$1 ds=$2 d="$T/$1-$2"
  $PY -m glif_torch.gatedlif_synth --arch "$arch" --dataset "$ds" --timesteps 2 --seed 3 \
      -o "$d.pth.tar" > "$T/synth.log" 2>&1 || { fail "$arch/$ds: synth: $(tail -3 "$T/synth.log")"; return; }
  $PY -m glif_torch.gatedlif_export "$d.pth.tar" -o "$d" --dataset "$ds" --float64 \
      > "$T/export.log" 2>&1 || { fail "$arch/$ds: export: $(tail -3 "$T/export.log")"; return; }
  # two normalised CIFAR-like images and the float64 PyTorch logits of the checkpoint
  $PY - "$d.pth.tar" "$d" "$arch" "$ds" <<'PYEOF' || { fail "$arch/$ds: reference forward"; return; }
import sys, numpy as np, torch
from glif_torch import gatedlif_ref, gatedlif_layout as lay, gatedlif_export as ex
ckpt, out, arch, ds = sys.argv[1:]
sd = ex.strip_prefix(ex.load_state_dict(ckpt))
classes, mean, std = lay.DATASETS[ds]
g = torch.Generator().manual_seed(11)
img = torch.rand((2, 3, 32, 32), generator=g, dtype=torch.float64)
x = (img - torch.tensor(mean, dtype=torch.float64)[:, None, None]) / torch.tensor(std, dtype=torch.float64)[:, None, None]
sd64 = {k: (v.double() if v.is_floating_point() else v) for k, v in sd.items()}
logits = gatedlif_ref.forward(sd64, x, {"resnet19": "resnet19", "resnet18": "resnet18"}[arch], classes)
np.save(out + "/x.npy", x.numpy())
np.save(out + "/torch_logits.npy", logits.numpy())
PYEOF
  "$GLIF" reference "$d/model.yaml" --input "$d/x.npy" --float --json "$d/ref.json" --quiet \
      > "$T/ref.log" 2>&1 || { fail "$arch/$ds: glif reference: $(tail -3 "$T/ref.log")"; return; }
  $PY - "$d" <<'PYEOF' && ok "$arch/$ds: glif reference --float equals PyTorch float64" || fail "$arch/$ds: logits differ"
import sys, json, numpy as np
d = sys.argv[1]
want = np.load(d + "/torch_logits.npy")
got = np.array([s["outputs"] for s in json.load(open(d + "/ref.json"))["samples"]])
rel = np.abs(got - want).max() / np.abs(want).max()
print("max relative difference %.3g over %d logits" % (rel, want.size))
sys.exit(0 if got.shape == want.shape and rel <= 1e-6 else 1)
PYEOF
}

check resnet19 cifar10
check resnet18 cifar100

[ $fails -eq 0 ] && echo "gatedlif.sh: all passed" || echo "gatedlif.sh: $fails failed"
exit $((fails > 0))
