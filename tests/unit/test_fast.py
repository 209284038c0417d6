"""nnlib.fast computes what nnlib.model computes: the tuned training step is
checked against the plain one on random networks, losses, optimizers and
batch sizes.

Where the two do the same operations in the same order (the forward pass, and
so the loss before any update) they agree bitwise; where the tuned step sums
in another order (1^T delta as a product, the fused softmax) they agree to
rounding: rtol 1e-10 in float64, 1e-4 in float32.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import MLP, train
from nnlib import fast
from nnlib.model import optimizers as O
from nnlib.model.activations import ACTIVATIONS, get_activation
from nnlib.model.losses import softmax_cross_entropy

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
LOSSES = [
    ("softmax_cross_entropy", None, "labels"),
    ("softmax_cross_entropy", None, "one-hot"),
    ("binary_cross_entropy", None, "targets"),
    ("mse", None, "targets"),
    ("mse", "sigmoid", "targets"),
    ("mse", "identity", "targets"),
]
RTOL = {np.float64: 1e-10, np.float32: 1e-4}


def random_case(seed: int, dtype=np.float64, dropout: float = 0.0, l2: float = 0.0, l1: float = 0.0):
    """A random network and batch: sizes, activation, loss and targets drawn from seed."""
    rng = np.random.default_rng(seed)
    loss, out, kind = LOSSES[seed % len(LOSSES)]
    depth = int(rng.integers(1, 4))
    n_out = 1 if loss == "binary_cross_entropy" else int(rng.integers(2, 5))
    sizes = [int(rng.integers(2, 6))] + [int(rng.integers(2, 8)) for _ in range(depth - 1)] + [n_out]
    net = MLP(sizes, activation=HIDDEN[seed % len(HIDDEN)], loss=loss, output_activation=out,
              seed=seed, dtype=np.dtype(dtype).name, dropout=dropout, l2=l2, l1=l1)
    n = int(rng.integers(1, 40))
    X = rng.standard_normal((n, sizes[0])).astype(dtype)
    if kind == "labels":
        y = rng.integers(0, n_out, n)
    elif kind == "one-hot":
        y = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, n)]
    else:
        y = rng.integers(0, 2, (n, n_out)).astype(dtype)
    return net, X, net.check_targets(y, n)


def assert_close(a, b, dtype, what: str) -> None:
    np.testing.assert_allclose(a, b, rtol=RTOL[dtype], atol=RTOL[dtype] * 1e-2, err_msg=what)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(30))
def test_tuned_backprop_equals_the_model(seed, dtype):
    net, X, y = random_case(seed, dtype)
    loss, grads, z = net.backprop(X, y)
    fast_loss, fast_grads, predicted = fast.backprop(net, X, y)
    if net.loss != "softmax_cross_entropy":
        assert fast_loss == loss  # same forward pass, same loss function: bitwise
    assert_close(fast_loss, loss, dtype, "loss")
    assert list(fast_grads) == list(grads)
    for name in grads:
        assert fast_grads[name].dtype == grads[name].dtype == dtype, name
        assert_close(fast_grads[name], grads[name], dtype, name)
    np.testing.assert_array_equal(predicted, net.predict(X))


@pytest.mark.parametrize("seed", range(12))
def test_eta_folded_into_delta_scales_every_gradient(seed):
    net, X, y = random_case(seed, l2=0.01 * (seed % 2), l1=0.003 * (seed % 3 == 0))
    loss, grads, _ = net.backprop(X, y)
    scaled_loss, scaled, _ = fast.backprop(net, X, y, scale=0.37)
    assert scaled_loss == pytest.approx(loss, rel=1e-12)  # the loss is not scaled
    for name in grads:
        assert_close(scaled[name], 0.37 * grads[name], np.float64, name)


@pytest.mark.parametrize("seed", range(6))
def test_dropout_draws_the_same_masks_in_both(seed):
    net, X, y = random_case(seed, dropout=0.3)
    net.dropout_rng = np.random.default_rng(1)
    loss, grads, _ = net.backprop(X, y)
    net.dropout_rng = np.random.default_rng(1)
    fast_loss, fast_grads, _ = fast.backprop(net, X, y)
    assert_close(fast_loss, loss, np.float64, "loss")
    for name in grads:
        assert_close(fast_grads[name], grads[name], np.float64, name)
    if net.num_layers > 1:  # the masks matter: another stream gives other gradients
        net.dropout_rng = np.random.default_rng(2)
        other = fast.backprop(net, X, y)[1]
        assert not all(np.allclose(other[k], grads[k]) for k in grads)


class ClippedSGD(O.SGD):
    """SGD with its own rule: the tuned step must call it, not fold eta in."""

    def step(self, params, grads):
        self.t += 1
        for name, p in params.items():
            p -= self.lr * np.clip(grads[name], -0.01, 0.01)


OPTIMIZERS = [lambda: O.SGD(0.2), lambda: O.Momentum(0.05), lambda: O.Adagrad(0.1),
              lambda: O.RMSprop(0.01), lambda: O.Adam(0.01), lambda: ClippedSGD(0.5)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(18))
def test_training_fast_and_plain_give_the_same_network(seed, dtype):
    """Three epochs with a random optimizer and batch size: the same losses,
    accuracies and parameters, whichever step train takes."""
    rng = np.random.default_rng(100 + seed)
    net, _, _ = random_case(seed, dtype, l2=0.001 * (seed % 2))
    n = 60
    X = rng.standard_normal((n, net.sizes[0])).astype(dtype)
    k = net.sizes[-1]
    y = rng.integers(0, k, n) if net.loss == "softmax_cross_entropy" else rng.integers(0, 2, (n, k))
    batch_size = [1, 7, 32, n][seed % 4]
    runs = {}
    for use_fast in (True, False):
        trained = net.copy()
        opt = OPTIMIZERS[seed % len(OPTIMIZERS)]()
        history = train(trained, X, y, optimizer=opt, epochs=3, batch_size=batch_size,
                        seed=seed, progress=False, fast=use_fast)
        runs[use_fast] = (trained, history, opt)
    (fast_net, fast_hist, fast_opt), (plain_net, plain_hist, plain_opt) = runs[True], runs[False]
    tol = {np.float64: 1e-8, np.float32: 1e-3}[dtype]  # rounding grows a little over the steps
    np.testing.assert_allclose(fast_hist.loss, plain_hist.loss, rtol=tol)
    np.testing.assert_allclose(fast_hist.accuracy, plain_hist.accuracy, atol=2 / n)
    assert fast_opt.t == plain_opt.t == 3 * -(-n // batch_size)
    for name in net.params:
        assert fast_net.params[name].dtype == dtype
        np.testing.assert_allclose(fast_net.params[name], plain_net.params[name], rtol=tol, atol=tol, err_msg=name)
    moved = max(np.max(np.abs(fast_net.params[k] - net.params[k])) for k in net.params)
    assert moved > 1e-4  # training really changed the network


@pytest.mark.parametrize("targets", ["labels", "one-hot"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_softmax_cross_entropy_equals_the_formula(targets, dtype):
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((50, 7)) * 30).astype(dtype)  # large logits: the max trick matters
    labels = rng.integers(0, 7, 50)
    y = labels if targets == "labels" else np.eye(7, dtype=dtype)[labels]
    loss, grad = softmax_cross_entropy(z, y)
    fused_loss, fused_grad, predicted = fast.softmax_cross_entropy_fused(z.copy(), y, scale=0.1)
    assert_close(fused_loss, loss, dtype, "loss")
    assert_close(fused_grad, 0.1 * grad, dtype, "gradient")
    np.testing.assert_array_equal(predicted, z.argmax(axis=1))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivatives_from_the_output_equal_the_model(name):
    act = get_activation(name)
    z = np.linspace(-4, 4, 81)
    z = z[np.abs(z) > 1e-9]  # away from ReLU's kink
    from_a = fast.DERIVATIVE_FROM_OUTPUT[name]
    expected = act.df(z)
    got = np.ones_like(z) if from_a is None else from_a(act.f(z))
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), expected, rtol=1e-12, atol=1e-15)


def test_every_hidden_activation_has_a_tuned_derivative():
    assert set(fast.DERIVATIVE_FROM_OUTPUT) == set(ACTIVATIONS)


def test_a_non_finite_loss_leaves_the_network_as_it_was():
    net = MLP([2, 3, 2], activation="relu", loss="softmax_cross_entropy", seed=0)
    net.params["W1"][0, 0] = np.inf
    before = {k: v.copy() for k, v in net.params.items()}
    opt = O.SGD(0.1)
    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    with np.errstate(all="ignore"):
        loss, _ = fast.training_step(net, opt, X, y)
    assert not np.isfinite(loss) and opt.t == 0
    for k in before:
        np.testing.assert_array_equal(net.params[k], before[k])
