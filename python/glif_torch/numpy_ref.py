"""Independent float64 numpy evaluator of a model-format v1 directory (docs/model-format.md).

Reads model.yaml and its .npy tensors and runs the float semantics of the format,
with no PyTorch: every linear layer is evaluated on the spikes of each step (time is
folded into the batch), each `glif` layer steps its neurons for t = 1..T, each
`readout` averages over T. Used by the tests to check the exporters, and by anyone who
wants float logits of an exported model.

    /usr/bin/python3 -m glif_torch.numpy_ref MODEL.yaml X.npy [-o logits.npy]

PyYAML is used when importable; otherwise a small parser reads the subset that
export.py writes (top-level scalars and one flow mapping per layer).
"""

import argparse
import os
import re

import numpy as np

GLIF_KEYS = ("alpha", "beta", "gamma", "tau", "leak", "reVth", "Vth", "conduct")
TENSOR_KEYS = {"conv2d": ("weight", "bias"), "linear": ("weight", "bias"),
               "batchnorm": ("weight", "bias", "running_mean", "running_var"),
               "glif": GLIF_KEYS}


# ---------------------------------------------------------------------------------------
# YAML reading



def _plain(s):
    s = s.strip()
    if s.startswith('"'):
        return s[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if re.fullmatch(r"[-+]?\d+", s):
        return int(s)
    try:
        return float(s)
    except ValueError:
        return {"true": True, "false": False, "null": None}.get(s, s)


def _flow(text):
    """Parse one YAML flow collection (the subset export.py writes)."""
    toks, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[{}\[\],]|[^{}\[\],"]+)').match(text, pos)
        if not m:
            raise ValueError("cannot parse YAML near %r" % text[pos:pos + 20])
        toks.append(m.group(1))
        pos = m.end()
    toks = [t for t in toks if t.strip()]
    i = 0

    def value():
        nonlocal i
        t = toks[i]
        if t == "{":
            i += 1
            d = {}
            while toks[i] != "}":
                k, v = toks[i].split(":", 1) if ":" in toks[i] else (toks[i], "")
                i += 1
                if v.strip():
                    d[k.strip()] = _plain(v)
                else:
                    d[k.strip()] = value()
                if toks[i] == ",":
                    i += 1
            i += 1
            return d
        if t == "[":
            i += 1
            out = []
            while toks[i] != "]":
                out.append(value())
                if toks[i] == ",":
                    i += 1
            i += 1
            return out
        i += 1
        return _plain(t)

    return value()


def parse_yaml(text):
    try:
        import yaml
        return yaml.safe_load(text)
    except ImportError:
        pass
    doc, key = {}, None
    for raw in text.splitlines():
        line = re.sub(r"\s+#.*$", "", raw) if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        if line.lstrip().startswith("- "):
            doc[key].append(_flow(line.lstrip()[2:]))
        else:
            k, v = line.split(":", 1)
            key = k.strip()
            doc[key] = _plain(v) if v.strip() else []
    return doc


# ---------------------------------------------------------------------------------------
# Loading

def load_model(path):
    """{'timesteps': T, 'layers': [dict with tensors loaded as float64 arrays]}."""
    with open(path) as f:
        doc = parse_yaml(f.read())
    if doc.get("glif_model") != 1:
        raise ValueError("%s: glif_model must be 1, found %r" % (path, doc.get("glif_model")))
    base = os.path.dirname(os.path.abspath(path))
    layers = []
    for L in doc["layers"]:
        L = dict(L)
        for key in TENSOR_KEYS.get(L["type"], ()):
            if key in L:
                v = L[key]
                if isinstance(v, str):
                    v = np.load(os.path.join(base, v))
                L[key] = np.asarray(v, dtype=np.float64)
        layers.append(L)
    return {"timesteps": int(doc["timesteps"]), "layers": layers, "name": doc.get("name")}


# ---------------------------------------------------------------------------------------
# Layer semantics, on arrays [T*N, C, H, W] or [T*N, F]

def _pair(v):
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def conv2d(x, w, b, stride, padding):
    """Cross-correlation as torch.nn.Conv2d (groups 1), by im2col and one matmul."""
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, c, hp, wp = x.shape
    o, _, kh, kw = w.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, ho, wo), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]
    y = np.matmul(w.reshape(o, -1), cols.reshape(n, c * kh * kw, ho * wo)).reshape(n, o, ho, wo)
    if b is not None:
        y = y + b[None, :, None, None]
    return y


