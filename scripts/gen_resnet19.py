#!/usr/bin/python3
"""Writes a Gated-LIF CIFAR ResNet-19 in model format v1 (docs/model-format.md).

    /usr/bin/python3 scripts/gen_resnet19.py -o DIR [--classes 10] [--timesteps 6]
                                             [--seed 19] [--calib 2]

The layout of the Gated-LIF reference code (class ResNet_19_cifar_CW): 3x32x32 input,
conv1 3->128 + tdBN + GLIF; eight BasicBlocks of widths 128/256/512 (3/3/2 blocks,
first-block strides 1/2/2), each conv3x3 + tdBN + GLIF, conv3x3 + tdBN(1/sqrt 2), plus a
shortcut (conv1x1 + tdBN at blocks 3 and 6, a BN-only identity shortcut elsewhere, both
with tdBN scale 1/sqrt 2), GLIF after the add; head: 8x8 average pool, flatten, linear
512 -> classes, readout. Layer names follow the reference's module names.

Weights are random but realistic: He (fan-out) initialisation for convs, 1/sqrt(n) for
the head, tdBN weight and bias spread like a trained model, GLIF effective parameters
around the Gated-LIF initial values (gates near 0.5, tau 0.25, Vth 0.5, leak 0.0625,
reVth 0.5, conduct 0.5) with noise. With --calib N (default 2), the BN running
statistics are measured on N random normalised images by a float64 forward pass of the
network itself (time folded into the batch, like tdBN), so every layer spikes at a
realistic rate; --calib 0 skips that (unit statistics). numpy only; deterministic for a
seed.
"""

import argparse
import math
import os

import numpy as np

STAGES = ((128, 3, 1), (256, 3, 2), (512, 2, 2))   # width, blocks, first stride
TDBN_VTH = 0.5                                      # tdBN's scalar buffer Vth
INPUT_RANGE = 2.75                                  # |normalised CIFAR pixel| < 2.75


class Writer:
    """Collects layers (YAML flow mappings) and writes their tensors as .npy."""

    def __init__(self, out_dir):
        self.dir = out_dir
        self.lines = []

    def tensor(self, name, array):
        fname = name + ".npy"
        np.save(os.path.join(self.dir, fname), np.ascontiguousarray(array, dtype=np.float32))
        return fname

    def layer(self, **kv):
        parts = []
        for k, v in kv.items():
            if isinstance(v, (list, tuple)):
                v = "[" + ", ".join(str(x) for x in v) + "]"
            elif isinstance(v, float):
                v = repr(v)
            parts.append("%s: %s" % (k, v))
        self.lines.append("  - {" + ", ".join(parts) + "}")

    def save(self, name, timesteps):
        text = ("# Gated-LIF CIFAR ResNet-19, random weights (scripts/gen_resnet19.py)\n"
                "glif_model: 1\nname: %s\ntimesteps: %d\nlayers:\n" % (name, timesteps))
        tmp = os.path.join(self.dir, "model.yaml.tmp")
        with open(tmp, "w") as f:
            f.write(text + "\n".join(self.lines) + "\n")
        os.replace(tmp, os.path.join(self.dir, "model.yaml"))


# ---- float64 forward (for BN statistics) ---------------------------------------------

def conv2d(x, w, stride, pad):
    """x [N, C, H, W], w [O, C, K, K]: cross-correlation by im2col."""
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    cols = np.empty((n, c, k, k, ho, wo), dtype=x.dtype)
    for ky in range(k):
        for kx in range(k):
            cols[:, :, ky, kx] = xp[:, :, ky:ky + stride * ho:stride, kx:kx + stride * wo:stride]
    cols = cols.transpose(0, 4, 5, 1, 2, 3).reshape(n * ho * wo, c * k * k)
    y = cols @ w.reshape(o, -1).T
    return y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)


def glif(x, p, T):
    """x [T*B, C, H, W] (time-major) -> spikes, same shape."""
    tb = x.shape[0]
    b = tb // T
    k = 1 - p["alpha"] * (1 - p["tau"])
    ks = k * (1 - p["gamma"])
    d = (1 - p["alpha"]) * p["leak"]
    r = (1 - p["gamma"]) * p["reVth"]
    sh = (1, -1, 1, 1)
    u = np.zeros(x[:b].shape)
    s = np.zeros(x[:b].shape)
    out = np.empty_like(x)
    for t in range(T):
        g = 1 - p["beta"] * (1 - p["conduct"][t])
        u = np.where(s > 0, ks.reshape(sh), k.reshape(sh)) * u - d.reshape(sh) \
            - s * r.reshape(sh) + g.reshape(sh) * x[t * b:(t + 1) * b]
        s = (u > p["Vth"].reshape(sh)).astype(np.float64)
        out[t * b:(t + 1) * b] = s
    return out


def batchnorm(x, bn):
    a = bn["scale"] * bn["weight"] / np.sqrt(bn["running_var"] + 1e-5)
    return (x - bn["running_mean"].reshape(1, -1, 1, 1)) * a.reshape(1, -1, 1, 1) \
        + bn["bias"].reshape(1, -1, 1, 1)


# ---- parameters ------------------------------------------------------------------------

