"""Writer of model format v1 (docs/model-format.md): model.yaml plus .npy tensors.

Two layers of API:

- `ModelWriter`: builds the layer list by hand (used by the Gated-LIF checkpoint
  exporter, gatedlif_export.py) and writes it.
- `export_model(model, outdir, input_shape, ...)`: the generic path for models built
  from layers.py: Seq / nn.Sequential of Conv2d (groups=1), BatchNorm2d (and
  ScaledBatchNorm2d, whose `scale` becomes the batchnorm `scale` key), GLIF, AvgPool2d,
  Flatten, Linear, ResidualBlock (body + shortcut, add, GLIF) and ReadoutMean.

GLIF tensors are written as effective (post-sigmoid) values. Tensors are float32 or
float64 (`dtype`). The YAML is written by hand (no PyYAML needed): one flow mapping per
layer, every string a plain safe scalar or double-quoted, every float with a '.' so that
YAML 1.1 resolvers read it as a float. Files are written to temporary names and renamed.
"""

import math
import os
import re

import numpy as np
import torch
import torch.nn as nn

from .layers import GLIF, Seq, ResidualBlock, ReadoutMean

FORMAT_VERSION = 1


class ExportError(ValueError):
    """A model or checkpoint that model format v1 (or this exporter) cannot express."""


# ---------------------------------------------------------------------------------------
# YAML emission

_SAFE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}


