"""Self-checks for the coding exercises: test your own function, get a hint.

Write your own version of a function in a notebook, then hand it (the
function itself, without calling it) to the matching check::

    from nnlib.book.checks import check_sigmoid_derivative

    def my_sigmoid_derivative(z):
        ...  # your code

    check_sigmoid_derivative(my_sigmoid_derivative)

The check calls your function on random inputs of several shapes, compares
what comes back with ``nnlib`` (shapes, dtypes, values, and for a loss its own
gradient by finite differences) and answers in plain language: what is right,
and for what is wrong a hint that names the usual cause ("your gradient for W
has shape (2, 3), expected (3, 2): it looks transposed"; "off by a factor of
the batch size N = 4"). It never shows the solution's code.

Each check returns a :class:`CheckResult`. It prints as a short report in a
notebook, and ``bool(result)`` is ``result.passed``. A wrong answer never
raises: even if your function crashes, the check reports the error and what
it was called with. Inputs are drawn from a seeded generator, so the same
function always gets the same report.

The functions you write, one per check:

===================================  ========================================================
check                                your function
===================================  ========================================================
:func:`check_sigmoid_derivative`     ``f(z) -> sigma'(z)``, elementwise, any shape
:func:`check_relu_derivative`        ``f(z) -> relu'(z)``, elementwise, any shape
:func:`check_mse_gradient`           ``f(a, y) -> dL/da`` for the mean squared error
:func:`check_softmax_cross_entropy`  ``f(z, y) -> (L, dL/dz)`` from logits and int labels
:func:`check_dense_backward`         ``f(dz, x, W) -> (dx, dW, db)`` for ``z = x W + b``
:func:`check_adam_step`              ``f(p, g, m, v, t, lr, beta1, beta2, eps) -> (p, m, v)``
===================================  ========================================================
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..model import activations
from ..model import layers
from ..model import losses
from ..validate import format_shape

PASS, FAIL, NOTE = "✓", "✗", "•"


@dataclass
class CheckResult:
    """The verdict of a check: passed or not, and why, in plain sentences.

    Args:
        name: the check's name, e.g. "check_dense_backward".
        passed: True when every test passed (notes do not count).
        messages: one line per test, starting with ✓ (passed), ✗ (failed,
            with a hint) or • (a note that does not fail the check).
    """

    name: str
    passed: bool = True
    messages: list[str] = field(default_factory=list)

    def ok(self, message: str) -> None:
        """Record a passed test."""
        self.messages.append(f"{PASS} {message}")

    def fail(self, message: str) -> None:
        """Record a failed test with its hint."""
        self.passed = False
        self.messages.append(f"{FAIL} {message}")

    def note(self, message: str) -> None:
        """Record a remark that does not fail the check."""
        self.messages.append(f"{NOTE} {message}")

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        n_ok = sum(m.startswith(PASS) for m in self.messages)
        n_fail = sum(m.startswith(FAIL) for m in self.messages)
        if self.passed:
            head = f"{self.name}: passed ({n_ok} of {_tests(n_ok)}). Well done!"
        else:
            head = f"{self.name}: not yet ({n_fail} of {_tests(n_ok + n_fail)} failed)."
        return "\n".join([head] + [f"  {m}" for m in self.messages])

    __repr__ = __str__


# ---------------------------------------------------------------------------
# helpers shared by the checks


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _tests(n: int) -> str:
    return f"{n} test" if n == 1 else f"{n} tests"


def _describe(args: dict[str, Any]) -> str:
    parts = []
    for k, v in args.items():
        if isinstance(v, np.ndarray):
            parts.append(f"{k} of shape {format_shape(v.shape)} ({v.dtype})")
        else:
            parts.append(f"{k}={v!r}")
    return ", ".join(parts)


def _callable_or_fail(result: CheckResult, fn) -> bool:
    if callable(fn):
        return True
    result.fail(
        f"expected your function itself, got a {type(fn).__name__}: pass the function's name "
        "without parentheses, e.g. check(my_function), not check(my_function())"
    )
    return False


def _call(result: CheckResult, fn: Callable, args: dict[str, Any], when: str,
          may_change_inputs: bool = False) -> tuple[bool, Any]:
    """Call fn(**args) on copies; report a crash, NumPy warnings and changed inputs.

    Arguments are passed by position in the order of ``args`` (keyword
    arguments for hyperparameters are given in ``args["__kw__"]``).
    """
    kw = args.pop("__kw__", {})
    copies = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            out = fn(*copies.values(), **kw)
        except Exception as e:  # the learner's code: report, never raise
            result.fail(f"{_cap(when)}, your function raised {type(e).__name__}: {e} "
                        f"(it was called with {_describe(args)})")
            return False, None
    seen = sorted({str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)})
    if seen:
        result.note(f"{_cap(when)}, NumPy warned: {'; '.join(seen)}")
    if not may_change_inputs:
        changed = [k for k, v in args.items()
                   if isinstance(v, np.ndarray) and not np.array_equal(v, copies[k])]
        if changed:
            result.note(f"{_cap(when)}, your function changed its input {', '.join(changed)} in place; "
                        "the caller may still need it, so compute new arrays instead")
    return True, out


def _interpret_factor(c: float, factors: dict[float, str]) -> str:
    for value, hint in factors.items():
        if np.isclose(c, value, rtol=1e-4):
            return hint
    if np.isclose(c, -1, rtol=1e-4):
        return "has the wrong sign: every value is the negative of the expected one"
    if np.isclose(c, 2, rtol=1e-4) or np.isclose(c, 0.5, rtol=1e-4):
        return f"is {c:g} times the expected values: check for a missing or extra factor 2"
    return f"is {c:.4g} times the expected values: a constant factor is wrong"


def _compare(result: CheckResult, what: str, out, ref: np.ndarray, when: str = "",
             variants: tuple[tuple[np.ndarray, str], ...] = (),
             factors: dict[float, str] | None = None,
             shape_hints: dict[tuple, str] | None = None,
             dtype=None, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Compare a learner's array with the expected one and explain a mismatch.

    ``variants`` are (wrong array, hint) pairs for typical mistakes; ``factors``
    maps a constant ratio (yours / expected) to a hint; ``shape_hints`` maps a
    wrong shape to a hint.
    """
    where = f"{when[0].upper()}{when[1:]}, " if when else ""
    if out is None:
        result.fail(f"{where}{what}: your function returned None; did you forget `return`?")
        return False
    try:
        arr = np.asarray(out)
    except Exception:  # e.g. ragged lists
        result.fail(f"{where}{what}: could not turn what your function returned into an array")
        return False
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        result.fail(f"{where}{what}: expected an array of numbers; got dtype {arr.dtype}")
        return False
    if arr.shape != ref.shape:
        hint = (shape_hints or {}).get(arr.shape)
        if hint is None and arr.ndim == 2 and arr.shape == ref.shape[::-1]:
            hint = "it looks transposed; check which factor of the matrix product is transposed, and their order"
        msg = f"{where}{what} has shape {format_shape(arr.shape)}, expected {format_shape(ref.shape)}"
        result.fail(msg + (f": {hint}" if hint else ""))
        return False
    if not np.all(np.isfinite(arr)):
        result.fail(f"{where}{what} holds {int(np.sum(~np.isfinite(arr)))} NaN or infinite values, "
                    f"where every expected value is finite")
        return False
    a64, r64 = arr.astype(np.float64), ref.astype(np.float64)
    if np.allclose(a64, r64, rtol=rtol, atol=atol):
        if dtype is not None and arr.dtype != np.dtype(dtype):
            hint = ("it holds booleans: convert them to the input's float dtype" if arr.dtype == bool else
                    "a NumPy float64 scalar (like np.float64(2) / N or np.sqrt(...) of a number) "
                    "upcasts a float32 array: use Python floats, or compute from the arrays themselves")
            result.fail(f"{where}{what} has the right values but dtype {arr.dtype}, expected "
                        f"{np.dtype(dtype)}: {hint}")
            return False
        result.ok(f"{what} is right{' ' + when if when else ''}" + (
            "" if ref.ndim == 0 else f" (shape {format_shape(ref.shape)})"))
        return True
    for wrong, hint in variants:
        if np.shape(wrong) == arr.shape and np.allclose(a64, wrong, rtol=rtol, atol=atol):
            result.fail(f"{where}{what} is not right: {hint}")
            return False
    denom = float(np.sum(r64 * r64))
    if denom > 0:
        c = float(np.sum(a64 * r64)) / denom
        if c != 0 and np.allclose(a64, c * r64, rtol=1e-5, atol=atol):
            result.fail(f"{where}{what} {_interpret_factor(c, factors or {})}")
            return False
    i = np.unravel_index(int(np.argmax(np.abs(a64 - r64))), arr.shape) if arr.ndim else ()
    pos = f" at index {tuple(int(k) for k in i)}" if arr.ndim else ""
    result.fail(f"{where}{what} differs from the expected values: the largest difference is{pos}, "
                f"where yours is {a64[i]:.6g} and the expected value is {r64[i]:.6g}")
    return False


