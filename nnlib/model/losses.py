"""Loss functions: each returns the loss (a float) and its gradient.

Conventions used everywhere in the book (see the notation page):

* A batch holds N samples, one per row.
* Every loss is the **mean over the batch** of a per-sample loss, and each
  per-sample loss is a **sum over the outputs**. There is no factor 1/2.
* The gradient returned is with respect to the first argument, for the whole
  (mean) loss, so it already carries the factor 1/N.
* Cross-entropies use the natural logarithm.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid
from ..validate import as_labels, check_shape

# Probabilities are clipped to [EPS, 1 - EPS] before a log, so log(0) never
# gives -inf or nan.
EPS = 1e-12


def _check_pair(pred: np.ndarray, target, pred_name: str) -> tuple[np.ndarray, np.ndarray]:
    pred = np.asarray(pred)
    target = np.asarray(target, dtype=pred.dtype if np.issubdtype(pred.dtype, np.floating) else None)
    if pred.ndim != 2:
        raise ValueError(f"{pred_name} must have shape (N, K); got shape {pred.shape}")
    check_shape(target, pred.shape, "the targets y")
    return pred, target


def mse(a: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error L = (1/N) sum_n sum_k (a_nk - y_nk)^2.

    For one sample with one output this is the XOR chapter's L = (y - o)^2.
    Derived in :doc:`/book/02_xor` and :doc:`/book/04_losses`.

    Args:
        a: predictions (the output activations), shape (N, K).
        y: targets, shape (N, K).
    Returns:
        (L, dL/da) with dL/da = 2 (a - y) / N, shape (N, K).
    """
    a, y = _check_pair(a, y, "the predictions a")
    n = a.shape[0]
    diff = a - y
    loss = float((diff * diff).sum()) / n
    return loss, diff * (2 / n)


def binary_cross_entropy(p: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Binary cross-entropy from probabilities.

    L = -(1/N) sum_n sum_k [y log p + (1 - y) log(1 - p)], with p clipped to
    [1e-12, 1 - 1e-12] so that the log never sees 0. Derived in
    :doc:`/book/01_neuron` and :doc:`/book/04_losses`.

    Args:
        p: predicted probabilities in [0, 1], shape (N, K).
        y: targets in [0, 1] (usually 0 or 1), shape (N, K).
    Returns:
        (L, dL/dp) with dL/dp = (p - y) / (p (1 - p)) / N, shape (N, K).
    """
    p, y = _check_pair(p, y, "the probabilities p")
    n = p.shape[0]
    # In float32, 1 - 1e-12 rounds to 1: clip at least one machine epsilon away.
    eps = max(EPS, float(np.finfo(p.dtype).eps)) if np.issubdtype(p.dtype, np.floating) else EPS
    pc = np.clip(p, eps, 1 - eps)
    loss = -float(np.sum(y * np.log(pc) + (1 - y) * np.log(1 - pc))) / n
    return loss, (pc - y) / (pc * (1 - pc)) / n


def binary_cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Binary cross-entropy of p = sigmoid(z), computed from the logits z.

    Same value as ``binary_cross_entropy(sigmoid(z), y)`` but exact for large
    abs(z): per element, -[y log p + (1-y) log(1-p)] = max(z, 0) - y z + log(1 + e^(-abs(z))).
    Derived in :doc:`/book/04_losses`.

    Args:
        z: logits, shape (N, K).
        y: targets in [0, 1], shape (N, K).
    Returns:
        (L, dL/dz) with dL/dz = (sigmoid(z) - y) / N, shape (N, K).
    """
    z, y = _check_pair(z, y, "the logits z")
    n = z.shape[0]
    per = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
    loss = float(np.sum(per)) / n
    return loss, (sigmoid(z) - y) / n


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) along the last axis, with the max trick.

    With s = z - max_k z_k (so that every e^s <= 1 and the sum below is >= 1),
    log softmax(z)_k = s_k - log sum_j e^(s_j). Derived in :doc:`/book/04_losses`.

    Args:
        z: logits, shape (..., K).
    Returns:
        log-probabilities, shape (..., K), all <= 0 and finite.
    """
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy from logits: L = -(1/N) sum_n sum_k y_nk log softmax(z_n)_k.

    With integer labels this is -(1/N) sum_n log softmax(z_n)[y_n], the
    log-probability of the true class. Derived in :doc:`/book/04_losses`.

    Args:
        z: logits, shape (N, K).
        y: integer class labels of shape (N,) with values 0..K-1, or one-hot
            (or any probability) targets of shape (N, K).
    Returns:
        (L, dL/dz) with dL/dz = (softmax(z) - y) / N, shape (N, K), y one-hot.
    """
    z, Y = _check_logits_and_targets(z, y)
    n = z.shape[0]
    log_p = log_softmax(z)
    loss = -float(np.sum(Y * log_p)) / n
    return loss, (np.exp(log_p) - Y) / n


def _check_logits_and_targets(z, y) -> tuple[np.ndarray, np.ndarray]:
    """z as an (N, K) array, and y as one-hot targets (N, K) of z's dtype."""
    z = np.asarray(z)
    if z.ndim != 2:
        raise ValueError(f"the logits z must have shape (N, K); got shape {z.shape}")
    n, k = z.shape
    y = np.asarray(y)
    if y.ndim == 1:
        labels = as_labels(y, "the labels y", n_classes=k, n_samples=n)
        return z, np.eye(k, dtype=z.dtype)[labels]
    y = np.asarray(y, dtype=z.dtype)
    check_shape(y, (n, k), "the one-hot targets y")
    return z, y


LOSSES = ("mse", "binary_cross_entropy", "softmax_cross_entropy")
"""The loss names an MLP accepts."""
