"""Tests of nnlib.model.init: shapes, dtypes, scales, determinism and names."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlib.model import init

SCHEMES = ["zeros", "small_random", "xavier", "he"]


@pytest.mark.parametrize("name", SCHEMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32"])
def test_initialize_shape_and_dtype(name, dtype):
    W = init.initialize(name, 7, 3, np.random.default_rng(0), dtype=dtype)
    assert W.shape == (7, 3)
    assert W.dtype == np.dtype(dtype)


@pytest.mark.parametrize("name", SCHEMES)
def test_functions_keep_dtype_directly(name):
    fn = init.INITIALIZERS[name]
    assert fn(4, 5, np.random.default_rng(0), dtype=np.float32).dtype == np.float32
    assert fn(4, 5, np.random.default_rng(0)).dtype == np.float64


def test_zeros_are_zero():
    np.testing.assert_array_equal(init.zeros(3, 4, np.random.default_rng(0)), 0.0)


def test_small_random_scale():
    W = init.small_random(400, 300, np.random.default_rng(0))
    assert W.std() == pytest.approx(0.01, rel=0.02)
    assert abs(W.mean()) < 0.001
    W = init.small_random(400, 300, np.random.default_rng(0), std=0.5)
    assert W.std() == pytest.approx(0.5, rel=0.02)


def test_xavier_is_uniform_in_its_range_with_the_right_variance():
    n_in, n_out = 300, 200
    W = init.xavier(n_in, n_out, np.random.default_rng(0))
    r = math.sqrt(6 / (n_in + n_out))
    assert np.all(np.abs(W) <= r)
    assert np.abs(W).max() > 0.99 * r  # it reaches the edges of the interval
    assert W.var() == pytest.approx(2 / (n_in + n_out), rel=0.03)


def test_he_variance():
    n_in, n_out = 250, 400
    W = init.he(n_in, n_out, np.random.default_rng(0))
    assert W.var() == pytest.approx(2 / n_in, rel=0.03)
    assert abs(W.mean()) < 0.01


@pytest.mark.parametrize("name", ["small_random", "xavier", "he"])
def test_same_seed_same_weights_different_seed_different(name):
    a = init.initialize(name, 5, 4, np.random.default_rng(1))
    b = init.initialize(name, 5, 4, np.random.default_rng(1))
    c = init.initialize(name, 5, 4, np.random.default_rng(2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", ["small_random", "xavier", "he"])
def test_float32_values_are_the_float64_values_rounded(name):
    """dtype only changes the storage: the same draw, rounded."""
    w64 = init.initialize(name, 6, 5, np.random.default_rng(3), dtype=np.float64)
    w32 = init.initialize(name, 6, 5, np.random.default_rng(3), dtype=np.float32)
    np.testing.assert_array_equal(w32, w64.astype(np.float32))


def test_default_init():
    assert init.default_init("relu") == "he"
    assert init.default_init("leaky_relu") == "he"
    for name in ["sigmoid", "tanh", "identity"]:
        assert init.default_init(name) == "xavier"


def test_unknown_initialization_lists_known_ones():
    with pytest.raises(ValueError, match=r"unknown initialization 'glorot'; known: 'zeros', 'small_random', 'xavier', 'he'"):
        init.initialize("glorot", 2, 2, np.random.default_rng(0))
