"""Fashion-MNIST loader (IDX .gz files) and writer of examples/fashion test inputs.

    /usr/bin/python3 -m glif_torch.fashion_data [-o examples/fashion] [--dir DIR]

writes test_inputs.npy (float32 [10000,1,28,28], the normalised images the model sees)
and test_labels.npy (int8 [10000]). Normalisation: x/255, then (x - MEAN)/STD with the
training set's pixel mean and standard deviation (constants below, computed once from
the 60,000 training images).
"""

import argparse
import gzip
import os
import struct

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
MEAN = 0.2860405969887955   # mean of train pixels / 255
STD = 0.35302424451492237   # std of train pixels / 255


def read_idx(path):
    """Read an IDX file (optionally .gz) into a numpy array (uint8 data)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file (magic %02x %02x)" % (path, zero, dtype))
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError("%s: %d bytes of data, header says %s" % (path, arr.size, dims))
    return arr.reshape(dims)


def load(split, data_dir=DEFAULT_DIR):
    """(images float32 [N,1,28,28] normalised, labels int64 [N]) for split 'train' or 't10k'."""
    if split not in ("train", "t10k", "test"):
        raise ValueError("split must be train or t10k")
    split = "t10k" if split == "test" else split
    img = read_idx(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % split))
    lab = read_idx(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % split))
    x = (img.astype(np.float32) / 255.0 - np.float32(MEAN)) / np.float32(STD)
    return x[:, None, :, :].astype(np.float32), lab.astype(np.int64)


def input_range():
    """Largest |normalised pixel| possible: max((1-MEAN)/STD, MEAN/STD)."""
    return max((1.0 - MEAN) / STD, MEAN / STD)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("-o", "--out", default=os.path.normpath(os.path.join(here, "..", "..", "examples", "fashion")))
    ap.add_argument("--dir", default=DEFAULT_DIR, help="folder with the IDX .gz files")
    a = ap.parse_args(argv)
    x, y = load("t10k", a.dir)
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "test_inputs.npy"), x)
    np.save(os.path.join(a.out, "test_labels.npy"), y.astype(np.int8))
    print("wrote %s/test_inputs.npy %s and test_labels.npy %s" % (a.out, x.shape, y.shape))


if __name__ == "__main__":
    main()
