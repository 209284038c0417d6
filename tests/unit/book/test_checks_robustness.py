"""nnlib.book.checks keeps its promise: a wrong answer never raises, a function
that never returns is given up on within the time limit, and every hint names
what is actually wrong (the dtype found, a ratio that is no constant factor,
a matrix product whose shapes do not fit, values in the wrong order, ...)."""

from __future__ import annotations

import signal
import sys
import threading
import time
import warnings

import numpy as np
import pytest

from nnlib.book import checks
from nnlib.model import activations

CHECKS = [checks.check_sigmoid_derivative, checks.check_relu_derivative, checks.check_mse_gradient,
          checks.check_softmax_cross_entropy, checks.check_dense_backward, checks.check_adam_step]
FAST = 0.25  # seconds: the time limit of the timeout tests (the default is 5 s)


# ---------------------------------------------------------------------------
# helpers


def failures(result) -> list[str]:
    return [m for m in result.messages if m.startswith(checks.FAIL)]


def assert_hint(result, *words, absent=()):
    """The check returned a report, failed, and some failure message holds every
    word (case-insensitive); no failure message holds a word of ``absent``."""
    assert isinstance(result, checks.CheckResult), type(result)
    assert not result.passed, str(result)
    text = [m.lower() for m in failures(result)]
    assert any(all(w.lower() in m for w in words) for m in text), str(result)
    for w in absent:
        assert not any(w.lower() in m for m in text), f"{w!r} should not appear:\n{result}"


def sig(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax_ce(z, y):
    n = z.shape[0]
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    g = np.exp(log_p)
    g[np.arange(n), y] -= 1
    return float(-log_p[np.arange(n), y].mean()), g / n


def dense(dz, x, W):
    return dz @ W.T, x.T @ dz, dz.sum(axis=0)


def adam(p, g, m, s, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    s = beta2 * s + (1 - beta2) * g * g
    p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(s / (1 - beta2**t)) + eps)
    return p, m, s


class BadArray:
    """An object whose conversion to an array raises."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array for you")


class Unprintable(Exception):
    """An exception whose message cannot be printed."""

    def __str__(self):
        raise RuntimeError("cannot print")


def returning(value):
    """A learner's function for any check that returns ``value`` whatever it is given."""
    return lambda *args, **kw: value


# ---------------------------------------------------------------------------
# several right answers pass, in float32 and float64 (each check tests both)


RIGHT = [
    (checks.check_sigmoid_derivative, lambda z: sig(z) * (1 - sig(z))),
    (checks.check_sigmoid_derivative, lambda z: 0.25 * (1 - np.tanh(z / 2) ** 2)),
    (checks.check_sigmoid_derivative, lambda z: np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))) ** 2),
    (checks.check_relu_derivative, lambda z: (z > 0).astype(z.dtype)),
    (checks.check_relu_derivative, lambda z: np.where(z > 0, 1, 0).astype(z.dtype)),
    (checks.check_relu_derivative, lambda z: np.heaviside(z, 0).astype(z.dtype)),
    (checks.check_mse_gradient, lambda a, y: 2 * (a - y) / len(a)),
    (checks.check_mse_gradient, lambda a, y: (a - y) * (2 / a.shape[0])),
    (checks.check_mse_gradient, lambda a, y: (float(np.mean(np.sum((a - y) ** 2, axis=1))), 2 * (a - y) / len(a))),
    (checks.check_softmax_cross_entropy, softmax_ce),
    (checks.check_softmax_cross_entropy,
     lambda z, y: (lambda p: (float(-np.mean(np.log(np.take_along_axis(p, y[:, None], 1)))),
                              (p - np.eye(z.shape[1], dtype=z.dtype)[y]) / len(y)))(
         np.exp(z - z.max(1, keepdims=True)) / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))),
    (checks.check_dense_backward, dense),
    (checks.check_dense_backward, lambda dz, x, W: [np.dot(dz, W.T), np.dot(x.T, dz), np.sum(dz, axis=0)]),
    (checks.check_dense_backward, lambda dz, x, W: (np.einsum("nj,ij->ni", dz, W), np.einsum("ni,nj->ij", x, dz),
                                                    np.einsum("nj->j", dz))),
    (checks.check_adam_step, adam),
]


