"""Shared set-up of the Python tests: import path and the torch-missing skip."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.normpath(os.path.join(HERE, "..", "..", "python"))
if PYDIR not in sys.path:
    sys.path.insert(0, PYDIR)

try:
    import torch
    torch.set_num_threads(2)
    HAVE_TORCH = True
except ImportError:  # the tests say so visibly (skip reason) instead of failing
    torch = None
    HAVE_TORCH = False

NO_TORCH = "PyTorch is not installed (apt-get install python3-torch): glif_torch tests skipped"
