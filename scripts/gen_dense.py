#!/usr/bin/python3
"""gen_dense.py - random dense GLIF networks in model format v1 (docs/model-format.md),
for simulator benchmarks and tests.

    /usr/bin/python3 scripts/gen_dense.py -o OUT --sizes 1024,1024,1024,10 --T 4 \
        --rate 0.1 --samples 8 --seed 1

writes OUT/model.yaml, the tensors beside it, and OUT/inputs.npy: [samples, n_in]
uniform in [-1, 1] (direct encoding, range 1), or with --encoding spikes [samples, T,
n_in] of 0/1 spikes, each 1 with probability --in-rate. The network is
input -> linear -> glif -> ... -> linear -> readout, one glif per hidden size.
Weights are uniform with variance 1/fan-in; every hidden layer's threshold Vth is set
so that the layer fires at about --rate (the fraction of neuron-steps with a spike)
on the generated inputs, measured with a float64 model of the GLIF equations of
DESIGN section 2. Deterministic: the same arguments give the same files.
Needs numpy only (run with /usr/bin/python3).
"""
import argparse
import os
import sys

import numpy as np


def glif_float(x_steps, p, T):
    """Spikes [T, N, C] of a GLIF layer with per-channel params p, inputs x_steps[T]."""
    k = 1 - p["alpha"] * (1 - p["tau"])
    ks = k * (1 - p["gamma"])
    d = (1 - p["alpha"]) * p["leak"]
    r = (1 - p["gamma"]) * p["reVth"]
    u = np.zeros_like(x_steps[0])
    s = np.zeros_like(x_steps[0], dtype=bool)
    out = []
    for t in range(T):
        g = 1 - p["beta"] * (1 - p["conduct"][t])
        u = np.where(s, ks, k) * u - d - np.where(s, r, 0.0) + g * x_steps[t]
        s = u > p["Vth"]
        out.append(s.astype(np.float64))
    return np.stack(out)


def random_glif(rng, c, T):
    p = {
        "alpha": rng.uniform(0.3, 0.9, c), "beta": rng.uniform(0.2, 0.8, c),
        "gamma": rng.uniform(0.2, 0.9, c), "tau": rng.uniform(0.2, 0.8, c),
        "leak": rng.uniform(0.0, 0.05, c), "reVth": rng.uniform(0.3, 0.7, c),
        "conduct": rng.uniform(0.5, 1.0, (T, c)),
    }
    p["Vth"] = np.full(c, 0.5)
    return p


def calibrate_vth(x_steps, p, T, rate):
    """Scales Vth (one factor per layer) until the firing rate is about `rate`."""
    lo, hi = 1e-3, 1e3
    base = np.linspace(0.8, 1.2, len(p["Vth"]))  # keeps some spread across channels
    for _ in range(40):
        mid = np.sqrt(lo * hi)
        p["Vth"] = base * mid
        fired = glif_float(x_steps, p, T).mean()
        if fired > rate:
            lo = mid
        else:
            hi = mid
    p["Vth"] = base * np.sqrt(lo * hi)
    return glif_float(x_steps, p, T)


def save(out, name, array):
    np.save(os.path.join(out, name + ".npy"), np.asarray(array, dtype=np.float32))
    return name + ".npy"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", required=True, help="output folder")
    ap.add_argument("--sizes", default="1024,1024,1024,10",
                    help="input size, hidden sizes..., output size")
    ap.add_argument("--T", type=int, default=4, help="timesteps")
    ap.add_argument("--rate", type=float, default=0.1, help="target firing rate")
    ap.add_argument("--samples", type=int, default=4, help="inputs to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--encoding", choices=["direct", "spikes"], default="direct")
    ap.add_argument("--in-rate", type=float, default=0.1,
                    help="spikes encoding: probability of an input spike")
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",")]
    if len(sizes) < 3 or min(sizes) < 1 or not 0 < a.rate < 1 or a.T < 1:
        ap.error("need --sizes with at least 3 positive sizes, 0 < --rate < 1, --T >= 1")
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    lines = ["glif_model: 1", "name: dense-" + "-".join(map(str, sizes)),
             "timesteps: %d" % a.T, "layers:"]
    if a.encoding == "direct":
        x = rng.uniform(-1.0, 1.0, (a.samples, sizes[0]))
        act = np.stack([x] * a.T)  # [T, samples, n]
        lines.append("  - {name: x, type: input, shape: [%d], encoding: direct, range: 1.0}"
                     % sizes[0])
    else:
        x = (rng.uniform(0.0, 1.0, (a.samples, a.T, sizes[0])) < a.in_rate).astype(np.float64)
        act = x.transpose(1, 0, 2)
        lines.append("  - {name: x, type: input, shape: [%d, 1, 1], encoding: spikes}" % sizes[0])
    np.save(os.path.join(a.out, "inputs.npy"), x.astype(np.float32))
    src = "x"
    for i, n in enumerate(sizes[1:], 1):
        fan_in = sizes[i - 1]
        w = rng.uniform(-1.0, 1.0, (n, fan_in)) * np.sqrt(3.0 / fan_in)
        b = rng.uniform(-0.05, 0.05, n)
        fc = "fc%d" % i
        lines.append("  - {name: %s, type: linear, input: %s, weight: %s, bias: %s}"
                     % (fc, src, save(a.out, fc + ".weight", w), save(a.out, fc + ".bias", b)))
        xin = act @ w.T + b
        if i == len(sizes) - 1:
            lines.append("  - {name: out, type: readout, input: %s}" % fc)
            break
        p = random_glif(rng, n, a.T)
        act = calibrate_vth(xin, p, a.T, a.rate)
        lif = "lif%d" % i
        keys = ["alpha", "beta", "gamma", "tau", "leak", "reVth", "Vth", "conduct"]
        files = {k: save(a.out, lif + "." + k, p[k]) for k in keys}
        lines.append("  - {name: %s, type: glif, input: %s, " % (lif, fc) +
                     ", ".join("%s: %s" % (k, files[k]) for k in keys) + "}")
        print("%s: %d neurons, firing rate %.3f" % (lif, n, act.mean()), file=sys.stderr)
        src = lif
    with open(os.path.join(a.out, "model.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