@pytest.mark.parametrize("check, fn", RIGHT)
def test_right_answers_pass_in_float32_and_float64(check, fn):
    result = check(fn)
    assert result.passed, str(result)
    assert not failures(result)
    passed = [m for m in result.messages if m.startswith(checks.PASS)]
    if check is not checks.check_adam_step:
        assert any("float32" in m for m in passed), str(result)


def test_adam_updating_in_place_passes():
    def in_place(p, g, m, s, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        m *= beta1
        m += (1 - beta1) * g
        s *= beta2
        s += (1 - beta2) * g**2
        p -= lr * (m / (1 - beta1**t)) / (np.sqrt(s / (1 - beta2**t)) + eps)
        return [p, m, s]

    result = checks.check_adam_step(in_place)
    assert result.passed, str(result)


# ---------------------------------------------------------------------------
# bizarre returns: a report, never an exception


def gen_fn(*args, **kw):
    yield 1.0


ELEMENTWISE_BIZARRE = [
    ("a ragged list", returning([[1.0], [1.0, 2.0]]), ("ragged",)),
    ("an object-dtype array", lambda z: np.asarray(z, dtype=object), ("dtype object", "python objects", "float")),
    ("a list with None", lambda z: [None] * len(z), ("python objects", "nonetype")),
    ("None", returning(None), ("none", "forget `return`")),
    ("a string", returning("todo"), ("string", "'todo'")),
    ("an array of strings", lambda z: np.full(z.shape, "x"), ("strings", "<u1")),
    ("a dict", returning({"dz": 1.0}), ("dict", "'dz'")),
    ("a set", returning({1.0, 2.0}), ("set",)),
    ("a generator function", gen_fn, ("generator",)),
    ("a generator expression", lambda z: (v for v in z), ("generator",)),
    ("a map", lambda z: map(float, z.ravel()), ("map",)),
    ("a function", lambda z: np.exp, ("function", "call it")),
    ("complex numbers", lambda z: z + 0j, ("complex",)),
    ("NaN", lambda z: np.full_like(z, np.nan), ("nan",)),
    ("infinity", lambda z: np.full_like(z, np.inf), ("infinite",)),
    ("a huge array", lambda z: np.zeros((2000, 3000)), ("shape (2000, 3000)",)),
    ("a single number", returning(0.5), ("one number",)),
    ("a raising __array__", returning(BadArray()), ("badarray", "could not be turned into an array", "no array for you")),
    ("a datetime array", lambda z: np.zeros(z.shape, dtype="datetime64[s]"), ("datetime64",)),
]


@pytest.mark.parametrize("check", [checks.check_sigmoid_derivative, checks.check_relu_derivative])
@pytest.mark.parametrize("label, fn, words", ELEMENTWISE_BIZARRE, ids=[b[0] for b in ELEMENTWISE_BIZARRE])
def test_bizarre_returns_of_an_elementwise_function(check, label, fn, words):
    assert_hint(check(fn), *words)


def loss_pair(value):
    """A (loss, gradient) function whose gradient is ``value`` and loss is right."""
    return lambda z, y: (softmax_ce(z, y)[0], value)


TUPLE_BIZARRE = [
    # the examples
    (checks.check_mse_gradient, returning(([1.0, [2.0]], 3)), ("the loss", "ragged")),
    (checks.check_softmax_cross_entropy, loss_pair("todo"), ("dl/dz", "string", "'todo'")),
    (checks.check_softmax_cross_entropy, lambda z, y: (softmax_ce(z, y)[0], np.asarray(z, dtype=object)),
     ("dl/dz", "python objects")),
    # None, strings, dicts, generators, wrong lengths
    (checks.check_softmax_cross_entropy, returning(None), ("should return 2", "none", "forget `return`")),
    (checks.check_dense_backward, returning(None), ("should return 3", "none")),
    (checks.check_adam_step, returning("p, m, s"), ("should return 3", "str")),
    (checks.check_dense_backward, returning({"dx": 1, "dW": 2, "db": 3}), ("should return 3", "dict", "'dx'")),
    (checks.check_adam_step, gen_fn, ("should return 3", "generator")),
    (checks.check_softmax_cross_entropy, lambda z, y: (v for v in softmax_ce(z, y)), ("should return 2", "generator")),
    (checks.check_dense_backward, lambda dz, x, W: dense(dz, x, W)[:2], ("should return 3", "tuple of length 2")),
    (checks.check_dense_backward, lambda dz, x, W: dense(dz, x, W) + (0,), ("should return 3", "tuple of length 4")),
    (checks.check_softmax_cross_entropy, lambda z, y: softmax_ce(z, y) + (1,), ("should return 2", "length 3")),
    (checks.check_mse_gradient, lambda a, y: (1.0, 2 * (a - y) / len(a), 0), ("tuple of length 3",)),
    (checks.check_dense_backward, lambda dz, x, W: np.zeros((3, 2)), ("should return 3", "numpy array of shape (3, 2)")),
    # bad items inside a right-length tuple
    (checks.check_dense_backward, lambda dz, x, W: (None, x.T @ dz, dz.sum(0)), ("gradient for x", "none")),
    (checks.check_dense_backward, lambda dz, x, W: (dz @ W.T, [[1.0], [2.0, 3.0]], dz.sum(0)),
     ("gradient for w", "ragged")),
    (checks.check_adam_step, lambda p, g, m, s, t, **kw: (p, m + 1j, s), ("m", "complex")),
    (checks.check_adam_step, lambda p, g, m, s, t, **kw: (BadArray(), m, s), ("the new p", "no array for you")),
    (checks.check_softmax_cross_entropy, lambda z, y: ("1.6", softmax_ce(z, y)[1]), ("the loss", "string")),
    (checks.check_softmax_cross_entropy, lambda z, y: (np.nan, softmax_ce(z, y)[1]), ("the loss", "nan")),
    (checks.check_softmax_cross_entropy, lambda z, y: (np.inf, softmax_ce(z, y)[1]), ("the loss", "inf")),
    (checks.check_softmax_cross_entropy, lambda z, y: (1.6 + 0j, softmax_ce(z, y)[1]), ("the loss", "complex")),
    (checks.check_mse_gradient, returning(np.zeros(10**6)), ("shape (1000000,)",)),
    (checks.check_mse_gradient, returning(None), ("none", "return")),
]


@pytest.mark.parametrize("check, fn, words", TUPLE_BIZARRE)
def test_bizarre_returns_of_a_function_with_several_results(check, fn, words):
    assert_hint(check(fn), *words)


BIZARRE_FOR_ALL = [returning(None), returning("todo"), returning({}), gen_fn, returning(1 + 2j),
                   returning([[1.0], [1.0, 2.0]]), returning(np.array([None, 1.0], dtype=object)),
                   returning(BadArray()), returning(np.full((3, 3), np.nan)), returning((None, None, None)),
                   returning(("a", "b")), returning(((1, [2]), (3, [4, 5]), 6)), returning(object()),
                   returning(np.zeros((500, 500, 4))), returning(lambda: 0), returning(b"bytes"),
                   returning(float("inf")), returning(np.datetime64("2020-01-01"))]


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
@pytest.mark.parametrize("fn", BIZARRE_FOR_ALL)
def test_no_bizarre_return_makes_any_check_raise(check, fn):
    result = check(fn)
    assert isinstance(result, checks.CheckResult)
    assert not result.passed and failures(result), str(result)
    assert str(result).splitlines()[0].startswith(f"{check.__name__}: not yet")


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
@pytest.mark.parametrize("error", [ValueError("bad"), Unprintable(), SystemExit(1), RecursionError("deep"),
                                   MemoryError(), ZeroDivisionError("division by zero")],
                         ids=lambda e: type(e).__name__)
def test_whatever_the_function_raises_is_reported(check, error):
    def raises(*args, **kw):
        raise error

    result = check(raises)
    assert_hint(result, f"raised {type(error).__name__}", "it was called with")


def test_a_multiline_error_message_stays_on_one_report_line():
    def raises(z):
        raise ValueError("line one\nline two\n" + "x" * 1000)

    result = checks.check_relu_derivative(raises)
    assert_hint(result, "line one line two")
    assert len(str(result).splitlines()) == 2, str(result)
    assert len(failures(result)[0]) < 600


def test_checks_do_not_raise_under_strict_numpy_and_warning_settings():
    """A notebook may turn NumPy's floating-point errors and warnings into
    exceptions; the check's own arithmetic on absurd values still reports."""
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        result = checks.check_dense_backward(lambda dz, x, W: (dz @ W.T * 1e308, x.T @ dz * 1e308, dz.sum(0)))
        assert_hint(result, "gradient for x")
        result = checks.check_sigmoid_derivative(lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2)
        assert_hint(result, "nan", "overflow")


def test_the_safety_net_reports_a_failure_of_the_checks_own_code(monkeypatch):
    """Should the check's own code fail, the report says so instead of raising."""
    def broken(*args, **kw):
        raise TypeError("internal")

    monkeypatch.setattr(checks, "_swapped", broken)
    assert_hint(checks.check_dense_backward(dense), "could not make sense", "typeerror: internal")


def test_wrong_arguments_to_the_check_itself_raise():
    """Only the learner's function is protected: a bad timeout or seed is the caller's error."""
    with pytest.raises(ValueError, match="timeout"):
        checks.check_relu_derivative(lambda z: z, timeout=0)
    with pytest.raises(ValueError, match="seed"):
        checks.check_relu_derivative(lambda z: z, seed=-1)


# ---------------------------------------------------------------------------
# typical mistakes get a hint that names the real problem


def test_sigmoid_with_a_sign_error_in_one_minus_sigma():
    assert_hint(checks.check_sigmoid_derivative(lambda z: sig(z) * (1 + sig(z))), "sign error", "1 + sigma(z)")


def test_sigmoid_with_the_tanh_form():
    assert_hint(checks.check_sigmoid_derivative(lambda z: 1 - sig(z) ** 2), "tanh")


@pytest.mark.parametrize("check, fn", [
    (checks.check_relu_derivative, lambda z: (z > 0).astype(z.dtype).T),
    (checks.check_sigmoid_derivative, lambda z: (sig(z) * (1 - sig(z))).T if z.ndim == 2 and z.shape[0] != z.shape[1]
     else np.zeros((1, 1))),
])
def test_a_transposed_elementwise_result_is_not_blamed_on_a_matrix_product(check, fn):
    assert_hint(check(fn), "looks transposed", "elementwise", absent=("matrix product",))


def test_relu_derivative_in_integers_names_int64_not_the_float64_upcast():
    result = checks.check_relu_derivative(lambda z: (z > 0).astype(np.int64))
    assert_hint(result, "dtype int64", "integers", absent=("upcast", "float64 scalar"))


def test_relu_derivative_as_a_list_names_the_list_not_the_float64_upcast():
    result = checks.check_relu_derivative(lambda z: (z > 0).astype(float).tolist())
    assert_hint(result, "float32", "list of length 4", absent=("upcast", "float64 scalar"))


def test_a_float16_result_names_float16():
    result = checks.check_sigmoid_derivative(lambda z: (sig(z) * (1 - sig(z))).astype(np.float16))
    assert not result.passed
    assert_hint(checks.check_relu_derivative(lambda z: (z > 0).astype(np.float16)), "float16",
                absent=("upcast",))


def test_a_float64_array_for_float32_input_gets_the_upcast_hint():
    assert_hint(checks.check_relu_derivative(lambda z: (z > 0) * 1.0), "dtype float64", "expected float32", "upcast")


def test_a_float32_result_for_float64_input_names_float32():
    assert_hint(checks.check_relu_derivative(lambda z: (z > 0).astype(np.float32)),
                "dtype float32", "expected float64", absent=("upcast",))


def test_softmax_normalised_over_the_wrong_axis_is_not_called_a_constant_factor():
    def wrong_axis(z, y):
        n = len(y)
        p = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
        g = p.copy()
        g[np.arange(n), y] -= 1
        return float(-np.mean(np.log(p[np.arange(n), y]))), g / n

    result = checks.check_softmax_cross_entropy(wrong_axis)
    assert_hint(result, "the loss", "wrong axis", "axis=1", absent=("constant factor",))
    assert_hint(result, "dl/dz", "wrong axis")


def test_softmax_normalised_over_the_whole_array():
    def whole(z, y):
        n = len(y)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum()
        g = p.copy()
        g[np.arange(n), y] -= 1
        return float(-np.mean(np.log(p[np.arange(n), y]))), g / n

    assert_hint(checks.check_softmax_cross_entropy(whole), "the loss", "whole array", absent=("constant factor",))


def test_a_wrong_scalar_loss_gets_its_values_and_ratio_not_a_constant_factor():
    result = checks.check_softmax_cross_entropy(lambda z, y: (softmax_ce(z, y)[0] + 0.1, softmax_ce(z, y)[1]))
    assert_hint(result, "the loss is 1.74839, expected 1.64839", "1.061 times the expected value",
                absent=("constant factor",))
    result = checks.check_mse_gradient(lambda a, y: (float(np.sum((a - y) ** 2)) / 3.7, 2 * (a - y) / len(a)))
    assert_hint(result, "the loss is", "times the expected value", absent=("constant factor",))


def test_known_factors_of_a_scalar_loss_keep_their_hint():
    assert_hint(checks.check_softmax_cross_entropy(
        lambda z, y: (softmax_ce(z, y)[0] / np.log(10), softmax_ce(z, y)[1])), "np.log10")
    assert_hint(checks.check_softmax_cross_entropy(
        lambda z, y: (-softmax_ce(z, y)[0], softmax_ce(z, y)[1])), "wrong sign", "never negative")
    assert_hint(checks.check_mse_gradient(
        lambda a, y: (float(np.mean(np.sum((a - y) ** 2, axis=1))) / 2, 2 * (a - y) / len(a))), "no 1/2")


def test_a_missing_transpose_in_the_dense_backward_names_the_product_and_its_shapes():
    result = checks.check_dense_backward(lambda dz, x, W: (dz @ W, x.T @ dz, dz.sum(axis=0)))
    assert_hint(result, "raised valueerror", "`dz @ w`", "dz has shape (4, 2)", "w has shape (3, 2)",
                "transpose", "missing or one too many", "dx of shape (4, 3)")


def test_an_extra_transpose_in_the_dense_backward_is_explained_too():
    result = checks.check_dense_backward(lambda dz, x, W: (dz @ W.T, x @ dz, dz.sum(axis=0)))
    assert_hint(result, "`x @ dz`", "x has shape (4, 3)", "dz has shape (4, 2)", "transpose")
    result = checks.check_dense_backward(lambda dz, x, W: (dz @ W.T, x.T.T @ dz, dz.sum(axis=0)))
    assert_hint(result, "`x.T.T @ dz`", "x.t.t has shape (4, 3)", "transpose")


def test_a_shape_error_in_np_dot_is_explained_as_a_transpose():
    result = checks.check_dense_backward(lambda dz, x, W: (np.dot(dz, W), x.T @ dz, dz.sum(axis=0)))
    assert_hint(result, "`np.dot(dz, w)`", "dz has shape (4, 2)", "w has shape (3, 2)", "transpose")


def test_a_shape_error_in_a_product_of_expressions_still_gets_the_transpose_hint():
    result = checks.check_dense_backward(lambda dz, x, W: ((2 * dz) @ W / 2, x.T @ dz, dz.sum(axis=0)))
    assert_hint(result, "matrix product", "(2 * dz) @ w", "inner sizes differ (2 and 3)", "transpose")


def test_a_broadcast_error_is_explained_with_keepdims():
    def no_keepdims(z, y):
        e = np.exp(z)
        p = e / e.sum(axis=1)
        return 0.0, p

    assert_hint(checks.check_softmax_cross_entropy(no_keepdims), "e / e.sum(axis=1)", "shapes (4,3) and (4,)",
                "keepdims=true")


@pytest.mark.parametrize("check, fn, words", [
    (checks.check_dense_backward, lambda dz, x, W: (x.T @ dz, dz @ W.T, dz.sum(0)), ("wrong order", "(dw, dx, db)",
                                                                                     "(dx, dw, db)")),
    (checks.check_dense_backward, lambda dz, x, W: (dz.sum(0), dz @ W.T, x.T @ dz), ("wrong order", "(db, dx, dw)")),
    (checks.check_dense_backward, lambda dz, x, W: (2 * x.T @ dz, dz @ W.T, dz.sum(0)), ("shapes suggest",
                                                                                         "(dw, dx, db)")),
    (checks.check_softmax_cross_entropy, lambda z, y: softmax_ce(z, y)[::-1], ("wrong order", "(dl/dz, l)")),
    (checks.check_mse_gradient, lambda a, y: (2 * (a - y) / len(a), float(np.mean(np.sum((a - y) ** 2, 1)))),
     ("wrong order", "(dl/da, l)")),
    (checks.check_adam_step, lambda *a, **k: tuple(adam(*a, **k)[i] for i in (0, 2, 1)), ("wrong order",
                                                                                          "(p, s, m)")),
    (checks.check_adam_step, lambda *a, **k: tuple(adam(*a, **k)[i] for i in (1, 2, 0)), ("wrong order",
                                                                                          "(m, s, p)")),
])
def test_values_in_the_wrong_order_are_recognized(check, fn, words):
    assert_hint(check(fn), *words)


def test_the_adam_check_speaks_of_m_and_s():
    """The book's notation: Adam's moments are m and s; no v in any report or in the docs."""
    result = checks.check_adam_step(lambda p, g, m, s, t, **kw: (p, m, s))
    text = str(result)
    for forbidden in (" v ", " v,", "(v", "v_new", "v-hat", "new p, m and v"):
        assert forbidden not in text, text
        assert forbidden not in checks.check_adam_step.__doc__
        assert forbidden not in checks.__doc__
    assert "-> (p, m, s)" in checks.__doc__ and "m, s, t, lr" in checks.__doc__
    assert_hint(checks.check_adam_step(returning((1, 2))), "the new p, m and s")


# ---------------------------------------------------------------------------
# a function that never returns: the check gives up and says so


def spin(*args, **kw):
    while True:
        pass


def sleep_long(*args, **kw):
    time.sleep(100)


def timed(check, fn, **kw):
    start = time.monotonic()
    result = check(fn, **kw)
    return result, time.monotonic() - start


def alarm_state():
    return signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)


