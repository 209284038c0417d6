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
raises: whatever your function returns (None, a string, a ragged list, values
in the wrong order, ...) or raises, the check reports it, with what your
function was called with. Inputs are drawn from a seeded generator, so the
same function always gets the same report.

A function that never returns does not hang the notebook: each check gives
your function :data:`TIMEOUT_SECONDS` seconds in all (the inputs are tiny, so a
right answer takes milliseconds), then gives up and says so. Every check
takes a ``timeout`` argument to change that limit. How the check stops your
function:

* In the main thread on Linux and macOS (where a Jupyter kernel runs its
  cells), a timer signal (``SIGALRM``, armed with ``signal.setitimer``)
  interrupts the function, even inside ``time.sleep``. The check puts the
  previous signal handler back and disarms the timer before it reports, also
  when your function raises or is interrupted.
* Elsewhere (Windows, a thread other than the main one, or when another timer
  is already armed, which the check leaves alone), your function runs in a
  background thread and the check stops waiting for it. Python cannot stop a
  thread, so a function that never returns keeps running there until the
  kernel restarts; the report says so.

A signal cannot interrupt one long NumPy operation (it takes effect when the
operation ends), nor a function that catches every exception with a bare
``except:`` inside an endless loop.

The functions you write, one per check (``m`` and ``s`` are Adam's first and
second moments, as in the book's notation):

===================================  ========================================================
check                                your function
===================================  ========================================================
:func:`check_sigmoid_derivative`     ``f(z) -> sigma'(z)``, elementwise, any shape
:func:`check_relu_derivative`        ``f(z) -> relu'(z)``, elementwise, any shape
:func:`check_mse_gradient`           ``f(a, y) -> dL/da`` for the mean squared error
:func:`check_softmax_cross_entropy`  ``f(z, y) -> (L, dL/dz)`` from logits and int labels
:func:`check_dense_backward`         ``f(dz, x, W) -> (dx, dW, db)`` for ``z = x W + b``
:func:`check_adam_step`              ``f(p, g, m, s, t, lr, beta1, beta2, eps) -> (p, m, s)``
:func:`check_xor_gradients`          ``f(p, x1, x2, y) -> {"w1": dL/dw1, ..., "b3": dL/db3}``
:func:`check_xor_gradients_tanh`     the same, for the XOR network with a tanh hidden layer
:func:`check_update_ratios`          ``f(before, after) -> {"W1": ratio, ...}``, per weight matrix
===================================  ========================================================
"""

from __future__ import annotations

import ast
import itertools
import linecache
import os
import re
import reprlib
import signal
import threading
import time
import traceback
import types
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..model import activations
from ..model import layers
from ..model import losses
from ..validate import check_positive, check_seed, format_shape

PASS, FAIL, NOTE = "✓", "✗", "•"

#: Seconds a check gives the learner's function, all its calls together,
#: before it gives up and reports that the function did not return. Every
#: check's ``timeout`` argument overrides it.
TIMEOUT_SECONDS = 5.0

# After the time is up, the timer signal repeats this often (seconds), so that
# a function that catches the first interruption is interrupted again.
_REPEAT_SECONDS = 0.1


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
# words


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _where(when: str) -> str:
    """The start of a message: "For z of shape (5, 3), " (or nothing)."""
    return f"{_cap(when)}, " if when else ""


def _tests(n: int) -> str:
    return f"{n} test" if n == 1 else f"{n} tests"


def _one_line(text: str, limit: int = 300) -> str:
    """Text on one line (a report has one line per test), cut at ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _text(obj: Any) -> str:
    """str(obj) for a message, even when the object's __str__ fails."""
    try:
        return _one_line(str(obj))
    except Exception:
        return f"<{type(obj).__name__}>"


_short_repr = reprlib.Repr()
_short_repr.maxstring = 40
_short_repr.maxother = 40
_short_repr.maxlist = _short_repr.maxtuple = 4


def _short(obj: Any) -> str:
    """A short repr of a learner's value for a message."""
    try:
        return _one_line(_short_repr.repr(obj), 80)
    except Exception:
        return f"<{type(obj).__name__}>"


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _kind(out: Any) -> str:
    """What a learner's function returned, in words: "a list of length 2"."""
    if isinstance(out, np.ndarray):
        return f"a NumPy array of shape {format_shape(out.shape)} and dtype {out.dtype}"
    if isinstance(out, np.generic):
        return f"a NumPy {out.dtype} scalar"
    if isinstance(out, (list, tuple)):
        return f"{_a(type(out).__name__)} of length {len(out)}"
    return _a(type(out).__name__)


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
        f"expected your function itself, got {_a(type(fn).__name__)}: pass the function's name "
        "without parentheses, e.g. check(my_function), not check(my_function())"
    )
    return False


# ---------------------------------------------------------------------------
# calling the learner's function: with a time limit, never raising


class _TimedOut(BaseException):
    """Raised inside the learner's function when the check's time is up.

    A BaseException, so that the learner's ``except Exception`` lets it through.
    """


class _Stop(Exception):
    """Ends a check early; the reason is already in the report."""


@dataclass
class _Outcome:
    """What one call of the learner's function gave."""

    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False
    in_background: bool = False  # timed out in a thread that may still be running
    warnings: list[str] = field(default_factory=list)


def _alarm_usable() -> bool:
    """True when a SIGALRM timer can interrupt the learner's function.

    That needs POSIX (``signal.setitimer``), the main thread (Python runs
    signal handlers there only), a SIGALRM handler set from Python (so it can
    be put back) and no timer already armed by someone else.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    try:
        if signal.getsignal(signal.SIGALRM) is None:
            return False
        return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    except (OSError, ValueError):
        return False


def _run_with_alarm(call: Callable[[], Any], seconds: float) -> _Outcome:
    """Run ``call()`` in this (main) thread, interrupted after ``seconds``.

    The timer raises :class:`_TimedOut` inside the learner's code only: when it
    fires in this module's own lines, the call has already ended and the
    signal is ignored. The timer is disarmed and the previous handler put back
    in every case, before this function returns or raises.
    """
    outcome = _Outcome()

    def on_alarm(signum, frame) -> None:
        if frame is not None and frame.f_globals.get("__name__") == __name__:
            return
        outcome.timed_out = True
        raise _TimedOut

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT_SECONDS)
        try:
            outcome.value = call()
        except _TimedOut:
            outcome.timed_out = True
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # the learner's code: report, never raise
            outcome.error = e
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return outcome


def _run_in_thread(call: Callable[[], Any], seconds: float) -> _Outcome:
    """Run ``call()`` in a background thread and wait at most ``seconds``.

    The fallback where no timer signal can be used. A thread cannot be
    stopped: after a timeout it goes on running (as a daemon thread, so it
    does not keep Python from exiting).
    """
    outcome = _Outcome()

    def work() -> None:
        try:
            with np.errstate(all="warn", under="ignore"):  # NumPy's error state is per thread
                outcome.value = call()
        except BaseException as e:  # the learner's code: report, never raise
            outcome.error = e

    worker = threading.Thread(target=work, name="nnlib-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        return _Outcome(timed_out=True, in_background=True)
    return outcome


class _Learner:
    """The learner's function, called with copies of the inputs under the
    check's time budget; every problem goes into the report."""

    def __init__(self, fn: Callable, result: CheckResult, timeout: float):
        self.fn = fn
        self.result = result
        self.timeout = timeout
        self.spent = 0.0
        self.gave_up = False

    def _run(self, call: Callable[[], Any]) -> _Outcome:
        remaining = self.timeout - self.spent
        if remaining <= 0:
            return _Outcome(timed_out=True)
        start = time.monotonic()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if _alarm_usable():
                with np.errstate(all="warn", under="ignore"):
                    outcome = _run_with_alarm(call, remaining)
            else:
                outcome = _run_in_thread(call, remaining)
        self.spent += time.monotonic() - start
        outcome.warnings = sorted({_text(w.message) for w in caught
                                   if issubclass(w.category, RuntimeWarning)})
        return outcome

    def call(self, args: dict[str, Any], when: str, kw: dict[str, Any] | None = None,
             may_change_inputs: bool = False, notes: bool = True, expect: str = "") -> tuple[bool, Any]:
        """Call the function with copies of ``args`` (by position, in order) and ``kw``.

        Returns (True, what it returned), or (False, None) after reporting that
        it raised (with a hint for the usual causes) or ran out of time. Notes
        NumPy's warnings and changed inputs unless ``notes`` is False.
        ``expect`` names the shapes wanted, for the hint on a matrix product
        whose shapes do not fit.
        """
        if self.gave_up:
            return False, None
        kw = kw or {}
        copies = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}
        outcome = self._run(lambda: self.fn(*copies.values(), **kw))
        if outcome.timed_out:
            self.gave_up = True
            msg = (f"{_where(when)}your function was still running when the check's time limit of "
                   f"{self.timeout:g} s ran out, so the check gave up: look for a loop that never ends "
                   "(a `while` whose condition never changes) or for work far too slow for these "
                   "small inputs")
            if outcome.in_background:
                msg += (". It may still be running in the background (Python cannot stop it from "
                        "here): restart the kernel if the notebook slows down")
            self.result.fail(msg)
            return False, None
        if outcome.error is not None:
            e = outcome.error
            said = _text(e)
            msg = (f"{_where(when)}your function raised {type(e).__name__}{': ' + said if said else ''} "
                   f"(it was called with {_describe(args)})")
            try:
                hint = _error_hint(e, expect)
            except Exception:  # a hint is a bonus: never lose the report of the error for it
                hint = ""
            self.result.fail(msg + (f". {hint}" if hint else ""))
            return False, None
        if notes and outcome.warnings:
            self.result.note(f"{_where(when)}NumPy warned: {'; '.join(outcome.warnings)}")
        if notes and not may_change_inputs:
            changed = [k for k, v in args.items()
                       if isinstance(v, np.ndarray) and not _same(v, copies[k])]
            if changed:
                self.result.note(f"{_where(when)}your function changed its input {', '.join(changed)} "
                                 "in place; the caller may still need it, so compute new arrays instead")
        return True, outcome.value


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b))


