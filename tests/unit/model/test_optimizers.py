"""Tests of nnlib.model.optimizers: each update rule against a hand computation,
convergence on a quadratic, Adam's bias correction, dtypes, the name lookup,
learning-rate schedules and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlib.model import optimizers as O

NAMES = ["sgd", "momentum", "adagrad", "rmsprop", "adam"]


def quadratic_grad(p, a, c):
    """Gradient of f(p) = 1/2 sum a (p - c)^2 (an ill-conditioned bowl for a spread-out a)."""
    return a * (p - c)


# ------------------------------------------------------------ convergence


@pytest.mark.parametrize("name,lr,steps", [
    ("sgd", 0.1, 800),
    ("momentum", 0.05, 800),
    ("adagrad", 0.5, 800),
    ("rmsprop", 0.01, 800),
    ("adam", 0.05, 800),
])
def test_each_optimizer_minimizes_a_quadratic(name, lr, steps):
    a = np.array([1.0, 3.0, 10.0])
    c = np.array([1.5, -2.0, 0.5])
    params = {"p": np.zeros(3)}
    opt = O.make_optimizer(name, lr)
    f0 = 0.5 * np.sum(a * c**2)
    for _ in range(steps):
        opt.step(params, {"p": quadratic_grad(params["p"], a, c)})
    f = 0.5 * np.sum(a * (params["p"] - c) ** 2)
    assert f < 1e-3 * f0, (name, params["p"])
    np.testing.assert_allclose(params["p"], c, atol=0.05)
    assert opt.t == steps


# ------------------------------------------------------------ update rules by hand


def two_steps(opt, p0, g1, g2):
    params = {"w": np.array(p0, dtype=float)}
    opt.step(params, {"w": np.array(g1, dtype=float)})
    p1 = params["w"].copy()
    opt.step(params, {"w": np.array(g2, dtype=float)})
    return p1, params["w"].copy()


def test_sgd_rule():
    p1, p2 = two_steps(O.SGD(0.5), [1.0, -2.0], [0.4, 2.0], [-1.0, 0.5])
    np.testing.assert_allclose(p1, [1.0 - 0.2, -2.0 - 1.0])
    np.testing.assert_allclose(p2, [0.8 + 0.5, -3.0 - 0.25])


def test_momentum_rule_by_hand():
    lr, beta = 0.1, 0.9
    p1, p2 = two_steps(O.Momentum(lr, beta=beta), [1.0, 2.0], [0.5, -1.0], [0.2, 0.3])
    # v1 = -lr g1 = [-0.05, 0.1]; p1 = p0 + v1
    assert p1.tolist() == pytest.approx([0.95, 2.1], rel=1e-15)
    # v2 = 0.9 v1 - 0.1 g2 = [-0.045 - 0.02, 0.09 - 0.03] = [-0.065, 0.06]
    assert p2.tolist() == pytest.approx([0.95 - 0.065, 2.1 + 0.06], rel=1e-14)


def test_adagrad_rule_by_hand():
    lr, eps = 0.1, 1e-8
    p1, p2 = two_steps(O.Adagrad(lr, eps=eps), [1.0, 0.0], [3.0, -4.0], [4.0, 3.0])
    # s1 = g1^2 = [9, 16]; step = lr g1 / (sqrt(s1) + eps) = lr * [3/3, -4/4]
    assert p1.tolist() == pytest.approx([1.0 - 0.1 * 3 / (3 + eps), 0.0 + 0.1 * 4 / (4 + eps)], rel=1e-15)
    # s2 = [9 + 16, 16 + 9] = [25, 25]; step = lr * [4/5, 3/5]
    assert p2.tolist() == pytest.approx([p1[0] - 0.1 * 4 / (5 + eps), p1[1] - 0.1 * 3 / (5 + eps)], rel=1e-14)


def test_rmsprop_rule_by_hand():
    lr, rho, eps = 0.01, 0.9, 1e-8
    p1, p2 = two_steps(O.RMSprop(lr, rho=rho, eps=eps), [0.5], [2.0], [1.0])
    s1 = 0.1 * 4.0  # (1 - rho) g1^2
    assert p1[0] == pytest.approx(0.5 - 0.01 * 2.0 / (math.sqrt(s1) + eps), rel=1e-15)
    s2 = 0.9 * s1 + 0.1 * 1.0
    assert p2[0] == pytest.approx(p1[0] - 0.01 * 1.0 / (math.sqrt(s2) + eps), rel=1e-15)


def test_adam_rule_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p1, p2 = two_steps(O.Adam(lr, beta1=b1, beta2=b2, eps=eps), [0.0], [2.0], [-1.0])
    m1, v1 = 0.1 * 2.0, 0.001 * 4.0
    step1 = lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    assert p1[0] == pytest.approx(-step1, rel=1e-12)
    m2, v2 = b1 * m1 + 0.1 * -1.0, b2 * v1 + 0.001 * 1.0
    step2 = lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    assert p2[0] == pytest.approx(p1[0] - step2, rel=1e-12)


@pytest.mark.parametrize("lr", [1e-3, 0.1])
def test_adam_first_step_size_is_lr_whatever_the_gradient_scale(lr):
    """With bias correction, m_hat = g and v_hat = g^2 after one step, so every
    parameter moves by lr (up to eps) in the direction of -g."""
    g = np.array([1e-4, -0.3, 5.0, -200.0])
    params = {"w": np.zeros(4)}
    O.Adam(lr).step(params, {"w": g})
    np.testing.assert_allclose(params["w"], -lr * np.sign(g), rtol=1e-4)


def test_momentum_accelerates_on_a_constant_gradient():
    params = {"w": np.zeros(1)}
    opt = O.Momentum(0.1, beta=0.9)
    steps = []
    for _ in range(50):
        before = params["w"].copy()
        opt.step(params, {"w": np.ones(1)})
        steps.append(float((before - params["w"])[0]))
    # the step grows towards lr / (1 - beta) = 1
    assert steps[0] == pytest.approx(0.1)
    assert steps[-1] == pytest.approx(1 - 0.9**50, rel=1e-12)


def test_state_is_per_parameter():
    opt = O.Momentum(0.1)
    params = {"a": np.zeros(2), "b": np.zeros(3)}
    opt.step(params, {"a": np.ones(2), "b": -np.ones(3)})
    assert set(opt.state) == {"a", "b"}
    np.testing.assert_allclose(opt.state["a"]["v"], -0.1)
    np.testing.assert_allclose(opt.state["b"]["v"], 0.1)


def test_step_updates_in_place():
    w = np.ones(3)
    params = {"w": w}
    O.SGD(1.0).step(params, {"w": np.ones(3)})
    assert params["w"] is w
    np.testing.assert_array_equal(w, 0.0)


# ------------------------------------------------------------ dtypes


@pytest.mark.parametrize("name", NAMES)
def test_float32_params_and_state_stay_float32(name):
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((3, 2)).astype(np.float32), "b": np.zeros(2, np.float32)}
    opt = O.make_optimizer(name, 0.01)
    for _ in range(3):
        grads = {k: rng.standard_normal(v.shape).astype(np.float32) for k, v in params.items()}
        opt.step(params, grads)
    for k, v in params.items():
        assert v.dtype == np.float32, k
    for slot in opt.state.values():
        for buf in slot.values():
            assert buf.dtype == np.float32


# ------------------------------------------------------------ names and bad input


def test_make_optimizer_names_and_passthrough():
    for name, cls in [("sgd", O.SGD), ("momentum", O.Momentum), ("adagrad", O.Adagrad),
                      ("rmsprop", O.RMSprop), ("adam", O.Adam)]:
        opt = O.make_optimizer(name, 0.25)
        assert type(opt) is cls and opt.lr == 0.25
        assert repr(opt) == f"{cls.__name__}(lr=0.25)"
    opt = O.Adam(0.5)
    assert O.make_optimizer(opt, 123.0) is opt and opt.lr == 0.5


def test_unknown_optimizer_lists_known_ones():
    with pytest.raises(ValueError, match=r"unknown optimizer 'lbfgs'; known: 'sgd', 'momentum', 'adagrad', 'rmsprop', 'adam'"):
        O.make_optimizer("lbfgs", 0.1)


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, float("nan"), float("inf"), True, "0.1", None])
@pytest.mark.parametrize("name", NAMES)
def test_non_positive_learning_rate(name, lr):
    with pytest.raises(ValueError, match="the learning rate lr must be a positive number; got"):
        O.make_optimizer(name, lr)


# ------------------------------------------------------------ schedules


def test_step_decay_values():
    sched = O.step_decay(0.1)
    assert [sched(e) for e in (0, 9, 10, 19, 20, 35)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125])
    sched = O.step_decay(1.0, drop=0.1, every=3)
    assert [sched(e) for e in range(7)] == pytest.approx([1, 1, 1, 0.1, 0.1, 0.1, 0.01])


def test_exponential_decay_values():
    sched = O.exponential_decay(0.2, rate=0.5)
    assert [sched(e) for e in range(4)] == pytest.approx([0.2, 0.1, 0.05, 0.025])
    assert O.exponential_decay(1.0)(10) == pytest.approx(0.95**10)


def test_cosine_decay_values():
    sched = O.cosine_decay(1.0, epochs=10, lr_min=0.1)
    assert sched(0) == pytest.approx(1.0)
    assert sched(5) == pytest.approx(0.55)  # halfway: the mean of lr0 and lr_min
    assert sched(10) == pytest.approx(0.1)
    assert sched(25) == pytest.approx(0.1)  # stays at lr_min after the end
    values = [sched(e) for e in range(11)]
    assert all(a > b for a, b in zip(values, values[1:]))  # strictly decreasing
    # symmetric about the middle: lr(e) + lr(10 - e) = lr0 + lr_min
    for e in range(11):
        assert sched(e) + sched(10 - e) == pytest.approx(1.1)


def test_schedule_argument_checks():
    with pytest.raises(ValueError, match="lr0 must be a positive number; got 0"):
        O.step_decay(0)
    with pytest.raises(ValueError, match="every must be a positive whole number; got 2.5"):
        O.step_decay(0.1, every=2.5)
    with pytest.raises(ValueError, match="lr0 must be a positive number; got -1"):
        O.exponential_decay(-1)
    with pytest.raises(ValueError, match="epochs must be a positive whole number; got 0"):
        O.cosine_decay(0.1, epochs=0)


# ------------------------------------------------ subclasses
def test_train_with_an_sgd_subclass_uses_its_own_rule():
    from nnlib import MLP, train

    class ClippedSGD(O.SGD):
        def step(self, params, grads):
            for name, p in params.items():
                p -= self.lr * np.clip(grads[name], -1e-3, 1e-3)

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 3)), rng.integers(0, 2, 64)
    net = MLP([3, 4, 2], activation="tanh", loss="softmax_cross_entropy", seed=0)
    before = {k: v.copy() for k, v in net.params.items()}
    train(net, X, y, optimizer=ClippedSGD(10.0), epochs=1, batch_size=64, progress=False)
    moved = max(np.max(np.abs(net.params[k] - before[k])) for k in net.params)
    assert moved == pytest.approx(10 * 1e-3)  # some gradient entry was clipped: the rule ran
    for k in net.params:  # one full-batch step, each entry moved by exactly 10 * 1e-3 or less
        assert np.max(np.abs(net.params[k] - before[k])) <= 10 * 1e-3 + 1e-12