def _compare_number(result: CheckResult, what: str, out, ref: float, when: str = "",
                    factors: dict[float, str] | None = None,
                    shape_hint: str = "") -> bool:
    arr = np.asarray(out) if out is not None else None
    if arr is not None and arr.ndim != 0 and arr.size != 1:
        result.fail(f"{when[0].upper() + when[1:] + ', ' if when else ''}{what} should be one number; yours has shape "
                    f"{format_shape(arr.shape)}" + (f": {shape_hint}" if shape_hint else ""))
        return False
    if arr is not None and arr.size == 1:
        arr = arr.reshape(())
    return _compare(result, what, arr, np.asarray(ref, dtype=np.float64), when, factors=factors)


def _pair(result: CheckResult, out, n: int, names: str, when: str) -> tuple | None:
    if isinstance(out, (tuple, list)) and len(out) == n:
        return tuple(out)
    kind = type(out).__name__
    got = ("an " if kind[0] in "aeiou" else "a ") + kind + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
    result.fail(f"{_cap(when)}, your function should return {n} things, {names}; it returned {got}")
    return None


# ---------------------------------------------------------------------------
# activations


def check_sigmoid_derivative(fn: Callable, seed: int = 0) -> CheckResult:
    """Check your derivative of the sigmoid, sigma'(z).

    Your function: ``f(z) -> sigma'(z)``, elementwise on an array ``z`` of any
    shape, returning an array of the same shape and dtype (float32 stays
    float32). It must also work for z far from 0 (like z = -1000) without NaN.

    Args:
        fn: your function.
        seed: seeds the random test inputs.
    Returns:
        a CheckResult.
    """
    result = CheckResult("check_sigmoid_derivative")
    if not _callable_or_fail(result, fn):
        return result
    rng = np.random.default_rng(seed)
    cases = [(rng.normal(0, 3, size=(5, 3)), None, "for z of shape (5, 3)"),
             (rng.normal(0, 3, size=7), None, "for z of shape (7,)"),
             (rng.normal(0, 3, size=(4, 2)).astype(np.float32), np.float32, "for float32 z")]
    for z, dtype, when in cases:
        ok, out = _call(result, fn, {"z": z}, when)
        if not ok:
            return result
        s = activations.sigmoid(z)
        variants = (
            (s, "these are the values of sigma(z) itself, not of its derivative"),
            (z * (1 - z), "you applied the formula to z; the derivative is written in terms of sigma(z)"),
            (1 - s, "these are 1 - sigma(z); one factor of the derivative is missing"),
        )
        tol = dict(rtol=1e-5, atol=1e-7) if dtype else {}
        _compare(result, "sigma'(z)", out, activations.sigmoid_derivative(z), when,
                 variants=variants, dtype=dtype, **tol)
    big = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    ok, out = _call(result, fn, {"z": big}, "for large |z|")
    if ok:
        arr = np.asarray(out) if out is not None else None
        if arr is not None and arr.shape == big.shape and not np.all(np.isfinite(arr)):
            result.fail("for z = [-1000, -50, 0, 50, 1000] your values hold NaN or infinity: e^(-z) "
                        "overflows for large negative z. Compute sigma(z) in a form that never takes "
                        "e^ of a large positive number (see the docstring of nnlib.model.activations.sigmoid)")
        else:
            _compare(result, "sigma'(z)", out, activations.sigmoid_derivative(big),
                     "for z = [-1000, -50, 0, 50, 1000]", atol=1e-12)
    return result


