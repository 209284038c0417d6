"""Tests of nnlib.model.losses: values from the definitions, gradients against
finite differences, stability at extreme inputs, dtypes and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.model import losses as Lo
from nnlib.model.activations import sigmoid, sigmoid_derivative, softmax
from nnlib.model.gradcheck import numerical_gradient, relative_error

FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None)
STRICT = dict(over="raise", invalid="raise", divide="raise")


def one_hot(y, k):
    out = np.zeros((len(y), k))
    out[np.arange(len(y)), y] = 1.0
    return out


# ---------------------------------------------------------------- values


def test_mse_value_is_mean_over_batch_of_sum_over_outputs():
    a = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 3.0]])
    y = np.array([[0.0, 2.0], [1.0, 1.0], [3.0, 0.0]])
    loss, grad = Lo.mse(a, y)
    # (1 + 0 + 1 + 4 + 0 + 9) / 3, no factor 1/2
    assert loss == pytest.approx(15 / 3, rel=1e-15)
    np.testing.assert_allclose(grad, 2 * (a - y) / 3, rtol=1e-15)
    assert isinstance(loss, float)


def test_mse_single_sample_is_xor_chapter_loss():
    loss, grad = Lo.mse(np.array([[0.75]]), np.array([[1.0]]))
    assert loss == pytest.approx(0.0625)  # (y - o)^2
    assert grad[0, 0] == pytest.approx(-0.5)  # 2 (o - y)


def test_binary_cross_entropy_value():
    p = np.array([[0.9, 0.2], [0.4, 0.5]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    loss, grad = Lo.binary_cross_entropy(p, y)
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.6) + np.log(0.5)) / 2
    assert loss == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(grad, (-y / p + (1 - y) / (1 - p)) / 2, rtol=1e-12)


def test_softmax_cross_entropy_value_int_and_one_hot_agree(rng):
    z = rng.standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    expected = -np.mean(np.log(softmax(z)[np.arange(5), y]))
    loss_int, grad_int = Lo.softmax_cross_entropy(z, y)
    loss_hot, grad_hot = Lo.softmax_cross_entropy(z, one_hot(y, 4))
    assert loss_int == pytest.approx(expected, rel=1e-13)
    assert loss_hot == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(grad_int, (softmax(z) - one_hot(y, 4)) / 5, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad_hot, grad_int, rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_accepts_whole_number_float_labels(rng):
    z = rng.standard_normal((3, 3))
    a = Lo.softmax_cross_entropy(z, np.array([0.0, 2.0, 1.0]))
    b = Lo.softmax_cross_entropy(z, np.array([0, 2, 1]))
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])


def test_softmax_cross_entropy_does_not_modify_its_inputs(rng):
    z = rng.standard_normal((4, 3))
    y = np.array([0, 1, 2, 0])
    z0, y0 = z.copy(), y.copy()
    Lo.softmax_cross_entropy(z, y)
    Lo.mse(z, one_hot(y, 3))
    np.testing.assert_array_equal(z, z0)
    np.testing.assert_array_equal(y, y0)


def test_loss_names():
    assert set(Lo.LOSSES) == {"mse", "binary_cross_entropy", "softmax_cross_entropy"}


# -------------------------------------------------------------- gradients


def check_loss_gradient(loss_fn, x, y):
    _, analytic = loss_fn(x, y)
    numeric = numerical_gradient(lambda: loss_fn(x, y)[0], x)
    assert analytic.shape == x.shape
    return relative_error(analytic, numeric)


def test_mse_gradient(rng):
    a = rng.standard_normal((6, 3))
    y = rng.standard_normal((6, 3))
    assert check_loss_gradient(Lo.mse, a, y) < 1e-6


def test_binary_cross_entropy_gradient(rng):
    p = rng.uniform(0.05, 0.95, size=(6, 2))
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    assert check_loss_gradient(Lo.binary_cross_entropy, p, y) < 1e-6


def test_binary_cross_entropy_gradient_with_soft_targets(rng):
    p = rng.uniform(0.05, 0.95, size=(5, 3))
    y = rng.uniform(0, 1, size=(5, 3))
    assert check_loss_gradient(Lo.binary_cross_entropy, p, y) < 1e-6


def test_binary_cross_entropy_with_logits_gradient(rng):
    z = rng.standard_normal((6, 2)) * 3
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    assert check_loss_gradient(Lo.binary_cross_entropy_with_logits, z, y) < 1e-6


def test_softmax_cross_entropy_gradient_int_labels(rng):
    z = rng.standard_normal((7, 4)) * 2
    y = rng.integers(0, 4, size=7)
    assert check_loss_gradient(Lo.softmax_cross_entropy, z, y) < 1e-6


def test_softmax_cross_entropy_gradient_one_hot(rng):
    z = rng.standard_normal((7, 4)) * 2
    y = one_hot(rng.integers(0, 4, size=7), 4)
    assert check_loss_gradient(Lo.softmax_cross_entropy, z, y) < 1e-6


def test_softmax_cross_entropy_gradient_soft_targets(rng):
    z = rng.standard_normal((5, 3))
    y = softmax(rng.standard_normal((5, 3)))
    assert check_loss_gradient(Lo.softmax_cross_entropy, z, y) < 1e-6


# -------------------------------------------------- consistency / stability


@pytest.mark.parametrize("scale", [0.1, 1.0, 3.0, 5.0])
def test_bce_with_logits_equals_bce_of_sigmoid(scale, rng):
    # moderate logits: beyond |z| ~ 27 the probability form clips p to 1 - 1e-12
    # (and loses digits in log(1 - p) well before), so only the logit form is exact there
    z = np.clip(rng.standard_normal((8, 3)) * scale, -12, 12)
    y = rng.integers(0, 2, size=(8, 3)).astype(float)
    loss_logits, grad_logits = Lo.binary_cross_entropy_with_logits(z, y)
    loss_p, grad_p = Lo.binary_cross_entropy(sigmoid(z), y)
    assert loss_logits == pytest.approx(loss_p, rel=1e-9)
    # chain rule: dL/dz = dL/dp * sigma'(z)
    np.testing.assert_allclose(grad_logits, grad_p * sigmoid_derivative(z), rtol=1e-7, atol=1e-15)


def test_bce_of_exact_zero_and_one_is_finite():
    p = np.array([[0.0, 1.0, 0.0, 1.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(**STRICT):
            loss, grad = Lo.binary_cross_entropy(p, y)
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    # two right answers cost ~0, two certain wrong ones cost -log(1e-12) each
    assert loss == pytest.approx(2 * -np.log(Lo.EPS), rel=1e-6)
    right = Lo.binary_cross_entropy(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]))[0]
    assert 0 <= right < 1e-10


def test_bce_with_logits_extreme_logits_exact_and_quiet():
    z = np.array([[1000.0, -1000.0, 1000.0, -1000.0]])
    y = np.array([[1.0, 0.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(**STRICT):
            loss, grad = Lo.binary_cross_entropy_with_logits(z, y)
    # right with certainty costs 0; wrong costs |z| = 1000 each
    assert loss == pytest.approx(2000.0, rel=1e-15)
    np.testing.assert_array_equal(grad, [[0.0, 0.0, 1.0, -1.0]])


def test_softmax_cross_entropy_large_logits_finite_and_quiet():
    z = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(**STRICT):
            right, g_right = Lo.softmax_cross_entropy(z, np.array([0, 0]))
            wrong, g_wrong = Lo.softmax_cross_entropy(z, np.array([2, 2]))
    assert np.isfinite(right) and np.isfinite(wrong)
    assert np.all(np.isfinite(g_right)) and np.all(np.isfinite(g_wrong))
    # sample 1: -log 1 = 0; sample 2: -log(1/2)
    assert right == pytest.approx(np.log(2) / 2, rel=1e-12)
    # wrong: 2000 for sample 1 and 1000 + log 2 for sample 2
    assert wrong == pytest.approx((2000 + 1000 + np.log(2)) / 2, rel=1e-12)


@FAST
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(2, 5)),
               elements=st.floats(-30, 30, allow_nan=False)),
    st.floats(-500, 500, allow_nan=False),
)
def test_softmax_cross_entropy_shift_invariant_and_nonnegative(z, c):
    y = np.arange(z.shape[0]) % z.shape[1]
    loss, grad = Lo.softmax_cross_entropy(z, y)
    loss_c, grad_c = Lo.softmax_cross_entropy(z + c, y)
    assert loss >= 0
    assert loss_c == pytest.approx(loss, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(grad_c, grad, atol=1e-9)
    # each row of dL/dz sums to 0
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-12)


@FAST
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)),
                  elements=st.floats(-10, 10, allow_nan=False)))
def test_mse_nonnegative_zero_at_target(a):
    assert Lo.mse(a, a)[0] == 0.0
    assert Lo.mse(a, np.zeros_like(a))[0] >= 0


# ---------------------------------------------------------------- dtypes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_keep_dtype_of_first_argument(dtype, rng):
    z = rng.standard_normal((4, 3)).astype(dtype)
    y01 = rng.integers(0, 2, size=(4, 3)).astype(np.float64)  # float64 targets must not upcast
    labels = np.array([0, 2, 1, 1])
    p = sigmoid(z)
    for fn, x, y in [
        (Lo.mse, z, y01),
        (Lo.binary_cross_entropy, p, y01),
        (Lo.binary_cross_entropy_with_logits, z, y01),
        (Lo.softmax_cross_entropy, z, labels),
        (Lo.softmax_cross_entropy, z, one_hot(labels, 3)),
    ]:
        loss, grad = fn(x, y)
        assert isinstance(loss, float)
        assert grad.dtype == dtype, fn.__name__


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("fn", [Lo.mse, Lo.binary_cross_entropy, Lo.binary_cross_entropy_with_logits])
def test_elementwise_losses_shape_mismatch_names_both_shapes(fn):
    with pytest.raises(ValueError, match=r"the targets y must have shape \(4, 2\); got shape \(4, 3\)"):
        fn(np.full((4, 2), 0.5), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"the targets y must have shape \(4, 1\); got shape \(4,\)"):
        fn(np.full((4, 1), 0.5), np.zeros(4))


@pytest.mark.parametrize("fn", [Lo.mse, Lo.binary_cross_entropy, Lo.binary_cross_entropy_with_logits,
                                Lo.softmax_cross_entropy])
def test_losses_need_two_dimensional_predictions(fn):
    with pytest.raises(ValueError, match=r"must have shape \(N, K\); got shape \(4,\)"):
        fn(np.full(4, 0.5), np.zeros(4))


def test_softmax_cross_entropy_label_errors():
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"labels from 0 to 3; got values such as \[4\]"):
        Lo.softmax_cross_entropy(z, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"labels from 0 to 3; got values such as \[-1\]"):
        Lo.softmax_cross_entropy(z, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match=r"whole-number class labels; got values such as \[1.5\]"):
        Lo.softmax_cross_entropy(z, np.array([0.0, 1.5, 1.0]))
    with pytest.raises(ValueError, match=r"must have 3 labels, one per sample; got 2"):
        Lo.softmax_cross_entropy(z, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"the one-hot targets y must have shape \(3, 4\); got shape \(3, 3\)"):
        Lo.softmax_cross_entropy(z, np.eye(3))
    with pytest.raises(ValueError, match=r"whole-number class labels; got values such as \[nan\]"):
        Lo.softmax_cross_entropy(z, np.array([0.0, np.nan, 1.0]))


def test_bce_of_exact_one_is_finite_in_float32():
    p = np.array([[1.0, 0.0, 1.0, 0.0]], dtype=np.float32)
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(**STRICT):
            loss, grad = Lo.binary_cross_entropy(p, y)
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert grad.dtype == np.float32


def test_bce_of_exact_zero_is_finite_in_float32():
    # p = 0 is fine in float32 (1e-12 is representable); only p = 1 is not (see above)
    loss, grad = Lo.binary_cross_entropy(np.array([[0.0]], dtype=np.float32), np.array([[1.0]]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
