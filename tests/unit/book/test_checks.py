"""nnlib.book.checks: a right answer passes, each typical wrong answer gets its hint,
nothing raises, and no report shows library code."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from nnlib.model import activations, layers, losses, optimizers

from nnlib.book import checks


# ---------------------------------------------------------------------------
# learners' answers, right and wrong (written here independently of nnlib)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_stable(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax_ce(z, y, max_trick=True, mean=True, scale_grad=True):
    n = z.shape[0]
    if max_trick:
        z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.sum(np.log(p[np.arange(n), y]))
    g = p.copy()
    g[np.arange(n), y] -= 1
    return (loss / n if mean else loss), (g / n if scale_grad else g)


def adam(p, g, m, s, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, correct=True, t_offset=0,
         eps_inside=False, sign=1, defaults=False):
    if defaults:
        lr, beta1, beta2, eps = 0.001, 0.9, 0.999, 1e-8
    m = beta1 * m + (1 - beta1) * g
    s = beta2 * s + (1 - beta2) * g * g
    t = t + t_offset
    mh = m / (1 - beta1**t) if correct else m
    sh = s / (1 - beta2**t) if correct else s
    step = lr * mh / (np.sqrt(sh + eps) if eps_inside else np.sqrt(sh) + eps)
    return p - sign * step, m, s


def failures(result):
    return [m for m in result.messages if m.startswith(checks.FAIL)]


def assert_hint(result, *words):
    """The check failed and some failure message holds every word."""
    assert not result.passed, str(result)
    text = [m.lower() for m in failures(result)]
    assert any(all(w.lower() in m for w in words) for m in text), str(result)


# ---------------------------------------------------------------------------
# right answers pass


@pytest.mark.parametrize("check, fn", [
    (checks.check_sigmoid_derivative, lambda z: sigmoid_stable(z) * (1 - sigmoid_stable(z))),
    (checks.check_relu_derivative, lambda z: (z > 0).astype(z.dtype)),
    (checks.check_mse_gradient, lambda a, y: 2 * (a - y) / a.shape[0]),
    (checks.check_mse_gradient, lambda a, y: (float(np.mean(np.sum((a - y) ** 2, axis=1))), 2 * (a - y) / len(a))),
    (checks.check_softmax_cross_entropy, softmax_ce),
    (checks.check_dense_backward, lambda dz, x, W: (dz @ W.T, x.T @ dz, dz.sum(axis=0))),
    (checks.check_adam_step, adam),
])
def test_a_right_answer_passes(check, fn):
    result = check(fn)
    assert result.passed, str(result)
    assert bool(result) and not failures(result)
    assert "passed" in str(result).splitlines()[0]


def test_the_library_itself_passes():
    """The library's own functions, wrapped to the exercise signatures, pass."""
    assert checks.check_sigmoid_derivative(activations.sigmoid_derivative)
    assert checks.check_relu_derivative(activations.relu_derivative)
    assert checks.check_mse_gradient(losses.mse)
    assert checks.check_softmax_cross_entropy(losses.softmax_cross_entropy)
    assert checks.check_dense_backward(lambda dz, x, W: layers.dense_backward(dz, (x, W)))


def test_a_naive_sigmoid_passes_with_a_note_about_overflow():
    result = checks.check_sigmoid_derivative(lambda z: sigmoid(z) * (1 - sigmoid(z)))
    assert result.passed, str(result)
    assert any(m.startswith(checks.NOTE) and "overflow" in m for m in result.messages)


def test_relu_derivative_of_one_at_zero_is_accepted_with_a_note():
    result = checks.check_relu_derivative(lambda z: (z >= 0).astype(z.dtype))
    assert result.passed, str(result)
    assert any(m.startswith(checks.NOTE) and "z = 0" in m for m in result.messages)


# ---------------------------------------------------------------------------
# typical wrong answers get the right hint


