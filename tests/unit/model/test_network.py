"""Tests of nnlib.model.network.MLP: construction, forward pass in the book's
notation, gradients against finite differences for many shapes, activations,
losses and penalties, dropout with a fixed mask, float32 end to end, and bad
input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nnlib import MLP
from nnlib.model.activations import get_activation, sigmoid, softmax
from nnlib.model.gradcheck import check_network_gradients, numerical_gradient, relative_error

ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]


def targets_for(loss, n, k, rng, form="labels"):
    """Targets a loss accepts: int labels / one-hot for softmax CE, 0/1 for
    BCE, real numbers for MSE."""
    if loss == "softmax_cross_entropy":
        labels = rng.integers(0, k, size=n)
        return labels if form == "labels" else np.eye(k)[labels]
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    return rng.standard_normal((n, k))


# ------------------------------------------------------------ construction


def test_params_shapes_names_and_counts():
    net = MLP([3, 5, 4, 2])
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [net.params[k].shape for k in net.params] == [(3, 5), (5,), (5, 4), (4,), (4, 2), (2,)]
    assert net.num_layers == 3
    assert net.num_params == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2
    for l in (1, 2, 3):
        np.testing.assert_array_equal(net.params[f"b{l}"], 0.0)
    assert "MLP([3, 5, 4, 2]" in repr(net) and f"params={net.num_params}" in repr(net)


def test_output_activation_follows_loss():
    assert MLP([2, 3], loss="softmax_cross_entropy").output_activation == "softmax"
    assert MLP([2, 1], loss="binary_cross_entropy").output_activation == "sigmoid"
    assert MLP([2, 1], activation="tanh").output_activation == "tanh"
    assert MLP([2, 1], activation="relu", output_activation="identity").output_activation == "identity"
    # giving the matching one explicitly is fine
    assert MLP([2, 3], loss="softmax_cross_entropy", output_activation="softmax").output_activation == "softmax"


def test_default_init_follows_activation():
    assert MLP([2, 2], activation="relu").init == "he"
    assert MLP([2, 2], activation="tanh").init == "xavier"
    assert MLP([2, 2], init="zeros").init == "zeros"
    np.testing.assert_array_equal(MLP([2, 3, 1], init="zeros").params["W1"], 0.0)


def test_same_seed_same_params_different_seed_different():
    a, b, c = MLP([4, 6, 3], seed=1), MLP([4, 6, 3], seed=1), MLP([4, 6, 3], seed=2)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_copy_is_deep(rng):
    net = MLP([2, 3, 1], seed=0)
    twin = net.copy()
    twin.params["W1"] += 1.0
    assert not np.array_equal(net.params["W1"], twin.params["W1"])
    X = rng.standard_normal((4, 2))
    assert not np.array_equal(net.forward(X), twin.forward(X))


# ------------------------------------------------------------- forward


def test_xor_network_matches_the_book_notation():
    """MLP([2,2,1]) computes h1 = s(w1 x1 + w2 x2 + b1), h2 = s(w3 x1 + w4 x2 + b2),
    o = s(w5 h1 + w6 h2 + b3) with W1 = [[w1, w3], [w2, w4]], W2 = [[w5], [w6]]."""
    net = MLP([2, 2, 1], activation="sigmoid", loss="mse")
    w1, w2, w3, w4, w5, w6 = 0.1, -0.4, 0.7, 0.2, -1.3, 0.9
    b1, b2, b3 = 0.05, -0.3, 0.25
    net.params["W1"][:] = [[w1, w3], [w2, w4]]
    net.params["b1"][:] = [b1, b2]
    net.params["W2"][:] = [[w5], [w6]]
    net.params["b2"][:] = [b3]
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    s = lambda t: 1 / (1 + np.exp(-t))
    o = []
    for x1, x2 in X:
        h1 = s(w1 * x1 + w2 * x2 + b1)
        h2 = s(w3 * x1 + w4 * x2 + b2)
        o.append(s(w5 * h1 + w6 * h2 + b3))
    o = np.array(o)
    np.testing.assert_allclose(net.forward(X)[:, 0], o, rtol=1e-14)
    loss, _ = net.loss_and_grads(X, y)
    assert loss == pytest.approx(np.mean((y - o) ** 2), rel=1e-14)


def test_forward_logits_predict_for_softmax(rng):
    net = MLP([3, 4, 5], activation="tanh", loss="softmax_cross_entropy", seed=3)
    X = rng.standard_normal((6, 3))
    z = net.logits(X)
    expected_z = np.tanh(X @ net.params["W1"] + net.params["b1"]) @ net.params["W2"] + net.params["b2"]
    np.testing.assert_allclose(z, expected_z, rtol=1e-13)
    p = net.forward(X)
    np.testing.assert_allclose(p, softmax(expected_z), rtol=1e-13)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    pred = net.predict(X)
    assert pred.shape == (6,) and pred.dtype == np.int64
    np.testing.assert_array_equal(pred, expected_z.argmax(axis=1))


def test_predict_single_output_threshold(rng):
    net = MLP([2, 1], loss="binary_cross_entropy", seed=0)
    X = rng.standard_normal((20, 2))
    np.testing.assert_array_equal(net.predict(X), (sigmoid(net.logits(X))[:, 0] >= 0.5).astype(int))


def test_accuracy_and_evaluate(rng):
    net = MLP([3, 4, 3], activation="relu", loss="softmax_cross_entropy", seed=1)
    X = rng.standard_normal((30, 3))
    y = net.predict(X)
    y_wrong = (y + 1) % 3
    assert net.accuracy(X, y) == 1.0
    assert net.accuracy(X, y_wrong) == 0.0
    y_mixed = np.where(np.arange(30) < 10, y, y_wrong)
    assert net.accuracy(X, y_mixed) == pytest.approx(1 / 3)
    assert net.accuracy(X, np.eye(3)[y_mixed]) == pytest.approx(1 / 3)  # one-hot too
    loss, acc = net.evaluate(X, y_mixed)
    assert acc == pytest.approx(1 / 3)
    p = net.forward(X)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(30), y_mixed])), rel=1e-12)


def test_evaluate_excludes_penalty_but_loss_and_grads_includes_it(rng):
    X = rng.standard_normal((5, 2))
    y = rng.integers(0, 2, size=5)
    plain = MLP([2, 3, 1], loss="binary_cross_entropy", seed=0)
    pen = MLP([2, 3, 1], loss="binary_cross_entropy", seed=0, l2=0.1, l1=0.01)
    W = [pen.params["W1"], pen.params["W2"]]
    penalty = 0.05 * sum(np.sum(w * w) for w in W) + 0.01 * sum(np.sum(np.abs(w)) for w in W)
    assert pen.evaluate(X, y)[0] == pytest.approx(plain.evaluate(X, y)[0], rel=1e-15)
    assert pen.loss_and_grads(X, y)[0] == pytest.approx(plain.loss_and_grads(X, y)[0] + penalty, rel=1e-13)


def test_forward_and_predict_use_no_dropout(rng):
    net = MLP([3, 8, 2], activation="relu", loss="softmax_cross_entropy", dropout=0.5, seed=0)
    X = rng.standard_normal((4, 3))
    np.testing.assert_array_equal(net.forward(X), net.forward(X))
    # loss_and_grads drops units: two calls draw different masks
    assert net.loss_and_grads(X, [0, 1, 0, 1])[0] != net.loss_and_grads(X, [0, 1, 0, 1])[0]


# ------------------------------------------------------------- gradients

GRAD_CASES = [
    # sizes, activation, loss, extra kwargs
    ([3, 1], "sigmoid", "mse", {}),
    ([2, 2, 1], "sigmoid", "mse", {}),
    ([3, 4, 2], "tanh", "mse", {}),
    ([3, 5, 2], "relu", "mse", {"output_activation": "identity"}),
    ([4, 5, 3], "leaky_relu", "mse", {"output_activation": "sigmoid"}),
    ([3, 4, 4, 2], "identity", "mse", {}),
    ([2, 3, 1], "tanh", "binary_cross_entropy", {}),
    ([3, 4, 3, 2], "sigmoid", "binary_cross_entropy", {}),
    ([4, 6, 3], "relu", "softmax_cross_entropy", {}),
    ([3, 4, 4, 5], "tanh", "softmax_cross_entropy", {}),
    ([3, 5, 3], "leaky_relu", "softmax_cross_entropy", {}),
    ([3, 4, 2], "sigmoid", "softmax_cross_entropy", {"l2": 0.1}),
    ([3, 4, 3], "tanh", "mse", {"l2": 0.3, "l1": 0.05}),
    ([2, 5, 1], "relu", "binary_cross_entropy", {"l1": 0.02}),
    ([4, 3, 3, 3], "sigmoid", "softmax_cross_entropy", {"l1": 0.01, "l2": 0.01}),
]


@pytest.mark.parametrize("sizes,activation,loss,kw", GRAD_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in GRAD_CASES])
def test_network_gradients_match_finite_differences(sizes, activation, loss, kw):
    rng = np.random.default_rng(sum(sizes))
    net = MLP(sizes, activation=activation, loss=loss, seed=7, **kw)
    # random biases too, so that b is tested away from 0 and relu units mix
    for k in net.params:
        if k.startswith("b"):
            net.params[k][:] = rng.standard_normal(net.params[k].shape) * 0.5
    X = rng.standard_normal((6, sizes[0]))
    y = targets_for(loss, 6, sizes[-1], rng)
    errors = check_network_gradients(net, X, y)
    assert set(errors) == set(net.params) | {"worst"}
    assert errors["worst"] < 1e-6, errors


def test_network_gradients_softmax_one_hot_targets(rng):
    net = MLP([3, 4, 3], activation="tanh", loss="softmax_cross_entropy", seed=2)
    X = rng.standard_normal((5, 3))
    labels = rng.integers(0, 3, size=5)
    assert check_network_gradients(net, X, np.eye(3)[labels])["worst"] < 1e-6
    # and the same gradients as with integer labels
    g_int = net.loss_and_grads(X, labels)[1]
    g_hot = net.loss_and_grads(X, np.eye(3)[labels])[1]
    for k in g_int:
        np.testing.assert_allclose(g_hot[k], g_int[k], rtol=1e-12, atol=1e-15)


def test_network_gradients_with_vector_targets_for_one_output(rng):
    net = MLP([2, 3, 1], activation="tanh", loss="mse", seed=1)
    X = rng.standard_normal((5, 2))
    y = rng.standard_normal(5)
    assert check_network_gradients(net, X, y)["worst"] < 1e-6
    l1, g1 = net.loss_and_grads(X, y)
    l2, g2 = net.loss_and_grads(X, y.reshape(-1, 1))
    assert l1 == l2


def test_network_gradients_with_dropout_and_a_fixed_mask(rng):
    """A fresh dropout generator with the same seed before each evaluation
    fixes the dropout masks, so finite differences apply to the dropout
    network too."""
    net = MLP([3, 6, 5, 2], activation="tanh", loss="softmax_cross_entropy", dropout=0.4, seed=5)
    X = rng.standard_normal((4, 3))
    y = rng.integers(0, 2, size=4)

    def loss_and_grads():
        net.dropout_rng = np.random.default_rng(7)  # the same masks every time
        return net.loss_and_grads(X, y)

    _, grads = loss_and_grads()
    with_dropout = MLP([3, 6, 5, 2], activation="tanh", loss="softmax_cross_entropy", seed=5)
    assert not np.allclose(grads["W1"], with_dropout.loss_and_grads(X, y)[1]["W1"])  # the mask matters
    for name, p in net.params.items():
        numeric = numerical_gradient(lambda: loss_and_grads()[0], p)
        assert relative_error(grads[name], numeric) < 1e-6, name


def test_dropout_has_its_own_random_stream():
    """Initialization and dropout draw from separate streams of one seed:
    turning dropout on leaves the initial weights as they were, and the
    weights are those of a generator seeded with the seed."""
    from nnlib.model.init import he

    plain = MLP([3, 6, 2], activation="relu", seed=11)
    dropped = MLP([3, 6, 2], activation="relu", seed=11, dropout=0.5)
    for name in plain.params:
        np.testing.assert_array_equal(plain.params[name], dropped.params[name])
    np.testing.assert_array_equal(plain.params["W1"], he(3, 6, np.random.default_rng(11)))
    # the same seed gives the same masks; another seed other masks
    X = np.ones((8, 3))
    twin = MLP([3, 6, 2], activation="relu", seed=11, dropout=0.5)
    other = MLP([3, 6, 2], activation="relu", seed=12, dropout=0.5)
    other.params = {k: v.copy() for k, v in dropped.params.items()}
    first = dropped.forward_pass(X, train=True)[1][0].dropout
    np.testing.assert_array_equal(first, twin.forward_pass(X, train=True)[1][0].dropout)
    assert not np.array_equal(first, other.forward_pass(X, train=True)[1][0].dropout)


def test_loss_and_grads_does_not_modify_inputs(rng):
    net = MLP([2, 3, 2], loss="softmax_cross_entropy")
    X = rng.standard_normal((4, 2))
    y = np.array([0, 1, 1, 0])
    X0, y0 = X.copy(), y.copy()
    net.loss_and_grads(X, y)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


# ------------------------------------------------------------- dtypes


@pytest.mark.parametrize("loss", ["mse", "binary_cross_entropy", "softmax_cross_entropy"])
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_float32_network_stays_float32(loss, activation, rng):
    net = MLP([3, 5, 2], activation=activation, loss=loss, dtype="float32", l2=0.01, l1=0.01,
              dropout=0.2)
    X = rng.standard_normal((6, 3))  # float64 input is converted, not the network
    y = targets_for(loss, 6, 2, rng)
    for p in net.params.values():
        assert p.dtype == np.float32
    assert net.logits(X).dtype == np.float32
    assert net.forward(X).dtype == np.float32
    loss_value, grads = net.loss_and_grads(X, y)
    assert isinstance(loss_value, float)
    for k, g in grads.items():
        assert g.dtype == np.float32, k
    assert isinstance(net.evaluate(X, y)[0], float)


def test_float32_close_to_float64(rng):
    X = rng.standard_normal((8, 3))
    y = rng.integers(0, 3, size=8)
    n64 = MLP([3, 4, 3], activation="tanh", loss="softmax_cross_entropy", seed=0)
    n32 = MLP([3, 4, 3], activation="tanh", loss="softmax_cross_entropy", seed=0, dtype=np.float32)
    l64, g64 = n64.loss_and_grads(X, y)
    l32, g32 = n32.loss_and_grads(X, y)
    assert l32 == pytest.approx(l64, rel=1e-5)
    for k in g64:
        np.testing.assert_allclose(g32[k], g64[k], rtol=1e-3, atol=1e-5)


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize("sizes", [[3], [], [2, 0, 1], [2, -1], [2.0, 1], [2, True], "21"])
def test_invalid_sizes(sizes):
    with pytest.raises(ValueError, match="sizes must list at least two positive whole numbers"):
        MLP(sizes)


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'softplus'; known: 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'identity'"):
        MLP([2, 1], activation="softplus")
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'; known: 'mse', 'binary_cross_entropy', 'softmax_cross_entropy'"):
        MLP([2, 1], loss="hinge")
    with pytest.raises(ValueError, match=r"unknown initialization 'orthogonal'; known: 'zeros', 'small_random', 'xavier', 'he'"):
        MLP([2, 1], init="orthogonal")
    with pytest.raises(ValueError, match=r"unknown activation 'swish'"):
        MLP([2, 1], output_activation="swish")


def test_output_activation_mismatched_with_cross_entropy():
    with pytest.raises(ValueError, match=r"loss 'softmax_cross_entropy' needs the output activation 'softmax'; got output_activation='sigmoid'"):
        MLP([2, 3], loss="softmax_cross_entropy", output_activation="sigmoid")
    with pytest.raises(ValueError, match=r"loss 'binary_cross_entropy' needs the output activation 'sigmoid'; got output_activation='identity'"):
        MLP([2, 1], loss="binary_cross_entropy", output_activation="identity")


def test_softmax_needs_two_outputs():
    with pytest.raises(ValueError, match="softmax cross-entropy needs at least 2 outputs"):
        MLP([2, 1], loss="softmax_cross_entropy")


@pytest.mark.parametrize("kw,msg", [
    ({"dtype": "int32"}, "dtype must be float32 or float64; got int32"),
    ({"dtype": "float16"}, "dtype must be float32 or float64; got float16"),
    ({"l2": -0.1}, r"l2 must be a number >= 0; got -0.1"),
    ({"l1": float("nan")}, r"l1 must be a number >= 0; got nan"),
    ({"l2": float("inf")}, r"l2 must be a number >= 0; got inf"),
    ({"dropout": 1.0}, r"dropout must be in \[0, 1\); got 1.0"),
    ({"dropout": -0.5}, r"dropout must be in \[0, 1\); got -0.5"),
])
def test_bad_hyperparameters(kw, msg):
    with pytest.raises(ValueError, match=msg):
        MLP([2, 3, 1], **kw)


def test_wrong_input_shapes_name_expected_and_actual():
    net = MLP([3, 4, 2], loss="softmax_cross_entropy")
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\); got shape \(5, 2\)"):
        net.forward(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\), one sample per row; got shape \(3,\).*reshape\(1, -1\)"):
        net.predict(np.zeros(3))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\); got shape \(2, 3, 1\)"):
        net.logits(np.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\); got shape \(7,\)"):
        net.loss_and_grads(np.zeros(7), [0])


def test_nan_and_inf_inputs_rejected():
    net = MLP([2, 2, 1])
    X = np.array([[0.0, np.nan], [np.inf, 1.0], [-np.inf, 0.0]])
    with pytest.raises(ValueError, match="X must be finite; it holds 1 NaN and 2 infinite values"):
        net.forward(X)
    with pytest.raises(ValueError, match="the targets y must be finite; it holds 1 NaN and 0 infinite values"):
        net.loss_and_grads(np.zeros((2, 2)), np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match="X must be an array of numbers; got dtype <U1"):
        net.forward([["a", "b"]])


def test_softmax_label_errors():
    net = MLP([2, 3], loss="softmax_cross_entropy")
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"labels from 0 to 2; got values such as \[3\]"):
        net.loss_and_grads(X, [0, 3, 1])
    with pytest.raises(ValueError, match=r"whole-number class labels; got values such as \[0.5\]"):
        net.loss_and_grads(X, [0.5, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"the labels y must have 3 labels, one per sample; got 4"):
        net.loss_and_grads(X, [0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"the one-hot targets y must have shape \(3, 3\); got shape \(3, 2\)"):
        net.loss_and_grads(X, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"the labels y must hold integer class labels; got dtype bool"):
        net.loss_and_grads(X, np.array([True, False, True]))


def test_mse_given_int_labels_for_several_outputs_points_to_one_hot():
    net = MLP([2, 3], loss="mse")
    with pytest.raises(ValueError, match=r"needs targets of shape \(4, 3\); got labels of shape \(4,\).*one_hot"):
        net.loss_and_grads(np.zeros((4, 2)), np.array([0, 1, 2, 1]))
    net = MLP([2, 3], loss="binary_cross_entropy")
    with pytest.raises(ValueError, match=r"one_hot\(y, 3\)"):
        net.loss_and_grads(np.zeros((4, 2)), np.array([0, 1, 2, 1]))


def test_target_shape_and_range_errors():
    net = MLP([2, 2], loss="mse")
    with pytest.raises(ValueError, match=r"the targets y must have shape \(4, 2\); got shape \(4, 3\)"):
        net.loss_and_grads(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"the targets y must have shape \(4, 2\); got shape \(3, 2\)"):
        net.loss_and_grads(np.zeros((4, 2)), np.zeros((3, 2)))
    bce = MLP([2, 1], loss="binary_cross_entropy")
    with pytest.raises(ValueError, match=r"binary cross-entropy needs targets in \[0, 1\]; got values from 0 to 2"):
        bce.loss_and_grads(np.zeros((3, 2)), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"y must have 3 labels, one per sample; got 2"):
        bce.accuracy(np.zeros((3, 2)), [0, 1])


def test_check_network_gradients_refuses_dropout(rng):
    net = MLP([2, 3, 1], dropout=0.5)
    with pytest.raises(ValueError, match="turn dropout off"):
        check_network_gradients(net, rng.standard_normal((2, 2)), [0.0, 1.0])


def test_all_activation_loss_combinations_construct_and_run(rng):
    X = rng.standard_normal((3, 2))
    for act, loss in itertools.product(ACTS, ["mse", "binary_cross_entropy", "softmax_cross_entropy"]):
        net = MLP([2, 3, 2], activation=act, loss=loss)
        y = targets_for(loss, 3, 2, rng)
        value, grads = net.loss_and_grads(X, y)
        assert np.isfinite(value)
        assert all(grads[k].shape == net.params[k].shape for k in net.params)
        assert get_activation(act).name == net.activation


# ------------------------------------------------------------- nnlib.validate
# (the helpers behind every message above, tested directly)

from nnlib import validate as V  # noqa: E402


def test_as_float_array_converts_and_checks():
    a = V.as_float_array([[1, 2], [3, 4]], "X", ndim=2)
    assert a.dtype == np.float64 and a.shape == (2, 2)
    f32 = np.ones(3, dtype=np.float32)
    assert V.as_float_array(f32, "x") is f32  # float kept, not copied
    assert V.as_float_array(f32, "x", dtype=np.float64).dtype == np.float64
    assert V.as_float_array(np.array([True, False]), "m").dtype == np.float64
    with pytest.raises(ValueError, match=r"X must have 2 dimensions; got shape \(3,\) \(1 dimension\)"):
        V.as_float_array(np.zeros(3), "X", ndim=2)
    with pytest.raises(ValueError, match=r"v must have 1 dimension; got shape \(1, 3\) \(2 dimensions\)"):
        V.as_float_array(np.zeros((1, 3)), "v", ndim=1)
    with pytest.raises(ValueError, match="X must be finite; it holds 2 NaN and 1 infinite values"):
        V.as_float_array([np.nan, np.nan, -np.inf, 0.0], "X")
    with pytest.raises(TypeError, match="X must be an array of numbers; got dtype object"):
        V.as_float_array([1, None], "X")


def test_check_shape_messages():
    V.check_shape(np.zeros((5, 784)), (None, 784), "X")
    with pytest.raises(ValueError, match=r"X must have shape \(N, 784\); got shape \(5, 783\)"):
        V.check_shape(np.zeros((5, 783)), (None, 784), "X")
    with pytest.raises(ValueError, match=r"b must have shape \(3,\); got shape \(3, 1\)"):
        V.check_shape(np.zeros((3, 1)), (3,), "b")


def test_as_labels():
    np.testing.assert_array_equal(V.as_labels([2.0, 0.0], "y", n_classes=3), [2, 0])
    assert V.as_labels(np.array([1, 0], dtype=np.int32), "y", 2).dtype == np.int64
    with pytest.raises(ValueError, match=r"y must be integer class labels of shape \(N,\); got shape \(2, 1\)"):
        V.as_labels(np.zeros((2, 1), dtype=int), "y", 3)
    with pytest.raises(ValueError, match=r"y must hold labels from 0 to 2; got values such as \[3, 5\]"):
        V.as_labels([0, 3, 5], "y", 3)
    with pytest.raises(ValueError, match=r"whole-number class labels; got values such as \[inf\]"):
        V.as_labels([0.0, np.inf], "y", 3)
    with pytest.raises(ValueError, match="y must hold integer class labels; got dtype <U1"):
        V.as_labels(["a"], "y", 3)


@pytest.mark.parametrize("value", [0, -1, -0.5, float("nan"), float("inf"), True, "3", None])
def test_check_positive_rejects(value):
    with pytest.raises(ValueError, match=r"lr must be a positive number; got"):
        V.check_positive(value, "lr")


@pytest.mark.parametrize("value", [0, -2, 2.0, 1.5, True, np.float64(3)])
def test_check_positive_integer_rejects(value):
    with pytest.raises(ValueError, match=r"n must be a positive whole number; got"):
        V.check_positive(value, "n", integer=True)


def test_check_positive_accepts_and_check_choice():
    V.check_positive(1e-9, "lr")
    V.check_positive(np.float32(0.5), "lr")
    V.check_positive(np.int64(4), "n", integer=True)
    V.check_choice("b", ["a", "b"], "letter")
    with pytest.raises(ValueError, match=r"unknown letter 'c'; known: 'a', 'b'"):
        V.check_choice("c", ["a", "b"], "letter")


def test_empty_batch_is_rejected_with_a_clear_message():
    net = MLP([2, 1])
    with pytest.raises(ValueError, match=r"\(0, 2\)"):
        net.loss_and_grads(np.zeros((0, 2)), np.zeros(0))
