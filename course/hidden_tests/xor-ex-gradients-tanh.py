# Hidden test of xor-ex-gradients-tanh (book/02_xor.ipynb): my_xor_gradients_tanh(p, x1, x2, y),
# the nine derivatives of L = (y - o)^2 for the 2-2-1 network with tanh hidden units.
# Runs after course/grading.py, whose helpers it uses.

import math

from nnlib.book.xor_by_hand import Params  # the parameters' container, not an answer

POINTS = 3
NNLIB_ANSWERS = ["nnlib.book.xor_by_hand.gradients", "nnlib.book.xor_by_hand.mean_gradients",
                 "nnlib.book.checks._xor_reference"] + [
    f"nnlib.book.xor_by_hand.dL_d{name}" for name in ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")]
XOR_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")


def xor_loss(theta, x1, x2, y, hidden):
    """L = (y - o)^2 of the 2-2-1 network, parameters in the order of XOR_NAMES."""
    w1, w2, w3, w4, w5, w6, b1, b2, b3 = theta
    sig = lambda z: 1.0 / (1.0 + math.exp(-z))  # noqa: E731
    h1, h2 = hidden(w1 * x1 + w2 * x2 + b1), hidden(w3 * x1 + w4 * x2 + b2)
    return (y - sig(w5 * h1 + w6 * h2 + b3)) ** 2


def reference_xor_gradients(theta, x1, x2, y, hidden):
    """The nine derivatives by central finite differences of the loss: no chain rule at all."""
    step, grads = 1e-6, {}
    for i, name in enumerate(XOR_NAMES):
        up, down = list(theta), list(theta)
        up[i] += step
        down[i] -= step
        grads[name] = (xor_loss(up, x1, x2, y, hidden) - xor_loss(down, x1, x2, y, hidden)) / (2 * step)
    return grads


def check_xor_dict(fn, hidden, seed):
    rng = np.random.default_rng(seed)
    for trial in range(6):
        theta = [float(v) for v in rng.normal(0.0, 1.5, size=9)]
        x1, x2 = (float(v) for v in rng.choice([0.0, 1.0, -0.5, 2.0], size=2))
        y = float(rng.choice([0.0, 1.0]))
        when = f"for parameters {dict(zip(XOR_NAMES, (round(v, 3) for v in theta)))}, x = ({x1:g}, {x2:g}), y = {y:g}"
        got = call_learner(fn, Params(*theta), x1, x2, y)
        if not isinstance(got, dict) or set(got) != set(XOR_NAMES):
            raise AssertionError(f"{when}: expected a dict with the keys {', '.join(XOR_NAMES)}, got "
                                 f"{sorted(got) if isinstance(got, dict) else type(got).__name__}")
        expected = reference_xor_gradients(theta, x1, x2, y, hidden)
        for name in XOR_NAMES:
            expect_close(f"dL/d{name}", got[name], expected[name], when, rtol=1e-5, atol=1e-8)


def run_hidden_test(fn):
    check_xor_dict(fn, math.tanh, seed=1512)
