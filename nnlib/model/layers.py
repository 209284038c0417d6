"""Layers as forward/backward pairs with a cache (in the style of CS231n).

A forward function returns its output and a ``cache`` of what the backward
function needs; the backward function takes the upstream gradient dL/d(out)
and the cache and returns the gradients of the inputs and parameters.

Notation of the book, for layer l and a batch of N samples in rows:

    z^l = a^(l-1) W^l + b^l        a^l = g(z^l)

with a^(l-1) of shape (N, n_(l-1)), W^l of shape (n_(l-1), n_l), b^l of shape
(n_l,), and z^l, a^l of shape (N, n_l). The dense layer's backward pass is
derived in :doc:`/book/03_vectorizing`, dropout in :doc:`/book/07_regularization`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import Activation, get_activation


class DenseCache(NamedTuple):
    """What the dense layer's backward pass needs: its input x = a^(l-1) and W^l."""

    x: np.ndarray
    W: np.ndarray


class ActivationCache(NamedTuple):
    """What an activation's backward pass needs: z^l, the activation g, and a^l = g(z^l)."""

    z: np.ndarray
    activation: Activation
    a: np.ndarray


def dense_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, DenseCache]:
    """An affine (fully connected) layer: z = x W + b.

    Derived in :doc:`/book/03_vectorizing`.

    Args:
        x: inputs a^(l-1), shape (N, n_in).
        W: weights, shape (n_in, n_out).
        b: biases, shape (n_out,).
    Returns:
        z of shape (N, n_out), and the cache (x, W).
    """
    if x.ndim != 2 or x.shape[1] != W.shape[0]:
        raise ValueError(
            f"the layer's input must have shape (N, {W.shape[0]}); got shape {x.shape}"
        )
    z = x @ W + b
    return z, DenseCache(x, W)


def dense_backward(dz: np.ndarray, cache: DenseCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of z = x W + b.

    Derived in :doc:`/book/03_vectorizing`.

    Args:
        dz: upstream gradient dL/dz, shape (N, n_out).
        cache: (x, W) from dense_forward.
    Returns:
        dx = dz W^T of shape (N, n_in), dW = x^T dz of shape (n_in, n_out),
        db = the sum of dz over the batch, shape (n_out,).
    """
    x, W = cache
    dx = dz @ W.T
    dW = x.T @ dz
    db = dz.sum(axis=0)
    return dx, dW, db


def activation_forward(z: np.ndarray, activation: str | Activation) -> tuple[np.ndarray, ActivationCache]:
    """a = g(z), elementwise.

    Derived in :doc:`/book/01_neuron`.

    Args:
        z: pre-activations, shape (N, n).
        activation: a name such as "relu", or an Activation.
    Returns:
        a of shape (N, n), and the cache (z, activation, a).
    """
    act = get_activation(activation)
    a = act.f(z)
    return a, ActivationCache(z, act, a)


def activation_backward(da: np.ndarray, cache: ActivationCache) -> np.ndarray:
    """dL/dz = dL/da * g'(z), elementwise.

    Derived in :doc:`/book/02_xor` (one unit) and :doc:`/book/03_vectorizing`.

    Args:
        da: upstream gradient dL/da, shape (N, n).
        cache: (z, activation, a) from activation_forward.
    Returns:
        dz, shape (N, n).
    """
    return da * cache.activation.df(cache.z)


def dropout_forward(
    x: np.ndarray, rate: float, rng: np.random.Generator, train: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Inverted dropout: in training, zero each unit with probability ``rate``
    and scale the kept ones by 1 / (1 - rate), so that at evaluation time
    (``train=False``) the layer is simply the identity.

    Derived in :doc:`/book/07_regularization`.

    Args:
        x: activations, shape (N, n).
        rate: the probability of dropping a unit, in [0, 1).
        rng: the random generator that draws the mask.
        train: True for training mode, False for evaluation mode.
    Returns:
        the output (shape of x), and the cache (the scaled mask, or None).
    """
    if not 0 <= rate < 1:
        raise ValueError(f"the dropout rate must be in [0, 1); got {rate!r}")
    if not train or rate == 0:
        return x, None
    keep = 1 - rate
    mask = (rng.random(x.shape) < keep).astype(x.dtype)
    mask /= keep
    return x * mask, mask


def dropout_backward(dout: np.ndarray, cache: np.ndarray | None) -> np.ndarray:
    """Backward pass of inverted dropout: the same mask multiplies the gradient.

    Derived in :doc:`/book/07_regularization`.

    Args:
        dout: upstream gradient, shape (N, n).
        cache: the mask from dropout_forward (None in evaluation mode).
    Returns:
        dL/dx, shape (N, n).
    """
    return dout if cache is None else dout * cache
