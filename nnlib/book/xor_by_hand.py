"""The XOR network of chapter 2, written out by hand, one scalar at a time.

The network has two inputs, two sigmoid hidden units and one sigmoid output:

    h1 = sigma(w1 x1 + w2 x2 + b1)        z1 = w1 x1 + w2 x2 + b1
    h2 = sigma(w3 x1 + w4 x2 + b2)        z2 = w3 x1 + w4 x2 + b2
    o  = sigma(w5 h1 + w6 h2 + b3)        z3 = w5 h1 + w6 h2 + b3
    L  = (y - o)^2                        (one sample)

This module holds the chapter's nine chain-rule formulas as plain Python, so
that they can be printed next to the LaTeX and tested against nnlib's
vectorized backward pass. Nothing here is fast or general on purpose: each
derivative is one line that reads like the formula in the text.

    p = Params(w1=0.5, w2=-0.3, w3=0.8, w4=0.1, w5=-0.7, w6=0.4, b1=0.0, b2=0.0, b3=0.0)
    f = forward(p, x1=1.0, x2=1.0, y=0.0)
    dL_dw1(p, f)                      # one sample
    mean_gradients(p, X, y)["w1"]     # the mean over the four XOR samples

In nnlib's ``MLP([2, 2, 1], activation="sigmoid", loss="mse")`` the same
numbers sit in W1 = [[w1, w3], [w2, w4]], b1 = [b1, b2], W2 = [[w5], [w6]],
b2 = [b3] (see ``to_mlp`` and ``from_mlp``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np

from ..model.activations import sigmoid
from ..model.network import MLP

NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")
"""The nine parameters, in the order the chapter lists them."""


@dataclass(frozen=True)
class Params:
    """The nine weights and biases of the 2-2-1 XOR network (floats)."""

    w1: float
    w2: float
    w3: float
    w4: float
    w5: float
    w6: float
    b1: float
    b2: float
    b3: float

    def as_dict(self) -> dict[str, float]:
        """{"w1": ..., ..., "b3": ...} in the order of NAMES."""
        return asdict(self)


@dataclass(frozen=True)
class ForwardPass:
    """Every intermediate value of the forward pass for one sample (x1, x2) with target y."""

    x1: float
    x2: float
    y: float
    z1: float
    h1: float
    z2: float
    h2: float
    z3: float
    o: float
    L: float


def sigma(z: float) -> float:
    """The sigmoid of one number, as a Python float (nnlib's overflow-free sigmoid)."""
    return float(sigmoid(float(z)))


def forward(p: Params, x1: float, x2: float, y: float) -> ForwardPass:
    """The forward pass for one sample: z1, h1, z2, h2, z3, o and L = (y - o)^2.

    Args:
        p: the nine parameters.
        x1, x2: the two inputs (floats).
        y: the target (0 or 1 for XOR).
    Returns:
        a ForwardPass holding the inputs, the target and every intermediate value.
    """
    x1, x2, y = float(x1), float(x2), float(y)
    z1 = p.w1 * x1 + p.w2 * x2 + p.b1
    h1 = sigma(z1)
    z2 = p.w3 * x1 + p.w4 * x2 + p.b2
    h2 = sigma(z2)
    z3 = p.w5 * h1 + p.w6 * h2 + p.b3
    o = sigma(z3)
    L = (y - o) ** 2
    return ForwardPass(x1, x2, y, z1, h1, z2, h2, z3, o, L)


# The nine chain-rule formulas for one sample. Read each product from left to
# right as: dL/do * do/dz3 * (the path from z3 back to the parameter).
#   dL/do   = -2 (y - o)           do/dz3 = o (1 - o)
#   dz3/dh1 = w5, dh1/dz1 = h1 (1 - h1), dz1/dw1 = x1, and so on.

def dL_dw5(p: Params, f: ForwardPass) -> float:
    """dL/dw5 = -2 (y - o) o (1 - o) h1."""
    return -2 * (f.y - f.o) * f.o * (1 - f.o) * f.h1


def dL_dw6(p: Params, f: ForwardPass) -> float:
    """dL/dw6 = -2 (y - o) o (1 - o) h2."""
    return -2 * (f.y - f.o) * f.o * (1 - f.o) * f.h2


def dL_db3(p: Params, f: ForwardPass) -> float:
    """dL/db3 = -2 (y - o) o (1 - o)."""
    return -2 * (f.y - f.o) * f.o * (1 - f.o)


def dL_dw1(p: Params, f: ForwardPass) -> float:
    """dL/dw1 = -2 (y - o) o (1 - o) w5 h1 (1 - h1) x1."""
    return -2 * (f.y - f.o) * f.o * (1 - f.o) * p.w5 * f.h1 * (1 - f.h1) * f.x1


def dL_dw2(p: Params, f: ForwardPass) -> float:
    """dL/dw2 = -2 (y - o) o (1 - o) w5 h1 (1 - h1) x2."""
    return -2 * (f.y - f.o) * f.o * (1 - f.o) * p.w5 * f.h1 * (1 - f.h1) * f.x2


def dL_db1(p: Params, f: ForwardPass) -> float:
    """dL/db1 = -2 (y - o) o (1 - o) w5 h1 (1 - h1)."""
    return -2 * (f.y - f.o) * f.o * (1 - f.o) * p.w5 * f.h1 * (1 - f.h1)


def dL_dw3(p: Params, f: ForwardPass) -> float:
    """dL/dw3 = -2 (y - o) o (1 - o) w6 h2 (1 - h2) x1."""
    return -2 * (f.y - f.o) * f.o * (1 - f.o) * p.w6 * f.h2 * (1 - f.h2) * f.x1


def dL_dw4(p: Params, f: ForwardPass) -> float:
    """dL/dw4 = -2 (y - o) o (1 - o) w6 h2 (1 - h2) x2."""
    return -2 * (f.y - f.o) * f.o * (1 - f.o) * p.w6 * f.h2 * (1 - f.h2) * f.x2


def dL_db2(p: Params, f: ForwardPass) -> float:
    """dL/db2 = -2 (y - o) o (1 - o) w6 h2 (1 - h2)."""
    return -2 * (f.y - f.o) * f.o * (1 - f.o) * p.w6 * f.h2 * (1 - f.h2)


DERIVATIVES: dict[str, Callable[[Params, ForwardPass], float]] = {
    "w1": dL_dw1, "w2": dL_dw2, "w3": dL_dw3, "w4": dL_dw4, "w5": dL_dw5, "w6": dL_dw6,
    "b1": dL_db1, "b2": dL_db2, "b3": dL_db3,
}
"""Parameter name -> its one-sample derivative function, in the order of NAMES."""


def gradients(p: Params, x1: float, x2: float, y: float) -> dict[str, float]:
    """All nine one-sample derivatives {"w1": dL/dw1, ..., "b3": dL/db3} for L = (y - o)^2."""
    f = forward(p, x1, x2, y)
    return {name: DERIVATIVES[name](p, f) for name in NAMES}


def _samples(X, y) -> list[tuple[float, float, float]]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2), one sample (x1, x2) per row; got shape {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must hold {X.shape[0]} targets, one per row of X; got {y.shape[0]}")
    return [(float(a), float(b), float(t)) for (a, b), t in zip(X, y)]


def mean_loss(p: Params, X, y) -> float:
    """The mean over the samples of (y - o)^2, what nnlib's "mse" computes.

    Args:
        p: the nine parameters.
        X: inputs, shape (N, 2) (the four XOR points).
        y: targets, shape (N,) or (N, 1).
    """
    samples = _samples(X, y)
    return sum(forward(p, *s).L for s in samples) / len(samples)


def mean_gradients(p: Params, X, y) -> dict[str, float]:
    """The nine derivatives of the mean loss: the mean of the one-sample derivatives.

    The derivative of a mean is the mean of the derivatives, so nothing new is
    derived here: each one-sample formula is evaluated on every sample and
    averaged.

    Args:
        p: the nine parameters.
        X: inputs, shape (N, 2).
        y: targets, shape (N,) or (N, 1).
    Returns:
        {"w1": mean dL/dw1, ..., "b3": mean dL/db3}.
    """
    samples = _samples(X, y)
    per_sample = [gradients(p, *s) for s in samples]
    return {name: sum(g[name] for g in per_sample) / len(samples) for name in NAMES}


def from_mlp(net: MLP) -> Params:
    """Read the nine parameters out of an ``MLP([2, 2, 1])``.

    W1 = [[w1, w3], [w2, w4]], b1 = [b1, b2], W2 = [[w5], [w6]], b2 = [b3].
    """
    if list(net.sizes) != [2, 2, 1]:
        raise ValueError(f"from_mlp needs a network of sizes [2, 2, 1]; got {net.sizes}")
    W1, c1, W2, c2 = (np.asarray(net.params[k], dtype=np.float64) for k in ("W1", "b1", "W2", "b2"))
    return Params(
        w1=float(W1[0, 0]), w2=float(W1[1, 0]), w3=float(W1[0, 1]), w4=float(W1[1, 1]),
        w5=float(W2[0, 0]), w6=float(W2[1, 0]),
        b1=float(c1[0]), b2=float(c1[1]), b3=float(c2[0]),
    )


def to_mlp(p: Params, seed: int | None = 0) -> MLP:
    """An ``MLP([2, 2, 1], activation="sigmoid", loss="mse")`` (float64) holding ``p``."""
    net = MLP([2, 2, 1], activation="sigmoid", loss="mse", seed=seed, dtype="float64")
    net.params["W1"][...] = [[p.w1, p.w3], [p.w2, p.w4]]
    net.params["b1"][...] = [p.b1, p.b2]
    net.params["W2"][...] = [[p.w5], [p.w6]]
    net.params["b2"][...] = [p.b3]
    return net


def grads_as_dict(grads: dict[str, np.ndarray]) -> dict[str, float]:
    """nnlib's gradients {"W1", "b1", "W2", "b2"} of an MLP([2, 2, 1]) under the chapter's nine names."""
    return {
        "w1": float(grads["W1"][0, 0]), "w2": float(grads["W1"][1, 0]),
        "w3": float(grads["W1"][0, 1]), "w4": float(grads["W1"][1, 1]),
        "w5": float(grads["W2"][0, 0]), "w6": float(grads["W2"][1, 0]),
        "b1": float(grads["b1"][0]), "b2": float(grads["b1"][1]), "b3": float(grads["b2"][0]),
    }


def params_from_sequence(values: Sequence[float]) -> Params:
    """Params from nine numbers in the order w1..w6, b1..b3."""
    values = [float(v) for v in values]
    if len(values) != 9:
        raise ValueError(f"need nine numbers (w1..w6, b1..b3); got {len(values)}")
    return Params(*values)
