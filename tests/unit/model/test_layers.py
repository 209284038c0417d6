"""Tests of nnlib.model.layers: forward values, backward against finite differences
(dense, activation, dropout with a fixed mask), dtypes and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.model import layers
from nnlib.model.activations import get_activation
from nnlib.model.gradcheck import numerical_gradient, relative_error

FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None)


def test_dense_forward_values(rng):
    x = rng.standard_normal((5, 3))
    W = rng.standard_normal((3, 4))
    b = rng.standard_normal(4)
    z, cache = layers.dense_forward(x, W, b)
    assert z.shape == (5, 4)
    # written out as sums: z_nj = sum_i x_ni W_ij + b_j
    expected = np.array([[sum(x[n, i] * W[i, j] for i in range(3)) + b[j] for j in range(4)] for n in range(5)])
    np.testing.assert_allclose(z, expected, rtol=1e-13)
    assert cache[0] is x and cache[1] is W


def test_dense_forward_does_not_modify_inputs(rng):
    x, W, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    copies = [a.copy() for a in (x, W, b)]
    layers.dense_forward(x, W, b)
    for a, c in zip((x, W, b), copies):
        np.testing.assert_array_equal(a, c)


def test_dense_backward_matches_finite_differences(rng):
    x = rng.standard_normal((5, 3))
    W = rng.standard_normal((3, 4))
    b = rng.standard_normal(4)
    upstream = rng.standard_normal((5, 4))  # L = sum(upstream * z)

    def loss():
        return float(np.sum(upstream * layers.dense_forward(x, W, b)[0]))

    _, cache = layers.dense_forward(x, W, b)
    dx, dW, db = layers.dense_backward(upstream, cache)
    assert dx.shape == x.shape and dW.shape == W.shape and db.shape == b.shape
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-6
    assert relative_error(dW, numerical_gradient(loss, W)) < 1e-6
    assert relative_error(db, numerical_gradient(loss, b)) < 1e-6


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
def test_activation_backward_matches_finite_differences(name, rng):
    z = rng.standard_normal((4, 5)) * 2
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the kink of relu / leaky relu
    upstream = rng.standard_normal((4, 5))
    a, cache = layers.activation_forward(z, name)
    np.testing.assert_array_equal(a, get_activation(name).f(z))
    dz = layers.activation_backward(upstream, cache)
    numeric = numerical_gradient(lambda: float(np.sum(upstream * layers.activation_forward(z, name)[0])), z)
    assert relative_error(dz, numeric) < 1e-6


def test_activation_forward_accepts_activation_object(rng):
    z = rng.standard_normal((2, 3))
    act = get_activation("tanh")
    a, cache = layers.activation_forward(z, act)
    np.testing.assert_array_equal(a, np.tanh(z))
    assert cache[1] is act


def test_activation_forward_unknown_name():
    with pytest.raises(ValueError, match=r"unknown activation 'gelu'; known: 'sigmoid'"):
        layers.activation_forward(np.zeros((1, 1)), "gelu")


# ---------------------------------------------------------------- dropout


def test_dropout_backward_matches_finite_differences_with_fixed_mask(rng):
    x = rng.standard_normal((6, 8))
    upstream = rng.standard_normal((6, 8))
    rate = 0.3

    def forward():  # the same seed each call gives the same mask
        return layers.dropout_forward(x, rate, np.random.default_rng(7))

    out, mask = forward()
    dx = layers.dropout_backward(upstream, mask)
    numeric = numerical_gradient(lambda: float(np.sum(upstream * forward()[0])), x)
    assert relative_error(dx, numeric) < 1e-6
    # some units are dropped and some kept, so the check is not trivial
    assert 0 < np.sum(mask == 0) < mask.size


def test_dropout_mask_is_inverted_and_zeroes_outputs(rng):
    x = np.ones((200, 50))
    rate = 0.25
    out, mask = layers.dropout_forward(x, rate, np.random.default_rng(0))
    kept = mask != 0
    np.testing.assert_allclose(mask[kept], 1 / (1 - rate))
    np.testing.assert_array_equal(out[~kept], 0.0)
    # about 75% kept (10000 draws: 5 standard deviations is ~0.022)
    assert abs(kept.mean() - (1 - rate)) < 0.025
    # inverted dropout keeps the mean activation
    assert abs(out.mean() - 1.0) < 0.05


def test_dropout_same_seed_same_mask_and_different_seed_different():
    x = np.ones((10, 10))
    m1 = layers.dropout_forward(x, 0.5, np.random.default_rng(3))[1]
    m2 = layers.dropout_forward(x, 0.5, np.random.default_rng(3))[1]
    m3 = layers.dropout_forward(x, 0.5, np.random.default_rng(4))[1]
    np.testing.assert_array_equal(m1, m2)
    assert not np.array_equal(m1, m3)


def test_dropout_eval_mode_and_rate_zero_are_identity(rng):
    x = rng.standard_normal((3, 4))
    for out, cache in (layers.dropout_forward(x, 0.5, rng, train=False), layers.dropout_forward(x, 0.0, rng)):
        assert out is x and cache is None
    g = rng.standard_normal((3, 4))
    assert layers.dropout_backward(g, None) is g


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_rate_out_of_range(rate, rng):
    with pytest.raises(ValueError, match=r"the dropout rate must be in \[0, 1\); got"):
        layers.dropout_forward(np.zeros((2, 2)), rate, rng)


# ---------------------------------------------------------------- dtypes / shapes


def test_layers_keep_float32(rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    W = rng.standard_normal((3, 2)).astype(np.float32)
    b = np.zeros(2, dtype=np.float32)
    z, cache = layers.dense_forward(x, W, b)
    assert z.dtype == np.float32
    for g in layers.dense_backward(np.ones_like(z), cache):
        assert g.dtype == np.float32
    for name in ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]:
        a, c = layers.activation_forward(z, name)
        assert a.dtype == np.float32
        assert layers.activation_backward(np.ones_like(a), c).dtype == np.float32
    out, mask = layers.dropout_forward(z, 0.5, rng)
    assert out.dtype == np.float32 and mask.dtype == np.float32
    assert layers.dropout_backward(np.ones_like(z), mask).dtype == np.float32


@FAST
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))
def test_dense_shapes(n, n_in, n_out):
    x, W, b = np.ones((n, n_in)), np.ones((n_in, n_out)), np.ones(n_out)
    z, cache = layers.dense_forward(x, W, b)
    assert z.shape == (n, n_out)
    np.testing.assert_array_equal(z, n_in + 1.0)
    dx, dW, db = layers.dense_backward(np.ones_like(z), cache)
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)


def test_dense_forward_wrong_input_shape_names_expected_and_actual():
    W, b = np.zeros((3, 2)), np.zeros(2)
    with pytest.raises(ValueError, match=r"must have shape \(N, 3\); got shape \(4, 2\)"):
        layers.dense_forward(np.zeros((4, 2)), W, b)
    with pytest.raises(ValueError, match=r"must have shape \(N, 3\); got shape \(3,\)"):
        layers.dense_forward(np.zeros(3), W, b)