def check_relu_derivative(fn: Callable, seed: int = 0) -> CheckResult:
    """Check your derivative of ReLU, relu'(z): 1 where z > 0, else 0.

    Your function: ``f(z) -> relu'(z)``, elementwise on an array ``z`` of any
    shape, returning an array of z's shape and float dtype. At exactly
    z = 0 the book takes 0; 1 is accepted too (with a note).

    Args:
        fn: your function.
        seed: seeds the random test inputs.
    Returns:
        a CheckResult.
    """
    result = CheckResult("check_relu_derivative")
    if not _callable_or_fail(result, fn):
        return result
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, size=(4, 5))
    z[0, :2] = 0.0  # exact zeros, where the derivative is a convention
    zero = z == 0
    for zz, dtype, when in ((z, np.float64, "for z of shape (4, 5)"),
                            (z.astype(np.float32), np.float32, "for float32 z")):
        ok, out = _call(result, fn, {"z": zz}, when)
        if not ok:
            return result
        ref = activations.relu_derivative(zz)
        arr = np.asarray(out) if out is not None else None
        if arr is not None and arr.shape == ref.shape and np.issubdtype(arr.dtype, np.number):
            if np.allclose(arr[zero], 1) and np.allclose(arr[~zero], ref[~zero]):
                result.note(f"{_cap(when)}, your derivative is 1 at z = 0, where the book takes 0; either is "
                            "a valid choice (ReLU has no derivative there)")
                ref = ref.copy()
                ref[zero] = 1
        variants = (
            (activations.relu(zz), "these are the values of relu(z) itself, not of its derivative"),
            ((zz < 0).astype(np.float64), "the derivative is 1 for positive z and 0 for negative z; yours is the other way round"),
            ((zz <= 0).astype(np.float64), "the derivative is 1 for positive z and 0 for negative z; yours is the other way round"),
            (np.sign(zz), "negative z give -1 in yours; the slope of ReLU there is 0"),
            (activations.leaky_relu_derivative(zz), "this is the derivative of leaky ReLU (0.01 for negative z); plain ReLU has slope 0 there"),
        )
        _compare(result, "relu'(z)", out, ref, when, variants=variants, dtype=dtype)
    return result


