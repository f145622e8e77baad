"""Export a Gated-LIF CIFAR checkpoint (.pth.tar) to model format v1.

    /usr/bin/python3 -m glif_torch.gatedlif_export CKPT.pth.tar -o OUTDIR
        [--dataset cifar10|cifar100] [--float64] [--fuse-head]

Accepts the channel-wise CIFAR ResNet-19 (ResNet_19_cifar_CW) and ResNet-18
(ResNet_18_stand_CW) checkpoints of the Gated-LIF code with either head (CIFAR-10: two
bias-free linears 512->256->10; CIFAR-100: one 512->100). Every key and shape is checked
against gatedlif_layout.expected_keys; a 'module.' (DistributedDataParallel) prefix is
stripped. What it writes:

- input `x`: [3,32,32], direct encoding, range = max over channels of
  max((1-mean)/std, mean/std) of the dataset's normalisation (CIFAR-10 2.1309,
  CIFAR-100 2.0253): the largest |value| a normalised image can take.
- each conv (bias-free) and its tdBN as a `batchnorm` with scale = lambda * Vth_bn
  (lambda = 1/sqrt(2) after a block's second conv and on every shortcut BN, else 1;
  Vth_bn is the checkpoint's scalar tdBN buffer, usually 0.5), eps 1e-5;
- each GLIF with the sigmoid of its stored logits (T from `conduct`);
- per block: add(body, shortcut) -> GLIF; the head as avgpool2d 8 -> flatten -> the one
  or two linears -> readout (the mean over T of the logits).

Layer names are the checkpoint's module prefixes (conv1.0.module.0, features.3.lif, ...),
tensor files are named after the checkpoint keys.

Refused with a message: the ImageNet MS-ResNet (real-valued residual stream), layer-wise
GLIF checkpoints (scalar gates, conduct [T]), CIFAR10-DVS checkpoints, and anything with
a missing, unexpected or wrongly shaped key.
"""

import argparse
import os
import re
import sys

import numpy as np
import torch

from . import gatedlif_layout as lay
from .export import ModelWriter, ExportError

SQRT1_2 = lay.LAMBDA_BLOCK_OUT


def _shape(t):
    return list(t.shape) if torch.is_tensor(t) else "a non-tensor %s" % type(t).__name__


def load_state_dict(path):
    """state_dict of a checkpoint file, with a 'module.' prefix stripped."""
    try:
        ck = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - any unreadable file gets the same message
        raise ExportError("%s: cannot read the checkpoint (%s)" % (path, e))
    if isinstance(ck, dict) and "state_dict" in ck:
        return strip_prefix(ck["state_dict"])
    if isinstance(ck, dict) and "net" in ck:
        raise ExportError("%s: a CIFAR10-DVS checkpoint (weights under 'net'); only the CIFAR "
                          "ResNet-19/ResNet-18 checkpoints ('state_dict') are supported" % path)
    if isinstance(ck, dict) and ck and all(torch.is_tensor(v) for v in ck.values()):
        return strip_prefix(ck)                     # a bare state_dict
    raise ExportError("%s: no 'state_dict' in the checkpoint (keys: %s)"
                      % (path, sorted(ck)[:8] if isinstance(ck, dict) else type(ck).__name__))


def strip_prefix(sd):
    """Drop the 'module.' prefix of a DistributedDataParallel checkpoint (all keys or none)."""
    keys = list(sd)
    if keys and all(k.startswith("module.") for k in keys):
        return type(sd)((k[len("module."):], v) for k, v in sd.items())
    return sd


