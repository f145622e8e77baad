"""PyTorch building blocks for GLIF spiking networks (training side of the pipeline).

Everything here works on tensors laid out [T, B, ...] (time first). The GLIF layer
implements exactly the float semantics of docs/model-format.md / DESIGN.md section 2
(the Gated-LIF reference code's channel-wise neuron): every quantity is stored as a
logit and passed through a sigmoid at every use; u0 = 0, s0 = 0;

    k = 1 - alpha(1 - tau)   d = (1 - alpha) leak   r = (1 - gamma) reVth
    g_t = 1 - beta(1 - conduct[t])
    u_t = k u_{t-1} (1 - gamma s_{t-1}) - d + g_t x_t - r s_{t-1}
    s_t = [u_t > Vth]          (strict)

The spike uses a rectangular surrogate gradient (height 1, |u - Vth| < 0.5); the same
gradient, negated, flows into Vth. The reset path is not detached.

Modules that are not spiking (Conv2d, BatchNorm2d, AvgPool2d, Flatten, Linear) are
applied with time folded into the batch by `Seq`; the exporter (export.py) walks the
same structure to write the model format.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# Initial effective values (Gated-LIF static-image configuration).
INIT_TAU = 0.25
INIT_VTH = 0.5
INIT_LEAK = 0.0625
INIT_REVTH = 0.5
INIT_CONDUCT = 0.5
GATE_INIT_HALF_WIDTH = 0.1   # gate logits ~ U(-0.1, 0.1)


def logit(p):
    """Inverse sigmoid of a python float in (0, 1)."""
    return math.log(p / (1.0 - p))


class SpikeFn(torch.autograd.Function):
    """Heaviside(v) forward (v = u - Vth, strict: v > 0); rectangular surrogate backward."""

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return (v > 0).to(v.dtype)

    @staticmethod
    def backward(ctx, grad_out):
        (v,) = ctx.saved_tensors
        return grad_out * (v.abs() < 0.5).to(grad_out.dtype)


spike = SpikeFn.apply


class GLIF(nn.Module):
    """Channel-wise GLIF neuron over [T, B, C, H, W] or [T, B, C] input.

    Parameters are logits: alpha, beta, gamma, tau, leak, reVth, Vth of shape [C],
    conduct of shape [T, C]. `effective()` returns the post-sigmoid values.
    `generator` (a seeded torch.Generator) draws the random gate logits; without one
    the global torch RNG is used (seed it with torch.manual_seed).
    With `record_membrane = True` the forward keeps its membranes u_1..u_T (with their
    autograd graph) in `last_membrane`, [T, B, C, ...] (for tests and inspection).
    """

    record_membrane = False

    NAMES = ("alpha", "beta", "gamma", "tau", "leak", "reVth", "Vth", "conduct")

    def __init__(self, channels, timesteps, generator=None):
        super().__init__()
        self.channels = int(channels)
        self.timesteps = int(timesteps)
        c = self.channels

        def gate():
            u = torch.rand(c, generator=generator, dtype=torch.float64)
            return nn.Parameter(((u * 2.0 - 1.0) * GATE_INIT_HALF_WIDTH).float())

        def const(shape, p):
            return nn.Parameter(torch.full(shape, logit(p)))

        self.alpha = gate()
        self.beta = gate()
        self.gamma = gate()
        self.tau = const((c,), INIT_TAU)
        self.leak = const((c,), INIT_LEAK)
        self.reVth = const((c,), INIT_REVTH)
        self.Vth = const((c,), INIT_VTH)
        self.conduct = const((self.timesteps, c), INIT_CONDUCT)

    def effective(self):
        """Post-sigmoid values, a dict name -> tensor (detached)."""
        return {n: torch.sigmoid(getattr(self, n)).detach() for n in self.NAMES}

    def extra_repr(self):
        return "channels=%d, timesteps=%d" % (self.channels, self.timesteps)

    def forward(self, x):
        T = x.shape[0]
        if T != self.timesteps:
            raise ValueError("GLIF built for T=%d got input with T=%d" % (self.timesteps, T))
        if x.shape[2] != self.channels:
            raise ValueError("GLIF has %d channels, input has %d (layout [T,B,C,...])"
                             % (self.channels, x.shape[2]))
        view = (self.channels,) + (1,) * (x.dim() - 3)
        sg = lambda p: torch.sigmoid(p).view(view)
        alpha, beta, gamma = sg(self.alpha), sg(self.beta), sg(self.gamma)
        tau, leak, revth, vth = sg(self.tau), sg(self.leak), sg(self.reVth), sg(self.Vth)
        conduct = torch.sigmoid(self.conduct)
        k = 1.0 - alpha * (1.0 - tau)
        d = (1.0 - alpha) * leak
        r = (1.0 - gamma) * revth
        u = torch.zeros_like(x[0])
        s = torch.zeros_like(x[0])
        out, mem = [], []
        for t in range(T):
            g = 1.0 - beta * (1.0 - conduct[t].view(view))
            u = k * u * (1.0 - gamma * s) - d + g * x[t] - r * s
            s = spike(u - vth)
            out.append(s)
            mem.append(u)
        if self.record_membrane:
            self.last_membrane = torch.stack(mem)
        return torch.stack(out)


class ScaledBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d with a constant (non-learned) factor `scale` on the normalised value:

        y = scale * (x - mean) / sqrt(var + eps) * weight + bias

    as tdBN (scale = lambda * Vth_bn) and the model format's batchnorm `scale` key, which
    the exporter writes. The bias is not scaled; statistics are those of the input.
    """

    def __init__(self, num_features, scale=1.0, **kw):
        super().__init__(num_features, **kw)
        self.scale = float(scale)

    def forward(self, x):
        if self.scale == 1.0:
            return super().forward(x)
        # nn.BatchNorm2d.forward with the weight multiplied by `scale`.
        self._check_input_dim(x)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        bn_training = self.training or self.running_mean is None
        stats = not self.training or self.track_running_stats
        w = self.weight if self.affine else torch.ones(self.num_features, dtype=x.dtype, device=x.device)
        return F.batch_norm(x, self.running_mean if stats else None, self.running_var if stats else None,
                            w * self.scale, self.bias, bn_training, factor, self.eps)

    def extra_repr(self):
        return super().extra_repr() + ", scale=%r" % self.scale


