"""check_xor_gradients and check_xor_gradients_tanh: the nine derivatives of the
XOR network of chapter 2 (sigmoid or tanh hidden layer, sigmoid output,
L = (y - o)^2, one sample).

Right answers pass (float64 and the float32 case, Python floats or NumPy
scalars); each typical mistake is caught with its hint, naming the wrong
derivatives; bizarre returns and functions that raise or never return are
reported, never raised; the check's expected values agree with nnlib's
backward pass and with finite differences."""

from __future__ import annotations

import inspect
import math
import time

import numpy as np
import pytest

from nnlib import MLP
from nnlib.book import checks
from nnlib.book import xor_by_hand as hand
from nnlib.model.gradcheck import numerical_gradient

CHECKS = [checks.check_xor_gradients, checks.check_xor_gradients_tanh]
HIDDEN = {checks.check_xor_gradients: "sigmoid", checks.check_xor_gradients_tanh: "tanh"}
NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")


# ---------------------------------------------------------------------------
# a learner's answer, written here with math, independently of nnlib, with
# switches for the typical mistakes


def sig(z):
    return 1 / (1 + math.exp(-z))


def learner(hidden="sigmoid", **mistake):
    """A learner's function for the network with the given hidden activation.

    Each keyword names one mistake (see the tests below); none gives the right answer.
    """
    act = math.tanh if hidden == "tanh" else sig
    act_used = {"sigmoid": sig, "tanh": math.tanh}[mistake.get("forward", hidden)]

    def right_slope(h):
        return 1 - h * h if hidden == "tanh" else h * (1 - h)

    slope = {"tanh_slope": lambda h: 1 - h * h, "sigmoid_slope": lambda h: h * (1 - h)}.get(
        mistake.get("slope_form"), right_slope)

    def fn(p, x1, x2, y):
        z1 = p.w1 * x1 + p.w2 * x2 + p.b1
        z2 = p.w3 * x1 + p.w4 * x2 + p.b2
        h1, h2 = act_used(z1), act_used(z2)
        o = sig(p.w5 * h1 + p.w6 * h2 + p.b3)
        dL_do = {"sign": 2 * (y - o), "half": -(y - o), "double": -4 * (y - o)}.get(mistake.get("dL_do"), -2 * (y - o))
        do_dz3 = {"missing": 1.0, "twice": sig(o) * (1 - sig(o)), "tanh": 1 - o * o}.get(mistake.get("out_slope"),
                                                                                        o * (1 - o))
        d3 = o - y if mistake.get("bce") else dL_do * do_dz3
        s1 = slope(h1)
        if mistake.get("h1_slope") == "missing":
            s1 = 1.0
        elif mistake.get("h1_slope") == "other":
            s1 = slope(h2)
        elif mistake.get("h1_slope") == "twice":
            s1 = (1 - math.tanh(h1) ** 2) if hidden == "tanh" else sig(h1) * (1 - sig(h1))
        elif mistake.get("h1_slope") == "of_z":
            s1 = slope(z1)
        w_for_h1 = p.w6 if mistake.get("h1_weight") == "w6" else p.w5
        d1, d2 = d3 * w_for_h1 * s1, d3 * p.w6 * slope(h2)
        g = {"w1": d1 * x1, "w2": d1 * x2, "w3": d2 * x1, "w4": d2 * x2,
             "w5": d3 * h1, "w6": d3 * h2, "b1": d1, "b2": d2, "b3": d3}
        if mistake.get("w1_input") == "x2":
            g["w1"] = d1 * x2
        elif mistake.get("w1_input") == "missing":
            g["w1"] = d1
        if mistake.get("b1_input"):
            g["b1"] = d1 * x1
        w5 = mistake.get("w5")
        if w5 is not None:
            g["w5"] = {"h2": d3 * h2, "z1": d3 * z1, "slope": d3 * h1 * slope(h1), "weight": d3 * p.w5,
                       "no_out_slope": dL_do * h1}[w5]
        if mistake.get("b3_input"):
            g["b3"] = d3 * h1
        if mistake.get("swap_w2_w3"):
            g["w2"], g["w3"] = g["w3"], g["w2"]
        if mistake.get("w4_sign"):
            g["w4"] = -g["w4"]
        if mistake.get("b2_off"):
            g["b2"] = g["b2"] + 0.01
        return g

    return fn


