"""Train the Fashion-MNIST GLIF network (nets.fashion_net) and export examples/fashion.

    /usr/bin/python3 -m glif_torch.train_fashion [-o examples/fashion] [--epochs 4]
        [--resume] [--export-only]

Trains on the 60,000 training images (random horizontal flips), evaluates on the 10,000
test images, checkpoints every epoch to OUT/checkpoint.pt (not committed), logs to
OUT/train.log, then writes the model (model.yaml + float32 .npy), pytorch_logits.npy and
pytorch.json. test_inputs.npy / test_labels.npy come from `-m glif_torch.fashion_data`.
"""

import argparse
import os
import time

import torch

from . import fashion_data, nets
from .train_common import train, write_results, log

SEED = 1


def flip(x, g):
    m = torch.rand(len(x), generator=g) < 0.5
    x = x.clone()
    x[m] = x[m].flip(-1)
    return x


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", default=os.path.normpath(os.path.join(here, "..", "..", "examples", "fashion")))
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--timesteps", type=int, default=4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--export-only", action="store_true", help="load OUT/checkpoint.pt and export")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(SEED)
    os.makedirs(a.out, exist_ok=True)
    T = a.timesteps
    model = nets.fashion_net(T, torch.Generator().manual_seed(SEED))
    xtr, ytr = fashion_data.load("train")
    xte, yte = fashion_data.load("t10k")
    ckpt = os.path.join(a.out, "checkpoint.pt")
    logfile = os.path.join(a.out, "train.log")
    t0 = time.time()
    if a.export_only:
        st = torch.load(ckpt)
        model.load_state_dict(st["model"])
        seconds = st["seconds"]
    else:
        seconds, _ = train(model, xtr, ytr, xte, yte, T=T, epochs=a.epochs, batch=a.batch,
                           lr=a.lr, seed=SEED, augment=flip, ckpt=ckpt, resume=a.resume,
                           logfile=logfile)
    model.eval()
    info = {"dataset": "fashion-mnist", "seed": SEED, "epochs": a.epochs, "batch": a.batch,
            "lr": a.lr, "training_seconds": round(seconds, 1), "threads": a.threads,
            "device": "cpu", "torch": torch.__version__}
    acc = write_results(a.out, model, xte, yte, T, info)
    from .export import export_model
    export_model(model, a.out, input_shape=(1, 28, 28), timesteps=T,
                 input_range=fashion_data.input_range(), name="fashion-glif")
    with open(logfile, "a") as fh:
        log(fh, "exported to %s: test accuracy %.4f (training %.0f s, total %.0f s)"
            % (a.out, acc, seconds, time.time() - t0))


if __name__ == "__main__":
    main()