def _refuse_other_layouts(sd):
    for k, v in sd.items():
        m = re.match(r"features\.(\d+)\.body\.(0|3)\.(alpha|conduct|Vth)$", k)
        if m or re.match(r"features\.\d+\.body\.3\.", k):
            raise ExportError(
                "key %r: this is the ImageNet MS-ResNet layout (ResNet_18_stand_CW_MS: body.0 is a GLIF "
                "before the first conv and there is no GLIF after the add). Its residual stream between "
                "blocks is real-valued (shortcuts and the head read real values, not spikes) and its BNs "
                "are plain SyncBatchNorm; this exporter supports only spike-output blocks "
                "(ResNet_19_cifar_CW, ResNet_18_stand_CW)" % k)
        leaf = k.rsplit(".", 1)[-1]
        if leaf in ("alpha", "beta", "gamma") and torch.is_tensor(v) and v.dim() == 0:
            raise ExportError(
                "key %r has shape [] (a scalar): a layer-wise GLIF checkpoint (LIFSpike: scalar "
                "alpha/beta/gamma/tau/leak/reVth/Vth, conduct [T]). Only channel-wise checkpoints "
                "(LIFSpike_CW: [C] per channel, conduct [T, C]) are supported" % k)
        if leaf == "conduct" and torch.is_tensor(v) and v.dim() == 1:
            raise ExportError(
                "key %r has shape %s: a layer-wise GLIF checkpoint (conduct [T], scalar gates). "
                "Only channel-wise checkpoints (conduct [T, C]) are supported" % (k, _shape(v)))


def detect(sd, dataset=None):
    """(arch, dataset, T) of a (prefix-stripped) state_dict, checking every key and shape."""
    _refuse_other_layouts(sd)
    stem_key = "conv1.0.module.0.weight"
    if stem_key not in sd:
        raise ExportError("missing key %r (expected shape [128, 3, 3, 3] for ResNet-19 or "
                          "[64, 3, 3, 3] for ResNet-18)" % stem_key)
    w = sd[stem_key]
    if not torch.is_tensor(w) or w.dim() != 4 or tuple(w.shape[1:]) != (3, 3, 3) \
            or w.shape[0] not in lay.STEM_WIDTH:
        raise ExportError("key %r: expected shape [128, 3, 3, 3] (ResNet-19) or [64, 3, 3, 3] "
                          "(ResNet-18), found %s" % (stem_key, _shape(w)))
    arch = lay.STEM_WIDTH[w.shape[0]]
    if "conv1.1.conduct" not in sd:
        raise ExportError("missing key 'conv1.1.conduct' (expected shape [T, %d])" % w.shape[0])
    c = sd["conv1.1.conduct"]
    if c.dim() != 2 or c.shape[1] != w.shape[0]:
        raise ExportError("key 'conv1.1.conduct': expected shape [T, %d], found %s" % (w.shape[0], _shape(c)))
    T = int(c.shape[0])
    first_head = lay.ARCHS[arch]["head"][10][1]
    classes = 10 if first_head + ".weight" in sd else 100
    if dataset is not None:
        want = lay.DATASETS[dataset][0]
        if want != classes:
            raise ExportError("--dataset %s needs the %d-class head, but the checkpoint has the "
                              "%d-class head" % (dataset, want, classes))
    else:
        dataset = "cifar10" if classes == 10 else "cifar100"
    check_keys(sd, lay.expected_keys(arch, classes, T), lay.ARCHS[arch]["class"], dataset)
    return arch, dataset, T


def check_keys(sd, expected, cls, dataset):
    for key, shape in expected.items():
        if key not in sd:
            raise ExportError("missing key %r (expected shape %s) for %s with the %s head"
                              % (key, list(shape), cls, dataset))
        if not torch.is_tensor(sd[key]) or tuple(sd[key].shape) != shape:
            raise ExportError("key %r: expected shape %s, found %s" % (key, list(shape), _shape(sd[key])))
    extra = [k for k in sd if k not in expected]
    if extra:
        raise ExportError("unexpected key %r (shape %s): not part of the %s layout with the %s head%s"
                          % (extra[0], _shape(sd[extra[0]]), cls, dataset,
                             " (%d more)" % (len(extra) - 1) if len(extra) > 1 else ""))


def _tdbn(w, sd, prefix, src, lam):
    vth_bn = float(sd[prefix + ".Vth"])
    return w.batchnorm(prefix, src, sd[prefix + ".weight"], sd[prefix + ".bias"],
                       sd[prefix + ".running_mean"], sd[prefix + ".running_var"],
                       lay.BN_EPS, lam * vth_bn, comment="tdBN lambda=%.6g Vth_bn=%.6g" % (lam, vth_bn))


