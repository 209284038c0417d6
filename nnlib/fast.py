"""The tuned training step: the model's arithmetic, done faster.

``nnlib.model`` is written to be read: each formula once, as the chapters
derive it. This module computes the same training step with the tricks that
make it fast on a CPU, and nothing else; ``nnlib.train`` takes its steps from
here unless told ``fast=False``. ``tests/unit/test_fast.py`` checks that both
give the same losses, gradients and parameters (to rounding) on random
networks, optimizers and batch sizes, and ``make bench`` measures both.

The tricks, each of which changes only how a formula is computed:

* **eta folded into delta^L (plain SGD).** Backpropagation is linear in
  delta^L = dL/dz^L, so multiplying that small (N, n_L) array by eta makes
  every gradient come out already multiplied by eta, and the update is one
  ``p -= g`` per parameter: a pass over every weight matrix saved.
* **Fused softmax cross-entropy.** Loss, gradient and predicted classes in
  one pass: the row maxima picked by argmax (which is also the prediction),
  e^s written over s, the gradient scaled in place.
* **Sums as products with a cached vector of ones.** The bias gradient
  1^T delta and the softmax row sums are one BLAS call each; a fresh
  ``np.ones`` would cost several microseconds per call.
* **In place.** z += b, the activation's derivative multiplied into the
  upstream gradient (ReLU's as a boolean mask), no dx for the first layer
  (its input is the data).
* **Gradients released early.** Each step's gradients die when the step
  returns, so the next step reuses their memory while it is still cached.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable, NamedTuple

import numpy as np

from .model import layers
from .model.activations import LEAKY_SLOPE
from .model.metrics import class_labels
from .model.network import MLP
from .model.optimizers import SGD, Optimizer


@lru_cache(maxsize=64)
def ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of n ones, made once per (n, dtype) and reused."""
    v = np.ones(n, dtype=dtype)
    v.flags.writeable = False
    return v


DERIVATIVE_FROM_OUTPUT: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {
    # g'(z) from a = g(z), which the backward pass has at hand: no second
    # pass through exp. None means g' = 1 (nothing to multiply).
    "sigmoid": lambda a: a * (1 - a),
    "tanh": lambda a: 1 - a * a,
    # ReLU's derivative is the mask a > 0, left as booleans: multiplying by
    # it is exact, and a float copy would cost a pass more.
    "relu": lambda a: a > 0,
    "leaky_relu": lambda a: np.where(a > 0, 1, LEAKY_SLOPE).astype(a.dtype),
    "identity": None,
}
"""g'(z) written in terms of a = g(z), for the hidden activations."""


def softmax_cross_entropy_fused(
    z: np.ndarray, y: np.ndarray, scale: float = 1.0
) -> tuple[float, np.ndarray, np.ndarray]:
    """``nnlib.model.losses.softmax_cross_entropy`` in one pass, plus the
    predicted classes.

    Args:
        z: logits, shape (N, K); overwritten (it becomes the gradient).
        y: int64 labels (N,) in 0..K-1, or targets (N, K) of z's dtype,
            already checked.
        scale: multiplies the gradient (not the loss): SGD's eta.
    Returns:
        (L, scale * dL/dz, predicted), predicted of shape (N,) the argmax
        of each row of z.
    """
    n, k = z.shape
    rows = np.arange(n)
    # The row maxima, picked by argmax: for few classes NumPy's max along a
    # short axis is several times slower than argmax plus a pick.
    predicted = z.argmax(axis=1)
    s = z - z[rows, predicted][:, None]
    if y.ndim == 1:
        s_true = s[rows, y]  # the true class's shifted logit, for the loss
    else:
        y_s = float((y * s).sum())  # the same, weighted by the targets
    e = np.exp(s, out=s)  # s is not needed any more: e^s in its place
    sum_e = e @ ones(k, e.dtype)  # >= 1: its log is finite
    log_sum_e = np.log(sum_e)
    c = scale / n
    grad = e
    grad *= (c / sum_e)[:, None]  # c softmax(z), one pass over the (N, K) array
    if y.ndim == 1:
        loss = float((log_sum_e - s_true).sum()) / n
        grad[rows, y] -= c
    else:
        loss = (float(log_sum_e @ y.sum(axis=1)) - y_s) / n
        grad -= c * y
    return loss, grad, predicted


