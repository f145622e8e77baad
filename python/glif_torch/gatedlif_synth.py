"""Synthetic Gated-LIF checkpoints with random weights, in exactly the released layout.

    /usr/bin/python3 -m glif_torch.gatedlif_synth --arch resnet19|resnet18 \
        --dataset cifar10|cifar100 [--timesteps 2] [--seed 0] [--ddp] -o FILE.pth.tar

The file is torch.save({'state_dict': sd}) like the released CIFAR checkpoints: float32
conv/linear weights (Kaiming normal, fan-out, as the reference code initialises them),
tdBN tensors (weight, bias, running statistics, num_batches_tracked int64 scalar, Vth
scalar 0.5), GLIF logits ([C] and conduct [T, C]) spread around their initial values.
The tdBN running statistics are calibrated on random normalised images by the float64
reference forward so that the network spikes at realistic rates. --ddp prefixes every
key with 'module.' like a DistributedDataParallel checkpoint.
"""

import argparse
import math
from collections import OrderedDict

import torch

from . import gatedlif_layout as lay
from . import gatedlif_ref
from .layers import logit, INIT_TAU, INIT_VTH, INIT_LEAK, INIT_REVTH, INIT_CONDUCT


def _glif_logits(shape, init, spread, g):
    return (logit(init) + spread * (torch.rand(shape, generator=g, dtype=torch.float64) * 2 - 1)).float()


def make_state_dict(arch, dataset, timesteps=2, seed=0, calib_images=2):
    """A random state_dict (OrderedDict of tensors) of the given layout."""
    classes = lay.DATASETS[dataset][0]
    g = torch.Generator().manual_seed(seed)
    sd = OrderedDict()
    inits = {"alpha": 0.5, "beta": 0.5, "gamma": 0.5, "tau": INIT_TAU, "Vth": INIT_VTH,
             "leak": INIT_LEAK, "reVth": INIT_REVTH, "conduct": INIT_CONDUCT}
    for key, shape in lay.expected_keys(arch, classes, timesteps).items():
        leaf = key.rsplit(".", 1)[1]
        if len(shape) == 4:                                  # conv weight, kaiming fan-out
            std = math.sqrt(2.0 / (shape[0] * shape[2] * shape[3]))
            sd[key] = (torch.randn(shape, generator=g, dtype=torch.float64) * std).float()
        elif len(shape) == 2 and leaf == "weight":           # head linear
            sd[key] = (torch.randn(shape, generator=g, dtype=torch.float64) / math.sqrt(shape[1])).float()
        elif leaf == "num_batches_tracked":
            sd[key] = torch.tensor(1000, dtype=torch.int64)
        elif leaf == "Vth" and shape == ():
            sd[key] = torch.tensor(0.5)                       # tdBN's scalar buffer
        elif leaf in inits:                                  # GLIF logit
            sd[key] = _glif_logits(shape, inits[leaf], 1.0, g)
        elif leaf == "weight":                               # tdBN weight
            sd[key] = (0.8 + 0.8 * torch.rand(shape, generator=g, dtype=torch.float64)).float()
        elif leaf == "bias":
            sd[key] = (0.6 * torch.rand(shape, generator=g, dtype=torch.float64) - 0.1).float()
        elif leaf == "running_mean":
            sd[key] = torch.zeros(shape)
        elif leaf == "running_var":
            sd[key] = torch.ones(shape)
        else:
            raise AssertionError("no rule for key " + key)
    x = torch.randn((calib_images,) + lay.INPUT_SHAPE, generator=g, dtype=torch.float64)
    with torch.no_grad():
        gatedlif_ref.forward(sd, x, arch, classes, calibrate=True)
    return sd


def with_head(sd, arch, dataset, seed=0):
    """A copy of sd with the head replaced by a random head for `dataset` (the body,
    its calibration included, does not depend on the head)."""
    out = OrderedDict((k, v) for k, v in sd.items() if not k.startswith("lastave."))
    g = torch.Generator().manual_seed(seed + 7)
    for prefix, o, n in lay.head(arch, lay.DATASETS[dataset][0]):
        out[prefix + ".weight"] = (torch.randn((o, n), generator=g, dtype=torch.float64) / math.sqrt(n)).float()
    return out


def save_checkpoint(path, sd, ddp=False):
    if ddp:
        sd = OrderedDict(("module." + k, v) for k, v in sd.items())
    torch.save({"state_dict": sd}, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="write a random Gated-LIF CIFAR checkpoint")
    ap.add_argument("--arch", choices=sorted(lay.ARCHS), default="resnet19")
    ap.add_argument("--dataset", choices=sorted(lay.DATASETS), default="cifar10")
    ap.add_argument("--timesteps", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ddp", action="store_true", help="prefix keys with 'module.'")
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    sd = make_state_dict(a.arch, a.dataset, a.timesteps, a.seed)
    save_checkpoint(a.out, sd, a.ddp)
    print("wrote %s: %s %s T=%d, %d tensors" % (a.out, lay.ARCHS[a.arch]["class"], a.dataset,
                                                 a.timesteps, len(sd)))


if __name__ == "__main__":
    main()