def test_sigmoid_derivative_hints():
    assert_hint(checks.check_sigmoid_derivative(sigmoid_stable), "sigma(z) itself")
    assert_hint(checks.check_sigmoid_derivative(lambda z: z * (1 - z)), "applied the formula to z")
    assert_hint(checks.check_sigmoid_derivative(lambda z: -sigmoid_stable(z) * (1 - sigmoid_stable(z))),
                "wrong sign")
    assert_hint(checks.check_sigmoid_derivative(lambda z: 2 * sigmoid_stable(z) * (1 - sigmoid_stable(z))),
                "factor 2")
    # float64 upcast of a float32 input
    assert_hint(checks.check_sigmoid_derivative(
        lambda z: (sigmoid_stable(z) * (1 - sigmoid_stable(z))).astype(np.float64)), "dtype float64", "float32")


def test_sigmoid_derivative_nan_at_large_z_gets_the_overflow_hint():
    def nan_version(z):
        e = np.exp(-z)
        return e / (1 + e) ** 2  # inf / inf = nan at z = -1000

    assert_hint(checks.check_sigmoid_derivative(nan_version), "nan", "overflow")


def test_relu_derivative_hints():
    assert_hint(checks.check_relu_derivative(lambda z: np.maximum(z, 0)), "relu(z) itself")
    assert_hint(checks.check_relu_derivative(lambda z: (z < 0).astype(z.dtype)), "other way round")
    assert_hint(checks.check_relu_derivative(lambda z: np.sign(z)), "-1")
    assert_hint(checks.check_relu_derivative(lambda z: np.where(z > 0, 1.0, 0.01).astype(z.dtype)), "leaky")
    assert_hint(checks.check_relu_derivative(lambda z: z > 0), "booleans")


def test_mse_gradient_hints():
    assert_hint(checks.check_mse_gradient(lambda a, y: 2 * (a - y)), "batch size n = 5")
    assert_hint(checks.check_mse_gradient(lambda a, y: 2 * (a - y) / a.size), "n·k")
    assert_hint(checks.check_mse_gradient(lambda a, y: (a - y) / len(a)), "factor 2")
    assert_hint(checks.check_mse_gradient(lambda a, y: 2 * (y - a) / len(a)), "wrong sign")
    assert_hint(checks.check_mse_gradient(lambda a, y: 2 * (a - y) / np.float64(len(a))), "upcast")
    assert_hint(checks.check_mse_gradient(lambda a, y: (float(np.sum((a - y) ** 2)), 2 * (a - y) / len(a))),
                "the loss", "mean over the batch")


def test_softmax_cross_entropy_hints():
    assert_hint(checks.check_softmax_cross_entropy(lambda z, y: softmax_ce(z, y, max_trick=False)), "max trick")
    assert_hint(checks.check_softmax_cross_entropy(lambda z, y: softmax_ce(z, y, mean=False)),
                "the loss", "4 times too large")
    assert_hint(checks.check_softmax_cross_entropy(lambda z, y: softmax_ce(z, y, scale_grad=False)),
                "dl/dz", "batch size n = 4")
    assert_hint(checks.check_softmax_cross_entropy(
        lambda z, y: (softmax_ce(z, y)[0], activations.softmax(z) / len(z))), "one-hot targets are missing")
    assert_hint(checks.check_softmax_cross_entropy(
        lambda z, y: (softmax_ce(z, y)[0], -softmax_ce(z, y)[1])), "dl/dz", "wrong sign")
    # per-sample losses instead of their mean
    def per_sample(z, y):
        loss, g = softmax_ce(z, y)
        p = activations.softmax(z)
        return -np.log(p[np.arange(len(y)), y]), g
    assert_hint(checks.check_softmax_cross_entropy(per_sample), "per-sample")
    # only the gradient returned
    assert_hint(checks.check_softmax_cross_entropy(lambda z, y: softmax_ce(z, y)[1]), "should return 2")


def test_softmax_cross_entropy_gradient_is_checked_against_the_learners_own_loss():
    """A right loss with a gradient that is wrong in one entry fails the finite-difference test."""
    def off(z, y):
        loss, g = softmax_ce(z, y)
        g = g.copy()
        g[0, 0] += 0.1
        return loss, g

    assert_hint(checks.check_softmax_cross_entropy(off), "finite differences")


