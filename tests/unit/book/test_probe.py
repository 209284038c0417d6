"""Tests of nnlib.book.probe: the recorded activations and errors agree with the
MLP's own forward and backward passes and with finite differences, and the
histogram figure has one panel per hidden layer."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import MLP
from nnlib.model.gradcheck import numerical_gradient, relative_error
from nnlib.book.probe import LayerRecord, plot_layer_histograms, record_layers

NETS = [
    ([3, 5, 4, 2], "sigmoid", "mse"),
    ([3, 5, 4, 1], "tanh", "binary_cross_entropy"),
    ([3, 6, 6, 6, 4], "relu", "softmax_cross_entropy"),
]


def data(sizes, loss, rng, n=7):
    X = rng.normal(size=(n, sizes[0]))
    if loss == "softmax_cross_entropy":
        return X, rng.integers(0, sizes[-1], size=n)
    return X, rng.integers(0, 2, size=(n, sizes[-1])).astype(float)


@pytest.mark.parametrize("sizes,activation,loss", NETS)
def test_grads_and_loss_equal_the_networks(sizes, activation, loss, rng):
    net = MLP(sizes, activation=activation, loss=loss, seed=3)
    X, y = data(sizes, loss, rng)
    rec = record_layers(net, X, y)
    loss_net, grads = net.loss_and_grads(X, y)
    assert rec.loss == pytest.approx(loss_net, rel=1e-12)
    assert list(rec.grads) == list(grads)
    for k in grads:
        assert relative_error(rec.grads[k], grads[k]) < 1e-12


def test_record_is_evaluation_mode_with_the_data_loss(rng):
    """With dropout and an L2 penalty the record still uses the whole network
    (no unit dropped) and the data loss alone: it equals the record of the same
    weights without dropout and penalty."""
    sizes = [3, 8, 8, 2]
    net = MLP(sizes, activation="relu", loss="softmax_cross_entropy", dropout=0.5, l2=0.1, seed=0)
    plain = MLP(sizes, activation="relu", loss="softmax_cross_entropy", seed=0)  # the same weights
    X, y = data(sizes, "softmax_cross_entropy", rng, n=20)
    rec = record_layers(net, X, y)
    np.testing.assert_allclose(rec.z[-1], net.logits(X), rtol=1e-12)
    np.testing.assert_allclose(rec.a[0], np.maximum(X @ net.params["W1"] + net.params["b1"], 0), rtol=1e-12)
    assert rec.loss == pytest.approx(plain.loss_and_grads(X, y)[0], rel=1e-12)
    for k, g in plain.loss_and_grads(X, y)[1].items():
        np.testing.assert_allclose(rec.grads[k], g, rtol=1e-12)
    again = record_layers(net, X, y)
    for first, second in zip(rec.delta, again.delta):
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("sizes,activation,loss", NETS)
def test_shapes_and_forward_values(sizes, activation, loss, rng):
    net = MLP(sizes, activation=activation, loss=loss, seed=1)
    X, y = data(sizes, loss, rng)
    rec = record_layers(net, X, y)
    L = len(sizes) - 1
    assert len(rec.z) == L and len(rec.delta) == L and len(rec.a) == L - 1
    for l in range(1, L + 1):
        assert rec.z[l - 1].shape == (7, sizes[l]) and rec.delta[l - 1].shape == (7, sizes[l])
    np.testing.assert_allclose(rec.z[-1], net.logits(X), rtol=1e-12)
    # a^1 = g(X W^1 + b^1) computed independently
    z1 = X @ net.params["W1"] + net.params["b1"]
    expected = {"sigmoid": 1 / (1 + np.exp(-z1)), "tanh": np.tanh(z1), "relu": np.maximum(z1, 0)}[activation]
    np.testing.assert_allclose(rec.a[0], expected, rtol=1e-12)


def test_deltas_match_finite_differences(rng):
    """delta^l = dL/dz^l: perturb z^2 through its bias, which shifts every sample's z^2."""
    net = MLP([2, 4, 3, 2], activation="tanh", loss="softmax_cross_entropy", seed=0)
    X, y = rng.normal(size=(5, 2)), rng.integers(0, 2, size=5)
    rec = record_layers(net, X, y)
    b2 = net.params["b2"]
    numeric = numerical_gradient(lambda: net.loss_and_grads(X, y)[0], b2)
    assert relative_error(rec.delta[1].sum(axis=0), numeric) < 1e-8


