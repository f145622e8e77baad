"""glif_torch: training and export of GLIF spiking networks for the GLIF fabric.

layers      GLIF neuron, time-folding containers, residual block, readout (PyTorch)
export      writer of model format v1 (docs/model-format.md) for models built from layers
numpy_ref   independent float64 numpy evaluator of a model-format v1 directory
gatedlif_*  Gated-LIF (Yao et al. 2022) checkpoint exporter, reference forward, synthetic checkpoints
train_*     digits / Fashion-MNIST training scripts (examples/digits, examples/fashion)
"""

from .layers import (GLIF, Seq, ResidualBlock, ReadoutMean, ScaledBatchNorm2d,  # noqa: F401
                     repeat_direct, glif_parameters, spike)