class Model:
    def __init__(self, rng, T, calib_x):
        self.rng, self.T = rng, T
        self.x = calib_x          # None, or the current activation [T*B, C, H, W]

    def conv_weight(self, cout, cin, k):
        std = math.sqrt(2.0 / (cout * k * k))                # He, fan-out (reference init)
        return self.rng.standard_normal((cout, cin, k, k)) * std

    def bn(self, c, scale, pre):
        """tdBN parameters; running statistics measured on `pre` when calibrating."""
        bn = {"weight": 0.8 + 0.8 * self.rng.random(c),
              "bias": 0.6 * self.rng.random(c) - 0.1,
              "running_mean": np.zeros(c), "running_var": np.ones(c), "scale": scale}
        if pre is not None:
            bn["running_mean"] = pre.mean(axis=(0, 2, 3))
            # a floor for nearly silent channels: a trained net keeps its BN-only
            # shortcuts at 3-10x the largest conv weight (DESIGN section 2)
            bn["running_var"] = np.maximum(pre.var(axis=(0, 2, 3)), 0.1)
        return bn

    def glif_params(self, c):
        noise = lambda lo, hi: lo + (hi - lo) * self.rng.random(c)
        return {"alpha": noise(0.45, 0.55), "beta": noise(0.45, 0.55),
                "gamma": noise(0.45, 0.55), "tau": noise(0.2, 0.3),
                "leak": noise(0.05, 0.075), "reVth": noise(0.45, 0.55),
                "Vth": noise(0.45, 0.55),
                "conduct": 0.4 + 0.2 * self.rng.random((self.T, c))}


def emit_conv_bn(w, m, name, src, cin, cout, k, stride, pad, scale, act):
    """conv + tdBN; returns the BN output activation (or None)."""
    wt = m.conv_weight(cout, cin, k)
    w.layer(name=name, type="conv2d", input=src, weight=w.tensor(name + ".weight", wt),
            stride=stride, padding=pad)
    pre = conv2d(act, wt, stride, pad) if act is not None else None
    bn = m.bn(cout, scale, pre)
    emit_bn(w, name + ".bn", name, bn)
    return batchnorm(pre, bn) if pre is not None else None


def emit_bn(w, name, src, bn):
    w.layer(name=name, type="batchnorm", input=src,
            weight=w.tensor(name + ".weight", bn["weight"]),
            bias=w.tensor(name + ".bias", bn["bias"]),
            running_mean=w.tensor(name + ".running_mean", bn["running_mean"]),
            running_var=w.tensor(name + ".running_var", bn["running_var"]),
            eps=1.0e-5, scale=float(bn["scale"]))


def emit_glif(w, m, name, src, c, act):
    p = m.glif_params(c)
    kv = {k: w.tensor(name + "." + k, v) for k, v in p.items()}
    w.layer(name=name, type="glif", input=src, **kv)
    return glif(act, p, m.T) if act is not None else None


def block(w, m, i, src, cin, cout, stride, x):
    """BasicBlock i; returns (name of its output GLIF, its spikes)."""
    pre = "features.%d" % i
    h = emit_conv_bn(w, m, pre + ".body.0", src, cin, cout, 3, stride, 1, TDBN_VTH, x)
    h = emit_glif(w, m, pre + ".body.1", pre + ".body.0.bn", cout, h)
    b = emit_conv_bn(w, m, pre + ".body.2", pre + ".body.1", cout, cout, 3, 1, 1,
                     TDBN_VTH / math.sqrt(2), h)
    if stride != 1 or cin != cout:
        sc = emit_conv_bn(w, m, pre + ".downsample", src, cin, cout, 1, stride, 0,
                          TDBN_VTH / math.sqrt(2), x)
        sc_name = pre + ".downsample.bn"
    else:
        bn = m.bn(cout, TDBN_VTH / math.sqrt(2), x)
        emit_bn(w, pre + ".downsample.bn", src, bn)
        sc = batchnorm(x, bn) if x is not None else None
        sc_name = pre + ".downsample.bn"
    w.layer(name=pre + ".add", type="add", inputs=[pre + ".body.2.bn", sc_name])
    s = emit_glif(w, m, pre + ".lif", pre + ".add", cout, b + sc if x is not None else None)
    return pre + ".lif", s


def generate(out_dir, classes, T, seed, n_calib):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    x = None
    if n_calib > 0:   # normalised-image-like inputs, repeated T times (direct encoding)
        img = np.clip(rng.standard_normal((n_calib, 3, 32, 32)), -INPUT_RANGE, INPUT_RANGE)
        x = np.concatenate([img] * T)
    m = Model(rng, T, x)
    w = Writer(out_dir)
    w.layer(name="x", type="input", shape=[3, 32, 32], encoding="direct", range=INPUT_RANGE)
    h = emit_conv_bn(w, m, "conv1.0", "x", 3, 128, 3, 1, 1, TDBN_VTH, x)
    h = emit_glif(w, m, "conv1.1", "conv1.0.bn", 128, h)
    src, cin, i = "conv1.1", 128, 0
    for width, blocks, stride in STAGES:
        for b in range(blocks):
            src, h = block(w, m, i, src, cin, width, stride if b == 0 else 1, h)
            cin, i = width, i + 1
    w.layer(name="pool", type="avgpool2d", input=src, kernel=8)
    w.layer(name="flatten", type="flatten", input="pool")
    head = rng.standard_normal((classes, 512)) / math.sqrt(512)
    w.layer(name="lastave", type="linear", input="flatten",
            weight=w.tensor("lastave.weight", head))
    w.layer(name="logits", type="readout", input="lastave")
    w.save("resnet19-cifar%d" % classes, T)
    if x is not None:
        np.save(os.path.join(out_dir, "calib.npy"), x[:n_calib].astype(np.float32))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", required=True, help="output folder")
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--timesteps", type=int, default=6)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--calib", type=int, default=2,
                    help="images for BN statistics (0: unit statistics)")
    a = ap.parse_args()
    generate(a.out, a.classes, a.timesteps, a.seed, a.calib)
    print("wrote %s/model.yaml" % a.out)


if __name__ == "__main__":
    main()
