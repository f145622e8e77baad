"""The PyTorch GLIF layer against an independent step-by-step float64 evaluation, and
its surrogate gradient."""

import math
import unittest

import numpy as np

from _common import HAVE_TORCH, NO_TORCH, torch

if HAVE_TORCH:
    from glif_torch.layers import GLIF, spike, INIT_TAU, INIT_VTH, INIT_LEAK, INIT_REVTH, INIT_CONDUCT


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def reference_glif(x, p):
    """Scalar loop over every neuron: x [T, B, C, ...] float64, p: dict of logits (numpy).

    Uses the two-branch form of the equations, one python float at a time."""
    T = x.shape[0]
    flat = x.reshape(T, x.shape[1], x.shape[2], -1)
    spikes = np.zeros_like(flat)
    mem = np.zeros_like(flat)
    for b in range(flat.shape[1]):
        for c in range(flat.shape[2]):
            a, be, ga = sig(p["alpha"][c]), sig(p["beta"][c]), sig(p["gamma"][c])
            tau, leak, rv, vth = sig(p["tau"][c]), sig(p["leak"][c]), sig(p["reVth"][c]), sig(p["Vth"][c])
            k = 1 - a * (1 - tau)
            ks = k * (1 - ga)
            d = (1 - a) * leak
            r = (1 - ga) * rv
            for n in range(flat.shape[3]):
                u, s = 0.0, 0
                for t in range(T):
                    g = 1 - be * (1 - sig(p["conduct"][t, c]))
                    u = (ks * u - d - r if s else k * u - d) + g * flat[t, b, c, n]
                    s = 1 if u > vth else 0
                    spikes[t, b, c, n] = s
                    mem[t, b, c, n] = u
    return spikes.reshape(x.shape), mem.reshape(x.shape)


@unittest.skipIf(not HAVE_TORCH, NO_TORCH)
class TestGLIFForward(unittest.TestCase):
    def random_layer(self, C, T, seed):
        layer = GLIF(C, T, generator=torch.Generator().manual_seed(seed)).double()
        g = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            for n in GLIF.NAMES:
                p = getattr(layer, n)
                p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * 1.5)
        layer.record_membrane = True
        return layer

    def check(self, shape, seed):
        T, C = shape[0], shape[2]
        layer = self.random_layer(C, T, seed)
        x = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 2), dtype=torch.float64) * 1.5
        s = layer(x).detach().numpy()
        u = layer.last_membrane.detach().numpy()
        p = {n: getattr(layer, n).detach().numpy() for n in GLIF.NAMES}
        s_ref, u_ref = reference_glif(x.numpy(), p)
        np.testing.assert_array_equal(s, s_ref)
        np.testing.assert_allclose(u, u_ref, rtol=0, atol=1e-12)
        self.assertGreater(s.mean(), 0.05)      # the test means something: both branches run
        self.assertLess(s.mean(), 0.95)

    def test_feature_map_layout(self):
        self.check((5, 3, 4, 3, 2), seed=1)

    def test_vector_layout(self):
        self.check((6, 4, 7), seed=2)

    def test_strict_threshold(self):
        """u == Vth does not spike; the next value up does."""
        layer = GLIF(1, 1).double()
        with torch.no_grad():
            for n in ("alpha", "beta"):
                getattr(layer, n).fill_(0.0)
        eff = layer.effective()
        d = float((1 - eff["alpha"]) * eff["leak"])
        g = float(1 - eff["beta"] * (1 - eff["conduct"][0]))
        vth = float(eff["Vth"])
        x_eq = (vth + d) / g
        for x, want in ((x_eq, None), (np.nextafter(x_eq, 10.0) * (1 + 1e-12), 1.0)):
            layer.record_membrane = True
            s = layer(torch.tensor([[[x]]], dtype=torch.float64))
            u = float(layer.last_membrane)
            self.assertEqual(float(s), 1.0 if u > vth else 0.0)
            if want is not None:
                self.assertEqual(float(s), want)

    def test_initial_values(self):
        layer = GLIF(64, 3, generator=torch.Generator().manual_seed(0))
        eff = layer.effective()
        for n, v in (("tau", INIT_TAU), ("Vth", INIT_VTH), ("leak", INIT_LEAK),
                     ("reVth", INIT_REVTH), ("conduct", INIT_CONDUCT)):
            self.assertTrue(torch.allclose(eff[n], torch.full_like(eff[n], v), atol=1e-6), n)
        self.assertEqual(tuple(layer.conduct.shape), (3, 64))
        for n in ("alpha", "beta", "gamma"):
            z = getattr(layer, n).detach()
            self.assertLessEqual(float(z.abs().max()), 0.1)
            self.assertGreater(float(z.std()), 0.02)
        again = GLIF(64, 3, generator=torch.Generator().manual_seed(0))
        self.assertTrue(torch.equal(layer.alpha, again.alpha))  # seeded generator: reproducible


@unittest.skipIf(not HAVE_TORCH, NO_TORCH)
class TestSurrogate(unittest.TestCase):
    def test_rectangular_window(self):
        v = torch.tensor([-1.0, -0.5, -0.4999, -0.1, 0.0, 1e-9, 0.3, 0.4999, 0.5, 2.0],
                         dtype=torch.float64, requires_grad=True)
        s = spike(v)
        self.assertEqual(s.tolist(), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        s.sum().backward()
        self.assertEqual(v.grad.tolist(), [0, 0, 1, 1, 1, 1, 1, 1, 0, 0])

    def test_gradient_into_threshold_and_input(self):
        """T = 1: s = H(g x - d - Vth); ds/dx = g * rect, ds/dVth = -rect (through the sigmoid)."""
        layer = GLIF(3, 1).double()
        x = torch.tensor([[[0.2, 0.9, 5.0]]], dtype=torch.float64, requires_grad=True)
        layer(x).sum().backward()
        eff = layer.effective()
        g = 1 - eff["beta"] * (1 - eff["conduct"][0])
        u = g * x.detach()[0, 0] - (1 - eff["alpha"]) * eff["leak"]
        rect = ((u - eff["Vth"]).abs() < 0.5).double()
        self.assertEqual(rect.tolist(), [1.0, 1.0, 0.0])
        torch.testing.assert_close(x.grad[0, 0], g * rect, rtol=0, atol=1e-15)
        dsig = eff["Vth"] * (1 - eff["Vth"])
        torch.testing.assert_close(layer.Vth.grad, -rect * dsig, rtol=0, atol=1e-15)

    def test_reset_path_not_detached(self):
        """du_2/dx_1 includes the path through s_1 (= -(k gamma u_1 + r) * rect * g_1)."""
        layer = GLIF(1, 2).double()
        layer.record_membrane = True
        x = torch.tensor([[[0.7]], [[0.3]]], dtype=torch.float64, requires_grad=True)
        layer(x)
        u = layer.last_membrane
        u[1].sum().backward()
        e = {n: float(v.flatten()[0]) for n, v in layer.effective().items()}
        k = 1 - e["alpha"] * (1 - e["tau"])
        g1 = 1 - e["beta"] * (1 - e["conduct"])
        u1 = float(u[0])
        s1 = 1.0 if u1 > e["Vth"] else 0.0
        rect = 1.0 if abs(u1 - e["Vth"]) < 0.5 else 0.0
        self.assertEqual(rect, 1.0)
        want = g1 * (k * (1 - e["gamma"] * s1) + (-k * e["gamma"] * u1 - (1 - e["gamma"]) * e["reVth"]) * rect)
        self.assertAlmostEqual(float(x.grad[0]), want, places=14)


if __name__ == "__main__":
    unittest.main()
