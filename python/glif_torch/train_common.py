"""Shared training loop for the example networks (digits, Fashion-MNIST).

Cross-entropy on the time-averaged logits (as the Gated-LIF code), Adam with a cosine
learning-rate schedule over all iterations, no weight decay on GLIF tensors.
Checkpoints (model + optimiser + epoch) are written after every epoch so a run can be
resumed with --resume.
"""

import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from .layers import repeat_direct, glif_parameters


def log(fh, msg):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    if fh is not None:
        fh.write(line + "\n")
        fh.flush()


@torch.no_grad()
def predict(model, x, T, batch=500):
    """Float32 logits [N, classes] for inputs x (numpy or tensor [N, C, H, W])."""
    model.eval()
    x = torch.as_tensor(x)
    out = [model(repeat_direct(x[i:i + batch], T)) for i in range(0, len(x), batch)]
    return torch.cat(out).float().numpy()


def make_optimizer(model, lr, weight_decay):
    glif, other = glif_parameters(model)
    return torch.optim.Adam([{"params": other, "weight_decay": weight_decay},
                             {"params": glif, "weight_decay": 0.0}], lr=lr)


def train(model, xtr, ytr, xte, yte, *, T, epochs, batch, lr, weight_decay=0.0, seed=0,
          augment=None, ckpt=None, resume=False, logfile=None):
    """Train in place; returns (seconds spent training, last test accuracy)."""
    xtr_t, ytr_t = torch.as_tensor(xtr), torch.as_tensor(ytr)
    opt = make_optimizer(model, lr, weight_decay)
    steps_per_epoch = math.ceil(len(xtr) / batch)
    total = epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: 0.5 * (1.0 + math.cos(math.pi * min(i, total) / total)))
    start_epoch, spent = 0, 0.0
    fh = open(logfile, "a") if logfile else None
    if resume and ckpt and os.path.exists(ckpt):
        st = torch.load(ckpt)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        start_epoch, spent = st["epoch"], st["seconds"]
        log(fh, "resumed from %s at epoch %d (%.0f s spent)" % (ckpt, start_epoch, spent))
    acc = float("nan")
    for ep in range(start_epoch, epochs):
        t0 = time.time()
        model.train()
        g = torch.Generator().manual_seed(seed * 1000 + ep)
        perm = torch.randperm(len(xtr_t), generator=g)
        tot_loss, n_ok, n = 0.0, 0, 0
        for i in range(steps_per_epoch):
            idx = perm[i * batch:(i + 1) * batch]
            x, y = xtr_t[idx], ytr_t[idx]
            if augment is not None:
                x = augment(x, g)
            out = model(repeat_direct(x, T))
            loss = F.cross_entropy(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += loss.item() * len(y)
            n_ok += (out.argmax(1) == y).sum().item()
            n += len(y)
            if fh is not None and i % 50 == 0:
                log(fh, "epoch %d it %d/%d loss %.4f" % (ep + 1, i, steps_per_epoch, loss.item()))
        spent += time.time() - t0
        pred = predict(model, xte, T).argmax(1)
        acc = float((pred == np.asarray(yte)).mean())
        log(fh, "epoch %d/%d train loss %.4f train acc %.4f test acc %.4f lr %.2e (%.0f s total)"
            % (ep + 1, epochs, tot_loss / n, n_ok / n, acc, sched.get_last_lr()[0], spent))
        if ckpt:
            tmp = ckpt + ".tmp"
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "sched": sched.state_dict(), "epoch": ep + 1, "seconds": spent}, tmp)
            os.replace(tmp, ckpt)
    if fh is not None:
        fh.close()
    return spent, acc


def write_results(outdir, model, xte, yte, T, info):
    """pytorch_logits.npy (float32 [N, classes]) and pytorch.json (accuracy etc.)."""
    logits = predict(model, xte, T)
    acc = float((logits.argmax(1) == np.asarray(yte)).mean())
    np.save(os.path.join(outdir, "pytorch_logits.npy"), logits.astype(np.float32))
    info = dict(info, test_accuracy=acc, n_test=int(len(yte)), timesteps=T)
    with open(os.path.join(outdir, "pytorch.json"), "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)
        f.write("\n")
    return acc
