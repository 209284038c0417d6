"""The nine hand-derived XOR formulas agree with nnlib's backward pass and with finite differences."""

import numpy as np
import pytest

from nnlib import MLP
from nnlib.model.gradcheck import numerical_gradient, relative_error
from nnlib.book.xor_by_hand import (
    DERIVATIVES,
    NAMES,
    Params,
    forward,
    from_mlp,
    gradients,
    grads_as_dict,
    mean_gradients,
    mean_loss,
    params_from_sequence,
    to_mlp,
)

SEEDS = [0, 1, 2, 3, 4, 5, 6, 7]
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def random_params(rng: np.random.Generator) -> Params:
    return params_from_sequence(rng.uniform(-3, 3, size=9))


def mlp_by_mapping(p: Params) -> MLP:
    """The mapping of the issue, written out here independently of to_mlp."""
    net = MLP([2, 2, 1], activation="sigmoid", loss="mse", dtype="float64")
    net.params["W1"] = np.array([[p.w1, p.w3], [p.w2, p.w4]])
    net.params["b1"] = np.array([p.b1, p.b2])
    net.params["W2"] = np.array([[p.w5], [p.w6]])
    net.params["b2"] = np.array([p.b3])
    return net


def nnlib_grads_by_name(net: MLP, X, y) -> tuple[float, dict[str, float]]:
    loss, g = net.loss_and_grads(X, y)
    names = {
        "w1": g["W1"][0, 0], "w2": g["W1"][1, 0], "w3": g["W1"][0, 1], "w4": g["W1"][1, 1],
        "w5": g["W2"][0, 0], "w6": g["W2"][1, 0], "b1": g["b1"][0], "b2": g["b1"][1], "b3": g["b2"][0],
    }
    return loss, {k: float(v) for k, v in names.items()}


def finite_differences(loss_of_params, p: Params) -> dict[str, float]:
    v = np.array([getattr(p, n) for n in NAMES])
    numeric = numerical_gradient(lambda: loss_of_params(params_from_sequence(v)), v, h=1e-5)
    return dict(zip(NAMES, numeric))


def assert_close_each(a: dict[str, float], b: dict[str, float], tol: float) -> None:
    for name in NAMES:
        # Absolute floor: a derivative that is 0 in both must not count as 100% wrong.
        err = abs(a[name] - b[name]) / max(abs(a[name]) + abs(b[name]), 1e-8)
        assert err < tol, f"dL/d{name}: {a[name]!r} vs {b[name]!r} (relative error {err:.2e})"


@pytest.mark.parametrize("seed", SEEDS)
def test_one_sample_matches_nnlib(seed):
    rng = np.random.default_rng(seed)
    p = random_params(rng)
    x1, x2 = rng.uniform(-2, 2, size=2)
    y = float(rng.integers(0, 2))
    hand = gradients(p, x1, x2, y)
    loss, lib = nnlib_grads_by_name(mlp_by_mapping(p), np.array([[x1, x2]]), np.array([y]))
    assert forward(p, x1, x2, y).L == pytest.approx(loss, rel=1e-12, abs=1e-15)
    assert_close_each(hand, lib, 1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_one_sample_matches_finite_differences(seed):
    rng = np.random.default_rng(100 + seed)
    p = random_params(rng)
    x1, x2 = rng.uniform(-2, 2, size=2)
    y = float(rng.integers(0, 2))
    hand = gradients(p, x1, x2, y)
    numeric = finite_differences(lambda q: forward(q, x1, x2, y).L, p)
    assert_close_each(hand, numeric, 1e-6)
    assert relative_error(list(hand.values()), list(numeric.values())) < 1e-7


@pytest.mark.parametrize("seed", SEEDS)
def test_mean_over_four_matches_nnlib_and_finite_differences(seed):
    rng = np.random.default_rng(200 + seed)
    p = random_params(rng)
    # the four XOR points and also four random points with random 0/1 targets
    for X, y in [(XOR_X, XOR_Y), (rng.uniform(-2, 2, size=(4, 2)), rng.integers(0, 2, size=4).astype(float))]:
        hand = mean_gradients(p, X, y)
        loss, lib = nnlib_grads_by_name(mlp_by_mapping(p), X, y)
        assert mean_loss(p, X, y) == pytest.approx(loss, rel=1e-12, abs=1e-15)
        assert_close_each(hand, lib, 1e-12)
        numeric = finite_differences(lambda q: mean_loss(q, X, y), p)
        assert_close_each(hand, numeric, 1e-6)


def test_mean_is_not_the_sum():
    """nnlib's MSE is the mean over the batch: the hand sum over 4 samples is 4x the mean."""
    p = random_params(np.random.default_rng(9))
    per_sample = [gradients(p, a, b, t) for (a, b), t in zip(XOR_X, XOR_Y)]
    mean = mean_gradients(p, XOR_X, XOR_Y)
    for name in NAMES:
        assert mean[name] == pytest.approx(sum(g[name] for g in per_sample) / 4, rel=1e-12)


def test_a_wrong_formula_would_be_caught():
    """The comparison is sharp: dropping the factor 2 (the common slip) fails it."""
    rng = np.random.default_rng(3)
    p = random_params(rng)
    f = forward(p, 0.7, -1.2, 1.0)
    wrong = -(f.y - f.o) * f.o * (1 - f.o) * p.w5 * f.h1 * (1 - f.h1) * f.x1
    _, lib = nnlib_grads_by_name(mlp_by_mapping(p), np.array([[0.7, -1.2]]), np.array([1.0]))
    assert abs(wrong - lib["w1"]) > 1e-3 * abs(lib["w1"])
    assert DERIVATIVES["w1"](p, f) == pytest.approx(lib["w1"], rel=1e-12)


def test_mapping_round_trip():
    net = MLP([2, 2, 1], activation="sigmoid", loss="mse", seed=4)
    p = from_mlp(net)
    assert p.w1 == net.params["W1"][0, 0] and p.w2 == net.params["W1"][1, 0]
    assert p.w3 == net.params["W1"][0, 1] and p.w4 == net.params["W1"][1, 1]
    assert p.w5 == net.params["W2"][0, 0] and p.w6 == net.params["W2"][1, 0]
    back = to_mlp(p)
    for k in net.params:
        np.testing.assert_array_equal(back.params[k], net.params[k])
    _, g = net.loss_and_grads(XOR_X, XOR_Y)
    assert_close_each(grads_as_dict(g), mean_gradients(p, XOR_X, XOR_Y), 1e-12)


def test_bad_input_names_what_was_expected():
    p = random_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        mean_gradients(p, np.zeros((4, 3)), XOR_Y)
    with pytest.raises(ValueError, match="4 targets"):
        mean_loss(p, XOR_X, [0.0, 1.0])
    with pytest.raises(ValueError, match="nine numbers"):
        params_from_sequence([1.0] * 8)
    with pytest.raises(ValueError, match=r"\[2, 2, 1\]"):
        from_mlp(MLP([2, 3, 1]))