def _is_temporal(m):
    return isinstance(m, (GLIF, Seq, ResidualBlock, ReadoutMean))


def apply_folded(m, x):
    """Apply a per-step module to [T, B, ...] by folding time into the batch."""
    if _is_temporal(m):
        return m(x)
    T, B = x.shape[0], x.shape[1]
    y = m(x.reshape((T * B,) + tuple(x.shape[2:])))
    return y.reshape((T, B) + tuple(y.shape[1:]))


class Seq(nn.Sequential):
    """nn.Sequential over [T, B, ...]: per-step modules see time folded into batch."""

    def forward(self, x):
        for m in self:
            x = apply_folded(m, x)
        return x


class ResidualBlock(nn.Module):
    """out = lif(body(x) + shortcut(x)); body and shortcut are Seq (or single modules).

    The shortcut is an identity BN (BatchNorm2d only) or conv1x1 + BN; nn.Identity is
    also accepted (written as a plain add of the input).
    """

    def __init__(self, body, shortcut, lif):
        super().__init__()
        self.body = body
        self.shortcut = shortcut
        self.lif = lif

    def forward(self, x):
        return self.lif(apply_folded(self.body, x) + apply_folded(self.shortcut, x))


class ReadoutMean(nn.Module):
    """Mean over T of a linear layer's output: [T, B, N] -> [B, N].

    With `linear=None` it only averages (place it after an nn.Linear in a Seq).
    """

    def __init__(self, linear=None):
        super().__init__()
        self.linear = linear

    def forward(self, x):
        if self.linear is not None:
            x = apply_folded(self.linear, x)
        return x.mean(0)


def repeat_direct(x, timesteps):
    """Direct encoding: [B, ...] -> [T, B, ...], the same input at every step."""
    return x.unsqueeze(0).expand((timesteps,) + tuple(x.shape)).contiguous()


def glif_parameters(model):
    """(glif_params, other_params) for optimiser groups (GLIF tensors get no decay)."""
    glif, other = [], []
    for m in model.modules():
        if isinstance(m, GLIF):
            glif.extend(m.parameters(recurse=False))
    ids = {id(p) for p in glif}
    other = [p for p in model.parameters() if id(p) not in ids]
    return glif, other
