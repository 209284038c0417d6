"""Tests of the divergence rule of nnlib.train: a loss that grows to more than
a million times the loss before training stops training with TrainingDiverged,
like a NaN or infinite loss, and ordinary runs (noisy minibatches, large but
sane learning rates, losses near zero, overshoots that recover) never do.

Both sides are tested: each run that must be flagged is also run with the rule
switched off (DIVERGENCE_FACTOR = inf) to show that it was not flagged before,
and each ordinary run that must not be flagged is chosen so that a smaller
factor (1e3) or no floor L_0 would flag it."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import nnlib.model.train as train_module
from nnlib import MLP, TrainingDiverged, train
from nnlib.data import blobs, moons

GREW = (r"the {what} grew from \S+ before training to \S+ in epoch {epoch}, more than a million times as large: "
        r"the learning rate {lr} is too large for this network; try a smaller one \(a tenth of it, say\), "
        r"and check that the inputs are scaled \(e\.g\. standardized\)")


def issue_run(fast: bool = True, epochs: int = 20, **kw):
    """The run of issue 16: a ReLU softmax network, inputs x100, lr = 1e6, full
    batch. Without the rule the loss grows from 2.7 to 1.5e291 in 20 epochs and
    the History says nothing."""
    X, y = moons(n=200, noise=0.1, seed=0)
    net = MLP([2, 16, 2], activation="relu", loss="softmax_cross_entropy", seed=0)
    return train(net, X * 100, y, lr=1e6, epochs=epochs, batch_size=200, progress=False, fast=fast, **kw)


def first_epoch_blow_up(fast: bool = True):
    """Minibatches: the loss blows up inside epoch 1 (to about 1e25) and then
    sits near 3e5 for good, a dead network with parameters near 1e59."""
    X, y = blobs(n=200, centers=3, seed=0)
    net = MLP([2, 8, 8, 3], activation="relu", loss="softmax_cross_entropy", seed=0)
    return train(net, X * 100, y, lr=1e6, epochs=20, batch_size=32, progress=False, fast=fast)


def too_large_sgd(fast: bool = True, optimizer: str = "sgd"):
    """The regression of the common-mistakes chapter at eta = 3: with SGD the
    loss grows geometrically (until infinity in epoch 84 without the rule)."""
    X, y = moons(n=200, noise=0.1, seed=0)
    net = MLP([2, 16, 1], activation="tanh", loss="mse", output_activation="identity", seed=0)
    return train(net, X, y.reshape(-1, 1).astype(float), optimizer=optimizer, lr=3.0, epochs=200,
                 batch_size=200, progress=False, fast=fast)


def blob_data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 3.0], [3.0, -1.0], [-3.0, -1.0]])
    y = np.arange(n) % 3
    return centers[y] + rng.standard_normal((n, 2)) * 0.9, y


# ------------------------------------------------------------ flagged


@pytest.mark.parametrize("fast", [True, False])
def test_the_issue_run_is_flagged_in_epoch_2_with_the_message(fast):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged, match=GREW.format(what="loss", epoch=2, lr=r"1e\+06")) as err:
            issue_run(fast)
    exc = err.value
    assert exc.epoch == 2 and exc.lr == 1e6
    assert isinstance(exc, FloatingPointError)
    h = exc.history
    assert h.diverged is True
    assert h.epochs == 2  # the epoch that was caught is recorded: its loss is finite
    assert all(np.isfinite(h.loss)) and h.loss[1] > 1e6 * h.loss[0]
    assert str(exc).startswith(f"the loss grew from {h.loss[0]:.3g} before training to {h.loss[1]:.3g} in epoch 2")


def test_without_the_rule_the_issue_run_was_not_flagged(monkeypatch):
    monkeypatch.setattr(train_module, "DIVERGENCE_FACTOR", math.inf)
    h = issue_run()
    assert h.diverged is False and h.epochs == 20
    assert h.loss[-1] > 1e250 and all(np.isfinite(h.loss))


@pytest.mark.parametrize("fast", [True, False])
def test_a_blow_up_inside_the_first_epoch_is_flagged_in_epoch_1(fast, monkeypatch):
    with pytest.raises(TrainingDiverged, match=GREW.format(what="loss", epoch=1, lr=r"1e\+06")) as err:
        first_epoch_blow_up(fast)
    assert err.value.history.epochs == 1 and err.value.history.loss[0] > 1e20
    monkeypatch.setattr(train_module, "DIVERGENCE_FACTOR", math.inf)
    h = first_epoch_blow_up(fast)  # without the rule: finite, flat, and never flagged
    assert h.diverged is False and 1e4 < h.loss[-1] < 1e7


def test_sgd_at_a_too_large_rate_is_stopped_long_before_infinity():
    with pytest.raises(TrainingDiverged, match=GREW.format(what="loss", epoch=4, lr="3")) as err:
        too_large_sgd()
    assert err.value.history.loss[-1] < 1e8  # instead of 1.8e304 in epoch 83


@pytest.mark.parametrize("fast", [True, False])
def test_the_validation_loss_is_held_to_the_same_test(fast):
    """With the training set as validation set and one full batch, the
    validation loss after epoch t is the training loss of epoch t + 1: the
    growth shows one epoch earlier there."""
    X, y = moons(n=200, noise=0.1, seed=0)
    with pytest.raises(TrainingDiverged, match=GREW.format(what="validation loss", epoch=1, lr=r"1e\+06")) as err:
        issue_run(fast, X_val=X * 100, y_val=y)
    h = err.value.history
    assert h.diverged and h.epochs == 1 and h.val_loss[0] > 1e6 * h.loss[0]


def test_the_fast_and_the_plain_path_flag_identically():
    for run in (issue_run, first_epoch_blow_up, too_large_sgd):
        caught = []
        for fast in (True, False):
            with pytest.raises(TrainingDiverged) as err:
                run(fast=fast)
            caught.append((err.value.epoch, str(err.value), err.value.history))
        (epoch_f, message_f, h_f), (epoch_p, message_p, h_p) = caught
        assert epoch_f == epoch_p and message_f == message_p, run.__name__
        np.testing.assert_allclose(h_f.loss, h_p.loss, rtol=1e-9)


def test_nan_and_infinity_still_take_the_same_path():
    """A loss that jumps straight from finite to infinite is reported as before."""
    X = np.array([[1.0], [2.0], [3.0]])
    y = np.array([[1e150], [2e150], [3e150]])
    net = MLP([1, 1], activation="identity", loss="mse", seed=0)
    with pytest.raises(TrainingDiverged, match=r"the loss became (infinite|NaN) in epoch 2: the learning rate 1e\+06"):
        train(net, X, y, lr=1e6, epochs=3, batch_size=3, progress=False)


# ------------------------------------------------------------ never flagged

SEEDS = range(20)


@pytest.mark.parametrize("seed", SEEDS)
def test_noisy_sgd_at_large_rates_on_xor_is_never_flagged(xor_data, seed):
    X, y = xor_data
    for sizes, activation, loss, lr, batch in [
        ([2, 2, 1], "sigmoid", "mse", 10.0, 1),  # the XOR chapter's network, 5 times its rate, one sample a step
        ([2, 4, 1], "tanh", "binary_cross_entropy", 2.0, 1),
        ([2, 8, 1], "relu", "binary_cross_entropy", 1.0, 2),
    ]:
        net = MLP(sizes, activation=activation, loss=loss, seed=seed)
        h = train(net, X, y, lr=lr, epochs=300, batch_size=batch, seed=seed, progress=False)
        assert not h.diverged and h.epochs == 300


@pytest.mark.parametrize("seed", SEEDS)
def test_noisy_minibatches_on_a_small_classification_set_are_never_flagged(seed):
    X, y = blob_data(seed=seed)
    for optimizer, lr, batch in [("sgd", 1.0, 4), ("momentum", 0.3, 8), ("adam", 0.1, 8), ("rmsprop", 0.05, 8)]:
        net = MLP([2, 16, 3], activation="relu", loss="softmax_cross_entropy", seed=seed)
        h = train(net, X, y, optimizer=optimizer, lr=lr, epochs=40, batch_size=batch, seed=seed,
                  X_val=X[:30], y_val=y[:30], progress=False)
        assert not h.diverged and h.epochs == 40


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_runs_down_to_1e_8_are_never_flagged(seed):
    """Linear regression that the network can fit exactly: the loss falls to
    about 1e-8 and below, then wobbles with the minibatches."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3 + 1e-4 * rng.standard_normal((64, 1))
    net = MLP([3, 1], activation="identity", loss="mse", seed=seed)
    h = train(net, X, y, lr=0.2, epochs=200, batch_size=4, seed=seed, progress=False)
    assert not h.diverged and min(h.loss) < 1e-7