# ---------------------------------------------------------------------------
# hints for errors raised inside the learner's function


_NUMPY_DIR = os.path.dirname(np.__file__)


def _failing_code(e: BaseException) -> tuple[str, types.FrameType | None]:
    """The expression (or line) of the learner's code where ``e`` was raised,
    and that frame (to read the shapes of the arrays it names).

    The innermost frame outside NumPy is taken; Python 3.11 and later give the
    columns of the failing expression, older versions the whole line.
    """
    tbs = []
    tb = e.__traceback__
    while tb is not None:
        tbs.append(tb)
        tb = tb.tb_next
    summaries = traceback.extract_tb(e.__traceback__)
    for tb, fs in reversed(list(zip(tbs, summaries))):
        if fs.filename.startswith(_NUMPY_DIR) or tb.tb_frame.f_globals.get("__name__") == __name__:
            continue
        line = linecache.getline(fs.filename, fs.lineno or 0)
        colno, end = getattr(fs, "colno", None), getattr(fs, "end_colno", None)
        if line and colno is not None and end is not None and fs.end_lineno == fs.lineno:
            code = line.encode()[colno:end].decode(errors="replace")
        else:
            code = line
        return _one_line(code, 120), tb.tb_frame
    return "", None


def _operand_shape(node: ast.AST, frame: types.FrameType) -> tuple | None:
    """The shape of an operand written as a name (``W``) or its transpose
    (``W.T``), read from the frame's variables; None for anything else."""
    if isinstance(node, ast.Name):
        value = frame.f_locals.get(node.id, frame.f_globals.get(node.id))
        return value.shape if isinstance(value, np.ndarray) else None
    if isinstance(node, ast.Attribute) and node.attr == "T":
        inner = _operand_shape(node.value, frame)
        return inner[::-1] if inner is not None else None
    return None


def _product_operands(code: str, frame: types.FrameType | None) -> list[tuple[str, str, tuple, str, tuple]]:
    """The matrix products in ``code`` (``A @ B``, ``np.dot(A, B)``,
    ``np.matmul(A, B)``) whose operands' shapes are known and do not fit:
    (the product's text, A's text, A's shape, B's text, B's shape) each."""
    if not code or frame is None:
        return []
    try:
        tree = ast.parse(code.strip(), mode="exec")
    except SyntaxError:
        return []
    pairs = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            pairs.append((node, node.left, node.right))
        elif (isinstance(node, ast.Call) and len(node.args) == 2
              and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("dot", "matmul")):
            pairs.append((node, node.args[0], node.args[1]))
    found = []
    for node, left, right in pairs:
        a, b = _operand_shape(left, frame), _operand_shape(right, frame)
        if a is None or b is None or len(a) == 0 or len(b) == 0:
            continue
        inner_b = b[0] if len(b) == 1 else b[-2]
        if a[-1] != inner_b:
            found.append((ast.unparse(node), ast.unparse(left), a, ast.unparse(right), b))
    return found


def _error_hint(e: BaseException, expect: str = "") -> str:
    """A sentence on the usual cause of a NumPy shape error, or ""."""
    if not isinstance(e, ValueError):
        return ""
    said = _text(e)
    if said.startswith("matmul:") or "not aligned" in said:
        if "does not have enough dimensions" in said:
            return ("One operand of a matrix product (@ or np.matmul) is a single number: multiply by "
                    "a number with *, and keep @ for two arrays")
        code, frame = _failing_code(e)
        wanted = f" ({expect})" if expect else ""
        for product, left, a, right, b in _product_operands(code, frame):
            inner_b = b[0] if len(b) == 1 else b[-2]
            return (f"In `{product}`, {left} has shape {format_shape(a)} and {right} has shape "
                    f"{format_shape(b)}: a matrix product A @ B needs as many columns in A as rows in B "
                    f"(here {a[-1]} and {inner_b}). A transpose (.T) is missing or one too many; work out "
                    f"which from the shape each result must have{wanted}")
        sizes = re.search(r"size (\d+) is different from (\d+)", said)
        inner = f" ({sizes.group(2)} and {sizes.group(1)})" if sizes else ""
        place = f" in `{code.strip()}`" if code.strip() else ""
        return (f"A matrix product (@, np.dot or np.matmul){place} got operands whose inner sizes "
                f"differ{inner}: a transpose (.T) is missing or one too many; work out which from "
                f"the shape each result must have{wanted}")
    if "could not be broadcast" in said:
        shapes = re.findall(r"\([\d, ]*\)", said.split("shapes", 1)[-1])
        got = f" of shapes {' and '.join(shapes)}" if len(shapes) >= 2 else ""
        code, _ = _failing_code(e)
        place = f"In `{code.strip()}`, an" if code.strip() else "An"
        return (f"{place} elementwise operation (+, -, *, /, ...) got arrays{got} that NumPy cannot "
                "line up: it matches sizes from the last axis. A sum or maximum over axis 1 of an "
                "(N, K) array lines up with it again when it keeps that axis (keepdims=True, shape (N, 1))")
    return ""


# ---------------------------------------------------------------------------
# reading what the learner's function returned


def _as_numbers(out: Any) -> tuple[np.ndarray | None, str]:
    """``out`` as an array of real numbers, or (None, what is wrong with it).

    Never raises: None, a string, a ragged list, Python objects, complex
    numbers, a generator, an object whose ``__array__`` fails, ... each get a
    sentence ("expected numbers, got ...").
    """
    if out is None:
        return None, "expected numbers, got None; did you forget `return`?"
    if isinstance(out, (str, bytes)):
        return None, f"expected numbers, got a string, {_short(out)}"
    if isinstance(out, dict):
        keys = ", ".join(_short(k) for k in list(out)[:4])
        return None, f"expected numbers, got a dict (keys {keys or 'none'}): return the array itself"
    if isinstance(out, (set, frozenset)):
        return None, "expected numbers, got a set, which has no order"
    if isinstance(out, (types.GeneratorType, map, filter, zip, range)) or (
            hasattr(out, "__next__") and not isinstance(out, np.ndarray)):
        return None, (f"expected numbers, got {_a(type(out).__name__)}, which yields its values one by "
                      "one: build a NumPy array instead (np.array([...]) or NumPy operations on whole arrays)")
    if callable(out) and not isinstance(out, (np.ndarray, np.generic)):
        return None, (f"expected numbers, got a function or class ({_short(out)}) instead of its result: "
                      "call it")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(out)
    except Exception as e:
        said = _text(e)
        if "inhomogeneous" in said or "setting an array element with a sequence" in said:
            return None, (f"expected numbers, got {_kind(out)} whose items have different lengths or "
                          f"shapes (a ragged list: {_short(out)}), which is no array")
        return None, (f"expected numbers, got {_kind(out)}, which could not be turned into an array: "
                      f"{type(e).__name__}: {said}")
    if not isinstance(arr, np.ndarray):
        return None, f"expected numbers, got {_kind(out)}, which could not be turned into an array"
    if arr.dtype == object:
        inside = ", ".join(sorted({type(v).__name__ for v in arr.ravel()[:1000]})) or "none"
        if isinstance(out, np.ndarray):
            got = f"{_kind(out)}: its items are Python objects (here {inside}), not plain numbers"
        else:
            got = f"{_kind(out)}, which NumPy turns into an array of Python objects (dtype object; here {inside})"
        return None, (f"expected numbers, got {got}; NumPy makes such arrays when the items are not all "
                      "numbers, e.g. arrays of different shapes, or None")
    if arr.dtype.kind in "US":
        return None, f"expected numbers, got strings (dtype {arr.dtype}), {_short(out)}"
    if arr.dtype.kind == "c":
        return None, (f"expected real numbers, got complex numbers (dtype {arr.dtype}): something in your "
                      "code made them (like 1j, or np.emath of a negative number)")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        return None, f"expected numbers, got {_kind(out)} of dtype {arr.dtype}"
    return arr, ""


def _dtype_hint(out: Any, arr: np.ndarray, expected: np.dtype) -> str:
    """Why a result with the right values has the wrong dtype, for the dtype found."""
    if isinstance(out, (list, tuple)):
        return (f"your function returned {_kind(out)}, which NumPy reads as {arr.dtype}: return a NumPy "
                "array computed from the input arrays, which keeps their dtype")
    if arr.dtype == bool:
        return "it holds booleans: convert them to the input's float dtype"
    if np.issubdtype(arr.dtype, np.integer):
        return (f"it holds integers ({arr.dtype}): convert them to the input's float dtype, "
                "e.g. with .astype(z.dtype)")
    if arr.dtype == np.float64 and expected == np.float32:
        return ("something in your code upcast to float64: a new array made without a dtype "
                "(np.zeros(shape), np.ones(shape)), booleans times a Python float, or a NumPy float64 "
                "scalar (like np.float64(2) / N or np.sqrt(...) of a number) each make float64; give "
                "new arrays the input's dtype (np.zeros_like, or .astype(...)) and use Python floats")
    return f"keep the input's dtype ({expected}); something in your code converted to {arr.dtype}"


def _interpret_factor(c: float, factors: dict[float, str]) -> str:
    """Hint for an array that is ``c`` times the expected one, entry by entry."""
    for value, hint in factors.items():
        if np.isclose(c, value, rtol=1e-4):
            return hint
    if np.isclose(c, -1, rtol=1e-4):
        return "has the wrong sign: every value is the negative of the expected one"
    if np.isclose(c, 2, rtol=1e-4) or np.isclose(c, 0.5, rtol=1e-4):
        return f"is {c:g} times the expected values: check for a missing or extra factor 2"
    return f"is {c:.4g} times the expected values, entry by entry: a constant factor is wrong"


