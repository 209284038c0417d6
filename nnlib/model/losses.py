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
from .layers import ones
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
    [1e-12, 1 - 1e-12] so that the log never sees 0.

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


def softmax_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy from logits: L = -(1/N) sum_n log softmax(z_n)[y_n].

    Computed with log-softmax and the max trick, so large logits neither
    overflow nor give log(0).

    Args:
        z: logits, shape (N, K).
        y: integer class labels of shape (N,) with values 0..K-1, or one-hot
            (or any probability) targets of shape (N, K).
    Returns:
        (L, dL/dz) with dL/dz = (softmax(z) - onehot(y)) / N, shape (N, K).
    """
    z = np.asarray(z)
    if z.ndim != 2:
        raise ValueError(f"the logits z must have shape (N, K); got shape {z.shape}")
    n, k = z.shape
    y_arr = np.asarray(y)
    if y_arr.ndim == 1:
        y_arr = as_labels(y_arr, "the labels y", n_classes=k, n_samples=n)
    else:
        y_arr = np.asarray(y_arr, dtype=z.dtype)
        check_shape(y_arr, (n, k), "the one-hot targets y")
    loss, grad, _ = softmax_cross_entropy_checked(z, y_arr)
    return loss, grad


def softmax_cross_entropy_checked(
    z: np.ndarray, y: np.ndarray, grad_scale: float = 1.0
) -> tuple[float, np.ndarray, np.ndarray]:
    """``softmax_cross_entropy`` for arguments already checked, plus the
    predicted classes.

    The network calls this on every minibatch of training, so it does each
    step once and reuses what it can.

    Args:
        z: logits, shape (N, K).
        y: int64 labels (N,) in 0..K-1, or targets (N, K) of z's dtype.
        grad_scale: multiplies the gradient (not the loss); SGD in ``train``
            passes its learning rate (see ``nnlib.model.optimizers.SGD``).
    Returns:
        (L, grad_scale * dL/dz, predicted) where predicted, shape (N,), is
        the argmax of each row of z: the max trick needs it anyway, and it
        gives the training accuracy for free.

    With the row maxima m_n = max_k z_nk (the max trick: every e^s <= 1):

        s = z - m          log softmax(z) = s - log sum_k e^(s_k)
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
    # The row sums as a product with a vector of ones: one BLAS call, faster
    # than e.sum(axis=1) on short rows.
    sum_e = e @ ones(k, e.dtype)  # >= 1: its log is finite
    log_sum_e = np.log(sum_e)
    c = grad_scale / n
    grad = e
    grad *= (c / sum_e)[:, None]  # c softmax(z), one pass over the (N, K) array
    if y.ndim == 1:
        loss = float((log_sum_e - s_true).sum()) / n
        grad[rows, y] -= c
    else:
        loss = (float(log_sum_e @ y.sum(axis=1)) - y_s) / n
        grad -= c * y
    return loss, grad, predicted


LOSSES = ("mse", "binary_cross_entropy", "softmax_cross_entropy")
"""The loss names an MLP accepts."""