posix = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="SIGALRM timers need POSIX")


@pytest.mark.parametrize("fn", [spin, sleep_long], ids=["while True", "time.sleep(100)"])
@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_a_function_that_never_returns_is_given_up_on(check, fn):
    result, seconds = timed(check, fn, timeout=FAST)
    assert_hint(result, "still running", f"time limit of {FAST:g} s", "gave up")
    assert seconds < FAST + 1.5, seconds
    assert len(failures(result)) == 1, str(result)  # reported once, no further calls


@posix
def test_a_timeout_leaves_no_timer_armed_and_the_handler_in_place():
    seen = []

    def mine(signum, frame):
        seen.append(signum)

    old = signal.signal(signal.SIGALRM, mine)
    try:
        for fn in (spin, sleep_long, lambda z: (z > 0).astype(z.dtype), lambda z: 1 / 0):
            checks.check_relu_derivative(fn, timeout=0.3)
            handler, timer = alarm_state()
            assert handler is mine
            assert timer == (0.0, 0.0)
        time.sleep(0.25)  # a timer left armed (with its 0.1 s repeat) would fire here
        assert seen == []
    finally:
        signal.signal(signal.SIGALRM, old)


@posix
def test_the_real_default_time_limit():
    assert checks.TIMEOUT_SECONDS == 5.0
    result, seconds = timed(checks.check_relu_derivative, spin)
    assert_hint(result, "time limit of 5 s")
    assert 4.9 < seconds < 7, seconds


