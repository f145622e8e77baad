"""Self-checking examples: the committed examples/digits model (and examples/fashion once
trained), evaluated by the numpy float64 evaluator, agree with the PyTorch logits saved
beside them (pytorch_logits.npy, pytorch.json)."""

import json
import os
import unittest

import numpy as np

from _common import HAVE_TORCH, NO_TORCH, HERE

EXAMPLES = os.path.normpath(os.path.join(HERE, "..", "..", "examples"))

if HAVE_TORCH:
    from glif_torch import numpy_ref


@unittest.skipIf(not HAVE_TORCH, NO_TORCH)
class TestExamples(unittest.TestCase):
    def compare(self, folder, x, y, n):
        m = numpy_ref.load_model(os.path.join(folder, "model.yaml"))
        logits = np.concatenate([numpy_ref.run(m, x[i:i + 100]) for i in range(0, n, 100)])
        ref = np.load(os.path.join(folder, "pytorch_logits.npy"))[:n]
        agree = (logits.argmax(1) == ref.argmax(1)).mean()
        # float32 PyTorch vs float64 numpy: a spike right at a threshold may flip
        self.assertGreaterEqual(agree, 0.99)
        np.testing.assert_allclose(np.median(np.abs(logits - ref)), 0.0, atol=1e-4)
        return (logits.argmax(1) == y[:n]).mean()

    def test_digits(self):
        d = os.path.join(EXAMPLES, "digits")
        x = np.load(os.path.join(d, "test_inputs.npy"))
        y = np.load(os.path.join(d, "test_labels.npy"))
        with open(os.path.join(d, "pytorch.json")) as f:
            info = json.load(f)
        self.assertEqual((x.dtype, x.shape[1:]), (np.float32, (1, 8, 8)))
        self.assertEqual(y.dtype, np.int8)
        self.assertEqual(len(y), info["n_test"])
        self.assertLessEqual(np.abs(x).max(), numpy_ref.load_model(os.path.join(d, "model.yaml"))["layers"][0]["range"])
        acc = self.compare(d, x, y, len(y))
        self.assertGreaterEqual(info["test_accuracy"], 0.97)
        self.assertAlmostEqual(acc, info["test_accuracy"], delta=2.0 / len(y))

    def test_fashion_first_500(self):
        d = os.path.join(EXAMPLES, "fashion")
        if not os.path.exists(os.path.join(d, "model.yaml")):
            self.skipTest("examples/fashion not trained yet")
        from glif_torch import fashion_data
        try:
            x, y = fashion_data.load("t10k")
        except OSError as e:
            self.skipTest("Fashion-MNIST IDX files not found (%s)" % e)
        acc = self.compare(d, x, y, 500)
        self.assertGreater(acc, 0.85)


if __name__ == "__main__":
    unittest.main()