def _compare(result: CheckResult, what: str, out, ref: np.ndarray, when: str = "",
             variants: tuple[tuple[np.ndarray, str], ...] = (),
             factors: dict[float, str] | None = None,
             shape_hints: dict[tuple, str] | None = None,
             transposed: str = "it looks transposed",
             dtype=None, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Compare a learner's array with the expected one and explain a mismatch.

    ``variants`` are (wrong array, hint) pairs for typical mistakes; ``factors``
    maps a constant ratio (yours / expected) to a hint; ``shape_hints`` maps a
    wrong shape to a hint; ``transposed`` is the hint for a 2-d result whose
    shape is the expected one reversed.
    """
    where = _where(when)
    arr, problem = _as_numbers(out)
    if arr is None:
        result.fail(f"{where}{what}: {problem}")
        return False
    if arr.shape != ref.shape:
        hint = (shape_hints or {}).get(arr.shape)
        if hint is None and arr.ndim == 2 and arr.shape == ref.shape[::-1]:
            hint = transposed
        elif hint is None and arr.ndim == 0:
            hint = "yours is one number where an array is expected (did you sum or average it?)"
        elif hint is None and arr.size == ref.size:
            hint = "it has the right number of values in another arrangement"
        msg = f"{where}{what} has shape {format_shape(arr.shape)}, expected {format_shape(ref.shape)}"
        result.fail(msg + (f": {hint}" if hint else ""))
        return False
    if not np.all(np.isfinite(arr)):
        n_nan, n_inf = int(np.sum(np.isnan(arr))), int(np.sum(np.isinf(arr)))
        result.fail(f"{where}{what} holds {n_nan + n_inf} NaN or infinite values ({n_nan} NaN, "
                    f"{n_inf} infinite), where every expected value is finite")
        return False
    a64, r64 = arr.astype(np.float64), ref.astype(np.float64)
    if np.allclose(a64, r64, rtol=rtol, atol=atol):
        if dtype is not None and arr.dtype != np.dtype(dtype):
            result.fail(f"{where}{what} has the right values but dtype {arr.dtype}, expected "
                        f"{np.dtype(dtype)}: {_dtype_hint(out, arr, np.dtype(dtype))}")
            return False
        result.ok(f"{what} is right{' ' + when if when else ''}" + (
            "" if ref.ndim == 0 else f" (shape {format_shape(ref.shape)})"))
        return True
    for wrong, hint in variants:
        if np.shape(wrong) == arr.shape and np.allclose(a64, wrong, rtol=rtol, atol=atol):
            result.fail(f"{where}{what} is not right: {hint}")
            return False
    denom = float(np.sum(r64 * r64))
    if denom > 0 and arr.size > 1:
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
                    variants: tuple[tuple[float, str], ...] = (),
                    shape_hint: str = "") -> bool:
    """Compare a learner's number (a loss) with the expected one.

    ``factors`` maps a known ratio (yours / expected, like N for a sum instead
    of a mean) to a hint; any other ratio is reported as it is, with both
    values. ``variants`` are (wrong value, hint) pairs for typical mistakes.
    """
    where = _where(when)
    arr, problem = _as_numbers(out)
    if arr is None:
        result.fail(f"{where}{what}: {problem}")
        return False
    if arr.size != 1:
        result.fail(f"{where}{what} should be one number; yours has shape {format_shape(arr.shape)}"
                    + (f": {shape_hint}" if shape_hint else ""))
        return False
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        result.fail(f"{where}{what} is {value}, where the expected value is finite ({ref:.6g})")
        return False
    if np.isclose(value, ref, rtol=1e-6, atol=1e-9):
        result.ok(f"{what} is right{' ' + when if when else ''}")
        return True
    for wrong, hint in variants:
        if np.isclose(value, wrong, rtol=1e-6, atol=1e-9):
            result.fail(f"{where}{what} is not right: {hint}")
            return False
    ratio = ""
    if ref != 0:
        c = value / ref
        wrong_sign = {-1.0: "has the wrong sign: it is the negative of the expected value"}
        for known, hint in {**wrong_sign, **(factors or {})}.items():
            if np.isclose(c, known, rtol=1e-4):
                result.fail(f"{where}{what} {hint}")
                return False
        if value != 0:
            ratio = f" ({c:.4g} times the expected value)"
    result.fail(f"{where}{what} is {value:.6g}, expected {ref:.6g}{ratio}")
    return False


def _unpack(result: CheckResult, out, n: int, names: str, when: str) -> tuple | None:
    """The ``n`` values a function returned as a tuple (or list), or None after
    reporting what came instead."""
    if isinstance(out, (tuple, list)) and len(out) == n:
        return tuple(out)
    if out is None:
        got = "None; did you forget `return`?"
    elif isinstance(out, dict):
        keys = ", ".join(_short(k) for k in list(out)[:4])
        got = f"a dict (keys {keys or 'none'}): return the values themselves, separated by commas"
    else:
        got = _kind(out)
    result.fail(f"{_where(when)}your function should return {n} things, {names}; it returned {got}")
    return None


def _swapped(items: tuple, refs: tuple, names: tuple[str, ...]) -> str:
    """A sentence when the learner's values are the expected ones in another
    order (by value, or else by shape when only one order fits), or ""."""
    arrays = [_as_numbers(v)[0] for v in items]
    refs = tuple(np.asarray(r, dtype=np.float64) for r in refs)
    if any(a is None for a in arrays):
        return ""

    def fits(a: np.ndarray, r: np.ndarray, values: bool) -> bool:
        if a.shape != r.shape:
            return False
        return not values or bool(np.allclose(a.astype(np.float64), r, rtol=1e-4, atol=1e-8))

    identity = tuple(range(len(items)))
    orders = [o for o in itertools.permutations(identity) if o != identity]
    expected = ", ".join(names)
    if not all(fits(a, r, True) for a, r in zip(arrays, refs)):
        for order in orders:
            if all(fits(arrays[i], refs[j], True) for i, j in enumerate(order)):
                got = ", ".join(names[j] for j in order)
                return (f"your function returned the right values in the wrong order, ({got}); "
                        f"return them as ({expected})")
    if not all(fits(a, r, False) for a, r in zip(arrays, refs)):
        by_shape = [o for o in orders if all(fits(arrays[i], refs[j], False) for i, j in enumerate(o))]
        if len(by_shape) == 1:
            got = ", ".join(names[j] for j in by_shape[0])
            return (f"the shapes suggest your function returned ({got}), in that order; "
                    f"return them as ({expected})")
    return ""


def _run_check(name: str, fn: Callable, seed: int, timeout: float | None,
               tests: Callable[[CheckResult, _Learner, int], None]) -> CheckResult:
    """Run ``tests(result, learner, seed)`` on the learner's function and
    return the report.

    A safety net: should the check's own code fail on something the learner's
    function returned, the report says so instead of raising. NumPy's error
    settings and warning filters of the notebook do not apply to the check's
    own arithmetic.
    """
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    check_positive(timeout, "timeout")
    check_seed(seed)
    result = CheckResult(name)
    if not _callable_or_fail(result, fn):
        return result
    learner = _Learner(fn, result, float(timeout))
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tests(result, learner, seed)
    except _Stop:
        pass
    except Exception as e:
        result.fail(f"the check could not make sense of what your function returned ({type(e).__name__}: "
                    f"{_text(e)}): return NumPy arrays of numbers, in the order the exercise asks for")
    return result


_ELEMENTWISE = "an elementwise function keeps the shape of z; yours looks transposed"


# ---------------------------------------------------------------------------
# activations


def check_sigmoid_derivative(fn: Callable, seed: int = 0, timeout: float | None = None) -> CheckResult:
    """Check your derivative of the sigmoid, sigma'(z).

    Your function: ``f(z) -> sigma'(z)``, elementwise on an array ``z`` of any
    shape, returning an array of the same shape and dtype (float32 stays
    float32). It must also work for z far from 0 (like z = -1000) without NaN.

    Args:
        fn: your function.
        seed: seeds the random test inputs.
        timeout: seconds your function may run in all (every call together)
            before the check gives up; None means :data:`TIMEOUT_SECONDS`.
    Returns:
        a CheckResult.
    """
    return _run_check("check_sigmoid_derivative", fn, seed, timeout, _sigmoid_tests)


def _sigmoid_mistakes(z: np.ndarray) -> tuple[tuple[np.ndarray, str], ...]:
    """(wrong values, hint) for the usual mistakes in sigma'(z)."""
    s = activations.sigmoid(z)
    return (
        (s, "these are the values of sigma(z) itself, not of its derivative"),
        (z * (1 - z), "you applied the formula to z; the derivative is written in terms of sigma(z)"),
        (1 - s, "these are 1 - sigma(z); one factor of the derivative is missing"),
        (s * (1 + s), "a sign error: you multiplied sigma(z) by 1 + sigma(z); the second factor is "
                      "1 - sigma(z)"),
        (1 - s * s, "1 - sigma(z)^2 has the form of the derivative of tanh; the sigmoid's derivative "
                    "is sigma(z) times (1 - sigma(z))"),
    )


def _sigmoid_tests(result: CheckResult, learner: _Learner, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cases = [(rng.normal(0, 3, size=(5, 3)), None, "for z of shape (5, 3)"),
             (rng.normal(0, 3, size=7), None, "for z of shape (7,)"),
             (rng.normal(0, 3, size=(4, 2)).astype(np.float32), np.float32, "for float32 z")]
    for z, dtype, when in cases:
        ok, out = learner.call({"z": z}, when)
        if not ok:
            return
        tol = dict(rtol=1e-5, atol=1e-7) if dtype else {}
        _compare(result, "sigma'(z)", out, activations.sigmoid_derivative(z), when,
                 variants=_sigmoid_mistakes(z), transposed=_ELEMENTWISE, dtype=dtype, **tol)
    big = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    ok, out = learner.call({"z": big}, "for large |z|")
    if ok:
        arr, _ = _as_numbers(out)
        if arr is not None and arr.shape == big.shape and not np.all(np.isfinite(arr)):
            result.fail("for z = [-1000, -50, 0, 50, 1000] your values hold NaN or infinity: e^(-z) "
                        "overflows for large negative z. Compute sigma(z) in a form that never takes "
                        "e^ of a large positive number (see the docstring of nnlib.model.activations.sigmoid)")
        else:
            _compare(result, "sigma'(z)", out, activations.sigmoid_derivative(big),
                     "for z = [-1000, -50, 0, 50, 1000]", variants=_sigmoid_mistakes(big),
                     transposed=_ELEMENTWISE, atol=1e-12)


def check_relu_derivative(fn: Callable, seed: int = 0, timeout: float | None = None) -> CheckResult:
    """Check your derivative of ReLU, relu'(z): 1 where z > 0, else 0.

    Your function: ``f(z) -> relu'(z)``, elementwise on an array ``z`` of any
    shape, returning an array of z's shape and float dtype. At exactly
    z = 0 the book takes 0; 1 is accepted too (with a note).

    Args:
        fn: your function.
        seed: seeds the random test inputs.
        timeout: seconds your function may run in all (every call together)
            before the check gives up; None means :data:`TIMEOUT_SECONDS`.
    Returns:
        a CheckResult.
    """
    return _run_check("check_relu_derivative", fn, seed, timeout, _relu_tests)


def _relu_tests(result: CheckResult, learner: _Learner, seed: int) -> None:
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, size=(4, 5))
    z[0, :2] = 0.0  # exact zeros, where the derivative is a convention
    zero = z == 0
    for zz, dtype, when in ((z, np.float64, "for z of shape (4, 5)"),
                            (z.astype(np.float32), np.float32, "for float32 z")):
        ok, out = learner.call({"z": zz}, when)
        if not ok:
            return
        ref = activations.relu_derivative(zz)
        arr, _ = _as_numbers(out)
        if arr is not None and arr.shape == ref.shape:
            if np.allclose(arr[zero], 1) and np.allclose(arr[~zero], ref[~zero]):
                result.note(f"{_where(when)}your derivative is 1 at z = 0, where the book takes 0; either is "
                            "a valid choice (ReLU has no derivative there)")
                ref = ref.copy()
                ref[zero] = 1
        other_way = "the derivative is 1 for positive z and 0 for negative z; yours is the other way round"
        variants = (
            (activations.relu(zz), "these are the values of relu(z) itself, not of its derivative"),
            ((zz < 0).astype(np.float64), other_way),
            ((zz <= 0).astype(np.float64), other_way),
            (np.sign(zz), "negative z give -1 in yours; the slope of ReLU there is 0"),
            (activations.leaky_relu_derivative(zz), "this is the derivative of leaky ReLU (0.01 for negative "
                                                    "z); plain ReLU has slope 0 there"),
        )
        _compare(result, "relu'(z)", out, ref, when, variants=variants, transposed=_ELEMENTWISE, dtype=dtype)


# ---------------------------------------------------------------------------
# losses


def check_mse_gradient(fn: Callable, seed: int = 0, timeout: float | None = None) -> CheckResult:
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
        timeout: seconds your function may run in all (every call together)
            before the check gives up; None means :data:`TIMEOUT_SECONDS`.
    Returns:
        a CheckResult.
    """
    return _run_check("check_mse_gradient", fn, seed, timeout, _mse_tests)


def _mse_tests(result: CheckResult, learner: _Learner, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 5, 3
    a, y = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    loss_factors = {
        float(n): f"is {n} times too large (N = {n}): the loss is the mean over the batch, not the sum",
        1 / k: f"is the mean over all N·K = {n * k} entries; the book's loss sums over the outputs and "
               "averages over the samples",
        0.5: "is half the expected loss: the book's loss has no 1/2 in front",
    }
    factors = {
        float(n): f"is off by a factor of the batch size N = {n}: the loss is the mean over "
                  "the batch, so its gradient carries a factor 1/N",
        1 / k: f"is {k} times too small: you divided by N·K = {n * k}, the number of entries; the "
               "book's loss is a mean over the samples but a sum over the K outputs",
        0.5: "is half the expected gradient: the derivative of a square brings a factor 2 "
             "(the book's loss has no 1/2 in front)",
        -1.0: "has the wrong sign: where a > y the loss grows with a, so dL/da must be positive there",
    }
    for aa, yy, dtype, when in ((a, y, np.float64, f"for a, y of shape ({n}, {k})"),
                                (a.astype(np.float32), y.astype(np.float32), np.float32, "for float32 a, y")):
        ok, out = learner.call({"a": aa, "y": yy}, when)
        if not ok:
            return
        ref_loss, ref = losses.mse(aa, yy)
        grad = out
        if isinstance(out, tuple) and len(out) != 2:
            result.fail(f"{_where(when)}your function returned {_kind(out)}; return the gradient dL/da "
                        "alone, or the pair (L, dL/da)")
            return
        if isinstance(out, (tuple, list)) and len(out) == 2:  # (L, dL/da); a gradient has N = 5 rows
            order = _swapped(tuple(out), (ref_loss, ref), ("L", "dL/da"))
            if order:
                result.fail(_where(when) + order)
                return
            _compare_number(result, "the loss", out[0], ref_loss, when, factors=loss_factors)
            grad = out[1]
        _compare(result, "dL/da", grad, ref, when, factors=factors,
                 transposed="the gradient has the shape of a, one row per sample; yours looks transposed",
                 dtype=dtype, rtol=1e-5, atol=1e-7)


_WRONG_AXIS = ("the probabilities are normalised over the wrong axis: the probabilities of each sample "
               "(a row of z) must sum to 1, so sum over the classes, axis=1 (with keepdims=True)")
_WHOLE_ARRAY = ("the probabilities are normalised over the whole array: the probabilities of each sample "
                "(a row of z) must sum to 1, so sum over the classes, axis=1 (with keepdims=True)")


def _softmax_mistakes(z: np.ndarray, y: np.ndarray) -> list[tuple[float, np.ndarray, str]]:
    """(loss, gradient, hint) of softmax cross-entropy normalised the wrong
    way: over the batch (axis 0) or over the whole array, each with and
    without the max trick taken row by row."""
    n = len(y)
    rows = np.arange(n)
    onehot = np.zeros(z.shape)
    onehot[rows, y] = 1
    e = np.exp(z - z.max())  # one shift for the whole array: the same probabilities as np.exp(z)
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    mistakes = []
    for p, hint in ((e / e.sum(axis=0, keepdims=True), _WRONG_AXIS),
                    (shifted / shifted.sum(axis=0, keepdims=True), _WRONG_AXIS),
                    (e / e.sum(), _WHOLE_ARRAY),
                    (shifted / shifted.sum(), _WHOLE_ARRAY)):
        mistakes.append((float(-np.mean(np.log(p[rows, y]))), (p - onehot) / n, hint))
    return mistakes


def check_softmax_cross_entropy(fn: Callable, seed: int = 0, timeout: float | None = None) -> CheckResult:
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
        timeout: seconds your function may run in all (every call together)
            before the check gives up; None means :data:`TIMEOUT_SECONDS`.
    Returns:
        a CheckResult.
    """
    return _run_check("check_softmax_cross_entropy", fn, seed, timeout, _softmax_tests)


def _softmax_tests(result: CheckResult, learner: _Learner, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 4, 3
    z = rng.normal(0, 2, size=(n, k))
    y = rng.integers(0, k, size=n)
    what = "the loss and the gradient dL/dz"
    when = f"for z of shape ({n}, {k})"
    ok, out = learner.call({"z": z, "y": y}, when)
    if not ok:
        return
    pair = _unpack(result, out, 2, what, when)
    if pair is None:
        return
    ref_loss, ref = losses.softmax_cross_entropy(z, y)
    order = _swapped(pair, (ref_loss, ref), ("L", "dL/dz"))
    if order:
        result.fail(_where(when) + order)
        return
    loss, grad = pair
    mistakes = _softmax_mistakes(z, y)
    loss_ok = _compare_number(
        result, "the loss", loss, ref_loss, when,
        factors={float(n): f"is {n} times too large (N = {n}): take the mean over the batch, not the sum",
                 -1.0: "has the wrong sign: the loss is minus the log-probability of the right class, "
                       "so it is never negative",
                 1 / np.log(10): "is ln(10) = 2.303 times too small: use the natural logarithm np.log, "
                                 "not np.log10",
                 1 / np.log(2): "is 1/ln(2) = 1.443 times too large: use the natural logarithm np.log, "
                                "not np.log2"},
        variants=tuple((value, hint) for value, _, hint in mistakes),
        shape_hint="these look like the per-sample losses; the loss is their mean")
    p = activations.softmax(z)
    grad_factors = {float(n): f"is off by a factor of the batch size N = {n}: the loss is the mean "
                              "over the batch, so its gradient carries a factor 1/N",
                    -1.0: "has the wrong sign: raising the right class's logit must lower the loss"}
    transposed = "the gradient has the shape of z, one row per sample; yours looks transposed"
    _compare(result, "dL/dz", grad, ref, when,
             variants=((p / n, "you returned the probabilities (divided by N); the one-hot targets are "
                               "missing from the gradient"),
                       (p, "you returned the probabilities; the one-hot targets are missing from the "
                           "gradient, and so is the factor 1/N"))
             + tuple((g, hint) for _, g, hint in mistakes),
             factors=grad_factors, transposed=transposed)
    g, _ = _as_numbers(grad)
    if loss_ok and g is not None and g.shape == z.shape:
        _finite_differences(result, learner, z, y, g)
    big = z + 1000  # the same probabilities as z, but e^z overflows
    ok, out = learner.call({"z": big, "y": y}, "for large logits (z + 1000)")
    if ok:
        pair = _unpack(result, out, 2, what, "for large logits")
        if pair is not None:
            arrays = [_as_numbers(v)[0] for v in pair]
            if all(a is not None for a in arrays) and not all(np.all(np.isfinite(a)) for a in arrays):
                result.fail("for large logits (z + 1000) you get NaN or infinity: e^1000 "
                            "overflows. Subtracting each row's largest logit before exponentiating "
                            "changes nothing mathematically and keeps every e^(...) at most 1 "
                            "(the max trick)")
            else:
                ref_loss, ref = losses.softmax_cross_entropy(big, y)
                _compare_number(result, "the loss", pair[0], ref_loss, "for large logits")
                _compare(result, "dL/dz", pair[1], ref, "for large logits", transposed=transposed)
    z32 = z.astype(np.float32)
    ok, out = learner.call({"z": z32, "y": y}, "for float32 z")
    if ok:
        pair = _unpack(result, out, 2, what, "for float32 z")
        if pair is not None:
            _compare(result, "dL/dz", pair[1], losses.softmax_cross_entropy(z32, y)[1],
                     "for float32 z", factors=grad_factors, transposed=transposed,
                     dtype=np.float32, rtol=1e-4, atol=1e-6)


def _finite_differences(result: CheckResult, learner: _Learner, z: np.ndarray, y: np.ndarray,
                        grad: np.ndarray) -> None:
    """Compare the learner's gradient with finite differences of the learner's own loss."""
    from ..model.gradcheck import numerical_gradient, relative_error

    zc = z.copy()
    when = "for finite differences of your loss (z changed by ±1e-5)"

    def own_loss() -> float:
        ok, out = learner.call({"z": zc, "y": y}, when, notes=False)
        if not ok:
            raise _Stop  # reported by learner.call
        first = out[0] if isinstance(out, (tuple, list)) and len(out) == 2 else None
        value, _ = _as_numbers(first)
        if value is None or value.size != 1:
            raise ValueError("not one number")
        return float(value.reshape(()))

    try:
        numeric = numerical_gradient(own_loss, zc)
    except ValueError:
        result.fail(f"{_where(when)}your function did not return (one number, an array): the loss and "
                    "its gradient cannot be compared")
        return
    if relative_error(grad.astype(np.float64), numeric) < 1e-6:
        result.ok("your gradient agrees with finite differences of your loss "
                  "(relative error below 1e-6)")
    else:
        result.fail("your gradient does not match finite differences of your own loss: "
                    "the loss and its gradient disagree")


# ---------------------------------------------------------------------------
# layers


def check_dense_backward(fn: Callable, seed: int = 0, timeout: float | None = None) -> CheckResult:
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
        timeout: seconds your function may run in all (every call together)
            before the check gives up; None means :data:`TIMEOUT_SECONDS`.
    Returns:
        a CheckResult.
    """
    return _run_check("check_dense_backward", fn, seed, timeout, _dense_tests)


def _dense_tests(result: CheckResult, learner: _Learner, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_in, n_out = 4, 3, 2  # all different, so a transposed result shows in its shape
    x = rng.normal(size=(n, n_in))
    W = rng.normal(size=(n_in, n_out))
    dz = rng.normal(size=(n, n_out)) / n
    expect = (f"dx of shape {format_shape((n, n_in))}, dW of shape {format_shape((n_in, n_out))}, "
              f"db of shape {format_shape((n_out,))}")
    transposed = "it looks transposed; check which factor of the matrix product is transposed, and their order"
    for dzz, xx, WW, dtype, when in ((dz, x, W, np.float64, f"for N = {n}, n_in = {n_in}, n_out = {n_out}"),
                                     (dz.astype(np.float32), x.astype(np.float32), W.astype(np.float32),
                                      np.float32, "for float32 inputs")):
        ok, out = learner.call({"dz": dzz, "x": xx, "W": WW}, when, expect=expect)
        if not ok:
            return
        triple = _unpack(result, out, 3, "dx, dW and db", when)
        if triple is None:
            return
        refs = layers.dense_backward(dzz, layers.DenseCache(xx, WW))
        order = _swapped(triple, refs, ("dx", "dW", "db"))
        if order:
            result.fail(_where(when) + order)
            return
        dx, dW, db = triple
        rdx, rdW, rdb = refs
        tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else {}
        batch = {float(n): f"is off by a factor of the batch size N = {n}: dz already holds the 1/N "
                           "of the mean loss, so do not divide (or multiply) by N again",
                 1 / n: f"is off by a factor of the batch size N = {n}: dz already holds the 1/N "
                        "of the mean loss, so do not divide (or multiply) by N again"}
        _compare(result, "your gradient for x", dx, rdx, when, factors=batch, transposed=transposed,
                 dtype=dtype, **tol)
        _compare(result, "your gradient for W", dW, rdW, when, factors=batch, transposed=transposed,
                 dtype=dtype, **tol)
        _compare(result, "your gradient for b", db, rdb, when, factors={
            1 / n: "is the mean of dz over the batch; sum it instead (dz already holds the 1/N "
                   "of the mean loss)",
            float(n): batch[float(n)]},
            shape_hints={
                dzz.shape: "the bias is added to every row, so its gradient sums dz over the batch (axis 0)",
                (n,): "you summed over the outputs (axis 1); sum over the batch (axis 0) instead",
                (1, n_out): "keep it one-dimensional, shape (n_out,), like b itself",
            }, dtype=dtype, **tol)


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


def check_adam_step(fn: Callable, seed: int = 0, timeout: float | None = None) -> CheckResult:
    """Check your Adam update (Kingma & Ba, 2015) for one parameter array.

    Your function: ``f(p, g, m, s, t, lr=0.001, beta1=0.9, beta2=0.999,
    eps=1e-8) -> (p_new, m_new, s_new)`` where ``p`` is the parameter,
    ``g`` its gradient, ``m`` and ``s`` the running averages of the
    gradients and of their squares (the first and second moments, zeros
    before the first step), and ``t`` the number of this step, counting
    from 1. ``m_new`` and ``s_new`` are the raw running averages (not
    bias-corrected): the next step continues from them. Updating the arrays
    in place and returning them is fine. The check runs three steps from
    zeros, then one step with other hyperparameters (passed by keyword) from
    a later state.

    Args:
        fn: your function.
        seed: seeds the random test inputs.
        timeout: seconds your function may run in all (every call together)
            before the check gives up; None means :data:`TIMEOUT_SECONDS`.
    Returns:
        a CheckResult.
    """
    return _run_check("check_adam_step", fn, seed, timeout, _adam_tests)


def _adam_tests(result: CheckResult, learner: _Learner, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (3, 2)
    p = rng.normal(size=shape)
    m, s = np.zeros(shape), np.zeros(shape)
    runs = [dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, t=t) for t in (1, 2, 3)]
    runs.append(dict(lr=0.1, beta1=0.8, beta2=0.99, eps=1e-3, t=5))
    transposed = "p, m and s keep the shape of the parameter p; yours looks transposed"
    for i, hp in enumerate(runs):
        g = rng.normal(size=shape)
        if i == 3:  # a later state, other hyperparameters
            m, s = rng.normal(size=shape) * 0.1, rng.uniform(0.01, 0.1, size=shape)
        t = hp["t"]
        kw = {key: hp[key] for key in ("lr", "beta1", "beta2", "eps")}
        when = f"at step t = {t}" + (" with lr=0.1, beta1=0.8, beta2=0.99, eps=1e-3" if i == 3 else "")
        ok, out = learner.call({"p": p, "g": g, "m": m, "s": s, "t": t}, when, kw=kw,
                               may_change_inputs=True)
        if not ok:
            return
        triple = _unpack(result, out, 3, "the new p, m and s", when)
        if triple is None:
            return
        rp, rm, rs = _adam_reference(p, g, m, s, **hp)
        order = _swapped(triple, (rp, rm, rs), ("p", "m", "s"))
        if order:
            result.fail(_where(when) + order)
            return
        lr, b1, b2, eps = kw["lr"], kw["beta1"], kw["beta2"], kw["eps"]
        mh, sh = rm / (1 - b1**t), rs / (1 - b2**t)
        m_ok = _compare(result, "m", triple[1], rm, when, transposed=transposed, variants=(
            (b1 * g + (1 - b1) * m, "the weights are swapped: m keeps beta1 of its old value and adds "
                                    "(1 - beta1) of the gradient"),
            (mh, "you returned the bias-corrected m-hat; return the raw average m, which the next step "
                 "continues from"),
            (g, "m is just the gradient: it should be a running average of the gradients")))
        s_ok = _compare(result, "s", triple[2], rs, when, transposed=transposed, variants=(
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
        _compare(result, "the new p", triple[0], rp, when, variants=tuple(step_wrong), transposed=transposed)
        if not (m_ok and s_ok):
            return
        p, m, s = rp, rm, rs  # continue from the right state whatever the learner returned


# ---------------------------------------------------------------------------
# the XOR network of chapter 2, derivative by derivative


_XOR_ROLES = {
    "w1": "the weight from x1 to h1", "w2": "the weight from x2 to h1",
    "w3": "the weight from x1 to h2", "w4": "the weight from x2 to h2",
    "w5": "the weight from h1 to o", "w6": "the weight from h2 to o",
    "b1": "the bias of h1", "b2": "the bias of h2", "b3": "the bias of o",
}

_XOR_FORMAT = 'a dict {"w1": dL/dw1, ..., "b3": dL/db3} with one number per parameter'


@dataclass(frozen=True)
class _XorPass:
    """One sample's forward pass and local derivatives, for the reference and the hints.

    ``hidden`` is the hidden activation ("sigmoid" or "tanh"); the output is a
    sigmoid and the loss L = (y - o)^2 in both networks.
    """

    hidden: str
    w5: float
    w6: float
    x1: float
    x2: float
    y: float
    z1: float
    h1: float
    z2: float
    h2: float
    z3: float
    o: float

    def slope(self, h: float) -> float:
        """The hidden activation's derivative, written with its output h."""
        return 1 - h * h if self.hidden == "tanh" else h * (1 - h)

    @property
    def dL_do(self) -> float:
        return -2 * (self.y - self.o)

    @property
    def do_dz3(self) -> float:
        return self.o * (1 - self.o)

    @property
    def delta3(self) -> float:
        """dL/dz3 = -2 (y - o) o (1 - o)."""
        return self.dL_do * self.do_dz3


def _xor_pass(p, x1: float, x2: float, y: float, hidden: str) -> _XorPass:
    """The forward pass of the 2-2-1 network with the given hidden activation, in float64."""
    act = np.tanh if hidden == "tanh" else activations.sigmoid
    w = {name: float(getattr(p, name)) for name in ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")}
    x1, x2, y = float(x1), float(x2), float(y)
    z1 = w["w1"] * x1 + w["w2"] * x2 + w["b1"]
    z2 = w["w3"] * x1 + w["w4"] * x2 + w["b2"]
    h1, h2 = float(act(z1)), float(act(z2))
    z3 = w["w5"] * h1 + w["w6"] * h2 + w["b3"]
    o = float(activations.sigmoid(z3))
    return _XorPass(hidden, w["w5"], w["w6"], x1, x2, y, z1, h1, z2, h2, z3, o)


def _xor_chain(d3: float, a1: float, a2: float, h1: float, h2: float, x1: float, x2: float) -> dict[str, float]:
    """The nine derivatives from dL/dz3 = ``d3`` and the factors ``a1`` = dz3/dz1,
    ``a2`` = dz3/dz2 (each a weight times a slope): the chapter's chain rule."""
    return {"w1": d3 * a1 * x1, "w2": d3 * a1 * x2, "w3": d3 * a2 * x1, "w4": d3 * a2 * x2,
            "w5": d3 * h1, "w6": d3 * h2, "b1": d3 * a1, "b2": d3 * a2, "b3": d3}


def _xor_reference(p, x1: float, x2: float, y: float, hidden: str = "sigmoid") -> dict[str, float]:
    """The nine one-sample derivatives of L = (y - o)^2.

    For the sigmoid hidden layer these are the chapter's hand-derived formulas,
    ``nnlib.book.xor_by_hand.gradients``; for tanh the same chain with tanh's
    slope 1 - h^2 in place of h (1 - h). (The tests hold both equal to nnlib's
    backward pass and to finite differences.)
    """
    from . import xor_by_hand

    if hidden == "sigmoid":
        return xor_by_hand.gradients(xor_by_hand.Params(*(float(getattr(p, n)) for n in xor_by_hand.NAMES)),
                                     x1, x2, y)
    f = _xor_pass(p, x1, x2, y, hidden)
    return _xor_chain(f.delta3, f.w5 * f.slope(f.h1), f.w6 * f.slope(f.h2), f.h1, f.h2, f.x1, f.x2)


def _xor_loss(theta: np.ndarray, x1: float, x2: float, y: float, hidden: str) -> float:
    """L = (y - o)^2 for the nine parameters ``theta`` in the order w1..w6, b1..b3."""
    from .xor_by_hand import Params

    return (y - _xor_pass(Params(*(float(t) for t in theta)), x1, x2, y, hidden).o) ** 2


def _xor_finite_differences(p, x1: float, x2: float, y: float, hidden: str,
                            h: float = 1e-5) -> dict[str, float]:
    """Central differences (L(theta + h) - L(theta - h)) / 2h of the loss, one parameter at a time."""
    from .xor_by_hand import NAMES

    theta = np.array([float(getattr(p, n)) for n in NAMES])
    numeric = {}
    for i, name in enumerate(NAMES):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        numeric[name] = (_xor_loss(up, x1, x2, y, hidden) - _xor_loss(down, x1, x2, y, hidden)) / (2 * h)
    return numeric


def _xor_global_mistakes(f: _XorPass) -> list[tuple[float, str]]:
    """(ratio yours / expected, hint) for mistakes in dL/dz3, which every derivative shares."""
    d3 = f.delta3
    mistakes = [
        (-1.0, "every derivative has the wrong sign: dL/do = -2 (y - o), which is +2 (o - y); a sign "
               "error in (y - o) or (o - y) flips all nine"),
        (0.5, "every derivative is half the expected value: the loss (y - o)^2 has no 1/2 in front, so "
              "dL/do = -2 (y - o) keeps its factor 2"),
        (2.0, "every derivative is twice the expected value: dL/do = -2 (y - o) has one factor 2, "
              "not two"),
    ]
    if d3 != 0:
        s_o = float(activations.sigmoid(f.o))
        mistakes += [
            (f.dL_do / d3, "every derivative lacks the output's slope do/dz3 = o (1 - o): the sigmoid "
                           "of the output sits on every path from a parameter to the loss"),
            (f.dL_do * s_o * (1 - s_o) / d3,
             "every derivative has sigma'(o) in place of o (1 - o): o is already sigma(z3), so "
             "do/dz3 = sigma'(z3) = o (1 - o); applying sigma' to o takes the sigmoid twice"),
            ((f.o - f.y) / d3, "these are the derivatives of the binary cross-entropy (dL/dz3 = o - y); "
                               "this exercise's loss is the squared error (y - o)^2, so "
                               "dL/dz3 = -2 (y - o) o (1 - o)"),
        ]
        if f.hidden == "tanh":
            mistakes.append((f.dL_do * (1 - f.o * f.o) / d3,
                             "every derivative has 1 - o^2 as the output's slope: only the hidden "
                             "units are tanh; the output is still a sigmoid, so do/dz3 = o (1 - o)"))
    return mistakes


def _xor_param_mistakes(name: str, f: _XorPass) -> list[tuple[float, str]]:
    """(wrong value, hint) for the usual mistakes in one derivative."""
    d3, s_o = f.delta3, f.do_dz3
    act = "tanh" if f.hidden == "tanh" else "sigma"
    slope_text = {1: "1 - h1^2", 2: "1 - h2^2"} if f.hidden == "tanh" else {1: "h1 (1 - h1)", 2: "h2 (1 - h2)"}
    h = {1: f.h1, 2: f.h2}
    z = {1: f.z1, 2: f.z2}
    w_out = {1: f.w5, 2: f.w6}
    if name in ("w5", "w6", "b3"):
        mistakes = [(f.dL_do * (f.h1 if name == "w5" else f.h2 if name == "w6" else 1.0),
                     "the output's slope do/dz3 = o (1 - o) is missing")]
        if name == "b3":
            mistakes += [(d3 * f.h1, "a bias multiplies no input: dz3/db3 = 1, so no h1 belongs here"),
                         (d3 * f.h2, "a bias multiplies no input: dz3/db3 = 1, so no h2 belongs here")]
        else:
            u = 1 if name == "w5" else 2
            other = 3 - u
            mistakes += [
                (d3 * h[other], f"{name} multiplies h{u}, so dz3/d{name} = h{u}; yours uses h{other}"),
                (d3 * z[u], f"dz3/d{name} is the hidden unit's output h{u}, not its pre-activation z{u}"),
                (d3 * h[u] * f.slope(h[u]), f"stop at z3: {name} enters z3 directly, so the slope of "
                                            f"h{u} has no place in its path"),
                (d3 * w_out[u], f"dz3/d{name} is h{u}, the value {name} multiplies, not {name} itself"),
            ]
        return mistakes
    u = 1 if name in ("w1", "w2", "b1") else 2
    other = 3 - u
    inputs = {"x1": f.x1, "x2": f.x2}
    inp_name = {"w1": "x1", "w3": "x1", "w2": "x2", "w4": "x2"}.get(name)
    inp = inputs[inp_name] if inp_name else 1.0
    if f.hidden == "tanh":
        wrong_act = (h[u] * (1 - h[u]), f"h{u} (1 - h{u}) is the sigmoid's slope; the hidden units here "
                                        f"are tanh, whose slope is 1 - h{u}^2")
        twice = 1 - np.tanh(h[u]) ** 2
    else:
        wrong_act = (1 - h[u] ** 2, f"1 - h{u}^2 is the slope of tanh; the sigmoid's is h{u} (1 - h{u})")
        twice = float(activations.sigmoid(h[u]) * (1 - activations.sigmoid(h[u])))
    w_u, w_other = ("w5", "w6") if u == 1 else ("w6", "w5")
    mistakes = [
        (d3 * w_out[u] * inp, f"the slope of h{u} is missing: h{u} = {act}(z{u}), so the path passes "
                              f"through dh{u}/dz{u} = {slope_text[u]}"),
        (d3 * w_out[other] * f.slope(h[u]) * inp,
         f"the weight is the other hidden unit's: h{u} reaches z3 through {w_u} (dz3/dh{u} = {w_u}), "
         f"not {w_other}"),
        (d3 * w_out[u] * f.slope(h[other]) * inp,
         f"the slope is the other hidden unit's: the path runs through h{u}, so the factor is "
         f"{slope_text[u]}, not that of h{other}"),
        (d3 * w_out[u] * twice * inp, f"you applied {act}' to h{u}, which is already {act}(z{u}): the "
                                      f"slope is {slope_text[u]}, that is {act}'(z{u})"),
        (d3 * w_out[u] * f.slope(z[u]) * inp, f"you put z{u} into the slope; it is written with the "
                                              f"unit's output: {slope_text[u]}"),
        (d3 * w_out[u] * wrong_act[0] * inp, wrong_act[1]),
        (f.dL_do * w_out[u] * f.slope(h[u]) * inp, "the output's slope do/dz3 = o (1 - o) is missing"),
    ]
    a = d3 * w_out[u] * f.slope(h[u])
    if inp_name:
        swapped = "x2" if inp_name == "x1" else "x1"
        mistakes += [
            (a * inputs[swapped], f"dz{u}/d{name} = {inp_name}, the input that {name} multiplies; yours "
                                  f"uses {swapped}"),
            (a, f"the input factor is missing: {name} multiplies {inp_name} in z{u}, so "
                f"dz{u}/d{name} = {inp_name}"),
        ]
    else:
        mistakes += [(a * f.x1, f"a bias multiplies no input: dz{u}/d{name} = 1, so no x1 belongs here"),
                     (a * f.x2, f"a bias multiplies no input: dz{u}/d{name} = 1, so no x2 belongs here")]
    return mistakes


def _xor_values(result: CheckResult, out: Any, when: str) -> dict[str, float] | None:
    """The learner's nine derivatives as floats, or None after reporting what came instead."""
    from .xor_by_hand import NAMES

    where = _where(when)
    if out is None:
        result.fail(f"{where}your function returned None; did you forget `return`? Return {_XOR_FORMAT}")
        return None
    if isinstance(out, (tuple, list)) and len(out) == len(NAMES):
        result.fail(f"{where}your function returned {_kind(out)}; return {_XOR_FORMAT}, so that each "
                    "derivative carries its parameter's name (nine numbers in a row are easily misordered)")
        return None
    if not isinstance(out, dict):
        result.fail(f"{where}your function should return {_XOR_FORMAT}; it returned {_kind(out)}")
        return None
    keys = list(out)
    missing = [n for n in NAMES if n not in out]
    extra = [k for k in keys if k not in NAMES]
    if missing:
        msg = f"{where}your dict has no key{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
        if extra:
            msg += f" (it has {', '.join(_short(k) for k in extra[:4])}{', ...' if len(extra) > 4 else ''})"
            if any(isinstance(k, str) and re.fullmatch(r"(dL_?/?d|d)?[wb]\d", k) for k in extra):
                msg += ': name each derivative by its parameter alone, "w1" for dL/dw1'
        result.fail(msg + f"; return {_XOR_FORMAT}")
        return None
    values, problems = {}, []
    for name in NAMES:
        arr, problem = _as_numbers(out[name])
        if arr is None:
            problems.append(f'dL/d{name} (key "{name}"): {problem}')
        elif arr.size != 1:
            problems.append(f'dL/d{name} (key "{name}") should be one number; yours has shape '
                            f"{format_shape(arr.shape)}")
        elif not np.isfinite(float(arr.reshape(()))):
            problems.append(f'dL/d{name} (key "{name}") is {float(arr.reshape(()))}, where every '
                            "expected value is finite")
        else:
            values[name] = float(arr.reshape(()))
    if problems:
        for problem in problems:
            result.fail(where + problem)
        return None
    if extra:
        result.note(f"{where}your dict also has the keys {', '.join(_short(k) for k in extra[:4])}, "
                    "which the check ignores")
    return values


def _names(names: list[str]) -> str:
    """"dL/dw1", "dL/dw1 and dL/dw2", "dL/dw1, dL/dw2 and dL/db1"."""
    parts = [f"dL/d{n}" for n in names]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _xor_cases(seed: int) -> list[tuple[Any, float, float, float, bool]]:
    """(params, x1, x2, y, float32) for the check: four float64 cases with random
    parameters and inputs (rounded to two decimals, so that a report can be
    read and retyped), then one case in float32."""
    from .xor_by_hand import Params

    rng = np.random.default_rng(seed)

    def draw(size: int, scale: float) -> np.ndarray:
        while True:  # no value near 0, none equal in size: each mistake gives other numbers
            v = np.round(rng.normal(0, scale, size=size), 2)
            if np.all(np.abs(v) >= 0.1) and len(set(np.abs(v))) == size:
                return v

    cases = []
    for i, y in enumerate((0.0, 1.0, 1.0, 0.0, 1.0)):
        theta, (x1, x2) = draw(9, 1.0), draw(2, 1.2)
        if i == 4:
            p = Params(*(np.float32(t) for t in theta))
            cases.append((p, np.float32(x1), np.float32(x2), np.float32(y), True))
        else:
            cases.append((Params(*(float(t) for t in theta)), float(x1), float(x2), y, False))
    return cases


def _xor_tests(result: CheckResult, learner: _Learner, seed: int, hidden: str) -> None:
    from .xor_by_hand import NAMES

    cases = _xor_cases(seed)
    for i, (p, x1, x2, y, is32) in enumerate(cases, 1):
        when = (f"for x1 = {float(x1):g}, x2 = {float(x2):g}, y = {float(y):g}"
                + (" in float32" if is32 else "") + f" (case {i} of {len(cases)})")
        ok, out = learner.call({"p": p, "x1": x1, "x2": x2, "y": y}, when)
        if not ok:
            return
        values = _xor_values(result, out, when)
        if values is None:
            return
        ref = _xor_reference(p, x1, x2, y, hidden)
        tol = dict(rtol=1e-4, atol=1e-6) if is32 else dict(rtol=1e-6, atol=1e-9)
        mine = np.array([values[n] for n in NAMES])
        expected = np.array([ref[n] for n in NAMES])
        right = [n for n in NAMES if np.isclose(values[n], ref[n], **tol)]
        if len(right) == len(NAMES):
            result.ok(f"all nine derivatives are right {when}")
            if not is32:
                _xor_compare_with_finite_differences(result, values, p, x1, x2, y, hidden, when)
            continue
        f = _xor_pass(p, x1, x2, y, hidden)
        debug = (f"{_where(when)}the case to try yourself: p = {p!r}, x1 = {float(x1)!r}, "
                 f"x2 = {float(x2)!r}, y = {float(y)!r}")
        global_hint = next((hint for c, hint in _xor_global_mistakes(f)
                            if np.allclose(mine, c * expected, **tol)), None)
        if hidden == "tanh" and global_hint is None:
            sig = _xor_reference(p, x1, x2, y, "sigmoid")
            if np.allclose(mine, [sig[n] for n in NAMES], **tol):
                global_hint = ("these are the derivatives of the chapter's sigmoid network (hand.forward "
                               "and hand.gradients compute sigmoid hidden units): compute h1 = tanh(z1), "
                               "h2 = tanh(z2), and use tanh's slope 1 - h^2")
        if global_hint is not None:
            result.fail(f"{_where(when)}{global_hint}")
            result.note(debug)
            return
        if right:
            result.ok(f"{_names(right)} {'is' if len(right) == 1 else 'are'} right {when}")
        by_hint: dict[str, list[str]] = {}
        for a, b in itertools.combinations([n for n in NAMES if n not in right], 2):
            if np.isclose(values[a], ref[b], **tol) and np.isclose(values[b], ref[a], **tol):
                where_in_W1 = (" (in nnlib's W1 = [[w1, w3], [w2, w4]] they sit on either side of the "
                               "diagonal, so reading W1 transposed swaps them)" if {a, b} == {"w2", "w3"} else "")
                by_hint[f"their values are swapped: {a} is {_XOR_ROLES[a]}, {b} is {_XOR_ROLES[b]}"
                        f"{where_in_W1}"] = [a, b]
        for name in NAMES:
            if name in right or any(name in names for names in by_hint.values()):
                continue
            hint = next((h for v, h in _xor_param_mistakes(name, f) if np.isclose(values[name], v, **tol)), None)
            if hint is None:
                hint = next((f"it is the expected dL/d{other}, the derivative for {_XOR_ROLES[other]}; "
                             f"{name} is {_XOR_ROLES[name]}" for other in NAMES
                             if other != name and np.isclose(values[name], ref[other], **tol)), None)
            if hint is None and np.isclose(values[name], -ref[name], **tol):
                hint = "it has the wrong sign: dL/do = -2 (y - o), which is +2 (o - y)"
            if hint is None and ref[name] != 0 and np.isclose(values[name] / ref[name], 0.5, rtol=1e-4):
                hint = "it is half the expected value: dL/do = -2 (y - o) keeps its factor 2"
            if hint is None:
                hint = _xor_off_by(values[name], ref[name])
            by_hint.setdefault(hint, []).append(name)
        for hint, names in by_hint.items():
            result.fail(f"{_where(when)}{_names(names)} {'is' if len(names) == 1 else 'are'} not right: {hint}")
        if not is32:
            _xor_compare_with_finite_differences(result, values, p, x1, x2, y, hidden, when)
        result.note(debug)
        return  # the first case with a wrong derivative is enough to work on


def _xor_off_by(value: float, expected: float) -> str:
    """The hint for a derivative that matches no typical mistake: both values, and how far apart."""
    said = f"yours is {value:.6g}, expected {expected:.6g}"
    if expected == 0 or value == 0:
        return said
    ratio = value / expected
    if abs(ratio - 1) < 1e-3:
        return (f"{said}: close, but a relative difference of {abs(ratio - 1):.1e} is more than rounding "
                "explains; compute in float64 (Python floats are float64; a cast to float32 loses digits)")
    return f"{said} ({ratio:.4g} times the expected value)"


def _xor_compare_with_finite_differences(result: CheckResult, values: dict[str, float], p, x1, x2, y,
                                         hidden: str, when: str) -> None:
    """Compare the learner's nine values with central finite differences of the loss (no formulas)."""
    numeric = _xor_finite_differences(p, x1, x2, y, hidden)
    off = [n for n, v in values.items() if not np.isclose(v, numeric[n], rtol=1e-5, atol=1e-8)]
    if not off:
        result.ok(f"they agree with central finite differences of the loss (each parameter nudged "
                  f"by ±1e-5) {when}")
    else:
        result.fail(f"{_where(when)}central finite differences of the loss (each parameter nudged by "
                    f"±1e-5, no calculus involved) disagree with your {_names(off)} as well")


def check_xor_gradients(fn: Callable, seed: int = 0, timeout: float | None = None) -> CheckResult:
    """Check your nine derivatives of the XOR network of chapter 2, for one sample.

    The network has two sigmoid hidden units and a sigmoid output, and the
    loss is L = (y - o)^2 (see :mod:`nnlib.book.xor_by_hand` for the names).

    Your function: ``f(p, x1, x2, y) -> {"w1": dL/dw1, ..., "b3": dL/db3}``
    where ``p`` holds the nine parameters as attributes ``p.w1``, ...,
    ``p.b3`` (a :class:`nnlib.book.xor_by_hand.Params`), ``x1``, ``x2`` are the
    inputs and ``y`` the target; it returns a dict of nine numbers keyed by
    the parameters' names. The check compares them with the chapter's
    hand-derived formulas and with central finite differences of the loss, on
    random parameters and inputs (and once in float32). A wrong derivative is
    named, with the usual cause when it is a typical mistake (a missing
    sigmoid slope, the other hidden unit's weight, a sign error in
    ``(y - o)``, ...).

    Args:
        fn: your function.
        seed: seeds the random test inputs.
        timeout: seconds your function may run in all (every call together)
            before the check gives up; None means :data:`TIMEOUT_SECONDS`.
    Returns:
        a CheckResult.
    """
    return _run_check("check_xor_gradients", fn, seed, timeout,
                      lambda result, learner, s: _xor_tests(result, learner, s, "sigmoid"))


def check_xor_gradients_tanh(fn: Callable, seed: int = 0, timeout: float | None = None) -> CheckResult:
    """Check your nine derivatives of the XOR network with a **tanh** hidden layer.

    The same 2-2-1 network and loss as :func:`check_xor_gradients`, but the
    hidden units are h1 = tanh(z1) and h2 = tanh(z2); the output is still
    o = sigma(z3) and the loss L = (y - o)^2, for one sample.

    Your function: ``f(p, x1, x2, y) -> {"w1": dL/dw1, ..., "b3": dL/db3}``,
    as for :func:`check_xor_gradients`. The expected values are the chain
    rule with tanh's slope 1 - h^2, and they are also compared with central
    finite differences of the loss.

    Args:
        fn: your function.
        seed: seeds the random test inputs.
        timeout: seconds your function may run in all (every call together)
            before the check gives up; None means :data:`TIMEOUT_SECONDS`.
    Returns:
        a CheckResult.
    """
    return _run_check("check_xor_gradients_tanh", fn, seed, timeout,
                      lambda result, learner, s: _xor_tests(result, learner, s, "tanh"))


__all__ = [
    "CheckResult",
    "TIMEOUT_SECONDS",
    "check_sigmoid_derivative",
    "check_relu_derivative",
    "check_mse_gradient",
    "check_softmax_cross_entropy",
    "check_dense_backward",
    "check_adam_step",
    "check_xor_gradients",
    "check_xor_gradients_tanh",
    "check_update_ratios",
]


# ---------------------------------------------------------------------------
# debugging a network


def _update_ratio_reference(before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> dict[str, float]:
    """||W_after - W_before|| / ||W_before|| for every weight matrix, in float64
    (:func:`nnlib.book.diagnostics.update_ratios`)."""
    from .diagnostics import update_ratios

    return update_ratios(before, after)


def _update_ratio_mistakes(before: dict[str, np.ndarray], after: dict[str, np.ndarray],
                           name: str) -> list[tuple[float, str]]:
    """(wrong value for ``name``, hint) for the usual mistakes in an update ratio."""
    w0 = before[name].astype(np.float64)
    w1 = after[name].astype(np.float64)
    change, size = float(np.linalg.norm(w1 - w0)), float(np.linalg.norm(w0))
    return [
        (abs(float(np.linalg.norm(w1)) - size) / size,
         "you took the difference of the two norms, ||W_after|| - ||W_before||; take the norm of the "
         "difference, ||W_after - W_before||: an update can turn the weights without changing their size"),
        (change / float(np.linalg.norm(w1)),
         "you divided by the size of the weights after the step; the ratio compares the update with the "
         "weights it was applied to, ||W_before||"),
        (float(np.mean(np.abs(w1 - w0))) / float(np.mean(np.abs(w0))),
         "you compared mean absolute values; the ratio uses the Frobenius norm, the square root of the sum "
         "of squares (np.linalg.norm)"),
        ((change / size) ** 2, "this is the square of the ratio: the norm takes a square root of the sum of squares"),
        (size / change, "this is the ratio upside down: the update's size goes on top, the weights' below"),
        (change, "this is the size of the update alone; divide it by the size of the weights, ||W_before||"),
    ]


class _Params(dict):
    """A dict of parameters that names its arrays' shapes when a report shows it."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: array of shape {format_shape(np.shape(v))}" for k, v in self.items()) + "}"


def _update_ratio_case(rng: np.random.Generator, sizes: tuple[int, ...], scale: float,
                       dtype) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Parameters of an MLP with ``sizes`` (biases at zero) and the same after a step of size ``scale``."""
    before, after = {}, {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        W = rng.normal(0, np.sqrt(2 / n_in), size=(n_in, n_out))
        before[f"W{l}"] = W.astype(dtype)
        before[f"b{l}"] = np.zeros(n_out, dtype=dtype)
        # a different step size per layer, so that values from another layer cannot pass
        step = rng.normal(0, scale * 3.0 ** l, size=W.shape)
        after[f"W{l}"] = (W + step).astype(dtype)
        after[f"b{l}"] = rng.normal(0, scale, size=n_out).astype(dtype)
    return before, after


def check_update_ratios(fn: Callable, seed: int = 0, timeout: float | None = None) -> CheckResult:
    """Check your update-to-weight ratios, one per weight matrix.

    Your function: ``f(before, after) -> {"W1": ratio, "W2": ratio, ...}``
    where ``before`` and ``after`` are dicts of parameters like ``net.params``
    (keys "W1", "b1", "W2", "b2", ...) before and after one training step.
    For every weight matrix (the keys that start with "W"; biases are left
    out, since they start at 0) the ratio is
    ``||W_after - W_before|| / ||W_before||`` with the Frobenius norm (the
    square root of the sum of squares), one number. The check runs it on
    random parameters (biases at zero, as a network starts) in float64 and
    float32, and names the usual mistakes: the difference of the norms, the
    wrong denominator, mean absolute values, a missing square root, the
    biases included.

    Args:
        fn: your function.
        seed: seeds the random test inputs.
        timeout: seconds your function may run in all (every call together)
            before the check gives up; None means :data:`TIMEOUT_SECONDS`.
    Returns:
        a CheckResult.
    """
    return _run_check("check_update_ratios", fn, seed, timeout, _update_ratio_tests)


def _update_ratio_tests(result: CheckResult, learner: _Learner, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cases = [((2, 5, 4, 3), 1e-3, np.float64, "for a 2-5-4-3 network, a step of about 1e-3"),
             ((3, 6, 2), 0.1, np.float64, "for a 3-6-2 network, a large step"),
             ((4, 3, 3), 1e-2, np.float32, "for float32 parameters of a 4-3-3 network")]
    for sizes, scale, dtype, when in cases:
        before, after = _update_ratio_case(rng, sizes, scale, dtype)
        ref = _update_ratio_reference(before, after)
        given = {"before": _Params({k: v.copy() for k, v in before.items()}),
                 "after": _Params({k: v.copy() for k, v in after.items()})}
        ok, out = learner.call(given, when)
        if not ok:
            return
        if isinstance(out, (list, tuple)) and not isinstance(out, dict):
            result.fail(f"{_where(when)}your function returned {_kind(out)}; return a dict that maps each "
                        f"weight matrix's name to its ratio, like {{'W1': ..., 'W2': ...}}")
            return
        if not isinstance(out, dict):
            arr, problem = _as_numbers(out)
            got = problem if arr is None else f"got {_kind(out)}"
            result.fail(f"{_where(when)}expected a dict {{'W1': ratio, ...}}; {got}")
            return
        extra = sorted(str(k) for k in out if k not in ref)
        biases = [k for k in extra if k.startswith("b")]
        if biases:
            result.fail(f"{_where(when)}your dict has ratios for the biases too ({', '.join(biases)}): leave "
                        "them out. Biases start at 0, so their ratio divides by zero; take only the keys "
                        "that start with 'W'")
            return
        if extra:
            result.note(f"{_where(when)}your dict has keys that are no weight matrix: {', '.join(extra)}")
        missing = [k for k in ref if k not in out]
        if missing:
            result.fail(f"{_where(when)}your dict has no ratio for {', '.join(missing)}: give one for every "
                        f"weight matrix ({', '.join(ref)})")
            return
        tol = 1e-4 if dtype == np.float32 else 1e-6
        wrong = []
        for name, expected in ref.items():
            arr, problem = _as_numbers(out[name])
            if arr is None or arr.size != 1:
                shape = problem or f"an array of shape {format_shape(arr.shape)}"
                result.fail(f"{_where(when)}the ratio for {name} should be one number; got {shape}: "
                            "the norm of a whole matrix is one number (np.linalg.norm of the matrix)")
                return
            value = float(arr.reshape(()))
            if np.isclose(value, expected, rtol=tol, atol=0):
                continue
            hint = next((h for v, h in _update_ratio_mistakes(before, after, name)
                         if np.isfinite(value) and np.isclose(value, v, rtol=tol, atol=0)), "")
            wrong.append((name, value, expected, hint))
        if wrong:
            name, value, expected, hint = wrong[0]
            others = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
            result.fail(f"{_where(when)}the ratio for {name}{others} is {value:.6g}, expected {expected:.6g}"
                        + (f": {hint}" if hint else ""))
            return
        result.ok(f"the ratios are right {when} ({', '.join(ref)})")