def test_dense_backward_hints():
    right = lambda dz, x, W: (dz @ W.T, x.T @ dz, dz.sum(axis=0))  # noqa: E731
    r = checks.check_dense_backward(lambda dz, x, W: (dz @ W.T, dz.T @ x, dz.sum(axis=0)))
    assert_hint(r, "your gradient for w has shape (2, 3), expected (3, 2)", "transposed")
    assert_hint(checks.check_dense_backward(lambda dz, x, W: (dz @ W.T, x.T @ dz / len(x), dz.sum(axis=0))),
                "gradient for w", "batch size n = 4")
    assert_hint(checks.check_dense_backward(lambda dz, x, W: (dz @ W.T, x.T @ dz, dz)),
                "gradient for b has shape (4, 2)", "axis 0")
    assert_hint(checks.check_dense_backward(lambda dz, x, W: (dz @ W.T, x.T @ dz, dz.sum(axis=1))),
                "gradient for b", "axis 1")
    assert_hint(checks.check_dense_backward(lambda dz, x, W: (dz @ W.T, x.T @ dz, dz.mean(axis=0))),
                "gradient for b", "mean")
    assert_hint(checks.check_dense_backward(lambda dz, x, W: ((W @ dz.T), x.T @ dz, dz.sum(axis=0))),
                "gradient for x has shape (3, 4), expected (4, 3)")
    assert_hint(checks.check_dense_backward(lambda dz, x, W: (-dz @ W.T, x.T @ dz, dz.sum(axis=0))),
                "gradient for x", "wrong sign")
    assert_hint(checks.check_dense_backward(
        lambda dz, x, W: tuple(np.asarray(g, dtype=np.float64) for g in right(dz, x, W))), "float64", "float32")
    assert_hint(checks.check_dense_backward(lambda dz, x, W: (dz @ W.T, x.T @ dz)), "should return 3")


