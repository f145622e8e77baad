"""Float64 PyTorch re-implementation of the Gated-LIF CIFAR ResNet forward from a state_dict.

Written from the reference facts (DESIGN.md section 2, gatedlif_layout.py), independent
of the exporter: eval-time tdBN y = lambda*Vth_bn*(x - mean)/sqrt(var + eps)*w + b, the
sigmoid of every stored GLIF logit, the two-branch neuron, global average pool of the
last spikes, the bias-free head at every step and the mean over T. It produces the
reference logits the tests compare exported models against.

With calibrate=True every tdBN first sets its running statistics from the batch it sees
(statistics over T*B, H, W, as tdBN's training mode); the synthetic checkpoint
generator uses this to give random weights realistic statistics.
"""

import torch
import torch.nn.functional as F

from . import gatedlif_layout as lay


def _bn(sd, prefix, x, lam, calibrate):
    """tdBN on [T*B, C, H, W]."""
    if calibrate:
        sd[prefix + ".running_mean"] = x.mean(dim=(0, 2, 3)).to(sd[prefix + ".running_mean"].dtype)
        sd[prefix + ".running_var"] = x.var(dim=(0, 2, 3)).to(sd[prefix + ".running_var"].dtype)
    g = lambda n: sd[prefix + "." + n].double().view(-1, 1, 1)
    vth_bn = float(sd[prefix + ".Vth"])
    return lam * vth_bn * (x - g("running_mean")) / torch.sqrt(g("running_var") + lay.BN_EPS) * g("weight") + g("bias")


def _conv_bn(sd, prefix, x, stride, lam, calibrate):
    w = sd[prefix + ".0.weight"].double()
    y = F.conv2d(x, w, stride=stride, padding=w.shape[-1] // 2)
    return _bn(sd, prefix + ".1", y, lam, calibrate)


def _glif(sd, prefix, x, T):
    """Two-branch GLIF on currents x [T*B, C, H, W] -> spikes [T*B, C, H, W]."""
    sg = lambda n: torch.sigmoid(sd[prefix + "." + n].double())
    v = lambda n: sg(n).view(-1, 1, 1)
    alpha, beta, gamma, tau = v("alpha"), v("beta"), v("gamma"), v("tau")
    leak, revth, vth = v("leak"), v("reVth"), v("Vth")
    conduct = sg("conduct")                                   # [T, C]
    k = 1 - alpha * (1 - tau)
    ks = k * (1 - gamma)
    d = (1 - alpha) * leak
    r = (1 - gamma) * revth
    xs = x.view((T, -1) + tuple(x.shape[1:]))
    u = torch.zeros_like(xs[0])
    s = torch.zeros_like(xs[0], dtype=torch.bool)
    out = []
    for t in range(T):
        g = 1 - beta * (1 - conduct[t].view(-1, 1, 1))
        u = torch.where(s, ks * u - d - r, k * u - d) + g * xs[t]
        s = u > vth
        out.append(s.double())
    return torch.stack(out).view_as(x)


def forward(sd, x, arch, classes, calibrate=False, record=None):
    """Logits [B, classes] (float64) for normalised images x [B, 3, 32, 32].

    sd: the state_dict (prefix already stripped); it is modified only with calibrate.
    record: optional dict filled with the spikes of every GLIF, name -> [T, B, ...].
    """
    T = sd["conv1.1.conduct"].shape[0]
    B = x.shape[0]
    x = x.double().unsqueeze(0).expand((T,) + tuple(x.shape)).reshape((T * B,) + tuple(x.shape[1:]))

    def lif(prefix, cur):
        s = _glif(sd, prefix, cur, T)
        if record is not None:
            record[prefix] = s.view((T, B) + tuple(s.shape[1:]))
        return s

    out = lif("conv1.1", _conv_bn(sd, "conv1.0.module", x, 1, 1.0, calibrate))
    r2 = lay.LAMBDA_BLOCK_OUT
    for i, cin, cout, stride, proj in lay.blocks(arch):
        p = "features.%d." % i
        h = lif(p + "body.1", _conv_bn(sd, p + "body.0.module", out, stride, 1.0, calibrate))
        h = _conv_bn(sd, p + "body.2.module", h, 1, r2, calibrate)
        if proj:
            sc = _conv_bn(sd, p + "downsample.0.module", out, stride, r2, calibrate)
        else:
            sc = _bn(sd, p + "downsample.module", out, r2, calibrate)
        out = lif(p + "lif", h + sc)
    y = out.mean(dim=(2, 3))                                  # global average pool
    for prefix, _, _ in lay.head(arch, classes):
        y = y @ sd[prefix + ".weight"].double().t()
    return y.view(T, B, -1).mean(0)