# ---------------------------------------------------------------------------
# losses


def check_mse_gradient(fn: Callable, seed: int = 0) -> CheckResult:
    """Check your gradient of the mean squared error.

    The book's loss is L = (1/N) sum_n sum_k (a_nk - y_nk)^2: the mean over
    the N samples of a sum over the K outputs, with no factor 1/2.

    Your function: ``f(a, y) -> dL/da``, with ``a`` and ``y`` of shape (N, K)
    and the gradient of shape (N, K) and a's dtype. Returning the pair
    ``(L, dL/da)`` as ``nnlib.model.losses.mse`` does is accepted too, and then the
    loss is checked as well.

    Args:
        fn: your function.
        seed: seeds the random test inputs.
    Returns:
        a CheckResult.
    """
    result = CheckResult("check_mse_gradient")
    if not _callable_or_fail(result, fn):
        return result
    rng = np.random.default_rng(seed)
    n, k = 5, 3
    a, y = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    for aa, yy, dtype, when in ((a, y, np.float64, f"for a, y of shape ({n}, {k})"),
                                (a.astype(np.float32), y.astype(np.float32), np.float32, "for float32 a, y")):
        ok, out = _call(result, fn, {"a": aa, "y": yy}, when)
        if not ok:
            return result
        ref_loss, ref = losses.mse(aa, yy)
        grad = out
        if isinstance(out, (tuple, list)) and len(out) == 2 and np.ndim(out[0]) == 0:
            _compare_number(result, "the loss", out[0], ref_loss, when,
                            factors={float(n): f"is {n} times too large (N = {n}): the loss is the mean "
                                                "over the batch, not the sum",
                                     1 / k: f"is the mean over all N·K = {n * k} entries; the book's "
                                            "loss sums over the outputs and averages over the samples"})
            grad = out[1]
        factors = {
            float(n): f"is off by a factor of the batch size N = {n}: the loss is the mean over "
                      "the batch, so its gradient carries a factor 1/N",
            1 / k: f"is {k} times too small: you divided by N·K = {n * k}, the number of entries; the "
                   "book's loss is a mean over the samples but a sum over the K outputs",
            0.5: "is half the expected gradient: the derivative of a square brings a factor 2 "
                 "(the book's loss has no 1/2 in front)",
            -1.0: "has the wrong sign: where a > y the loss grows with a, so dL/da must be positive there",
        }
        _compare(result, "dL/da", grad, ref, when, factors=factors, dtype=dtype, rtol=1e-5, atol=1e-7)
    return result