class Trace(NamedTuple):
    """What the tuned forward pass keeps for the backward pass, per layer l:
    its input a^(l-1) (``inputs``), and for the hidden layers a^l before
    dropout (``outputs``) and the dropout mask or None (``masks``)."""

    inputs: list[np.ndarray]
    outputs: list[np.ndarray]
    masks: list[np.ndarray | None]


def forward_pass(net: MLP, X: np.ndarray) -> tuple[np.ndarray, Trace]:
    """``net.forward_pass(X, train=True)``, tuned: z^L and the trace.

    Args:
        net: the MLP.
        X: inputs already checked, shape (N, n_0).
    """
    params, g = net.params, net.hidden_activation
    trace = Trace([], [], [])
    a = X
    for l in range(1, net.num_layers + 1):
        trace.inputs.append(a)
        z = a @ params[f"W{l}"]
        z += params[f"b{l}"]
        if l < net.num_layers:
            a = g.f(z)
            trace.outputs.append(a)
            a, mask = layers.dropout_forward(a, net.dropout, net.dropout_rng) if net.dropout else (a, None)
            trace.masks.append(mask)
    return z, trace


def loss_and_delta(net: MLP, z: np.ndarray, y: np.ndarray, scale: float = 1.0) -> tuple[float, np.ndarray, np.ndarray]:
    """``net.loss_and_delta``, tuned, with delta^L multiplied by ``scale``;
    also the predicted classes, shape (N,)."""
    if net.loss == "softmax_cross_entropy":
        return softmax_cross_entropy_fused(z, y, scale)
    predicted = class_labels(net.output(z))
    loss, delta = net.loss_and_delta(z, y)
    if scale != 1:
        delta *= scale
    return loss, delta, predicted


def backward_pass(net: MLP, delta: np.ndarray, trace: Trace) -> dict[str, np.ndarray]:
    """``net.backward_pass``, tuned: the gradients of the data loss (times
    whatever factor delta^L carries), without delta^l and without dx for
    the first layer."""
    params = net.params
    dg = DERIVATIVE_FROM_OUTPUT[net.hidden_activation.name]
    grads: dict[str, np.ndarray] = {}
    for l in range(net.num_layers, 0, -1):
        grads[f"W{l}"] = trace.inputs[l - 1].T @ delta
        grads[f"b{l}"] = ones(delta.shape[0], delta.dtype) @ delta
        if l > 1:
            da = delta @ params[f"W{l}"].T
            if trace.masks[l - 2] is not None:
                da *= trace.masks[l - 2]
            if dg is not None:
                np.multiply(da, dg(trace.outputs[l - 2]), out=da)
            delta = da
    return {k: grads[k] for k in params}


def backprop(net: MLP, X: np.ndarray, y: np.ndarray, scale: float = 1.0) -> tuple[float, dict, np.ndarray]:
    """``net.backprop`` (training mode, dropout on), tuned, with every
    gradient multiplied by ``scale``.

    Args:
        net: the MLP.
        X, y: a batch already checked (``net.check_inputs``, ``net.check_targets``).
        scale: multiplies every gradient (not the loss).
    Returns:
        (loss, scale * gradients, predicted classes of shape (N,)).
    """
    z, trace = forward_pass(net, X)
    loss, delta, predicted = loss_and_delta(net, z, y, scale)
    grads = backward_pass(net, delta, trace)
    extra, penalty_grads = net.penalty()
    for name, pg in penalty_grads.items():
        grads[name] += scale * pg if scale != 1 else pg
    return loss + extra, grads, predicted


def update(net: MLP, optimizer: Optimizer, grads: dict[str, np.ndarray], prescaled: bool) -> None:
    """The optimizer's step; for prescaled gradients (eta g, plain SGD) one
    subtraction per parameter."""
    if not prescaled:
        optimizer.step(net.params, grads)
        return
    optimizer.t += 1
    for name, p in net.params.items():
        p -= grads[name]


def prescales(optimizer: Optimizer) -> bool:
    """Whether eta is folded into delta^L: for plain SGD only (exactly
    ``SGD``, not a subclass with its own rule)."""
    return type(optimizer) is SGD


def training_step(net: MLP, optimizer: Optimizer, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """``nnlib.model.train.training_step``, tuned: the same step, to rounding.

    Plain SGD gets eta g straight from backpropagation and subtracts it;
    every other optimizer gets the plain gradients and takes its own ``step``.
    """
    prescaled = prescales(optimizer)
    loss, grads, predicted = backprop(net, X, y, optimizer.lr if prescaled else 1.0)
    if math.isfinite(loss):
        update(net, optimizer, grads, prescaled)
    return loss, predicted