def _conv_tdbn(w, sd, prefix, src, stride, lam):
    weight = sd[prefix + ".0.weight"]
    k = weight.shape[-1]
    conv = w.conv2d(prefix + ".0", src, weight, None, stride, k // 2)
    return _tdbn(w, sd, prefix + ".1", conv, lam)


def _glif(w, sd, prefix, src):
    eff = {n: torch.sigmoid(sd[prefix + "." + n].double()) for n in lay.GLIF_KEYS}
    return w.glif(prefix, src, eff)


def build(sd, outdir, dataset=None, dtype=np.float32, name=None, fuse_head=False):
    """Check sd and write outdir/model.yaml + tensors; returns dict(arch, dataset, T, path).

    fuse_head: write the CIFAR-10 head's two bias-free linears as one (W2 W1, float64
    product), for tools that want one linear layer between the pool and the readout.
    """
    arch, dataset, T = detect(sd, dataset)
    cls = lay.ARCHS[arch]["class"]
    w = ModelWriter(outdir, T, name=name or "gated-lif-%s-%s-T%d" % (arch, dataset, T), dtype=dtype)
    x = w.input(lay.INPUT_SHAPE, "direct", lay.input_range(dataset))
    out = _glif(w, sd, "conv1.1", _conv_tdbn(w, sd, "conv1.0.module", x, 1, 1.0))
    for i, cin, cout, stride, proj in lay.blocks(arch):
        p = "features.%d." % i
        h = _glif(w, sd, p + "body.1", _conv_tdbn(w, sd, p + "body.0.module", out, stride, 1.0))
        h = _conv_tdbn(w, sd, p + "body.2.module", h, 1, SQRT1_2)
        if proj:
            sc = _conv_tdbn(w, sd, p + "downsample.0.module", out, stride, SQRT1_2)
        else:
            sc = _tdbn(w, sd, p + "downsample.module", out, SQRT1_2)
        out = _glif(w, sd, p + "lif", w.addition(p + "add", [h, sc]))
    y = w.flatten("flatten", w.pool("globalave", out, lay.FINAL_SPATIAL,
                                    comment="global average pool of the 8x8 spike map"))
    linears = lay.head(arch, lay.DATASETS[dataset][0])
    if fuse_head and len(linears) == 2:
        w2, w1 = (sd[p + ".weight"].double() for p in (linears[1][0], linears[0][0]))
        y = w.linear("lastave", y, w2 @ w1, None, comment="fused %s.weight @ %s.weight"
                     % (linears[1][0], linears[0][0]))
    else:
        for prefix, _, _ in linears:
            y = w.linear(prefix, y, sd[prefix + ".weight"], None)
    w.readout("readout", y, comment="mean over T of the head's logits")
    path = w.write()
    return {"arch": arch, "class": cls, "dataset": dataset, "timesteps": T, "path": path}


def export_checkpoint(ckpt, outdir, dataset=None, float64=False, fuse_head=False):
    """Export a checkpoint file (or an in-memory state_dict) to outdir."""
    sd = load_state_dict(ckpt) if isinstance(ckpt, str) else strip_prefix(ckpt)
    return build(sd, outdir, dataset, np.float64 if float64 else np.float32, fuse_head=fuse_head)


def main(argv=None):
    ap = argparse.ArgumentParser(description="export a Gated-LIF CIFAR checkpoint to model format v1")
    ap.add_argument("checkpoint")
    ap.add_argument("-o", "--out", required=True, help="output folder (model.yaml + .npy)")
    ap.add_argument("--dataset", choices=sorted(lay.DATASETS),
                    help="checked against the head; default: inferred from the head")
    ap.add_argument("--float64", action="store_true", help="write float64 tensors (default float32)")
    ap.add_argument("--fuse-head", action="store_true",
                    help="CIFAR-10 head: write W2*W1 as one linear 512->10 instead of two")
    a = ap.parse_args(argv)
    try:
        info = export_checkpoint(a.checkpoint, a.out, a.dataset, a.float64, a.fuse_head)
    except ExportError as e:
        print("gatedlif_export: error: %s" % e, file=sys.stderr)
        return 1
    print("wrote %s: %s, %s head, T=%d" % (info["path"], info["class"], info["dataset"], info["timesteps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