def check_softmax_cross_entropy(fn: Callable, seed: int = 0) -> CheckResult:
    """Check your softmax cross-entropy loss and its gradient.

    L = -(1/N) sum_n log softmax(z_n)[y_n], the mean over the batch.

    Your function: ``f(z, y) -> (L, dL/dz)`` with logits ``z`` of shape (N, K),
    integer class labels ``y`` of shape (N,) with values 0..K-1, the loss
    ``L`` one number and the gradient of shape (N, K) and z's dtype. It must
    work for large logits (like 1000) without overflow. The gradient is also
    compared with finite differences of your own loss.

    Args:
        fn: your function.
        seed: seeds the random test inputs.
    Returns:
        a CheckResult.
    """
    from ..model.gradcheck import numerical_gradient, relative_error

    result = CheckResult("check_softmax_cross_entropy")
    if not _callable_or_fail(result, fn):
        return result
    rng = np.random.default_rng(seed)
    n, k = 4, 3
    z = rng.normal(0, 2, size=(n, k))
    y = rng.integers(0, k, size=n)
    when = f"for z of shape ({n}, {k})"
    ok, out = _call(result, fn, {"z": z, "y": y}, when)
    if not ok:
        return result
    pair = _pair(result, out, 2, "the loss and the gradient dL/dz", when)
    if pair is None:
        return result
    loss, grad = pair
    ref_loss, ref = losses.softmax_cross_entropy(z, y)
    loss_ok = _compare_number(
        result, "the loss", loss, ref_loss, when,
        factors={float(n): f"is {n} times too large (N = {n}): take the mean over the batch, not the sum",
                 -1.0: "has the wrong sign: the loss is minus the log-probability of the right class, "
                       "so it is never negative"},
        shape_hint="these look like the per-sample losses; the loss is their mean")
    p = activations.softmax(z)
    grad_factors = {float(n): f"is off by a factor of the batch size N = {n}: the loss is the mean "
                              "over the batch, so its gradient carries a factor 1/N",
                    -1.0: "has the wrong sign: raising the right class's logit must lower the loss"}
    _compare(result, "dL/dz", grad, ref, when,
             variants=((p / n, "you returned the probabilities (divided by N); the one-hot targets are "
                               "missing from the gradient"),
                       (p, "you returned the probabilities; the one-hot targets are missing from the "
                           "gradient, and so is the factor 1/N")),
             factors=grad_factors)
    if loss_ok:
        def own_loss() -> float:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return float(np.asarray(fn(zc.copy(), y.copy())[0]))
        zc = z.copy()
        try:
            numeric = numerical_gradient(own_loss, zc)
            g = np.asarray(grad, dtype=np.float64)
            err = relative_error(g, numeric) if g.shape == numeric.shape else np.inf
        except Exception:
            err = np.inf
        if err < 1e-6:
            result.ok(f"your gradient agrees with finite differences of your loss "
                      f"(relative error below 1e-6)")
        else:
            result.fail("your gradient does not match finite differences of your own loss: "
                        "the loss and its gradient disagree")
    big = z + 1000  # the same probabilities as z, but e^z overflows
    ok, out = _call(result, fn, {"z": big, "y": y}, "for large logits (z + 1000)")
    if ok:
        pair = _pair(result, out, 2, "the loss and the gradient dL/dz", "for large logits")
        if pair is not None:
            finite = all(np.all(np.isfinite(np.asarray(v, dtype=np.float64)))
                         for v in pair if v is not None and np.asarray(v).dtype != object)
            if not finite:
                result.fail("for large logits (z + 1000) you get NaN or infinity: e^1000 "
                            "overflows. Subtracting each row's largest logit before exponentiating "
                            "changes nothing mathematically and keeps every e^(...) at most 1 "
                            "(the max trick)")
            else:
                ref_loss, ref = losses.softmax_cross_entropy(big, y)
                _compare_number(result, "the loss", pair[0], ref_loss, "for large logits")
                _compare(result, "dL/dz", pair[1], ref, "for large logits")
    z32 = z.astype(np.float32)
    ok, out = _call(result, fn, {"z": z32, "y": y}, "for float32 z")
    if ok:
        pair = _pair(result, out, 2, "the loss and the gradient dL/dz", "for float32 z")
        if pair is not None:
            _compare(result, "dL/dz", pair[1], losses.softmax_cross_entropy(z32, y)[1],
                     "for float32 z", factors=grad_factors, dtype=np.float32, rtol=1e-4, atol=1e-6)
    return result


