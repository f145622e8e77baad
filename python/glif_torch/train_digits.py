"""Train the digits GLIF network (nets.digits_net) and export examples/digits.

    /usr/bin/python3 -m glif_torch.train_digits [-o examples/digits] [--epochs 60]

scikit-learn's 8x8 digits (1797 images), split train/test 70/30 with
train_test_split(test_size=0.3, random_state=0, stratify=labels). Inputs: pixels / 16,
then standardised with the training set's pixel mean and std (scalars, written to
pytorch.json). Direct encoding, T = 4. Writes model.yaml + float32 tensors,
test_inputs.npy (float32 [N,1,8,8], exactly what the model sees), test_labels.npy
(int8), pytorch_logits.npy (float32 [N,10]) and pytorch.json. The input `range` is the
largest |value| over the normalised train and test inputs.
"""

import argparse
import os
import time

import numpy as np
import torch

from . import nets
from .train_common import train, write_results

SEED = 0
T = 4


def load_digits_split():
    """(xtr, ytr, xte, yte, mean, std): normalised float32 [N,1,8,8] and int64 labels."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.images.astype(np.float64) / 16.0)[:, None]
    xtr, xte, ytr, yte = train_test_split(x, d.target, test_size=0.3, random_state=0,
                                          stratify=d.target)
    mean, std = float(xtr.mean()), float(xtr.std())
    f = lambda a: ((a - mean) / std).astype(np.float32)
    return f(xtr), ytr.astype(np.int64), f(xte), yte.astype(np.int64), mean, std


def shift(x, g):
    """Augmentation: random shift by -1..1 pixel (zero = background value fill)."""
    dx, dy = torch.randint(-1, 2, (2,), generator=g).tolist()
    bg = x.amin()
    y = torch.roll(x, (dy, dx), dims=(2, 3))
    if dy:
        y[:, :, (0 if dy > 0 else -1), :] = bg
    if dx:
        y[:, :, :, (0 if dx > 0 else -1)] = bg
    return y


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", default=os.path.normpath(os.path.join(here, "..", "..", "examples", "digits")))
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(SEED)
    os.makedirs(a.out, exist_ok=True)
    xtr, ytr, xte, yte, mean, std = load_digits_split()
    model = nets.digits_net(T, torch.Generator().manual_seed(SEED))
    logfile = os.path.join(a.out, "train.log")
    if os.path.exists(logfile):
        os.remove(logfile)
    seconds, _ = train(model, xtr, ytr, xte, yte, T=T, epochs=a.epochs, batch=a.batch, lr=a.lr,
                       seed=SEED, augment=shift, logfile=logfile)
    model.eval()
    rng = float(max(np.abs(xtr).max(), np.abs(xte).max()))
    info = {"dataset": "sklearn digits 8x8", "split": "train_test_split(test_size=0.3, random_state=0, stratify=y)",
            "n_train": int(len(ytr)), "seed": SEED, "epochs": a.epochs, "batch": a.batch, "lr": a.lr,
            "input_mean": mean, "input_std": std, "input_range": rng,
            "training_seconds": round(seconds, 1), "threads": a.threads, "device": "cpu",
            "torch": torch.__version__}
    acc = write_results(a.out, model, xte, yte, T, info)
    np.save(os.path.join(a.out, "test_inputs.npy"), xte.astype(np.float32))
    np.save(os.path.join(a.out, "test_labels.npy"), yte.astype(np.int8))
    from .export import export_model
    export_model(model, a.out, input_shape=(1, 8, 8), timesteps=T, input_range=rng, name="digits-glif")
    print("digits: test accuracy %.4f (%d images), training %.1f s" % (acc, len(yte), seconds))


if __name__ == "__main__":
    main()