def yaml_scalar(v):
    """One YAML scalar (or flow sequence) for a python value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if not math.isfinite(v):
            raise ExportError("cannot write a non-finite number (%r) to the model" % v)
        s = repr(v)
        if "e" in s and "." not in s.split("e")[0]:
            m, e = s.split("e")
            s = m + ".0e" + e
        return s
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(yaml_scalar(x) for x in v) + "]"
    if isinstance(v, str):
        if _SAFE.match(v) and v.lower() not in _YAML_WORDS:
            return v
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise ExportError("cannot write %r (%s) to YAML" % (v, type(v).__name__))


def _replace(tmp, path):
    os.replace(tmp, path)


def save_npy(path, array, dtype):
    """np.save to a temporary file, then rename (no partial file on failure)."""
    a = np.ascontiguousarray(np.asarray(array, dtype=dtype))
    if not np.all(np.isfinite(a)):
        raise ExportError("%s: tensor has non-finite values" % os.path.basename(path))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        np.save(f, a)
    _replace(tmp, path)


class ModelWriter:
    """Collects layers (ordered dicts) and tensors, then writes model.yaml.

    `dtype` is np.float32 or np.float64 for every real tensor.
    """

    def __init__(self, outdir, timesteps, name=None, dtype=np.float32):
        self.outdir = outdir
        self.timesteps = int(timesteps)
        self.name = name
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ExportError("tensor dtype must be float32 or float64, not %s" % self.dtype)
        self.layers = []       # list of (dict, comment)
        self.names = set()
        self.tensors = {}      # file name -> array (written by write())

    def unique(self, base):
        name, i = base, 1
        while name in self.names:
            i += 1
            name = "%s_%d" % (base, i)
        return name

    def tensor(self, layer, key, array):
        fname = "%s.%s.npy" % (layer, key)
        a = array.detach().cpu().double().numpy() if torch.is_tensor(array) else np.asarray(array, np.float64)
        self.tensors[fname] = a
        return fname

    def add(self, layer, comment=None):
        """Append a layer (a dict with name, type, ...); returns its name."""
        if layer["name"] in self.names:
            raise ExportError("duplicate layer name %r" % layer["name"])
        self.names.add(layer["name"])
        self.layers.append((layer, comment))
        return layer["name"]

    def yaml_text(self):
        out = ["# GLIF fabric model, format v%d (docs/model-format.md)" % FORMAT_VERSION,
               "glif_model: %d" % FORMAT_VERSION]
        if self.name:
            out.append("name: " + yaml_scalar(self.name))
        out.append("timesteps: %d" % self.timesteps)
        out.append("layers:")
        for layer, comment in self.layers:
            items = ", ".join("%s: %s" % (k, yaml_scalar(v)) for k, v in layer.items())
            line = "  - {" + items + "}"
            if comment:
                line += "  # " + comment.replace("\n", " ")
            out.append(line)
        return "\n".join(out) + "\n"

    def write(self):
        os.makedirs(self.outdir, exist_ok=True)
        for fname, a in self.tensors.items():
            save_npy(os.path.join(self.outdir, fname), a, self.dtype)
        path = os.path.join(self.outdir, "model.yaml")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.yaml_text())
        _replace(tmp, path)
        return path

    # Layer helpers shared by the generic and the Gated-LIF exporters ------------------

    def input(self, shape, encoding="direct", input_range=None, name="x"):
        layer = {"name": name, "type": "input", "shape": [int(s) for s in shape],
                 "encoding": encoding}
        if input_range is not None:
            layer["range"] = float(input_range)
        return self.add(layer)

    def conv2d(self, name, src, weight, bias=None, stride=1, padding=0, comment=None):
        layer = {"name": name, "type": "conv2d", "input": src,
                 "weight": self.tensor(name, "weight", weight)}
        if bias is not None:
            layer["bias"] = self.tensor(name, "bias", bias)
        if stride != 1:
            layer["stride"] = stride
        if padding != 0:
            layer["padding"] = padding
        return self.add(layer, comment)

    def linear(self, name, src, weight, bias=None, comment=None):
        layer = {"name": name, "type": "linear", "input": src,
                 "weight": self.tensor(name, "weight", weight)}
        if bias is not None:
            layer["bias"] = self.tensor(name, "bias", bias)
        return self.add(layer, comment)

    def batchnorm(self, name, src, weight, bias, mean, var, eps=1e-5, scale=1.0, comment=None):
        layer = {"name": name, "type": "batchnorm", "input": src,
                 "weight": self.tensor(name, "weight", weight),
                 "bias": self.tensor(name, "bias", bias),
                 "running_mean": self.tensor(name, "running_mean", mean),
                 "running_var": self.tensor(name, "running_var", var),
                 "eps": float(eps)}
        if float(scale) != 1.0:
            layer["scale"] = float(scale)
        return self.add(layer, comment)

    def glif(self, name, src, eff, comment=None):
        """eff: dict of effective values alpha..Vth [C] and conduct [T, C]."""
        layer = {"name": name, "type": "glif", "input": src}
        for key in GLIF.NAMES:
            layer[key] = self.tensor(name, key, eff[key])
        return self.add(layer, comment)

    def pool(self, name, src, kernel, stride=None, kind="avgpool2d", comment=None):
        layer = {"name": name, "type": kind, "input": src, "kernel": kernel}
        if stride is not None and stride != kernel:
            layer["stride"] = stride
        return self.add(layer, comment)

    def flatten(self, name, src, comment=None):
        return self.add({"name": name, "type": "flatten", "input": src}, comment)

    def addition(self, name, srcs, comment=None):
        return self.add({"name": name, "type": "add", "inputs": list(srcs)}, comment)

    def readout(self, name, src, comment=None):
        return self.add({"name": name, "type": "readout", "input": src}, comment)


# ---------------------------------------------------------------------------------------
# Generic exporter for models built from layers.py

def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(int(x) for x in v)


def _compact(p):
    return p[0] if p[0] == p[1] else [p[0], p[1]]


class _Walker:
    """Walks a module tree, tracking the current layer name and shape [C,H,W] or [N]."""

    def __init__(self, w):
        self.w = w
        self.counts = {}

    def name(self, kind):
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return self.w.unique("%s%d" % (kind, self.counts[kind]))

    def walk(self, m, src, shape, path):
        where = "module " + (path or "<model>")
        if isinstance(m, (Seq, nn.Sequential)):
            for i, child in enumerate(m):
                src, shape = self.walk(child, src, shape, (path + "." if path else "") + str(i))
            return src, shape
        if isinstance(m, (nn.Identity, nn.Dropout)):
            return src, shape
        if isinstance(m, nn.Conv2d):
            return self.conv(m, src, shape, where)
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            return self.bn(m, src, shape, where)
        if isinstance(m, GLIF):
            self.check_channels(m.channels, shape, where, "GLIF")
            if m.timesteps != self.w.timesteps:
                raise ExportError("%s: GLIF has T=%d, model T=%d" % (where, m.timesteps, self.w.timesteps))
            return self.w.glif(self.name("glif"), src, m.effective(), where), shape
        if isinstance(m, nn.AvgPool2d):
            return self.avgpool(m, src, shape, where)
        if isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1:
                raise ExportError("%s: only Flatten(start_dim=1, end_dim=-1) is supported" % where)
            n = int(np.prod(shape))
            return self.w.flatten(self.name("flat"), src, where), [n]
        if isinstance(m, nn.Linear):
            if len(shape) != 1:
                raise ExportError("%s: Linear needs a vector input, got shape %s (add Flatten)" % (where, shape))
            if m.in_features != shape[0]:
                raise ExportError("%s: Linear expects %d inputs, got %d" % (where, m.in_features, shape[0]))
            name = self.w.linear(self.name("fc"), src, m.weight, m.bias, where)
            return name, [m.out_features]
        if isinstance(m, ResidualBlock):
            return self.residual(m, src, shape, path)
        if isinstance(m, ReadoutMean):
            if m.linear is not None:
                src, shape = self.walk(m.linear, src, shape, path + ".linear")
            return self.w.readout(self.name("readout"), src, where), shape
        raise ExportError("%s: cannot export module %s (supported: Conv2d, BatchNorm2d, GLIF, "
                          "AvgPool2d, Flatten, Linear, ResidualBlock, ReadoutMean, Seq)"
                          % (where, type(m).__name__))

    def check_channels(self, c, shape, where, what):
        if shape[0] != c:
            raise ExportError("%s: %s has %d channels, its input has %d" % (where, what, c, shape[0]))

    def conv(self, m, src, shape, where):
        if len(shape) != 3:
            raise ExportError("%s: Conv2d needs a [C,H,W] input, got %s" % (where, shape))
        if m.groups != 1:
            raise ExportError("%s: Conv2d groups=%d; model format v1 needs groups=1" % (where, m.groups))
        if _pair(m.dilation) != (1, 1):
            raise ExportError("%s: Conv2d dilation %s is not supported" % (where, m.dilation))
        if isinstance(m.padding, str) or m.padding_mode != "zeros":
            raise ExportError("%s: Conv2d padding must be numeric zero padding" % where)
        self.check_channels(m.in_channels, shape, where, "Conv2d")
        s, p, k = _pair(m.stride), _pair(m.padding), _pair(m.kernel_size)
        h = (shape[1] + 2 * p[0] - k[0]) // s[0] + 1
        wd = (shape[2] + 2 * p[1] - k[1]) // s[1] + 1
        if h < 1 or wd < 1:
            raise ExportError("%s: Conv2d output would be empty for input %s" % (where, shape))
        name = self.w.conv2d(self.name("conv"), src, m.weight, m.bias, _compact(s), _compact(p), where)
        return name, [m.out_channels, h, wd]

    def bn(self, m, src, shape, where):
        if not m.track_running_stats or m.running_mean is None:
            raise ExportError("%s: BatchNorm without running statistics cannot be exported" % where)
        self.check_channels(m.num_features, shape, where, "BatchNorm")
        c = m.num_features
        weight = m.weight if m.affine else torch.ones(c)
        bias = m.bias if m.affine else torch.zeros(c)
        name = self.w.batchnorm(self.name("bn"), src, weight, bias, m.running_mean, m.running_var,
                                m.eps, getattr(m, "scale", 1.0), where)
        return name, shape

    def avgpool(self, m, src, shape, where):
        k = _pair(m.kernel_size)
        s = _pair(m.stride if m.stride is not None else m.kernel_size)
        if _pair(m.padding) != (0, 0) or m.ceil_mode or m.divisor_override:
            raise ExportError("%s: AvgPool2d with padding, ceil_mode or divisor_override is not supported" % where)
        if len(shape) != 3 or shape[1] % s[0] or shape[2] % s[1]:
            raise ExportError("%s: AvgPool2d stride %s must divide the input size %s" % (where, s, shape))
        h, wd = (shape[1] - k[0]) // s[0] + 1, (shape[2] - k[1]) // s[1] + 1
        name = self.w.pool(self.name("pool"), src, _compact(k), _compact(s), comment=where)
        return name, [shape[0], h, wd]

    def residual(self, m, src, shape, path):
        body, bshape = self.walk(m.body, src, shape, path + ".body")
        sc, sshape = self.walk(m.shortcut, src, shape, path + ".shortcut")
        if bshape != sshape:
            raise ExportError("module %s: residual branches differ in shape: body %s, shortcut %s"
                              % (path, bshape, sshape))
        added = self.w.addition(self.name("add"), [body, sc], "module " + path)
        return self.walk(m.lif, added, bshape, path + ".lif")


def model_timesteps(model):
    ts = {m.timesteps for m in model.modules() if isinstance(m, GLIF)}
    if len(ts) != 1:
        raise ExportError("the model's GLIF layers must share one T, found %s" % sorted(ts))
    return ts.pop()


def export_model(model, outdir, input_shape, timesteps=None, input_range=None,
                 encoding="direct", name=None, dtype=np.float32):
    """Write `model` (built from layers.py) to outdir/model.yaml + tensors.

    input_shape: [C,H,W] (or [N]) of one sample; input_range: the largest absolute
    input value (the input layer's `range`). Returns the YAML path.
    """
    T = timesteps if timesteps is not None else model_timesteps(model)
    w = ModelWriter(outdir, T, name=name, dtype=dtype)
    src = w.input(input_shape, encoding, input_range)
    with torch.no_grad():
        _, shape = _Walker(w).walk(model, src, list(input_shape), "")
    if not any(layer["type"] == "readout" for layer, _ in w.layers):
        raise ExportError("the model has no ReadoutMean: model format v1 needs a readout layer")
    return w.write()