# ---------------------------------------------------------------------------
# layers


def check_dense_backward(fn: Callable, seed: int = 0) -> CheckResult:
    """Check your backward pass of a dense layer z = x W + b.

    Your function: ``f(dz, x, W) -> (dx, dW, db)`` where ``dz`` = dL/dz has
    shape (N, n_out), ``x`` shape (N, n_in) and ``W`` shape (n_in, n_out); it
    returns dL/dx of shape (N, n_in), dL/dW of shape (n_in, n_out) and dL/db
    of shape (n_out,), in the inputs' dtype. (``nnlib.model.layers.dense_backward``
    takes the cache (x, W) instead: same computation.) ``dz`` is the gradient
    of the mean loss, so it already carries the factor 1/N.

    Args:
        fn: your function.
        seed: seeds the random test inputs.
    Returns:
        a CheckResult.
    """
    result = CheckResult("check_dense_backward")
    if not _callable_or_fail(result, fn):
        return result
    rng = np.random.default_rng(seed)
    n, n_in, n_out = 4, 3, 2  # all different, so a transposed result shows in its shape
    x = rng.normal(size=(n, n_in))
    W = rng.normal(size=(n_in, n_out))
    dz = rng.normal(size=(n, n_out)) / n
    for dzz, xx, WW, dtype, when in ((dz, x, W, np.float64, f"for N = {n}, n_in = {n_in}, n_out = {n_out}"),
                                     (dz.astype(np.float32), x.astype(np.float32), W.astype(np.float32),
                                      np.float32, "for float32 inputs")):
        ok, out = _call(result, fn, {"dz": dzz, "x": xx, "W": WW}, when)
        if not ok:
            return result
        triple = _pair(result, out, 3, "dx, dW and db", when)
        if triple is None:
            return result
        dx, dW, db = triple
        rdx, rdW, rdb = layers.dense_backward(dzz, layers.DenseCache(xx, WW))
        tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else {}
        batch = {float(n): f"is off by a factor of the batch size N = {n}: dz already holds the 1/N "
                           "of the mean loss, so do not divide (or multiply) by N again",
                 1 / n: f"is off by a factor of the batch size N = {n}: dz already holds the 1/N "
                        "of the mean loss, so do not divide (or multiply) by N again"}
        _compare(result, "your gradient for x", dx, rdx, when, factors=batch, dtype=dtype, **tol)
        _compare(result, "your gradient for W", dW, rdW, when, factors=batch, dtype=dtype, **tol)
        _compare(result, "your gradient for b", db, rdb, when, factors={
            1 / n: f"is the mean of dz over the batch; sum it instead (dz already holds the 1/N "
                   "of the mean loss)",
            float(n): batch[float(n)]},
            shape_hints={
                dzz.shape: "the bias is added to every row, so its gradient sums dz over the batch (axis 0)",
                (n,): "you summed over the outputs (axis 1); sum over the batch (axis 0) instead",
                (1, n_out): "keep it one-dimensional, shape (n_out,), like b itself",
            }, dtype=dtype, **tol)
    return result


# ---------------------------------------------------------------------------
# optimizers