@pytest.mark.parametrize("seed", SEEDS)
def test_a_network_trained_already_wobbling_near_zero_is_not_flagged(seed, monkeypatch):
    """The loss before training is that of the first batch: here exactly 0,
    because the network was trained already and that sample is fitted. The
    epoch's loss is small but not zero (one sample is off); the floor L_0, the
    loss of a network that knows nothing, keeps this from counting as growth."""
    first = np.random.default_rng(seed).permutation(8)[0]  # train's first batch for this seed
    X = np.zeros((8, 1))
    X[(first + 1) % 8] = 1.0  # one sample at x = 1, not the first batch; the seven others at x = 0
    y = X * 1.001  # the network below predicts y = x: seven samples exact, one off by 0.001

    def trained():
        net = MLP([1, 1], activation="identity", loss="mse", seed=seed)
        net.params["W1"][...] = 1.0
        net.params["b1"][...] = 0.0
        return net

    h = train(trained(), X, y, lr=0.01, epochs=5, batch_size=1, seed=seed, progress=False)
    assert not h.diverged and 0 < h.loss[0] < 1e-6
    # Without the floor the same run would be called divergence: 0 before training.
    monkeypatch.setattr(train_module, "knowing_nothing_loss", lambda net, y: 0.0)
    with pytest.raises(TrainingDiverged, match="grew from 0 before training"):
        train(trained(), X, y, lr=0.01, epochs=5, batch_size=1, seed=seed, progress=False)


