"""Tests of nnlib.book.diagnostics, the tools of the chapter "Debugging a network":
update ratios against a by-hand computation, dead units against planted dead
units, watch_training against nnlib's own training step, the learning-rate
range test's schedule and suggestion, and the figures' descriptions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib import MLP
from nnlib.book.diagnostics import (
    HEALTHY_RATIO,
    dead_units,
    lr_range_test,
    plot_histograms_over_time,
    plot_lr_range_test,
    plot_update_ratios,
    plot_watch,
    update_ratios,
    watch_training,
)
from nnlib.book.plots import figure_description
from nnlib.data import spirals
from nnlib.model.optimizers import SGD


@pytest.fixture(scope="module")
def spiral_data():
    return spirals(n_per_class=30, n_classes=3, noise=0.2, seed=0)


def relu_net(seed=0, sizes=(2, 16, 16, 3)):
    return MLP(list(sizes), activation="relu", loss="softmax_cross_entropy", seed=seed)


# ---------------------------------------------------------------- update_ratios


def test_update_ratios_are_the_norm_of_the_change_over_the_norm_of_the_weights():
    before = {"W1": np.array([[3.0, 0.0], [0.0, 4.0]]), "b1": np.zeros(2), "W2": np.array([[1.0], [0.0]])}
    after = {"W1": np.array([[3.0, 0.05], [0.0, 4.0]]), "b1": np.ones(2), "W2": np.array([[1.0], [2.0]])}
    ratios = update_ratios(before, after)
    assert list(ratios) == ["W1", "W2"]  # biases are left out
    assert ratios["W1"] == pytest.approx(0.05 / 5.0)  # ||W1|| = sqrt(9 + 16) = 5
    assert ratios["W2"] == pytest.approx(2.0)


def test_update_ratios_of_zero_weights_and_errors():
    zeros = {"W1": np.zeros((2, 2))}
    assert update_ratios(zeros, {"W1": np.zeros((2, 2))}) == {"W1": 0.0}
    assert update_ratios(zeros, {"W1": np.eye(2)}) == {"W1": math.inf}
    with pytest.raises(ValueError, match="no 'W1'"):
        update_ratios(zeros, {"W2": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"shape \(2, 2\) before the step and \(3,\) after"):
        update_ratios(zeros, {"W1": np.zeros(3)})


def test_the_ratio_of_an_sgd_step_is_lr_times_gradient_norm_over_weight_norm(spiral_data):
    X, y = spiral_data
    net = relu_net()
    _, grads = net.loss_and_grads(X, y)
    before = {k: v.copy() for k, v in net.params.items()}
    SGD(0.1).step(net.params, grads)
    for name, ratio in update_ratios(before, net.params).items():
        assert ratio == pytest.approx(0.1 * np.linalg.norm(grads[name]) / np.linalg.norm(before[name]))


# ------------------------------------------------------------------ dead_units


def test_dead_units_counts_planted_dead_units(spiral_data):
    X, _ = spiral_data
    net = relu_net()
    alive_before = dead_units(net, X)
    net.params["b1"][[0, 3, 5]] = -1e3  # three units of layer 1 negative for every sample
    net.params["b2"][[1]] = -1e3
    dead = dead_units(net, X)
    assert dead[0] >= 3 and dead[1] >= 1 and dead[0] >= alive_before[0]
    a1 = np.maximum(0, X @ net.params["W1"] + net.params["b1"])
    assert dead[0] == int(np.sum(np.all(a1 == 0, axis=0)))


def test_tanh_units_are_never_dead_and_bad_input_is_refused(spiral_data):
    X, _ = spiral_data
    net = MLP([2, 8, 3], activation="tanh", loss="softmax_cross_entropy", seed=0)
    net.params["b1"][:] = -1e3  # saturated at -1, not 0
    assert dead_units(net, X) == [0]
    with pytest.raises(TypeError, match="MLP"):
        dead_units("net", X)
    with pytest.raises(ValueError, match="shape"):
        dead_units(net, X[:, :1])


# -------------------------------------------------------------- watch_training


def test_watch_training_takes_the_same_steps_as_plain_sgd(spiral_data):
    X, y = spiral_data
    net = relu_net()
    watch = watch_training(net, X, y, optimizer="sgd", lr=0.1, steps=7, batch_size=16, seed=3,
                           snapshots=(0, 4, 7, 99))
    # the same batches and updates by hand
    ref = relu_net()
    rng = np.random.default_rng(3)
    losses, batches = [], []
    for _ in range(2):  # 90 samples: six batches per epoch, then a new shuffle
        order = rng.permutation(len(X))
        batches += [order[s:s + 16] for s in range(0, len(X), 16)]
    for idx in batches[:7]:
        loss, grads = ref.loss_and_grads(X[idx], y[idx])
        losses.append(loss)
        SGD(0.1).step(ref.params, grads)
    assert watch.steps == 7 and watch.loss == pytest.approx(losses, rel=1e-12)
    for k in ref.params:
        np.testing.assert_allclose(net.params[k], ref.params[k], rtol=1e-12)
    assert sorted(watch.snapshots) == [0, 4, 7] and sorted(watch.dead) == [0, 4, 7]
    assert all(len(v) == 7 for v in watch.ratios.values()) and list(watch.ratios) == ["W1", "W2", "W3"]
    assert watch.dead[7] == dead_units(net, X)
    np.testing.assert_allclose(watch.snapshots[7].grads["W1"], net.loss_and_grads(X, y)[1]["W1"], rtol=1e-10)
    assert not watch.diverged and watch.lr == 0.1


def test_watch_training_uses_a_subclass_backward_pass(spiral_data):
    """A planted bug in backward_pass trains with the bug (the chapter's forgotten bias gradient)."""
    X, y = spiral_data

    class ForgetsBias(MLP):
        def backward_pass(self, delta, caches):
            grads, deltas = super().backward_pass(delta, caches)
            grads["b1"] = np.zeros_like(grads["b1"])
            return grads, deltas

    net = ForgetsBias([2, 16, 3], activation="relu", loss="softmax_cross_entropy", seed=0)
    watch_training(net, X, y, lr=0.5, steps=20)
    assert np.all(net.params["b1"] == 0) and np.any(net.params["b2"] != 0)


def test_watch_training_stops_when_the_loss_is_not_finite(spiral_data):
    X, y = spiral_data
    net = MLP([2, 16, 1], activation="tanh", loss="mse", output_activation="identity", seed=0)
    watch = watch_training(net, X, X[:, :1] * 100, lr=100.0, steps=200)
    assert watch.diverged and watch.steps < 200
    assert all(math.isfinite(v) for v in watch.loss)


def test_a_too_large_learning_rate_shows_in_the_ratios(spiral_data):
    X, y = spiral_data
    small = watch_training(relu_net(), X, y, lr=0.01, steps=40).median_ratios()
    large = watch_training(relu_net(), X, y, lr=1.0, steps=40).median_ratios()
    for name in small:
        assert large[name] > 10 * small[name]
    assert min(small.values()) < HEALTHY_RATIO


def test_watch_training_checks_its_arguments(spiral_data):
    X, y = spiral_data
    with pytest.raises(TypeError, match="MLP"):
        watch_training(None, X, y)
    with pytest.raises(ValueError, match="steps"):
        watch_training(relu_net(), X, y, steps=0)
    with pytest.raises(ValueError):
        watch_training(relu_net(), X, y[:5])


# --------------------------------------------------------------- lr_range_test


def test_the_range_test_grows_the_rate_exponentially_and_leaves_the_network_alone(spiral_data):
    X, y = spiral_data
    net = relu_net()
    before = {k: v.copy() for k, v in net.params.items()}
    result = lr_range_test(net, X, y, lr_min=1e-3, lr_max=1e-1, steps=21)
    for k in before:
        np.testing.assert_array_equal(net.params[k], before[k])
    assert len(result.lrs) == 21 and not result.stopped_early
    np.testing.assert_allclose(result.lrs, np.geomspace(1e-3, 1e-1, 21), rtol=1e-12)
    # the smoothing is the bias-corrected moving average of the losses
    average = 0.0
    for k, loss in enumerate(result.losses):
        average = 0.9 * average + 0.1 * loss
        assert result.smoothed[k] == pytest.approx(average / (1 - 0.9 ** (k + 1)))
    assert result.suggested == pytest.approx(result.lrs[int(np.argmin(result.smoothed))] / 10)


def test_the_range_test_stops_when_the_loss_blows_up(spiral_data):
    X, y = spiral_data
    result = lr_range_test(relu_net(), X * 10, y, lr_min=1e-3, lr_max=1e4, steps=200)
    assert result.stopped_early and len(result.lrs) < 200
    assert result.suggested < result.lrs[-1]


def test_the_range_test_checks_its_arguments(spiral_data):
    X, y = spiral_data
    with pytest.raises(ValueError, match="larger than lr_min"):
        lr_range_test(relu_net(), X, y, lr_min=1.0, lr_max=0.1)
    with pytest.raises(ValueError, match="at least 2"):
        lr_range_test(relu_net(), X, y, steps=1)
    with pytest.raises(ValueError, match="stop_factor"):
        lr_range_test(relu_net(), X, y, stop_factor=1.0)


# --------------------------------------------------------------------- figures


def test_the_figures_describe_what_they_draw(spiral_data):
    X, y = spiral_data
    watch = watch_training(relu_net(), X, y, lr=0.1, steps=30, snapshots=(0, 30))
    fig = plot_update_ratios(watch)
    assert isinstance(fig, Figure)
    medians = watch.median_ratios()
    text = figure_description(fig)
    assert f"W1 {medians['W1']:.2g}" in text and "30 steps" in text
    fig = plot_histograms_over_time(watch, kind="a")
    assert len(fig.axes) == 2 * 2  # two snapshots, two hidden layers
    std = float(watch.snapshots[30].a[1].std())
    assert f"{std:.2g}" in figure_description(fig)
    assert len(plot_histograms_over_time(watch, kind="dW").axes) == 4
    with pytest.raises(ValueError, match="kind"):
        plot_histograms_over_time(watch, kind="W")
    fig = plot_watch(watch, title="a run", chance_loss=np.log(3))
    assert len(fig.axes) == 3 and f"{watch.loss[-1]:.3g}" in figure_description(fig)
    result = lr_range_test(relu_net(), X, y, steps=20)
    assert f"suggested rate {result.suggested:.2g}" in figure_description(plot_lr_range_test(result))


def test_a_run_that_diverges_at_once_still_draws_and_the_range_test_says_why(spiral_data):
    X, y = spiral_data
    net = MLP([2, 16, 1], activation="tanh", loss="mse", output_activation="identity", seed=0)
    net.params["W2"][...] = np.inf  # broken before the first step
    watch = watch_training(net, X, X[:, :1], lr=0.1, steps=10, snapshots=(0,))
    assert watch.diverged and watch.steps == 0
    fig = plot_watch(watch, title="broken")
    assert "stops being finite" in figure_description(fig)
    with pytest.raises(FloatingPointError, match="first step"):
        lr_range_test(net, X, X[:, :1], steps=10)