def _adam_reference(
    p: np.ndarray, g: np.ndarray, m: np.ndarray, s: np.ndarray, t: int,
    lr: float, beta1: float, beta2: float, eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The right answer for one Adam step from any state (p, m, s) at step t:
    the formula of ``nnlib.model.optimizers.Adam.step``, line by line, on new
    arrays. (A real Adam cannot be started at step t from a given m and s
    through its public methods, so the check writes the three lines itself;
    the tests hold them equal to ``Adam.step``.)"""
    m_new = beta1 * m + (1 - beta1) * g
    s_new = beta2 * s + (1 - beta2) * g**2
    p_new = p - lr * (m_new / (1 - beta1**t)) / (np.sqrt(s_new / (1 - beta2**t)) + eps)
    return p_new, m_new, s_new


def check_adam_step(fn: Callable, seed: int = 0) -> CheckResult:
    """Check your Adam update (Kingma & Ba, 2015) for one parameter array.

    Your function: ``f(p, g, m, s, t, lr=0.001, beta1=0.9, beta2=0.999,
    eps=1e-8) -> (p_new, m_new, s_new)`` where ``p`` is the parameter,
    ``g`` its gradient, ``m`` and ``s`` the running averages of the
    gradients and of their squares (zeros before the first step), and ``t``
    the number of this step, counting from 1. ``m_new`` and ``s_new`` are the
    raw running averages (not bias-corrected): the next step continues from
    them. Updating the arrays in place and returning them is fine. The check
    runs three steps from zeros, then one step with other hyperparameters
    (passed by keyword) from a later state.

    Args:
        fn: your function.
        seed: seeds the random test inputs.
    Returns:
        a CheckResult.
    """
    result = CheckResult("check_adam_step")
    if not _callable_or_fail(result, fn):
        return result
    rng = np.random.default_rng(seed)
    shape = (3, 2)
    p = rng.normal(size=shape)
    m, s = np.zeros(shape), np.zeros(shape)
    runs = [dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, t=t) for t in (1, 2, 3)]
    runs.append(dict(lr=0.1, beta1=0.8, beta2=0.99, eps=1e-3, t=5))
    for i, hp in enumerate(runs):
        g = rng.normal(size=shape)
        if i == 3:  # a later state, other hyperparameters
            m, s = rng.normal(size=shape) * 0.1, rng.uniform(0.01, 0.1, size=shape)
        t = hp["t"]
        kw = {key: hp[key] for key in ("lr", "beta1", "beta2", "eps")}
        when = f"at step t = {t}" + (" with lr=0.1, beta1=0.8, beta2=0.99, eps=1e-3" if i == 3 else "")
        ok, out = _call(result, fn, {"p": p, "g": g, "m": m, "s": s, "t": t, "__kw__": kw}, when,
                        may_change_inputs=True)
        if not ok:
            return result
        triple = _pair(result, out, 3, "the new p, m and s", when)
        if triple is None:
            return result
        rp, rm, rs = _adam_reference(p, g, m, s, **hp)
        lr, b1, b2, eps = kw["lr"], kw["beta1"], kw["beta2"], kw["eps"]
        mh, sh = rm / (1 - b1**t), rs / (1 - b2**t)
        m_ok = _compare(result, "m", triple[1], rm, when, variants=(
            (b1 * g + (1 - b1) * m, "the weights are swapped: m keeps beta1 of its old value and adds "
                                    "(1 - beta1) of the gradient"),
            (mh, "you returned the bias-corrected m-hat; return the raw average m, which the next step "
                 "continues from"),
            (g, "m is just the gradient: it should be a running average of the gradients")))
        s_ok = _compare(result, "s", triple[2], rs, when, variants=(
            (b2 * s + (1 - b2) * g, "s averages the squared gradients g^2, not g"),
            (b2 * g * g + (1 - b2) * s, "the weights are swapped: s keeps beta2 of its old value and "
                                        "adds (1 - beta2) of g^2"),
            (sh, "you returned the bias-corrected s-hat; return the raw average s, which the next step "
                 "continues from")))
        step_wrong = [
            (p - lr * rm / (np.sqrt(rs) + eps), "there is no bias correction: divide m by (1 - beta1^t) "
                                                "and s by (1 - beta2^t) before using them"),
            (p + lr * mh / (np.sqrt(sh) + eps), "the step goes uphill: the parameter must move against the "
                                                "gradient's running average"),
            (p - lr * mh / np.sqrt(sh + eps), "eps belongs outside the square root: divide by sqrt(s-hat) + eps"),
            (p - lr * rm / (1 - b1**(t + 1)) / (np.sqrt(rs / (1 - b2**(t + 1))) + eps),
             "the bias correction uses t + 1: t is the number of the step, and the first step has t = 1"),
            (p - lr * mh / (sh + eps), "divide by the square root of s-hat, not by s-hat itself"),
        ]
        if i == 3:
            d = _adam_reference(p, g, m, s, t, 0.001, 0.9, 0.999, 1e-8)[0]
            step_wrong.append((d, "this is the step with the default hyperparameters: use the lr, beta1, "
                                  "beta2 and eps your function is given"))
        _compare(result, "the new p", triple[0], rp, when, variants=tuple(step_wrong))
        if not (m_ok and s_ok):
            return result
        p, m, s = rp, rm, rs  # continue from the right state whatever the learner returned
    return result


__all__ = [
    "CheckResult",
    "check_sigmoid_derivative",
    "check_relu_derivative",
    "check_mse_gradient",
    "check_softmax_cross_entropy",
    "check_dense_backward",
    "check_adam_step",
]
