"""Weight initialization schemes.

Each function returns a weight matrix of shape (n_in, n_out) in the given
dtype. The scale is computed as a Python float, so a float32 matrix stays
float32 (a NumPy float64 scalar would silently upcast it).
"""

from __future__ import annotations

import math

import numpy as np

from ..validate import check_choice


def zeros(n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """All weights 0. Every hidden unit then computes the same thing and gets
    the same gradient, so they never become different: the network behaves
    like one unit per layer. Kept to show why it fails.

    Derived in :doc:`/book/06_initialization`.
    """
    return np.zeros((n_in, n_out), dtype=dtype)


def small_random(
    n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64, std: float = 0.01
) -> np.ndarray:
    """Normal weights with a fixed small standard deviation (0.01 by default).
    Breaks the symmetry, but in deep networks the signal shrinks layer by layer.

    Derived in :doc:`/book/06_initialization`.
    """
    return (rng.standard_normal((n_in, n_out)) * std).astype(dtype)


def xavier(n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """Xavier/Glorot uniform initialization (Glorot & Bengio, 2010):
    W ~ U(-r, r) with r = sqrt(6 / (n_in + n_out)), so Var(W) = 2 / (n_in + n_out).
    Suits sigmoid and tanh.

    Derived in :doc:`/book/06_initialization`.
    """
    r = math.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, size=(n_in, n_out)).astype(dtype)


def he(n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """He initialization (He et al., 2015): W ~ N(0, 2 / n_in). Suits ReLU,
    which zeroes half of its inputs on average.

    Derived in :doc:`/book/06_initialization`.
    """
    std = math.sqrt(2.0 / n_in)
    return (rng.standard_normal((n_in, n_out)) * std).astype(dtype)


INITIALIZERS = {"zeros": zeros, "small_random": small_random, "xavier": xavier, "he": he}
"""The initialization schemes by name."""


def default_init(activation: str) -> str:
    """He for the ReLU family, Xavier otherwise.

    Derived in :doc:`/book/06_initialization`.
    """
    return "he" if activation in ("relu", "leaky_relu") else "xavier"


def initialize(name: str, n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """Call the scheme called ``name`` ("zeros", "small_random", "xavier", "he")."""
    check_choice(name, INITIALIZERS, "initialization")
    return INITIALIZERS[name](n_in, n_out, rng, dtype=dtype)