def test_the_time_limit_is_the_module_constant_when_not_given(monkeypatch):
    monkeypatch.setattr(checks, "TIMEOUT_SECONDS", 0.3)
    result, seconds = timed(checks.check_sigmoid_derivative, spin)
    assert_hint(result, "time limit of 0.3 s")
    assert seconds < 1.5


def test_the_time_limit_covers_all_calls_together():
    """A function that takes 0.1 s per call runs out of 0.5 s during the
    finite differences (24 calls after 1 for the loss), and the report says where."""
    def slow(z, y):
        time.sleep(0.1)
        return softmax_ce(z, y)

    result, seconds = timed(checks.check_softmax_cross_entropy, slow, timeout=0.5)
    assert_hint(result, "finite differences", "time limit of 0.5 s")
    assert seconds < 1.5


def test_a_function_that_catches_exception_is_still_stopped():
    def stubborn(z):
        while True:
            try:
                time.sleep(10)
            except Exception:
                pass

    result, seconds = timed(checks.check_relu_derivative, stubborn, timeout=0.3)
    assert_hint(result, "time limit")
    assert seconds < 1.5


@posix
def test_a_function_that_swallows_the_interruption_and_returns_is_still_reported():
    def swallow(z):
        try:
            while True:
                pass
        except BaseException:
            return (z > 0).astype(z.dtype)

    result, seconds = timed(checks.check_relu_derivative, swallow, timeout=0.3)
    assert_hint(result, "time limit")
    assert seconds < 1.5


