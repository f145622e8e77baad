"""Checkpoint layout of the Gated-LIF CIFAR ResNets (Yao et al. 2022, GitHub Ikarosy/Gated-LIF).

One table per architecture says everything that is not stored in a checkpoint (strides,
which blocks have a projection shortcut, tdBN's lambda); `expected_keys` derives every
state_dict key and shape from it. Used by the exporter (gatedlif_export), the float64
reference forward (gatedlif_ref) and the synthetic checkpoint generator (gatedlif_synth).

    ResNet-19 (ResNet_19_cifar_CW): conv1 3->128, blocks (128,s1)x3 (256,s2)x3 (512,s2)x2
    ResNet-18 (ResNet_18_stand_CW): conv1 3->64,  blocks (64,s1)x2 (128,s1)x2 (256,s2)x2 (512,s2)x2
    block i: features.i.body.0.module.{0,1} conv3x3(stride)+tdBN(l=1), features.i.body.1 GLIF,
             features.i.body.2.module.{0,1} conv3x3+tdBN(l=1/sqrt2),
             shortcut features.i.downsample.module tdBN(l=1/sqrt2)            (Cin == C, stride 1)
                   or features.i.downsample.0.module.{0,1} conv1x1(stride)+tdBN(l=1/sqrt2),
             features.i.lif GLIF after the add
    head: global 8x8 average pool of spikes; CIFAR-100 one bias-free linear 512->100,
          CIFAR-10 two bias-free linears 512->256->10 (no nonlinearity between).
"""

import math
from collections import OrderedDict

ARCHS = {
    "resnet19": {"class": "ResNet_19_cifar_CW", "stem": 128,
                 "stages": [(128, 3, 1), (256, 3, 2), (512, 2, 2)],
                 "head": {100: ["lastave.module"], 10: ["lastave.module.0", "lastave.module.1"]}},
    "resnet18": {"class": "ResNet_18_stand_CW", "stem": 64,
                 "stages": [(64, 2, 1), (128, 2, 1), (256, 2, 2), (512, 2, 2)],
                 "head": {100: ["lastave.0"], 10: ["lastave.0", "lastave.1"]}},
}
STEM_WIDTH = {a["stem"]: name for name, a in ARCHS.items()}

DATASETS = {  # classes, per-channel mean and std of the input normalisation
    "cifar10": (10, (0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)),
    "cifar100": (100, (129.3 / 255, 124.1 / 255, 112.4 / 255), (68.2 / 255, 65.4 / 255, 70.4 / 255)),
}

INPUT_SHAPE = (3, 32, 32)
FINAL_SPATIAL = 8
LAMBDA_BLOCK_OUT = 1.0 / math.sqrt(2.0)   # tdBN lambda after a block's 2nd conv and on shortcuts
BN_EPS = 1e-5
GLIF_KEYS = ("alpha", "beta", "gamma", "tau", "Vth", "leak", "reVth", "conduct")


def blocks(arch):
    """[(index, cin, cout, stride, projection)] for the BasicBlock_CW list `features`."""
    a = ARCHS[arch]
    out, cin, i = [], a["stem"], 0
    for cout, n, stride in a["stages"]:
        for j in range(n):
            s = stride if j == 0 else 1
            out.append((i, cin, cout, s, cin != cout or s != 1))
            cin, i = cout, i + 1
    return out


def head(arch, classes):
    """[(prefix, out, in)] of the bias-free linears of the head."""
    prefixes = ARCHS[arch]["head"][classes]
    dims = [512, classes] if len(prefixes) == 1 else [512, 256, classes]
    return [(p, dims[j + 1], dims[j]) for j, p in enumerate(prefixes)]


def input_range(dataset):
    """Largest |normalised input|: max over channels of (1-mean)/std and mean/std."""
    _, mean, std = DATASETS[dataset]
    return max(max((1.0 - m) / s, m / s) for m, s in zip(mean, std))


def _conv_bn(keys, prefix, cout, cin, k):
    keys[prefix + ".0.weight"] = (cout, cin, k, k)
    for n in ("weight", "bias", "running_mean", "running_var"):
        keys["%s.1.%s" % (prefix, n)] = (cout,)
    keys[prefix + ".1.num_batches_tracked"] = ()
    keys[prefix + ".1.Vth"] = ()


def _bn(keys, prefix, c):
    for n in ("weight", "bias", "running_mean", "running_var"):
        keys["%s.%s" % (prefix, n)] = (c,)
    keys[prefix + ".num_batches_tracked"] = ()
    keys[prefix + ".Vth"] = ()


def _glif(keys, prefix, c, T):
    for n in GLIF_KEYS:
        keys["%s.%s" % (prefix, n)] = (T, c) if n == "conduct" else (c,)


def expected_keys(arch, classes, T):
    """OrderedDict key -> shape tuple of a channel-wise checkpoint, in state_dict order."""
    keys = OrderedDict()
    stem = ARCHS[arch]["stem"]
    _conv_bn(keys, "conv1.0.module", stem, 3, 3)
    _glif(keys, "conv1.1", stem, T)
    for i, cin, cout, stride, proj in blocks(arch):
        p = "features.%d." % i
        _conv_bn(keys, p + "body.0.module", cout, cin, 3)
        _glif(keys, p + "body.1", cout, T)
        _conv_bn(keys, p + "body.2.module", cout, cout, 3)
        if proj:
            _conv_bn(keys, p + "downsample.0.module", cout, cin, 1)
        else:
            _bn(keys, p + "downsample.module", cout)
        _glif(keys, p + "lif", cout, T)
    for prefix, o, n in head(arch, classes):
        keys[prefix + ".weight"] = (o, n)
    return keys
