"""Tests of nnlib.model.gradcheck itself: the finite-difference gradient on known
functions, the relative error, and that the network check really fails
when a backward pass is wrong."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib.model.layers
from nnlib import MLP
from nnlib.model.gradcheck import check_network_gradients, numerical_gradient, relative_error

FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None)


def test_numerical_gradient_of_sum_of_squares_is_2x(rng):
    x = rng.standard_normal((3, 4))
    g = numerical_gradient(lambda: float(np.sum(x**2)), x)
    assert g.shape == x.shape and g.dtype == np.float64
    # central differences are exact for quadratics up to rounding
    np.testing.assert_allclose(g, 2 * x, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_of_a_cubic_and_a_product(rng):
    x = rng.standard_normal(5)
    w = rng.standard_normal(5)
    g = numerical_gradient(lambda: float(np.sum(w * x**3)), x)
    np.testing.assert_allclose(g, 3 * w * x**2, rtol=1e-7, atol=1e-9)
    # a function that couples entries: f = prod(x), df/dx_i = prod(x) / x_i
    y = np.array([1.5, -2.0, 0.5])
    np.testing.assert_allclose(numerical_gradient(lambda: float(np.prod(y)), y), [-1.0, 0.75, -3.0], rtol=1e-8)


def test_numerical_gradient_restores_x_and_works_on_scalars_and_3d(rng):
    x = rng.standard_normal((2, 2, 2))
    x0 = x.copy()
    g = numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    np.testing.assert_array_equal(x, x0)  # restored exactly
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-8)
    s = np.array(0.3)
    np.testing.assert_allclose(numerical_gradient(lambda: float(np.exp(s)), s), np.exp(0.3), rtol=1e-9)


def test_numerical_gradient_error_shrinks_like_h_squared():
    x = np.array([0.7])
    exact = np.cos(0.7)
    err = [abs(numerical_gradient(lambda: float(np.sin(x[0])), x, h=h)[0] - exact) for h in (1e-2, 1e-3)]
    # truncation error h^2 |f'''| / 6: ten times smaller h, about 100 times smaller error
    assert 50 < err[0] / err[1] < 200


def test_relative_error_basics():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(1.0, -1.0) == 1.0  # |2| / (1 + 1)
    assert relative_error(3.0, 1.0) == pytest.approx(0.5)
    assert relative_error([3.0, 4.0], [0.0, 0.0]) == 1.0
    # scale-free: multiplying both by 1e6 leaves it unchanged
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.001])
    assert relative_error(a * 1e6, b * 1e6) == pytest.approx(relative_error(a, b), rel=1e-9)
    # a tiny 0 vs 1e-11 entry does not count as 100% wrong when the rest agree
    assert relative_error([1.0, 0.0], [1.0, 1e-11]) < 1e-10


def test_relative_error_shape_mismatch():
    with pytest.raises(ValueError, match=r"cannot compare gradients of shapes \(2,\) and \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


@FAST
@given(
    hnp.arrays(np.float64, 4, elements=st.floats(-1e3, 1e3, allow_nan=False)),
    hnp.arrays(np.float64, 4, elements=st.floats(-1e3, 1e3, allow_nan=False)),
)
def test_relative_error_symmetric_and_bounded(a, b):
    e = relative_error(a, b)
    assert e == relative_error(b, a)
    assert 0.0 <= e <= 1.0 + 1e-12  # triangle inequality
    if np.array_equal(a, b):
        assert e == 0.0


# ----------------------------------------------------- the network check


def small_net_and_data():
    rng = np.random.default_rng(0)
    net = MLP([3, 4, 3], activation="tanh", loss="softmax_cross_entropy", seed=1)
    X = rng.standard_normal((5, 3))
    y = rng.integers(0, 3, size=5)
    return net, X, y


def test_check_network_gradients_passes_for_the_real_backward():
    net, X, y = small_net_and_data()
    errors = check_network_gradients(net, X, y)
    assert set(errors) == {"W1", "b1", "W2", "b2", "worst"}
    assert errors["worst"] == max(errors[k] for k in net.params)
    assert errors["worst"] < 1e-7


def test_check_network_gradients_catches_a_wrong_activation_backward(monkeypatch):
    """Scaling the activation backward by 1.01 (a 1% bug) must be caught."""
    net, X, y = small_net_and_data()
    real = nnlib.model.layers.activation_backward
    monkeypatch.setattr(nnlib.model.layers, "activation_backward",
                        lambda da, cache: 1.01 * real(da, cache))
    errors = check_network_gradients(net, X, y)
    assert errors["worst"] > 1e-4
    assert errors["W1"] > 1e-4 and errors["b1"] > 1e-4  # below the broken layer
    assert errors["W2"] < 1e-7  # above it, still right


def test_check_network_gradients_catches_a_wrong_dense_backward(monkeypatch):
    net, X, y = small_net_and_data()
    real = nnlib.model.layers.dense_backward

    def wrong(dz, cache):
        dx, dW, db = real(dz, cache)
        return dx, dW, 1.01 * db

    monkeypatch.setattr(nnlib.model.layers, "dense_backward", wrong)
    errors = check_network_gradients(net, X, y)
    assert errors["b2"] > 1e-4 and errors["worst"] > 1e-4


def test_check_network_gradients_catches_a_wrong_loss_gradient(monkeypatch):
    import nnlib.model.network

    net, X, y = small_net_and_data()
    real = nnlib.model.network.softmax_cross_entropy  # what the network calls per batch
    monkeypatch.setattr(nnlib.model.network, "softmax_cross_entropy",
                        lambda z, t: (real(z, t)[0], 1.01 * real(z, t)[1]))
    assert check_network_gradients(net, X, y)["worst"] > 1e-4


def test_check_network_gradients_leaves_params_unchanged():
    net, X, y = small_net_and_data()
    before = {k: v.copy() for k, v in net.params.items()}
    check_network_gradients(net, X, y)
    for k in before:
        np.testing.assert_array_equal(net.params[k], before[k])
