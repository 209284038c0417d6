"""Tests of nnlib.model.activations: values, derivatives against finite differences,
numerical stability, dtypes and the name lookup."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.model import activations as A
from nnlib.model.gradcheck import numerical_gradient, relative_error

FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None)

ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]


def central_difference(f, z, h=1e-5):
    """Elementwise central difference (f(z + h) - f(z - h)) / 2h, written out
    independently of nnlib.model.gradcheck."""
    return (f(z + h) - f(z - h)) / (2 * h)


def away_from_kink(rng, shape, margin=1e-3):
    """Normal samples pushed away from 0, where relu and leaky relu have a kink."""
    z = rng.standard_normal(shape) * 3
    return np.where(np.abs(z) < margin, margin * np.sign(z) + margin, z)


# ---------------------------------------------------------------- values


def test_sigmoid_known_values():
    z = np.array([0.0, 1.0, -1.0, 2.5])
    expected = 1 / (1 + np.exp(-z))  # the textbook formula (safe for these z)
    np.testing.assert_allclose(A.sigmoid(z), expected, rtol=1e-15)
    assert A.sigmoid(np.array(0.0)) == 0.5


def test_tanh_relu_leaky_identity_values():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(A.tanh(z), np.tanh(z))
    np.testing.assert_array_equal(A.relu(z), [0.0, 0.0, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(A.leaky_relu(z), [-0.02, -0.005, 0.0, 0.5, 3.0], rtol=1e-15)
    np.testing.assert_array_equal(A.identity(z), z)


def test_derivative_values_at_kinks_follow_the_documented_convention():
    z = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(A.relu_derivative(z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(A.leaky_relu_derivative(z), [A.LEAKY_SLOPE, A.LEAKY_SLOPE, 1.0])
    np.testing.assert_array_equal(A.identity_derivative(z), [1.0, 1.0, 1.0])
    assert A.sigmoid_derivative(np.array(0.0)) == 0.25
    assert A.tanh_derivative(np.array(0.0)) == 1.0


def test_softmax_known_values():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    e = np.exp(z)
    np.testing.assert_allclose(A.softmax(z), e / e.sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(A.softmax(z)[1], [1 / 3] * 3, rtol=1e-15)


# ----------------------------------------------------- finite differences


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_derivative_matches_central_difference(name, rng):
    act = A.get_activation(name)
    z = away_from_kink(rng, (7, 5))
    analytic = act.df(z)
    numeric = central_difference(act.f, z)
    assert analytic.shape == z.shape
    assert relative_error(analytic, numeric) < 1e-6
    # and elementwise, so that one wrong entry cannot hide in a norm
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_through_nnlib_gradcheck(name, rng):
    """d/dz sum(w * g(z)) = w * g'(z), checked with numerical_gradient."""
    act = A.get_activation(name)
    z = away_from_kink(rng, (4, 3))
    w = rng.standard_normal(z.shape)
    numeric = numerical_gradient(lambda: float(np.sum(w * act.f(z))), z)
    assert relative_error(w * act.df(z), numeric) < 1e-6


def test_softmax_gradient_matches_finite_differences(rng):
    """The softmax cross-entropy gradient softmax(z) - onehot(y) rests on the
    softmax's derivative s_i (delta_ij - s_j); check that product against
    finite differences of softmax itself."""
    z = rng.standard_normal((4, 6))
    w = rng.standard_normal((4, 6))  # L = sum(w * softmax(z)), so dL/ds = w
    s = A.softmax(z)
    analytic = s * (w - np.sum(w * s, axis=1, keepdims=True))
    numeric = numerical_gradient(lambda: float(np.sum(w * A.softmax(z))), z)
    assert relative_error(analytic, numeric) < 1e-6


# ---------------------------------------------------------------- stability


def test_sigmoid_extremes_are_exact_limits_without_warnings():
    z = np.array([-1000.0, -745.0, 0.0, 745.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # underflow to 0 is the exact answer, so only over/invalid/divide must not happen
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            s = A.sigmoid(z)
            ds = A.sigmoid_derivative(z)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ds))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert ds[0] == 0.0 and ds[-1] == 0.0


def test_softmax_extremes_are_exact_limits_without_warnings():
    z = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 1000.0], [-1000.0, -1000.0, -999.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            s = A.softmax(z)
    assert np.all(np.isfinite(s))
    np.testing.assert_array_equal(s[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(s[1], [1 / 3] * 3, rtol=1e-15)
    e = np.exp([-1.0, -1.0, 0.0])
    np.testing.assert_allclose(s[2], e / e.sum(), rtol=1e-14)


def test_tanh_extremes():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(A.tanh(np.array([-1000.0, 1000.0])), [-1.0, 1.0])
        np.testing.assert_array_equal(A.tanh_derivative(np.array([-1000.0, 1000.0])), [0.0, 0.0])


# ---------------------------------------------------------------- properties

finite_floats = st.floats(-50, 50, allow_nan=False, allow_infinity=False)


@FAST
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), elements=finite_floats))
def test_sigmoid_is_symmetric_and_in_unit_interval(z):
    s = A.sigmoid(z)
    assert s.shape == z.shape
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(A.sigmoid(-z), 1 - s, atol=1e-15)


@FAST
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=finite_floats),
    st.floats(-100, 100, allow_nan=False),
)
def test_softmax_rows_sum_to_one_and_shift_invariant(z, c):
    s = A.softmax(z)
    assert s.shape == z.shape
    assert np.all(s >= 0)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(A.softmax(z + c), s, rtol=1e-9, atol=1e-14)


@FAST
@given(
    st.sampled_from(ELEMENTWISE),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=finite_floats),
)
def test_elementwise_shapes_preserved(name, z):
    act = A.get_activation(name)
    assert act.f(z).shape == z.shape
    assert act.df(z).shape == z.shape


@FAST
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=finite_floats))
def test_relu_family_identities(z):
    np.testing.assert_array_equal(A.relu(z) - A.relu(-z), z)
    assert np.all(A.leaky_relu(z) >= A.LEAKY_SLOPE * z - 1e-12)
    np.testing.assert_allclose(np.abs(A.tanh(z)), A.tanh(np.abs(z)))


# ---------------------------------------------------------------- dtypes


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_keep_dtype(name, dtype, rng):
    act = A.get_activation(name)
    z = rng.standard_normal((3, 4)).astype(dtype)
    assert act.f(z).dtype == dtype
    assert act.df(z).dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_keeps_dtype(dtype, rng):
    z = rng.standard_normal((3, 4)).astype(dtype)
    s = A.softmax(z)
    assert s.dtype == dtype


# ---------------------------------------------------------------- lookup


def test_get_activation_by_name_and_passthrough():
    for name in ELEMENTWISE:
        act = A.get_activation(name)
        assert isinstance(act, A.Activation) and act.name == name
        assert A.get_activation(act) is act


def test_get_activation_unknown_name_lists_known_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'swish'; known: 'sigmoid', 'tanh', 'relu'") as err:
        A.get_activation("swish")
    for name in ELEMENTWISE:
        assert repr(name) in str(err.value)


def test_softmax_is_not_an_elementwise_activation():
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        A.get_activation("softmax")