def right_sigmoid(p, x1, x2, y):
    return learner()(p, x1, x2, y)


def right_tanh(p, x1, x2, y):
    return learner("tanh")(p, x1, x2, y)


RIGHT = {checks.check_xor_gradients: right_sigmoid, checks.check_xor_gradients_tanh: right_tanh}


def failures(result):
    return [m for m in result.messages if m.startswith(checks.FAIL)]


def assert_hint(result, *words):
    """The check failed and some failure message holds every word (case-insensitive)."""
    assert not result.passed, str(result)
    text = [m.lower() for m in failures(result)]
    assert any(all(w.lower() in m for w in words) for m in text), str(result)


# ---------------------------------------------------------------------------
# the check's expected values are right


def random_params(rng):
    return hand.params_from_sequence(rng.normal(0, 1.5, size=9))


@pytest.mark.parametrize("seed", range(6))
def test_the_sigmoid_reference_is_the_hand_derivation_and_agrees_with_nnlib(seed):
    rng = np.random.default_rng(seed)
    p, (x1, x2), y = random_params(rng), rng.normal(size=2), float(seed % 2)
    ref = checks._xor_reference(p, x1, x2, y, "sigmoid")
    assert ref == hand.gradients(p, x1, x2, y)
    net = hand.to_mlp(p)
    library = hand.grads_as_dict(net.loss_and_grads(np.array([[x1, x2]]), np.array([y]))[1])
    for name in NAMES:
        assert ref[name] == pytest.approx(library[name], rel=1e-9, abs=1e-12), name


@pytest.mark.parametrize("seed", range(6))
def test_the_tanh_reference_agrees_with_nnlibs_backward_pass_and_finite_differences(seed):
    rng = np.random.default_rng(seed)
    p, (x1, x2), y = random_params(rng), rng.normal(size=2), float(seed % 2)
    ref = checks._xor_reference(p, x1, x2, y, "tanh")
    net = MLP([2, 2, 1], activation="tanh", output_activation="sigmoid", loss="mse", dtype="float64")
    net.params.update({k: v.copy() for k, v in hand.to_mlp(p).params.items()})
    library = hand.grads_as_dict(net.loss_and_grads(np.array([[x1, x2]]), np.array([y]))[1])
    theta = np.array([getattr(p, n) for n in NAMES])

    def loss():  # the forward pass alone, written here
        q = hand.params_from_sequence(theta)
        h1, h2 = math.tanh(q.w1 * x1 + q.w2 * x2 + q.b1), math.tanh(q.w3 * x1 + q.w4 * x2 + q.b2)
        return (y - sig(q.w5 * h1 + q.w6 * h2 + q.b3)) ** 2

    numeric = dict(zip(NAMES, numerical_gradient(loss, theta)))
    for name in NAMES:
        assert ref[name] == pytest.approx(library[name], rel=1e-9, abs=1e-12), name
        assert ref[name] == pytest.approx(numeric[name], rel=1e-6, abs=1e-9), name


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_the_checks_finite_differences_agree_with_the_reference(hidden):
    rng = np.random.default_rng(7)
    p, (x1, x2) = random_params(rng), rng.normal(size=2)
    numeric = checks._xor_finite_differences(p, x1, x2, 1.0, hidden)
    ref = checks._xor_reference(p, x1, x2, 1.0, hidden)
    for name in NAMES:
        assert numeric[name] == pytest.approx(ref[name], rel=1e-6, abs=1e-9)


