"""Activation functions g(z) and their derivatives g'(z).

Each function works elementwise on an array ``z`` of any shape and returns an
array of the same shape and dtype (float32 stays float32). Softmax is the
exception: it works along the last axis, and its derivative is a Jacobian.

Notation of the book: ``z`` is a pre-activation (a weighted sum plus bias) and
``a = g(z)`` the activation. The elementwise activations and their derivatives
are derived in :doc:`/book/01_neuron`; softmax in :doc:`/book/04_losses`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..validate import check_choice

LEAKY_SLOPE = 0.01  # the slope of leaky ReLU for z < 0


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^(-z)), computed without overflow.

    Derived in :doc:`/book/01_neuron`.

    For z >= 0 it uses 1 / (1 + e^(-z)); for z < 0 the equal form
    e^z / (1 + e^z), so that e^(...) never sees a large positive argument
    (sigmoid(-1000) is 0.0 and sigmoid(1000) is 1.0, with no warning).
    """
    z = np.asarray(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    s = 1 / (1 + e)  # sigma(|z|)
    return np.where(z >= 0, s, e * s)  # sigma(-|z|) = e^(-|z|) / (1 + e^(-|z|))


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z) (1 - sigma(z)); at most 1/4, at z = 0.

    Derived in :doc:`/book/01_neuron`.
    """
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent, in (-1, 1).

    Derived in :doc:`/book/01_neuron`.
    """
    return np.tanh(z)


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2; at most 1, at z = 0.

    Derived in :doc:`/book/01_neuron`.
    """
    t = np.tanh(z)
    return 1 - t * t


def relu(z: np.ndarray) -> np.ndarray:
    """The rectified linear unit max(0, z).

    Derived in :doc:`/book/01_neuron`.
    """
    return np.maximum(z, 0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (we take 0 at z = 0).

    Derived in :doc:`/book/01_neuron`.
    """
    z = np.asarray(z)
    return (z > 0).astype(z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64)


def leaky_relu(z: np.ndarray) -> np.ndarray:
    """z where z > 0, else 0.01 z: a ReLU whose negative side still has a gradient.

    Derived in :doc:`/book/01_neuron`.
    """
    z = np.asarray(z)
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_derivative(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0.01.

    Derived in :doc:`/book/01_neuron`.
    """
    z = np.asarray(z)
    dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64
    return np.where(z > 0, 1, LEAKY_SLOPE).astype(dtype)


def identity(z: np.ndarray) -> np.ndarray:
    """g(z) = z (a linear unit, for regression outputs).

    Derived in :doc:`/book/01_neuron`.
    """
    return np.asarray(z)


def identity_derivative(z: np.ndarray) -> np.ndarray:
    """g'(z) = 1.

    Derived in :doc:`/book/01_neuron`.
    """
    z = np.asarray(z)
    return np.ones_like(z, dtype=z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64)


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_k = e^(z_k) / sum_j e^(z_j), along the last axis.

    Derived in :doc:`/book/04_losses`.

    Uses the max trick: subtracting max_j z_j from every z_k changes nothing
    mathematically but keeps e^(...) <= 1, so inputs like 1000 do not overflow.

    Args:
        z: logits, shape (..., K).
    Returns:
        probabilities, shape (..., K), each row summing to 1.
    """
    z = np.asarray(z)
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Activation:
    """An activation function g with its derivative g', both of the pre-activation z."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_derivative),
    "identity": Activation("identity", identity, identity_derivative),
}
"""The elementwise activations by name (softmax is not elementwise; see softmax)."""


def get_activation(name: str | Activation) -> Activation:
    """Look up an activation by name ("sigmoid", "tanh", "relu", "leaky_relu", "identity").

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    if isinstance(name, Activation):
        return name
    check_choice(name, ACTIVATIONS, "activation")
    return ACTIVATIONS[name]
