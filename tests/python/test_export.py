"""Exporter round trip: a model built from glif_torch.layers, exported to model format v1,
re-read by the numpy float64 evaluator (glif_torch.numpy_ref), gives the PyTorch logits."""

import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

from _common import HAVE_TORCH, NO_TORCH, torch

if HAVE_TORCH:
    import torch.nn as nn
    from glif_torch import numpy_ref
    from glif_torch.export import export_model, ExportError, yaml_scalar, ModelWriter
    from glif_torch.layers import GLIF, Seq, ResidualBlock, ReadoutMean, ScaledBatchNorm2d, repeat_direct
    from glif_torch import nets


def calibrate_bn(model, x, T):
    """Set every BN's running statistics to those of one batch (momentum 1), then eval."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = 1.0
            with torch.no_grad():
                m.weight.uniform_(0.8, 1.6)
                m.bias.uniform_(-0.1, 0.5)
    model.train()
    with torch.no_grad():
        model(repeat_direct(x, T))
    model.eval()


def randomise_glif(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, GLIF):
                for n in GLIF.NAMES:
                    p = getattr(m, n)
                    p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.7)


def projection_net(T, gen):
    """Covers what digits_net does not: projection shortcut (conv1x1 stride 2 + BN),
    BN scales, stride-2 conv, vector GLIF after a Linear + BatchNorm1d, ReadoutMean(linear)."""
    body = Seq(nn.Conv2d(6, 10, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(10),
               GLIF(10, T, generator=gen),
               nn.Conv2d(10, 10, 3, padding=1, bias=True), ScaledBatchNorm2d(10, scale=0.5 ** 0.5))
    shortcut = Seq(nn.Conv2d(6, 10, 1, stride=2, bias=False), ScaledBatchNorm2d(10, scale=0.35))
    return Seq(nn.Conv2d(2, 6, 3, padding=1), nn.BatchNorm2d(6), GLIF(6, T, generator=gen),
               ResidualBlock(body, shortcut, GLIF(10, T, generator=gen)),
               nn.AvgPool2d(2), nn.Flatten(), nn.Linear(10 * 4, 12), nn.BatchNorm1d(12),
               GLIF(12, T, generator=gen), ReadoutMean(nn.Linear(12, 5)))


@unittest.skipIf(not HAVE_TORCH, NO_TORCH)
class TestRoundTrip(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="glif_export_")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def round_trip(self, model, in_shape, T, seed, dtype):
        torch.manual_seed(seed)
        model = model.double()
        calibrate_bn(model, torch.randn((32,) + in_shape, dtype=torch.float64), T)
        randomise_glif(model, seed)
        x = torch.randn((6,) + in_shape, dtype=torch.float64)
        with torch.no_grad():
            want = model(repeat_direct(x, T)).numpy()
        path = export_model(model, self.dir, in_shape, input_range=4.0, dtype=dtype, name="round trip")
        m = numpy_ref.load_model(path)
        got, rec = numpy_ref.run(m, x.numpy(), record=True)
        glif_layers = [L["name"] for L in m["layers"] if L["type"] == "glif"]
        for name in glif_layers:          # every neuron layer does something
            self.assertGreater(rec[name].mean(), 0.01, name)
            self.assertLess(rec[name].mean(), 0.99, name)
        return want, got, path

    def test_digits_net_float64(self):
        want, got, _ = self.round_trip(nets.digits_net(4, torch.Generator().manual_seed(3)), (1, 8, 8), 4, 3, np.float64)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6 * np.abs(want).max())

    def test_projection_net_float64(self):
        want, got, path = self.round_trip(projection_net(3, torch.Generator().manual_seed(4)), (2, 8, 8), 3, 4, np.float64)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6 * np.abs(want).max())
        with open(path) as f:
            text = f.read()
        self.assertIn("scale: 0.7071067811865476", text)
        self.assertIn("stride: 2", text)

    def test_float32_tensors(self):
        want, got, path = self.round_trip(nets.digits_net(2, torch.Generator().manual_seed(5)), (1, 8, 8), 2, 5, np.float32)
        for f in os.listdir(self.dir):
            if f.endswith(".npy"):
                self.assertEqual(np.load(os.path.join(self.dir, f)).dtype, np.float32, f)
        self.assertGreater((got.argmax(1) == want.argmax(1)).mean(), 0.8)

    def test_yaml_parses_with_and_without_pyyaml(self):
        _, _, path = self.round_trip(projection_net(2, torch.Generator().manual_seed(6)), (2, 8, 8), 2, 6, np.float64)
        with open(path) as f:
            text = f.read()
        saved = sys.modules.get("yaml")
        sys.modules["yaml"] = None           # force the fallback parser
        try:
            fallback = numpy_ref.parse_yaml(text)
        finally:
            if saved is None:
                del sys.modules["yaml"]
            else:
                sys.modules["yaml"] = saved
        try:
            import yaml
        except ImportError:
            self.skipTest("PyYAML not installed: only the fallback parser was checked")
        self.assertEqual(yaml.safe_load(text), fallback)
        doc = fallback
        self.assertEqual(doc["glif_model"], 1)
        self.assertEqual(doc["timesteps"], 2)
        self.assertEqual(doc["layers"][0], {"name": "x", "type": "input", "shape": [2, 8, 8],
                                            "encoding": "direct", "range": 4.0})
        self.assertEqual(doc["name"], "round trip")
        bn = [L for L in doc["layers"] if L["type"] == "batchnorm"]
        self.assertIsInstance(bn[0]["eps"], float)
        names = set()
        for L in doc["layers"]:              # every layer names only layers listed before it
            for src in L.get("inputs", [L.get("input")] if "input" in L else []):
                self.assertIn(src, names)
            names.add(L["name"])

    def test_glif_values_are_effective(self):
        model = nets.digits_net(2, torch.Generator().manual_seed(7))
        path = export_model(model, self.dir, (1, 8, 8), input_range=2.0)
        lif = model[2]
        self.assertIsInstance(lif, GLIF)
        for n in GLIF.NAMES:
            a = np.load(os.path.join(self.dir, "glif1.%s.npy" % n))
            np.testing.assert_allclose(a, torch.sigmoid(getattr(lif, n)).detach().numpy(), rtol=1e-6)
        self.assertEqual(np.load(os.path.join(self.dir, "glif1.conduct.npy")).shape, (2, 12))
        self.assertTrue(os.path.exists(path))


@unittest.skipIf(not HAVE_TORCH, NO_TORCH)
class TestRefusals(unittest.TestCase):
    def export(self, model, shape=(1, 8, 8)):
        d = tempfile.mkdtemp(prefix="glif_export_")
        try:
            export_model(model, d, shape, input_range=1.0)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_grouped_conv(self):
        m = Seq(nn.Conv2d(2, 4, 3, padding=1, groups=2), GLIF(4, 2), nn.Flatten(),
                nn.Linear(256, 3), ReadoutMean())
        with self.assertRaisesRegex(ExportError, "groups=2"):
            self.export(m, (2, 8, 8))

    def test_unsupported_module(self):
        m = Seq(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), GLIF(4, 2), nn.Flatten(),
                nn.Linear(256, 3), ReadoutMean())
        with self.assertRaisesRegex(ExportError, "cannot export module ReLU"):
            self.export(m)

    def test_channel_mismatch(self):
        m = Seq(nn.Conv2d(1, 4, 3, padding=1), GLIF(5, 2), nn.Flatten(), nn.Linear(256, 3), ReadoutMean())
        with self.assertRaisesRegex(ExportError, "GLIF has 5 channels, its input has 4"):
            self.export(m)

    def test_missing_readout(self):
        m = Seq(nn.Conv2d(1, 4, 3, padding=1), GLIF(4, 2))
        with self.assertRaisesRegex(ExportError, "no ReadoutMean"):
            self.export(m)

    def test_yaml_scalars(self):
        self.assertEqual(yaml_scalar(1e-5), "1.0e-05")
        self.assertEqual(yaml_scalar(0.5), "0.5")
        self.assertEqual(yaml_scalar("no"), '"no"')
        self.assertEqual(yaml_scalar("3"), '"3"')
        self.assertEqual(yaml_scalar("conv1.0.module.0"), "conv1.0.module.0")
        self.assertEqual(yaml_scalar([1, 2.0]), "[1, 2.0]")
        with self.assertRaises(ExportError):
            yaml_scalar(float("nan"))
        with self.assertRaises(ExportError):
            ModelWriter(self.id(), 2, dtype=np.int8)


if __name__ == "__main__":
    unittest.main()