def test_adam_hints():
    assert_hint(checks.check_adam_step(lambda *a, **k: adam(*a, **k, correct=False)), "no bias correction")
    assert_hint(checks.check_adam_step(lambda *a, **k: adam(*a, **k, sign=-1)), "uphill")
    assert_hint(checks.check_adam_step(lambda *a, **k: adam(*a, **k, eps_inside=True)), "outside the square root")
    assert_hint(checks.check_adam_step(lambda *a, **k: adam(*a, **k, t_offset=1)), "t + 1")
    assert_hint(checks.check_adam_step(lambda *a, **k: adam(*a, **k, defaults=True)), "default hyperparameters")

    def s_of_g(p, g, m, s, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        p2, m2, _ = adam(p, g, m, s, t, lr, beta1, beta2, eps)
        return p2, m2, beta2 * s + (1 - beta2) * g

    assert_hint(checks.check_adam_step(s_of_g), "squared gradients")

    def returns_m_hat(p, g, m, s, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        p2, m2, s2 = adam(p, g, m, s, t, lr, beta1, beta2, eps)
        return p2, m2 / (1 - beta1**t), s2

    assert_hint(checks.check_adam_step(returns_m_hat), "bias-corrected m-hat")

    def t_from_zero(p, g, m, s, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        return adam(p, g, m, s, t - 1, lr, beta1, beta2, eps)  # divides by 1 - beta^0 = 0

    r = checks.check_adam_step(t_from_zero)
    assert not r.passed and any("nan or infinite" in m.lower() for m in failures(r)), str(r)


def test_adam_check_agrees_with_the_optimizer_over_steps():
    """The reference the check uses is nnlib's Adam: three steps from zeros."""
    rng = np.random.default_rng(0)
    p = rng.normal(size=(3, 2))
    opt = optimizers.Adam(lr=0.01)
    params = {"p": p.copy()}
    mine, m, s = p.copy(), np.zeros_like(p), np.zeros_like(p)
    for t in (1, 2, 3):
        g = rng.normal(size=p.shape)
        opt.step(params, {"p": g})
        mine, m, s = adam(mine, g, m, s, t, lr=0.01)
    np.testing.assert_allclose(mine, params["p"], rtol=1e-12)


def test_an_answer_from_nnlibs_own_adam_passes():
    """The check's expected values are those of nnlib's Adam.step.

    The learner's function here runs a real Adam, through its public step(),
    for the three steps from zeros; the last step starts from a state at
    t = 5 that a fresh Adam cannot reach, so it uses the formula."""
    made = []  # the Adam made at t = 1 and used for t = 1, 2, 3

    def via_nnlib(p, g, m, s, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        if t > 3:
            return adam(p, g, m, s, t, lr, beta1, beta2, eps)
        if t == 1:
            made.append(optimizers.Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps))
        opt = made[-1]
        params = {"p": p.copy()}
        opt.step(params, {"p": g})
        return params["p"], opt.state["p"]["m"].copy(), opt.state["p"]["s"].copy()

    result = checks.check_adam_step(via_nnlib)
    assert result.passed, str(result)
    assert len(made) == 1 and made[0].t == 3
    passed = [m for m in result.messages if m.startswith(checks.PASS)]
    assert sum("at step t = 3" in m for m in passed) == 3, str(result)  # m, s and p


# ---------------------------------------------------------------------------
# robustness and presentation


def test_a_crash_is_reported_not_raised():
    def broken(dz, x, W):
        return dz @ W, x.T @ dz, dz.sum(0)  # (4, 2) @ (3, 2): shapes do not align

    result = checks.check_dense_backward(broken)
    assert_hint(result, "raised valueerror", "dz of shape (4, 2)")


def test_passing_a_value_instead_of_a_function():
    assert_hint(checks.check_sigmoid_derivative(np.zeros(3)), "without parentheses")


def test_returning_none():
    assert_hint(checks.check_relu_derivative(lambda z: None), "return")


def test_changing_an_input_in_place_is_noted():
    def in_place(dz, x, W):
        db = dz.sum(axis=0)
        dx, dW = dz @ W.T, x.T @ dz
        dz *= 0
        return dx, dW, db

    result = checks.check_dense_backward(in_place)
    assert any(m.startswith(checks.NOTE) and "in place" in m for m in result.messages), str(result)


def test_reports_are_deterministic_and_print_nicely():
    fn = lambda z: z * (1 - z)  # noqa: E731
    a, b = checks.check_sigmoid_derivative(fn), checks.check_sigmoid_derivative(fn)
    assert str(a) == str(b) == repr(a)
    lines = str(a).splitlines()
    assert lines[0].startswith("check_sigmoid_derivative: not yet")
    assert all(line.startswith(f"  {checks.FAIL}") or line.startswith(f"  {checks.PASS}")
               or line.startswith(f"  {checks.NOTE}") for line in lines[1:])


WRONG_ANSWERS = [
    (checks.check_sigmoid_derivative, lambda z: z * (1 - z)),
    (checks.check_relu_derivative, lambda z: np.maximum(z, 0)),
    (checks.check_mse_gradient, lambda a, y: 2 * (a - y)),
    (checks.check_softmax_cross_entropy, lambda z, y: softmax_ce(z, y, max_trick=False, mean=False)),
    (checks.check_dense_backward, lambda dz, x, W: (dz @ W.T, dz.T @ x, dz)),
    (checks.check_adam_step, lambda *a, **k: adam(*a, **k, correct=False)),
]


@pytest.mark.parametrize("check, fn", WRONG_ANSWERS)
def test_reports_never_show_library_code(check, fn):
    """No line of the library's solution code appears in a report."""
    sources = [activations.sigmoid, activations.sigmoid_derivative, activations.relu_derivative,
               activations.softmax, losses.mse, losses.softmax_cross_entropy, layers.dense_backward,
               optimizers.Adam.step]
    code_lines = {line.strip() for f in sources for line in inspect.getsource(f).splitlines()}
    code_lines = {line for line in code_lines
                  if len(line) > 12 and not line.startswith(("#", '"""')) and ("=" in line or "return" in line)}
    report = str(check(fn))
    assert code_lines, "no code lines collected"
    for line in code_lines:
        assert line not in report, f"the report shows library code: {line!r}"
    assert "def " not in report and "return " not in report