def test_adam_overshoot_that_recovers_is_not_flagged():
    """The common-mistakes chapter: Adam at eta = 3 throws the loss up about
    1770 times and then recovers. A factor of 1e3 would call it divergence."""
    h = too_large_sgd(optimizer="adam")
    assert not h.diverged and h.epochs == 200
    assert max(h.loss) > 1e3 * h.loss[0]
    assert h.loss[-1] < h.loss[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_momentum_and_adam_that_rise_before_falling_are_not_flagged(seed):
    X, y = moons(n=200, noise=0.2, seed=seed)
    rose = 0
    for optimizer, lr in [("momentum", 1.0), ("adam", 0.3), ("adam", 1.0)]:
        net = MLP([2, 16, 1], activation="tanh", loss="binary_cross_entropy", seed=seed)
        h = train(net, X, y, optimizer=optimizer, lr=lr, epochs=60, batch_size=200, seed=seed, progress=False)
        assert not h.diverged and h.epochs == 60
        rose += max(h.loss) > h.loss[0]
    assert rose >= 1  # some of these really do go up before they come down


def test_the_rule_is_documented():
    """The docstrings state the rule with its numbers."""
    assert train_module.DIVERGENCE_FACTOR == 1e6
    for doc in (train.__doc__, train_module.History.__doc__, TrainingDiverged.__doc__):
        assert "million" in doc or "DIVERGENCE_FACTOR" in doc
    assert "L_t > 1e6 * max(L_start, L_0)" in train.__doc__