# ---------------------------------------------------------------------------
# right answers pass


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_a_right_answer_passes_in_float64_and_float32(check):
    result = check(RIGHT[check])
    assert result.passed, str(result)
    passed = [m for m in result.messages if m.startswith(checks.PASS)]
    assert sum("all nine derivatives are right" in m for m in passed) == 5, str(result)
    assert any("float32" in m for m in passed), str(result)
    assert sum("finite differences" in m for m in passed) == 4, str(result)
    assert str(result).splitlines()[0] == f"{check.__name__}: passed (9 of 9 tests). Well done!"


def numpy_learner(hidden, cast=None):
    """A learner's answer with NumPy, computed in the dtype of the inputs (or cast to ``cast``)."""
    seen = []

    def fn(p, x1, x2, y):
        c = cast or (lambda v: v)
        v = {n: c(getattr(p, n)) for n in NAMES}
        x1, x2, y = c(x1), c(x2), c(y)
        act = np.tanh if hidden == "tanh" else (lambda z: 1 / (1 + np.exp(-z)))
        h1, h2 = act(v["w1"] * x1 + v["w2"] * x2 + v["b1"]), act(v["w3"] * x1 + v["w4"] * x2 + v["b2"])
        o = 1 / (1 + np.exp(-(v["w5"] * h1 + v["w6"] * h2 + v["b3"])))
        d3 = -2 * (y - o) * o * (1 - o)
        s = (lambda h: 1 - h * h) if hidden == "tanh" else (lambda h: h * (1 - h))
        d1, d2 = d3 * v["w5"] * s(h1), d3 * v["w6"] * s(h2)
        seen.append(np.asarray(d1).dtype)
        return {"w1": d1 * x1, "w2": d1 * x2, "w3": d2 * x1, "w4": d2 * x2,
                "w5": d3 * h1, "w6": d3 * h2, "b1": d1, "b2": d2, "b3": d3}

    fn.seen = seen
    return fn


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_an_answer_with_numpy_passes_and_computes_the_float32_case_in_float32(check):
    fn = numpy_learner(HIDDEN[check])
    result = check(fn)
    assert result.passed, str(result)
    assert fn.seen[-1] == np.float32 and fn.seen[0] == np.float64, fn.seen


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_a_cast_to_float32_of_float64_inputs_is_named(check):
    """Cast to float32, the derivatives lose digits that the float64 cases expect, and the hint says so."""
    result = check(numpy_learner(HIDDEN[check], cast=np.float32))
    assert_hint(result, "close, but", "float32")


def test_the_hand_formulas_pass_and_values_may_be_arrays_of_one_number():
    assert checks.check_xor_gradients(hand.gradients)
    as_arrays = lambda *a: {k: np.array([v]) for k, v in right_sigmoid(*a).items()}  # noqa: E731
    assert checks.check_xor_gradients(as_arrays)


def test_extra_keys_are_noted_not_failed():
    result = checks.check_xor_gradients(lambda *a: {**right_sigmoid(*a), "L": 0.3})
    assert result.passed, str(result)
    assert any(m.startswith(checks.NOTE) and "'L'" in m for m in result.messages), str(result)


def test_each_check_rejects_the_other_networks_answer():
    assert_hint(checks.check_xor_gradients_tanh(right_sigmoid), "sigmoid network", "tanh(z1)", "1 - h^2")
    result = checks.check_xor_gradients(right_tanh)
    assert not result.passed, str(result)


# ---------------------------------------------------------------------------
# typical mistakes get their hint, naming the wrong derivatives


def named(result, *names):
    """Some failure message names exactly these derivatives (as "dL/dw1, dL/dw2 and dL/db1 are")."""
    parts = [f"dL/d{n}" for n in names]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    verb = "is" if len(names) == 1 else "are"
    return any(f"{listed} {verb} not right" in m for m in failures(result))