def test_a_check_after_a_timeout_works_normally():
    checks.check_relu_derivative(spin, timeout=0.2)
    result = checks.check_relu_derivative(lambda z: (z > 0).astype(z.dtype))
    assert result.passed, str(result)


def test_in_another_thread_the_check_stops_waiting_and_says_the_function_may_still_run():
    """Off the main thread no signal can interrupt: the fallback waits in a
    worker thread and gives up (the test stops its loop afterwards)."""
    stop = threading.Event()

    def loop(z):
        while not stop.is_set():
            time.sleep(0.01)

    box = []
    runner = threading.Thread(target=lambda: box.append(timed(checks.check_relu_derivative, loop, timeout=0.3)))
    try:
        runner.start()
        runner.join(5)
        (result, seconds), = box
        assert_hint(result, "time limit of 0.3 s", "still be running in the background")
        assert seconds < 1.5
        # and a right answer still passes there, with NumPy warnings still noted
        box.clear()
        naive = lambda z: 1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z)))  # noqa: E731
        other = threading.Thread(target=lambda: box.append(checks.check_sigmoid_derivative(naive)))
        other.start()
        other.join(5)
        assert box[0].passed, str(box[0])
        assert any(m.startswith(checks.NOTE) and "overflow" in m for m in box[0].messages), str(box[0])
    finally:
        stop.set()