def test_sigmoid_errors_shrink_towards_the_input():
    """The vanishing gradient the chapter shows: deep sigmoid, small weights."""
    rng = np.random.default_rng(0)
    net = MLP([20] + [50] * 8 + [3], activation="sigmoid", loss="softmax_cross_entropy", init="xavier", seed=0)
    X, y = rng.normal(size=(64, 20)), rng.integers(0, 3, size=64)
    s = record_layers(net, X, y).stds("delta")
    assert s[0] < 0.05 * s[-2]
    relu = MLP([20] + [50] * 8 + [3], activation="relu", loss="softmax_cross_entropy", init="he", seed=0)
    r = record_layers(relu, X, y).stds("delta")
    assert r[0] > 0.1 * r[-2]


def test_stds_kinds():
    rng = np.random.default_rng(1)
    net = MLP([2, 3, 1], seed=0)
    rec = record_layers(net, rng.normal(size=(4, 2)), np.ones(4))
    assert len(rec.stds("a")) == 1 and len(rec.stds("delta")) == 2 and len(rec.stds("dW")) == 2
    assert rec.stds("dW")[1] == pytest.approx(float(rec.grads["W2"].std()))
    with pytest.raises(ValueError, match="kind"):
        rec.stds("gradient")


def test_histogram_figure_has_a_panel_per_hidden_layer():
    rng = np.random.default_rng(2)
    net = MLP([2, 4, 4, 4, 2], activation="relu", loss="softmax_cross_entropy", seed=0)
    rec = record_layers(net, rng.normal(size=(10, 2)), rng.integers(0, 2, size=10))
    fig = plot_layer_histograms(rec, title="t")
    assert len(fig.axes) == 2 * 3
    assert fig.axes[0].get_title().startswith("layer 1")
    fig1 = plot_layer_histograms(rec, kinds="a")
    assert len(fig1.axes) == 3


def test_bad_input():
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(TypeError, match="MLP"):
        record_layers("net", np.zeros((1, 2)), np.zeros(1))
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        record_layers(net, np.zeros((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match="kinds"):
        plot_layer_histograms(record_layers(net, np.zeros((1, 2)), np.zeros(1)), kinds=("W",))
    with pytest.raises(ValueError, match="no hidden layer"):
        plot_layer_histograms(record_layers(MLP([2, 1]), np.zeros((1, 2)), np.zeros(1)))
    assert isinstance(LayerRecord(), LayerRecord)


def test_spread_figure_has_one_line_per_network():
    from nnlib.book.probe import plot_layer_spread

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 2, size=8)
    recs = {name: record_layers(MLP([2, 4, 4, 2], activation=name, loss="softmax_cross_entropy", seed=0), X, y)
            for name in ("relu", "tanh")}
    fig = plot_layer_spread(recs, title="t")
    assert len(fig.axes) == 2
    ax_a = fig.axes[0]
    assert len(ax_a.get_lines()) == 2 and ax_a.get_yscale() == "log"
    np.testing.assert_allclose(ax_a.get_lines()[1].get_ydata(), recs["tanh"].stds("a"))
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_layer_spread({})


def test_spread_figure_tells_networks_apart_without_colour_and_takes_many():
    """Each network's line differs in marker and line style too (colour is not the
    only carrier), and more networks than there are colours still draw."""
    from nnlib.book.plots import CLASS_COLORS
    from nnlib.book.probe import plot_layer_spread

    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 2, size=8)
    n = len(CLASS_COLORS) + 2
    recs = {f"seed {s}": record_layers(MLP([2, 4, 4, 2], loss="softmax_cross_entropy", seed=s), X, y)
            for s in range(n)}
    lines = plot_layer_spread(recs).axes[0].get_lines()
    assert len(lines) == n
    styles = [(line.get_marker(), line.get_linestyle()) for line in lines[:4]]
    assert len(set(styles)) == 4, styles