def pool2d(x, kernel, stride, mean):
    kh, kw = _pair(kernel)
    sh, sw = _pair(stride if stride is not None else kernel)
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    y = win.sum(axis=(4, 5))
    return y / (kh * kw) if mean else y


def _chan(v, ndim):
    v = np.asarray(v, dtype=np.float64)
    return v.reshape(v.shape + (1,) * (ndim - 2)) if v.ndim == 1 else v


def batchnorm(x, L):
    n = x.ndim
    a = L.get("scale", 1.0) / np.sqrt(_chan(L["running_var"], n) + L.get("eps", 1e-5))
    return (x - _chan(L["running_mean"], n)) * a * _chan(L["weight"], n) + _chan(L["bias"], n)


def glif(x, L, T):
    """x: [T, N, C, ...] currents -> [T, N, C, ...] spikes (float64 0/1)."""
    nd = x.ndim - 1                       # ndim of one step, [N, C, ...]
    p = {k: _chan(L[k], nd) for k in GLIF_KEYS if k != "conduct"}
    c = np.asarray(L["conduct"], dtype=np.float64)
    k = 1.0 - p["alpha"] * (1.0 - p["tau"])
    d = (1.0 - p["alpha"]) * p["leak"]
    r = (1.0 - p["gamma"]) * p["reVth"]
    ks = k * (1.0 - p["gamma"])
    u = np.zeros_like(x[0])
    s = np.zeros(x[0].shape, dtype=bool)
    out = np.zeros_like(x)
    for t in range(T):
        ct = c if c.ndim == 0 else c[t]
        g = 1.0 - p["beta"] * (1.0 - _chan(ct, nd))
        u = np.where(s, ks * u - d - r, k * u - d) + g * x[t]
        s = u > p["Vth"]
        out[t] = s
    return out


def run(model, x, record=False):
    """Evaluate on inputs x ([N, C, H, W] direct, or [N, T, C, H, W] spikes).

    Returns the concatenated readouts [N, outputs] (float64); with record=True also a
    dict layer name -> activity [T, N, ...].
    """
    T = model["timesteps"]
    vals = {}
    outs = []
    for L in model["layers"]:
        ty = L["type"]
        if ty == "input":
            a = np.asarray(x, dtype=np.float64)
            if L.get("encoding", "direct") == "direct":
                a = np.broadcast_to(a, (T,) + a.shape)
            else:
                a = np.moveaxis(a, 1, 0)
            v = np.ascontiguousarray(a)
        elif ty == "add":
            v = sum(vals[s] for s in L["inputs"])
        else:
            a = vals[L["input"]]
            folded = a.reshape((-1,) + a.shape[2:])
            if ty == "conv2d":
                v = conv2d(folded, L["weight"], L.get("bias"), L.get("stride", 1), L.get("padding", 0))
            elif ty == "linear":
                v = folded @ L["weight"].T + (L["bias"] if "bias" in L else 0.0)
            elif ty == "batchnorm":
                v = batchnorm(folded, L)
            elif ty in ("avgpool2d", "sumpool2d"):
                v = pool2d(folded, L["kernel"], L.get("stride"), ty == "avgpool2d")
            elif ty == "flatten":
                v = folded.reshape(folded.shape[0], -1)
            elif ty == "glif":
                v = glif(a, L, T)
            elif ty == "readout":
                v = a.mean(axis=0)
                outs.append(v.reshape(v.shape[0], -1))
            else:
                raise ValueError("unknown layer type %r (layer %s)" % (ty, L["name"]))
            if ty not in ("glif", "readout"):
                v = v.reshape(a.shape[:2] + v.shape[1:])
        vals[L["name"]] = v
    logits = np.concatenate(outs, axis=1)
    return (logits, vals) if record else logits


def main(argv=None):
    ap = argparse.ArgumentParser(description="float64 evaluation of a model-format v1 model")
    ap.add_argument("model")
    ap.add_argument("inputs")
    ap.add_argument("-o", "--out")
    ap.add_argument("--labels", help="int labels .npy: print the accuracy")
    a = ap.parse_args(argv)
    m = load_model(a.model)
    x = np.load(a.inputs)
    logits = np.concatenate([run(m, x[i:i + 100]) for i in range(0, len(x), 100)])
    if a.out:
        np.save(a.out, logits)
    if a.labels:
        y = np.load(a.labels)
        print("accuracy %.4f on %d samples" % ((logits.argmax(1) == y).mean(), len(y)))
    else:
        print(logits)


if __name__ == "__main__":
    main()