MISTAKES = [
    # (id, hidden, mistake, words of the hint, derivatives named (None: a hint about all nine))
    ("sign of (y - o)", "sigmoid", dict(dL_do="sign"), ("every derivative", "wrong sign", "(y - o)"), None),
    ("a 1/2 in the loss", "sigmoid", dict(dL_do="half"), ("every derivative", "half", "no 1/2"), None),
    ("a factor 2 twice", "sigmoid", dict(dL_do="double"), ("every derivative", "twice"), None),
    ("no output slope", "sigmoid", dict(out_slope="missing"), ("every derivative", "o (1 - o)"), None),
    ("sigma' of o", "sigmoid", dict(out_slope="twice"), ("sigma'(o)", "sigmoid twice"), None),
    ("cross-entropy", "sigmoid", dict(bce=True), ("binary cross-entropy", "o - y"), None),
    ("no slope of h1", "sigmoid", dict(h1_slope="missing"), ("slope of h1 is missing", "h1 (1 - h1)"),
     ("w1", "w2", "b1")),
    ("h2's slope for h1", "sigmoid", dict(h1_slope="other"), ("other hidden unit's", "h1 (1 - h1)"),
     ("w1", "w2", "b1")),
    ("w6 for h1", "sigmoid", dict(h1_weight="w6"), ("other hidden unit's", "through w5", "not w6"),
     ("w1", "w2", "b1")),
    ("sigma' of h1", "sigmoid", dict(h1_slope="twice"), ("applied sigma' to h1", "already sigma(z1)"),
     ("w1", "w2", "b1")),
    ("slope of z1", "sigmoid", dict(h1_slope="of_z"), ("put z1 into the slope",), ("w1", "w2", "b1")),
    ("tanh's slope in the sigmoid network", "sigmoid", dict(slope_form="tanh_slope"),
     ("slope of tanh", "h1 (1 - h1)"), ("w1", "w2", "b1", "w3", "w4", "b2")),
    ("x2 for w1", "sigmoid", dict(w1_input="x2"), ("dz1/dw1 = x1", "uses x2"), ("w1",)),
    ("no input for w1", "sigmoid", dict(w1_input="missing"), ("input factor is missing",), ("w1",)),
    ("an input for b1", "sigmoid", dict(b1_input=True), ("bias multiplies no input", "dz1/db1 = 1"), ("b1",)),
    ("h2 for w5", "sigmoid", dict(w5="h2"), ("w5 multiplies h1", "uses h2"), ("w5",)),
    ("z1 for w5", "sigmoid", dict(w5="z1"), ("output h1", "not its pre-activation z1"), ("w5",)),
    ("a hidden slope in w5", "sigmoid", dict(w5="slope"), ("stop at z3",), ("w5",)),
    ("w5 itself", "sigmoid", dict(w5="weight"), ("not w5 itself",), ("w5",)),
    ("no output slope in w5", "sigmoid", dict(w5="no_out_slope"), ("output's slope", "missing"), ("w5",)),
    ("h1 in b3", "sigmoid", dict(b3_input=True), ("bias multiplies no input", "dz3/db3 = 1"), ("b3",)),
    ("w2 and w3 swapped", "sigmoid", dict(swap_w2_w3=True), ("swapped", "w2 is the weight from x2 to h1",
                                                             "w3 is the weight from x1 to h2", "diagonal"),
     ("w2", "w3")),
    ("a sign in w4 alone", "sigmoid", dict(w4_sign=True), ("wrong sign",), ("w4",)),
    ("an unknown error", "sigmoid", dict(b2_off=True), ("yours is", "expected", "times the expected"), ("b2",)),
    # the tanh network
    ("sigmoid forward in tanh", "tanh", dict(forward="sigmoid", slope_form="sigmoid_slope"),
     ("sigmoid network", "tanh(z1)"), None),
    ("sigmoid slope in tanh", "tanh", dict(slope_form="sigmoid_slope"), ("sigmoid's slope", "1 - h1^2"),
     ("w1", "w2", "b1", "w3", "w4", "b2")),
    ("tanh slope at the output", "tanh", dict(out_slope="tanh"), ("output is still a sigmoid", "o (1 - o)"), None),
    ("no slope of h1, tanh", "tanh", dict(h1_slope="missing"), ("slope of h1 is missing", "1 - h1^2"),
     ("w1", "w2", "b1")),
    ("tanh' of h1", "tanh", dict(h1_slope="twice"), ("applied tanh' to h1", "already tanh(z1)"), ("w1", "w2", "b1")),
    ("w6 for h1, tanh", "tanh", dict(h1_weight="w6"), ("through w5", "not w6"), ("w1", "w2", "b1")),
    ("sign, tanh", "tanh", dict(dL_do="sign"), ("every derivative", "wrong sign"), None),
]


