"""The example networks (examples/digits, examples/fashion), built from layers.py.

Both take direct-encoded input [T, B, 1, H, W] and end in a ReadoutMean over a Linear.
Every conv/linear is bias-free and followed by BN (the BN bias is the neuron's bias).
"""

import torch.nn as nn

from .layers import GLIF, Seq, ResidualBlock, ReadoutMean


def conv_bn(cin, cout, k=3, stride=1):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False),
            nn.BatchNorm2d(cout)]


def conv_bn_glif(cin, cout, T, gen):
    return conv_bn(cin, cout) + [GLIF(cout, T, generator=gen)]


def basic_block(c, T, gen):
    """conv3x3+BN+GLIF, conv3x3+BN; shortcut = BN only; add; GLIF."""
    body = Seq(*conv_bn_glif(c, c, T, gen), *conv_bn(c, c))
    return ResidualBlock(body, Seq(nn.BatchNorm2d(c)), GLIF(c, T, generator=gen))


def digits_net(T, gen, width=12, classes=10):
    """[1,8,8] -> conv 1->12 -> block(12) -> avgpool 2 -> BN -> GLIF (12x4x4)
    -> linear 192->10 -> mean over T.

    Sized for the default fabric (8x8 cores of 256 neurons x 256 axons, 52 of its 64
    cores): the GLIF after the pooling keeps every neuron's fan-in small (pooling and
    linear layers compose, so a linear right after a pool would see all 768 block
    outputs). Fan-in: 9 (first conv), 108 (block conv 1), 108 + 1 (block conv 2 +
    shortcut, whose BN weights are split into parallel synapses), 4 (pool GLIF), 192
    (readout). Neurons: 3 x 768 + 192 + 10. Width 16 (98.9 %) needs 89 cores on this
    partitioner; width 8 drops to 96.3 %.
    """
    return Seq(*conv_bn_glif(1, width, T, gen),
               basic_block(width, T, gen),
               nn.AvgPool2d(2),
               nn.BatchNorm2d(width),
               GLIF(width, T, generator=gen),
               nn.Flatten(),
               nn.Linear(width * 16, classes),
               ReadoutMean())


def fashion_net(T, gen, c1=8, c2=32, c3=64, classes=10):
    """[1,28,28] -> conv 1->c1 (28x28) -> avgpool 2 -> conv c1->c2 (14x14) -> avgpool 2
    -> block(c2) (7x7) -> conv c2->c3 (7x7) -> flatten -> linear -> mean over T.

    Fan-in 9*c2 + 1 = 289 in the block's second conv (+ shortcut) and 9*c2 = 288 in the
    block's first conv and the last conv (partial sums on a 256-axon core), 49*c3 = 3136
    in the readout. Neurons 784*c1 + 196*c2 + 2*49*c2 + 49*c3 + 10 (18,826 by default).
    """
    return Seq(*conv_bn_glif(1, c1, T, gen),
               nn.AvgPool2d(2),
               *conv_bn_glif(c1, c2, T, gen),
               nn.AvgPool2d(2),
               basic_block(c2, T, gen),
               *conv_bn_glif(c2, c3, T, gen),
               nn.Flatten(),
               nn.Linear(c3 * 49, classes),
               ReadoutMean())
