"""Gated-LIF checkpoint exporter: synthetic ResNet-19 / ResNet-18 checkpoints (both
heads, T = 2) exported to model format v1 and evaluated by the numpy float64 evaluator
reproduce the float64 PyTorch reference forward (spikes of every GLIF exactly, logits to
1e-6 relative); malformed and unsupported checkpoints are refused with the intended
message."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from collections import OrderedDict

import numpy as np

from _common import HAVE_TORCH, NO_TORCH, PYDIR, torch

if HAVE_TORCH:
    from glif_torch import gatedlif_export as gx
    from glif_torch import gatedlif_layout as lay
    from glif_torch import gatedlif_ref, gatedlif_synth, numpy_ref
    from glif_torch.export import ExportError

T = 2
_CACHE = {}


def synthetic(arch, dataset):
    """One calibrated body per architecture, shared by both heads (saves time)."""
    if arch not in _CACHE:
        _CACHE[arch] = gatedlif_synth.make_state_dict(arch, "cifar10", T, seed=11, calib_images=2)
    return gatedlif_synth.with_head(_CACHE[arch], arch, dataset, seed=3)


@unittest.skipIf(not HAVE_TORCH, NO_TORCH)
class TestGatedLIFExport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="glif_gatedlif_")
        cls.x = torch.randn((1,) + lay.INPUT_SHAPE, generator=torch.Generator().manual_seed(5),
                            dtype=torch.float64) * 1.2

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def check(self, arch, dataset, via_file=False, ddp=False, fuse_head=False):
        sd = synthetic(arch, dataset)
        out = os.path.join(self.dir, "%s-%s" % (arch, dataset))
        if via_file:
            ck = os.path.join(self.dir, "%s-%s.pth.tar" % (arch, dataset))
            gatedlif_synth.save_checkpoint(ck, sd, ddp=ddp)
            info = gx.export_checkpoint(ck, out, float64=True)
        else:
            info = gx.export_checkpoint(sd, out, float64=True, fuse_head=fuse_head)
        self.assertEqual((info["arch"], info["dataset"], info["timesteps"]), (arch, dataset, T))
        rec_ref = {}
        with torch.no_grad():
            want = gatedlif_ref.forward(sd, self.x, arch, lay.DATASETS[dataset][0], record=rec_ref).numpy()
        model = numpy_ref.load_model(info["path"])
        got, rec = numpy_ref.run(model, self.x.numpy(), record=True)
        self.assertEqual(len(rec_ref), 17)
        for name, spikes in rec_ref.items():          # layer names are the checkpoint prefixes
            np.testing.assert_array_equal(rec[name], spikes.numpy(), err_msg=name)
            self.assertGreater(spikes.mean().item(), 0.02, name)
        self.assertEqual(got.shape, (1, lay.DATASETS[dataset][0]))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6 * np.abs(want).max())
        return model

    def test_resnet19_cifar10_ddp_file(self):
        model = self.check("resnet19", "cifar10", via_file=True, ddp=True)
        lin = [L for L in model["layers"] if L["type"] == "linear"]
        self.assertEqual([L["name"] for L in lin], ["lastave.module.0", "lastave.module.1"])
        self.assertAlmostEqual(model["layers"][0]["range"], lay.input_range("cifar10"))
        scales = {L["name"]: L.get("scale", 1.0) for L in model["layers"] if L["type"] == "batchnorm"}
        self.assertAlmostEqual(scales["conv1.0.module.1"], 0.5)
        self.assertAlmostEqual(scales["features.0.body.0.module.1"], 0.5)
        self.assertAlmostEqual(scales["features.0.body.2.module.1"], 0.5 / 2 ** 0.5)
        self.assertAlmostEqual(scales["features.0.downsample.module"], 0.5 / 2 ** 0.5)
        self.assertAlmostEqual(scales["features.3.downsample.0.module.1"], 0.5 / 2 ** 0.5)

    def test_resnet19_cifar100(self):
        self.check("resnet19", "cifar100")

    def test_resnet18_cifar10_fused_head(self):
        model = self.check("resnet18", "cifar10", fuse_head=True)
        lin = [L for L in model["layers"] if L["type"] == "linear"]
        self.assertEqual([(L["name"], L["weight"].shape) for L in lin], [("lastave", (10, 512))])

    def test_resnet18_cifar100_file(self):
        model = self.check("resnet18", "cifar100", via_file=True)
        convs = {L["name"]: L for L in model["layers"] if L["type"] == "conv2d"}
        self.assertEqual(convs["features.2.downsample.0.module.0"].get("stride", 1), 1)   # 64->128, stride 1
        self.assertEqual(convs["features.4.downsample.0.module.0"]["stride"], 2)
        self.assertEqual(convs["features.4.body.0.module.0"]["stride"], 2)

    def test_glif_values_and_input_range(self):
        self.assertAlmostEqual(lay.input_range("cifar10"), (1 - 0.4822) / 0.243)
        self.assertAlmostEqual(lay.input_range("cifar100"), (1 - 112.4 / 255) / (70.4 / 255))
        sd = synthetic("resnet18", "cifar100")
        out = os.path.join(self.dir, "values")
        gx.export_checkpoint(sd, out)
        a = np.load(os.path.join(out, "features.5.lif.conduct.npy"))
        self.assertEqual((a.dtype, a.shape), (np.float32, (T, 256)))
        np.testing.assert_allclose(a, torch.sigmoid(sd["features.5.lif.conduct"]).numpy(), rtol=1e-6)


@unittest.skipIf(not HAVE_TORCH, NO_TORCH)
class TestGatedLIFRefusals(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The key/shape checks need no calibrated weights: a cheap state_dict of zeros.
        cls.sd = {arch: OrderedDict((k, torch.zeros(s)) for k, s in lay.expected_keys(arch, 10, T).items())
                  for arch in lay.ARCHS}
        cls.dir = tempfile.mkdtemp(prefix="glif_gatedlif_refuse_")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def refused(self, sd, pattern, dataset=None):
        with self.assertRaisesRegex(ExportError, pattern):
            gx.export_checkpoint(sd, os.path.join(self.dir, "out"), dataset)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "out", "model.yaml")))

    def test_zero_checkpoint_is_accepted(self):
        for arch in lay.ARCHS:
            info = gx.build(self.sd[arch], os.path.join(self.dir, "ok-" + arch))
            self.assertEqual(info["arch"], arch)

    def test_missing_key(self):
        sd = OrderedDict(self.sd["resnet19"])
        del sd["features.3.downsample.0.module.1.running_var"]
        self.refused(sd, r"missing key 'features\.3\.downsample\.0\.module\.1\.running_var' "
                         r"\(expected shape \[256\]\)")

    def test_wrong_shape(self):
        sd = OrderedDict(self.sd["resnet18"])
        sd["features.4.body.0.module.0.weight"] = torch.zeros(256, 128, 3, 1)
        self.refused(sd, r"key 'features\.4\.body\.0\.module\.0\.weight': expected shape "
                         r"\[256, 128, 3, 3\], found \[256, 128, 3, 1\]")

    def test_wrong_timesteps_in_one_layer(self):
        sd = OrderedDict(self.sd["resnet19"])
        sd["features.7.lif.conduct"] = torch.zeros(T + 1, 512)
        self.refused(sd, r"features\.7\.lif\.conduct': expected shape \[2, 512\], found \[3, 512\]")

    def test_unexpected_key(self):
        sd = OrderedDict(self.sd["resnet19"])
        sd["features.8.lif.alpha"] = torch.zeros(512)
        self.refused(sd, r"unexpected key 'features\.8\.lif\.alpha'")

    def test_layerwise_glif(self):
        sd = OrderedDict(self.sd["resnet19"])
        sd["conv1.1.alpha"] = torch.zeros(())
        self.refused(sd, r"conv1\.1\.alpha' has shape \[\] .*layer-wise GLIF")
        sd = OrderedDict(self.sd["resnet18"])
        sd["conv1.1.conduct"] = torch.zeros(T)
        self.refused(sd, r"conv1\.1\.conduct' has shape \[2\]: a layer-wise GLIF")

    def test_ms_resnet(self):
        # ResNet_18_stand_CW_MS: body.0 GLIF[Cin], body.1 conv+BN, body.2 GLIF, body.3 conv+BN
        sd = OrderedDict((k, v) for k, v in self.sd["resnet18"].items() if ".body." not in k)
        for n in lay.GLIF_KEYS:
            sd["features.0.body.0." + n] = torch.zeros((T, 64) if n == "conduct" else (64,))
        sd["features.0.body.3.module.0.weight"] = torch.zeros(64, 64, 3, 3)
        sd["conv1.0.module.0.weight"] = torch.zeros(64, 3, 7, 7)
        self.refused(sd, r"MS-ResNet .*real-valued")

    def test_dataset_mismatch(self):
        self.refused(self.sd["resnet19"], r"--dataset cifar100 needs the 100-class head", dataset="cifar100")

    def test_not_a_resnet(self):
        self.refused(OrderedDict(x=torch.zeros(3)), r"missing key 'conv1\.0\.module\.0\.weight'")
        sd = OrderedDict(self.sd["resnet19"])
        sd["conv1.0.module.0.weight"] = torch.zeros(96, 3, 3, 3)
        self.refused(sd, r"expected shape \[128, 3, 3, 3\] \(ResNet-19\) or \[64, 3, 3, 3\]")

    def test_ddp_prefix_stripped(self):
        sd = OrderedDict(("module." + k, v) for k, v in self.sd["resnet18"].items())
        info = gx.export_checkpoint(sd, os.path.join(self.dir, "ddp"))
        self.assertEqual((info["arch"], info["dataset"]), ("resnet18", "cifar10"))

    def test_cli(self):
        ck = os.path.join(self.dir, "bad.pth.tar")
        sd = OrderedDict(self.sd["resnet19"])
        del sd["lastave.module.1.weight"]
        del sd["lastave.module.0.weight"]
        torch.save({"state_dict": sd}, ck)
        env = dict(os.environ, PYTHONPATH=PYDIR)
        p = subprocess.run([sys.executable, "-m", "glif_torch.gatedlif_export", ck, "-o",
                            os.path.join(self.dir, "cli")], env=env, capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("missing key 'lastave.module.weight' (expected shape [100, 512])", p.stderr)
        torch.save({"net": {}}, ck)
        p = subprocess.run([sys.executable, "-m", "glif_torch.gatedlif_export", ck, "-o",
                            os.path.join(self.dir, "cli")], env=env, capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("CIFAR10-DVS", p.stderr)


if __name__ == "__main__":
    unittest.main()