@pytest.mark.parametrize("hidden, mistake, words, names", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_typical_mistake_gets_its_hint(hidden, mistake, words, names):
    check = checks.check_xor_gradients_tanh if hidden == "tanh" else checks.check_xor_gradients
    result = check(learner(hidden, **mistake))
    assert_hint(result, *words)
    if names is None:
        assert len(failures(result)) == 1, str(result)  # one sentence for a mistake every derivative shares
    else:
        # the wrong ones are named, unit by unit (a hint speaks of one hidden unit)
        unit1, unit2 = [n for n in names if n in ("w1", "w2", "b1")], [n for n in names if n in ("w3", "w4", "b2")]
        groups = [g for g in (unit1, unit2) if g] if len(unit1) + len(unit2) == len(names) == 6 else [list(names)]
        assert all(named(result, *g) for g in groups), str(result)
        # the other derivatives are reported right, and finite differences confirm the wrong ones
        right = [n for n in NAMES if n not in names]
        assert any(m.startswith(checks.PASS) and all(f"dL/d{n}" in m for n in right)
                   for m in result.messages), str(result)
        assert_hint(result, "finite differences", *(f"dl/d{n}" for n in names))
    # the case is given, to be tried by hand
    assert any(m.startswith(checks.NOTE) and "p = Params(" in m for m in result.messages), str(result)


def test_two_mistakes_at_once_are_both_named():
    result = checks.check_xor_gradients(learner(h1_slope="missing", w5="h2"))
    assert named(result, "w1", "w2", "b1") and named(result, "w5"), str(result)
    assert_hint(result, "slope of h1 is missing")
    assert_hint(result, "w5 multiplies h1")


def test_the_mistakes_are_told_apart_in_every_case_of_other_seeds():
    """The cases are random; on other seeds each mistake still gets its own hint."""
    for seed in (1, 2, 3):
        assert_hint(checks.check_xor_gradients(learner(h1_weight="w6"), seed=seed), "not w6")
        assert_hint(checks.check_xor_gradients(learner(h1_slope="other"), seed=seed), "slope is the other")
        assert_hint(checks.check_xor_gradients(learner(w1_input="x2"), seed=seed), "uses x2")


def test_a_mistake_only_in_the_float32_case_is_caught():
    def wrong_in_float32(p, x1, x2, y):
        g = right_sigmoid(p, x1, x2, y)
        if isinstance(x1, np.float32):
            g["w6"] = 0.0
        return g

    result = checks.check_xor_gradients(wrong_in_float32)
    assert named(result, "w6"), str(result)
    assert_hint(result, "float32")


# ---------------------------------------------------------------------------
# bizarre returns and errors are reported, never raised


def returning(value):
    return lambda *args, **kw: value


def gen_fn(*args, **kw):
    yield 1.0


class BadArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array for you")


def with_value(name, value):
    return lambda *a: {**right_sigmoid(*a), name: value}


BIZARRE = [
    ("None", returning(None), ("none", "forget `return`", '"w1"')),
    ("nine numbers in a tuple", lambda *a: tuple(right_sigmoid(*a).values()), ("tuple of length 9", "dict")),
    ("a list of three", returning([1.0, 2.0, 3.0]), ("should return", "list of length 3")),
    ("a string", returning("dw1"), ("should return", "str")),
    ("an array", returning(np.zeros(9)), ("should return", "numpy array of shape (9,)")),
    ("a generator", gen_fn, ("should return", "generator")),
    ("an empty dict", returning({}), ("no keys", "'w1'")),
    ("keys named dL_dw1", lambda *a: {f"dL_d{k}": v for k, v in right_sigmoid(*a).items()},
     ("no keys", "'dl_dw1'", 'parameter alone, "w1"')),
    ("a key missing", lambda *a: {k: v for k, v in right_sigmoid(*a).items() if k != "b3"}, ("no key 'b3'",)),
    ("a value None", with_value("w3", None), ("dl/dw3", "none")),
    ("a value that is a string", with_value("w1", "0.1"), ("dl/dw1", "string")),
    ("a value that is an array", with_value("w2", np.zeros(3)), ("dl/dw2", "one number", "shape (3,)")),
    ("a ragged value", with_value("w2", [1.0, [2.0]]), ("dl/dw2", "ragged")),
    ("a complex value", with_value("b1", 1j), ("dl/db1", "complex")),
    ("a NaN", with_value("w6", float("nan")), ("dl/dw6", "nan")),
    ("an infinity", with_value("w5", np.inf), ("dl/dw5", "inf")),
    ("a raising __array__", with_value("b2", BadArray()), ("dl/db2", "no array for you")),
    ("a function as a value", with_value("w4", math.exp), ("dl/dw4", "call it")),
    ("an object", returning(object()), ("should return", "object")),
]


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
@pytest.mark.parametrize("label, fn, words", BIZARRE, ids=[b[0] for b in BIZARRE])
def test_bizarre_returns_are_reported(check, label, fn, words):
    result = check(fn)
    assert isinstance(result, checks.CheckResult)
    assert_hint(result, *words)
    assert str(result).splitlines()[0].startswith(f"{check.__name__}: not yet")


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
@pytest.mark.parametrize("error", [NotImplementedError("write the nine derivatives here"), ZeroDivisionError("x"),
                                   AttributeError("'Params' object has no attribute 'w7'"), SystemExit(1)],
                         ids=lambda e: type(e).__name__)
def test_whatever_the_function_raises_is_reported_with_its_inputs(check, error):
    def raises(*args, **kw):
        raise error

    result = check(raises)
    assert_hint(result, f"raised {type(error).__name__}", "p=Params(w1=", "x1=", "y=")
    assert len(failures(result)) == 1, str(result)


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_a_function_that_never_returns_is_given_up_on(check):
    def spin(*args, **kw):
        while True:
            pass

    start = time.monotonic()
    result = check(spin, timeout=0.25)
    assert time.monotonic() - start < 1.75
    assert_hint(result, "still running", "gave up")


def test_passing_a_value_instead_of_a_function():
    assert_hint(checks.check_xor_gradients({"w1": 0.0}), "without parentheses")


def test_the_starter_cells_report_reads_not_written_yet():
    def my_xor_gradients(p, x1, x2, y):
        raise NotImplementedError("write the nine derivatives here")

    lines = str(checks.check_xor_gradients(my_xor_gradients)).splitlines()
    assert lines[0] == "check_xor_gradients: not yet (1 of 1 test failed)."
    assert "NotImplementedError: write the nine derivatives here" in lines[1]


# ---------------------------------------------------------------------------
# presentation


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_reports_are_deterministic(check):
    fn = learner(HIDDEN[check], h1_slope="missing")
    assert str(check(fn)) == str(check(fn))
    assert str(check(fn, seed=1)) != str(check(fn))


def test_reports_never_show_the_reference_code():
    sources = [hand.dL_dw1, hand.dL_dw5, hand.dL_db2, checks._xor_reference, checks._xor_chain, checks._xor_pass]
    code_lines = {line.strip() for f in sources for line in inspect.getsource(f).splitlines()}
    code_lines = {line for line in code_lines
                  if len(line) > 12 and not line.startswith(("#", '"""')) and ("=" in line or "return" in line)}
    assert code_lines
    for fn in (learner(h1_slope="missing"), learner(dL_do="sign"), returning(None), right_sigmoid):
        report = str(checks.check_xor_gradients(fn))
        for line in code_lines:
            assert line not in report, f"the report shows library code: {line!r}"
        assert "def " not in report and "return " not in report


def test_the_checks_are_exported():
    assert "check_xor_gradients" in checks.__all__ and "check_xor_gradients_tanh" in checks.__all__
