"""Gradient checking with central finite differences.

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)

The error of this estimate shrinks like h^2, so in float64 with h = 1e-5 an
analytic gradient that is right agrees to about 1e-8 or better in relative
error; a wrong one is off by far more.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """The central-difference gradient of ``f`` with respect to the array ``x``.

    Derived in :doc:`/book/01_neuron`.

    ``f`` takes no arguments and reads ``x``, which this function changes in
    place one entry at a time (and restores).

    Args:
        f: a function returning a float that depends on x.
        x: the array to differentiate with respect to, any shape, float64
            for meaningful results.
        h: the step.
    Returns:
        an array of the shape of x.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b, floor: float = 1e-12) -> float:
    """``||a - b|| / (||a|| + ||b||)``, the relative error of two gradients.

    Derived in :doc:`/book/02_xor`.

    Scale-free: 1e-7 means about seven matching digits whatever the size of
    the gradient; for scalars it is ``|a - b| / (|a| + |b|)``. Taking norms of the
    whole arrays keeps entries that are 0 in one and 1e-11 in the other from
    counting as 100% wrong. The floor keeps 0 vs 0 at an error of 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare gradients of shapes {a.shape} and {b.shape}")
    scale = float(np.linalg.norm(a) + np.linalg.norm(b))
    return float(np.linalg.norm(a - b)) / max(scale, floor)


def check_network_gradients(net, X, y, h: float = 1e-5) -> dict[str, float]:
    """Compare ``net.loss_and_grads`` with finite differences for every parameter.

    Derived in :doc:`/book/03_vectorizing`.

    Use a float64 network and no dropout (a random mask would change between
    the evaluations).

    Args:
        net: an MLP.
        X: inputs, shape (N, n_0) (a few samples are enough).
        y: targets as ``net.loss_and_grads`` takes them.
        h: the finite-difference step.
    Returns:
        {parameter name: relative error}, with the worst under the key "worst".
    """
    if net.dropout:
        raise ValueError("turn dropout off (dropout=0) for a gradient check: the masks are random")
    _, grads = net.loss_and_grads(X, y)
    errors: dict[str, float] = {}
    for name, p in net.params.items():
        numeric = numerical_gradient(lambda: net.loss_and_grads(X, y)[0], p, h)
        errors[name] = relative_error(grads[name], numeric)
    errors["worst"] = max(errors.values())
    return errors
