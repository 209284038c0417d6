"""check_update_ratios, the self-check of the chapter "Debugging a network".

A right answer passes (float64 and float32, written with loops or with
np.linalg.norm); each typical mistake fails with its hint; bizarre returns
and a function that raises are reported, never raised; the check's expected
values agree with a by-hand computation independent of nnlib.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlib.book import checks
from nnlib.book.checks import check_update_ratios


def frobenius(a) -> float:
    """The Frobenius norm by hand: the square root of the sum of squares."""
    return math.sqrt(sum(float(v) ** 2 for v in np.asarray(a, dtype=np.float64).ravel()))


def right(before, after):
    return {k: frobenius(after[k] - before[k]) / frobenius(before[k]) for k in before if k.startswith("W")}


def right_numpy(before, after):
    return {k: np.linalg.norm(after[k] - before[k]) / np.linalg.norm(before[k]) for k in before if k[0] == "W"}


def test_right_answers_pass():
    for fn in (right, right_numpy):
        result = check_update_ratios(fn)
        assert result.passed, str(result)
        assert sum(m.startswith(checks.PASS) for m in result.messages) == 3


def test_the_expected_values_agree_with_a_computation_by_hand():
    rng = np.random.default_rng(5)
    before, after = checks._update_ratio_case(rng, (3, 4, 2), 0.01, np.float64)
    ref = checks._update_ratio_reference(before, after)
    assert list(ref) == ["W1", "W2"]
    for name, value in right(before, after).items():
        assert ref[name] == pytest.approx(value, rel=1e-12)


MISTAKES = {
    "difference of norms": (
        lambda b, a: {k: abs(np.linalg.norm(a[k]) - np.linalg.norm(b[k])) / np.linalg.norm(b[k])
                      for k in b if k[0] == "W"},
        "norm of the difference"),
    "divides by the weights after": (
        lambda b, a: {k: np.linalg.norm(a[k] - b[k]) / np.linalg.norm(a[k]) for k in b if k[0] == "W"},
        "after the step"),
    "mean absolute values": (
        lambda b, a: {k: np.mean(np.abs(a[k] - b[k])) / np.mean(np.abs(b[k])) for k in b if k[0] == "W"},
        "Frobenius norm"),
    "no square root": (
        lambda b, a: {k: np.sum((a[k] - b[k]) ** 2) / np.sum(b[k] ** 2) for k in b if k[0] == "W"},
        "square of the ratio"),
    "upside down": (
        lambda b, a: {k: np.linalg.norm(b[k]) / np.linalg.norm(a[k] - b[k]) for k in b if k[0] == "W"},
        "upside down"),
    "update alone": (
        lambda b, a: {k: np.linalg.norm(a[k] - b[k]) for k in b if k[0] == "W"},
        "size of the update alone"),
    "biases included": (
        lambda b, a: {k: np.linalg.norm(a[k] - b[k]) / np.linalg.norm(b[k]) for k in b},
        "leave them out"),
    "a list": (lambda b, a: [np.linalg.norm(a[k] - b[k]) / np.linalg.norm(b[k]) for k in b if k[0] == "W"],
               "return a dict"),
    "one key missing": (lambda b, a: {"W1": right(b, a)["W1"]}, "no ratio for W2"),
    "an array per layer": (
        lambda b, a: {k: np.linalg.norm(a[k] - b[k], axis=0) / np.linalg.norm(b[k]) for k in b if k[0] == "W"},
        "should be one number"),
    "None": (lambda b, a: None, "did you forget `return`"),
    "raises": (lambda b, a: b["W9"], "KeyError"),
    "not written": (lambda b, a: (_ for _ in ()).throw(NotImplementedError("write it")), "NotImplementedError"),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_typical_mistake_fails_with_its_hint(mistake):
    fn, words = MISTAKES[mistake]
    result = check_update_ratios(fn)
    assert not result.passed, str(result)
    assert words in str(result), str(result)


def test_a_layer_mixed_up_is_named_and_the_report_is_short():
    def swapped(b, a):
        ratios = right(b, a)
        return {"W1": ratios["W2"], "W2": ratios["W1"], **{k: v for k, v in ratios.items() if k not in ("W1", "W2")}}

    result = check_update_ratios(swapped)
    assert not result.passed and "the ratio for W1" in str(result)
    # the parameters are named by their shapes in a report, not printed in full
    said = str(check_update_ratios(MISTAKES["not written"][0]))
    assert "'W1': array of shape (2, 5)" in said and "0." not in said.split("called with")[1]


def test_changing_the_inputs_in_place_cannot_change_the_verdict():
    def zeroes_then_right(b, a):
        ratios = right(b, a)
        for k in b:
            b[k][...] = 0
        return ratios

    assert check_update_ratios(zeroes_then_right).passed


def test_not_a_function_and_a_timeout_are_reported():
    assert "without parentheses" in str(check_update_ratios(right({"W1": np.eye(2)}, {"W1": 2 * np.eye(2)})))

    def forever(b, a):
        while True:
            pass

    result = check_update_ratios(forever, timeout=0.2)
    assert not result.passed and "time limit" in str(result)
