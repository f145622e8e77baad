#!/usr/bin/python3
"""gen_conv.py - a random convolutional GLIF network in model format v1, for the RTL
co-simulation tests (tests/rtl/cosim.sh).

    /usr/bin/python3 gen_conv.py OUT_DIR [SEED]

Writes OUT_DIR/model.yaml, its .npy tensors and OUT_DIR/input.npy (two samples).
The network: input [2,10,10] (direct) -> conv 3x3 (6 ch) -> GLIF -> conv 3x3 (8 ch)
-> GLIF -> sumpool 2 -> GLIF -> linear (10) -> readout, with random GLIF gates per
channel and a random conductance table, so every neuron-parameter path (soft and hard
reset, leak, gains per step) is exercised. Compiled for cores of 64 axons, the linear
layer (200 inputs) is split into partial-sum relays: graded packets both ways.
Everything follows from SEED.
"""
import os
import sys

import numpy as np


def glif_params(rng, name, c, t, d):
    """Random effective GLIF parameters of one layer, saved as .npy; the YAML keys."""
    keys = {}
    for key, lo, hi in (("alpha", 0.2, 1.0), ("beta", 0.0, 0.8), ("gamma", 0.0, 1.0),
                        ("tau", 0.3, 0.95), ("leak", 0.0, 0.1), ("reVth", 0.2, 0.8),
                        ("Vth", 0.3, 0.9)):
        np.save(os.path.join(d, f"{name}.{key}.npy"),
                rng.uniform(lo, hi, size=c).astype(np.float32))
        keys[key] = f"{name}.{key}.npy"
    np.save(os.path.join(d, f"{name}.conduct.npy"),
            rng.uniform(0.3, 1.0, size=(t, c)).astype(np.float32))
    keys["conduct"] = f"{name}.conduct.npy"
    return ", ".join(f"{k}: {v}" for k, v in keys.items())


def weight(rng, d, name, shape, fan_in):
    np.save(os.path.join(d, name), (rng.standard_normal(shape) * 1.6 / np.sqrt(fan_in))
            .astype(np.float32))
    return name


def main():
    d = sys.argv[1]
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    os.makedirs(d, exist_ok=True)
    t = 3
    lines = [
        "# random conv network for the RTL co-simulation (tests/rtl/gen_conv.py)",
        "glif_model: 1", "name: rtl-random-conv", f"timesteps: {t}", "layers:",
        "  - {name: x, type: input, shape: [2, 10, 10], encoding: direct, range: 1.0}",
        "  - {name: c1, type: conv2d, input: x, weight: %s, padding: 1}"
        % weight(rng, d, "c1.weight.npy", (6, 2, 3, 3), 18),
        "  - {name: g1, type: glif, input: c1, %s}" % glif_params(rng, "g1", 6, t, d),
        "  - {name: c2, type: conv2d, input: g1, weight: %s, padding: 1}"
        % weight(rng, d, "c2.weight.npy", (8, 6, 3, 3), 54),
        "  - {name: g2, type: glif, input: c2, %s}" % glif_params(rng, "g2", 8, t, d),
        "  - {name: p2, type: sumpool2d, input: g2, kernel: 2}",
        "  - {name: g3, type: glif, input: p2, %s}" % glif_params(rng, "g3", 8, t, d),
        "  - {name: f3, type: flatten, input: g3}",
        "  - {name: fc, type: linear, input: f3, weight: %s}"
        % weight(rng, d, "fc.weight.npy", (10, 200), 200),
        "  - {name: out, type: readout, input: fc}",
    ]
    with open(os.path.join(d, "model.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    np.save(os.path.join(d, "input.npy"),
            rng.uniform(-1.0, 1.0, size=(2, 2, 10, 10)).astype(np.float32))


if __name__ == "__main__":
    main()
