"""Helpers of the hidden tests: the start of every hidden test cell.

tools/course_assignments.py copies this file, then the exercise's own file from
course/hidden_tests/, into the hidden part of the exercise's test cell, so a
hidden test needs nothing but NumPy and the learner's function when the
notebook is graded. Students never see it: nbgrader removes the hidden part
from the notebooks it releases and puts it back when it grades them.

Each hidden test file defines ``POINTS``, ``NNLIB_ANSWERS`` (the dotted names
of the functions of nnlib that the exercise asks learners to write, such as
``"nnlib.model.activations.sigmoid_derivative"``) and ``run_hidden_test(fn)``,
which calls the learner's function and compares it with a reference written in
the test file itself, never with nnlib, and raises AssertionError with the
reason when they differ. :func:`grade_hidden` runs it with nnlib's answers
withheld, so a function that only calls nnlib's answer fails.
"""

import contextlib
import importlib
import math
import sys

import numpy as np


class UsedNnlibAnswer(Exception):
    """Raised by a withheld nnlib function when the learner's code calls it."""


def _withheld(name):
    def stand_in(*args, **kwargs):
        raise UsedNnlibAnswer(name)
    return stand_in


@contextlib.contextmanager
def nnlib_answers_withheld(fn, names):
    """Replace nnlib's answers by stand-ins that raise, while the block runs.

    Every reference to each answer is replaced: the attribute of every nnlib
    module that holds it, and every global name of the learner's code (the
    notebook's namespace) bound to it. All are put back afterwards.
    """
    replaced = []  # (namespace dict, key, original)
    for dotted in names:
        module_name, attribute = dotted.rsplit(".", 1)
        original = getattr(importlib.import_module(module_name), attribute)
        if fn is original:
            raise UsedNnlibAnswer(dotted)
        stand_in = _withheld(dotted)
        namespaces = [vars(module) for key, module in list(sys.modules.items())
                      if (key == "nnlib" or key.startswith("nnlib.")) and module is not None]
        namespaces.append(getattr(fn, "__globals__", {}))
        for namespace in namespaces:
            for key, value in list(namespace.items()):
                if value is original:
                    replaced.append((namespace, key, original))
                    namespace[key] = stand_in
    try:
        yield
    finally:
        for namespace, key, original in reversed(replaced):
            namespace[key] = original


def grade_hidden(fn, names, run_hidden_test):
    """Run a hidden test on the learner's function ``fn``.

    Returns None when it passes, else the reason in a plain sentence. The
    caller raises it at the top level of the test cell, so that the traceback
    in the learner's feedback shows none of the hidden code.
    """
    try:
        with nnlib_answers_withheld(fn, names):
            run_hidden_test(fn)
    except UsedNnlibAnswer as used:
        return (f"Your function calls nnlib's own answer, {used}; the exercise asks you to "
                "write it yourself (the hidden tests run without nnlib's answer).")
    except AssertionError as failure:
        return str(failure)
    return None


def call_learner(fn, *args, **kwargs):
    """Call the learner's function; turn any error it raises into a failed test that names it."""
    try:
        return fn(*args, **kwargs)
    except UsedNnlibAnswer:
        raise
    except NotImplementedError:
        raise AssertionError("The function is not written yet (it raises NotImplementedError).") from None
    except Exception as error:
        hint = ""
        if isinstance(error, ValueError) and "matmul" in str(error):
            hint = (" (the shapes of a matrix product do not fit: a factor lacks a transpose, "
                    "or has one too many)")
        raise AssertionError(
            f"Your function raised {type(error).__name__}: {error}{hint}") from None


def expect_close(what, got, expected, when, rtol=1e-6, atol=1e-9):
    """Fail unless ``got`` has the shape of ``expected`` and its values, to the tolerances."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} {when}: expected numbers, got {type(got).__name__}") from None
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise AssertionError(f"{what} {when}: expected shape {expected.shape}, got {got.shape}")
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.shape else ()
        raise AssertionError(
            f"{what} {when} differs from the reference: at index {tuple(int(i) for i in worst)} "
            f"expected {expected[worst]:.6g}, got {got[worst]:.6g}")


# ---------------------------------------------------------------------------
# The XOR network of chapter 2: shared by its two exercises (xor-ex-gradients,
# sigmoid hidden units, and xor-ex-gradients-tanh), whose files only choose the
# hidden activation. Learners' answers come as a dict of nine numbers, checked
# against central finite differences of the loss.

from nnlib.book.xor_by_hand import Params  # noqa: E402  (the parameters' container, not an answer)

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