@posix
def test_a_timer_armed_by_someone_else_is_left_alone():
    """With another timer running the check uses the thread fallback and
    neither replaces the handler nor touches the timer."""
    seen, stop = [], threading.Event()

    def theirs(signum, frame):
        seen.append(signum)

    def loop(z):
        while not stop.is_set():
            time.sleep(0.01)

    old = signal.signal(signal.SIGALRM, theirs)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        result = checks.check_relu_derivative(loop, timeout=0.3)
        assert_hint(result, "time limit", "background")
        handler, (remaining, _) = alarm_state()
        assert handler is theirs and 25 < remaining <= 30
        assert checks.check_relu_derivative(lambda z: (z > 0).astype(z.dtype)).passed
    finally:
        stop.set()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert seen == []


def test_a_keyboard_interrupt_still_stops_the_check():
    """Only the learner's mistakes are caught: the user's interrupt goes through,
    and leaves no timer armed."""
    def interrupted(z):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checks.check_relu_derivative(interrupted)
    if hasattr(signal, "setitimer"):
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_system_exit_is_reported_not_raised():
    assert_hint(checks.check_relu_derivative(lambda z: sys.exit(3)), "raised systemexit")


def test_sigmoid_mistakes_are_found_at_large_z_too():
    result = checks.check_sigmoid_derivative(lambda z: sig(z) * (1 + sig(z)))
    assert sum("sign error" in m for m in failures(result)) == 4, str(result)


def test_reports_stay_deterministic_with_the_new_hints():
    fn = lambda dz, x, W: (dz @ W, x.T @ dz, dz.sum(0))  # noqa: E731
    assert str(checks.check_dense_backward(fn)) == str(checks.check_dense_backward(fn))


def test_the_library_softmax_is_not_mistaken_for_a_wrong_axis():
    """The probabilities the wrong-axis hints compare with differ from the right ones."""
    result = checks.check_softmax_cross_entropy(lambda z, y: (softmax_ce(z, y)[0], activations.softmax(z) / len(y)))
    assert_hint(result, "one-hot targets are missing", absent=("wrong axis",))
