"""Tests of nnlib.book.plots and nnlib.model.metrics: the figures hold what they claim."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from nnlib import MLP, History  # noqa: E402
from nnlib.book import plots  # noqa: E402
from nnlib.model.metrics import classification_report, confusion_matrix, format_classification_report  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def binary_net():
    """A [2, 3, 1] net with a boundary crossing the data range."""
    net = MLP([2, 3, 1], activation="tanh", loss="binary_cross_entropy", seed=1)
    net.params["W1"][...] = [[2.0, -1.0, 0.5], [1.0, 2.0, -1.5]]
    net.params["b1"][...] = [0.1, -0.2, 0.3]
    net.params["W2"][...] = [[2.0], [-1.5], [1.0]]
    net.params["b2"][...] = [0.2]
    return net


def blobs3(seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, 0.5, size=(10, 2)) for c in [(0, 0), (2, 2), (-2, 2)]])
    return X, np.repeat(np.arange(3), 10)


def pixel_centres(image):
    """The (x1, x2) coordinates of every pixel centre of an AxesImage (origin lower)."""
    assert image.origin == "lower"  # row 0 of the array is drawn at the bottom
    left, right, bottom, top = image.get_extent()
    rows, cols = image.get_array().shape[:2]
    xs = left + (np.arange(cols) + 0.5) * (right - left) / cols
    ys = bottom + (np.arange(rows) + 0.5) * (top - bottom) / rows
    g1, g2 = np.meshgrid(xs, ys)
    return np.column_stack([g1.ravel(), g2.ravel()])


def png_bytes(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# --------------------------------------------------------- decision boundary
def test_decision_boundary_binary_shading_matches_predict():
    net = binary_net()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = net.predict(X)
    fig = plots.plot_decision_boundary(net, X, y, title="t", resolution=31)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2  # the plot and its P(class 1) colorbar
    ax = fig.axes[0]
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2" and ax.get_title() == "t"
    image = ax.images[0]
    prob = np.asarray(image.get_array())
    assert prob.shape == (31, 31)
    points = pixel_centres(image)
    # the shading is P(class 1) at each pixel centre; >= 0.5 is the predicted class
    np.testing.assert_allclose(prob.ravel(), net.forward(points)[:, 0], rtol=1e-12)
    assert np.array_equal((prob.ravel() >= 0.5).astype(int), net.predict(points))
    assert 0 < net.predict(points).mean() < 1  # both classes appear, so the check means something
    assert len(ax.collections) >= 3  # the 0.5 contour and two scatter sets
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_boundary_multiclass_uses_argmax_and_given_axes():
    X, y = blobs3()
    net = MLP([2, 5, 3], activation="relu", loss="softmax_cross_entropy", seed=3)
    fig0, ax = plt.subplots()
    fig = plots.plot_decision_boundary(net, X, y, ax=ax, resolution=20)
    assert fig is fig0 and len(fig.axes) == 1  # no colorbar for several classes
    image = ax.images[0]
    assert np.array_equal(np.asarray(image.get_array()).ravel(), net.predict(pixel_centres(image)))
    # the points are drawn where the data are
    offsets = np.concatenate([c.get_offsets() for c in ax.collections if c.get_label().startswith("class")])
    np.testing.assert_allclose(np.sort(offsets, axis=0), np.sort(X, axis=0))


def test_decision_grid_is_one_forward_call_and_covers_the_data():
    calls = []
    net = binary_net()

    class Spy:
        def forward(self, P):
            calls.append(P.shape)
            return net.forward(P)

    X = np.array([[0.0, 1.0], [2.0, -1.0]])
    x1, x2, out = plots.decision_grid(Spy(), X, resolution=7, padding=0.5)
    assert calls == [(49, 2)]
    np.testing.assert_allclose([x1[0], x1[-1], x2[0], x2[-1]], [-0.5, 2.5, -1.5, 1.5])
    assert out.shape == (7, 7, 1)
    # out[i, j] is the output at (x1[j], x2[i])
    assert out[2, 5, 0] == pytest.approx(net.forward(np.array([[x1[5], x2[2]]]))[0, 0])


def test_decision_boundary_rejects_bad_input():
    net = binary_net()
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\); got shape \(5, 3\)"):
        plots.plot_decision_boundary(net, np.zeros((5, 3)), np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="4 labels"):
        plots.plot_decision_boundary(net, np.zeros((4, 2)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="resolution"):
        plots.plot_decision_boundary(net, np.zeros((4, 2)), np.zeros(4, dtype=int), resolution=1)


def points_by_class(fig):
    """The scattered data points of each class: {"class 0": array (n, 2), ...}."""
    ax = fig.axes[0]
    return {c.get_label(): np.asarray(c.get_offsets()) for c in ax.collections
            if c.get_label().startswith("class ")}


def assert_same_points(got, expected):
    assert got.keys() == expected.keys()
    for label in expected:
        np.testing.assert_array_equal(got[label], expected[label])


def test_decision_boundary_reads_targets_as_class_labels():
    """One-hot targets, 0/1 targets and probabilities in one column give the
    same classes as the integer labels."""
    X, y = blobs3()
    net3 = MLP([2, 5, 3], activation="relu", loss="softmax_cross_entropy", seed=3)
    expected = points_by_class(plots.plot_decision_boundary(net3, X, y, resolution=10))
    assert set(expected) == {"class 0", "class 1", "class 2"}
    assert_same_points(points_by_class(plots.plot_decision_boundary(net3, X, np.eye(3)[y], resolution=10)),
                       expected)

    net = binary_net()
    yb = (X[:, 1] > 1).astype(int)
    expected = points_by_class(plots.plot_decision_boundary(net, X, yb, resolution=10))
    assert set(expected) == {"class 0", "class 1"}
    for targets in (yb[:, None].astype(float), np.where(yb, 0.8, 0.3)[:, None], np.eye(2)[yb]):
        assert_same_points(points_by_class(plots.plot_decision_boundary(net, X, targets, resolution=10)),
                           expected)


def test_decision_boundary_rejects_targets_of_the_wrong_shape():
    X, y = blobs3()
    net3 = MLP([2, 5, 3], activation="relu", loss="softmax_cross_entropy", seed=3)
    with pytest.raises(ValueError, match=r"must have shape \(30, 3\); got shape \(30, 1\)"):
        plots.plot_decision_boundary(net3, X, y[:, None], resolution=10)
    with pytest.raises(ValueError, match=r"must have shape \(30, 1\) or \(30, 2\); got shape \(30, 3\)"):
        plots.plot_decision_boundary(binary_net(), X, np.eye(3)[y], resolution=10)
    with pytest.raises(ValueError, match=r"got shape \(29, 3\)"):
        plots.plot_decision_boundary(net3, X, np.eye(3)[y[:29]], resolution=10)
    with pytest.raises(ValueError, match="labels from 0 to 2"):
        plots.plot_decision_boundary(net3, X, y + 1, resolution=10)


def test_book_style_and_grid_on():
    """book_style applies STYLE only inside the block; grid_on draws the grid behind the data."""
    with matplotlib.rc_context({"font.size": 12.0}):
        with plots.book_style():
            assert matplotlib.rcParams["font.size"] == plots.STYLE["font.size"]
            fig = Figure()
            ax = fig.add_subplot()
            assert not any(line.get_visible() for line in ax.xaxis.get_gridlines())
            plots.grid_on(ax)
        assert matplotlib.rcParams["font.size"] == 12.0
    assert all(line.get_visible() for line in ax.xaxis.get_gridlines() + ax.yaxis.get_gridlines())
    assert ax.get_axisbelow() is True


# ------------------------------------------------------------------- history
def make_history(n=5, val=True, offset=0.0):
    h = History()
    h.loss = [1.0 / (e + 1) + offset for e in range(n)]
    h.accuracy = [0.5 + 0.08 * e for e in range(n)]
    if val:
        h.val_loss = [1.2 / (e + 1) for e in range(n)]
        h.val_accuracy = [0.45 + 0.08 * e for e in range(n)]
    return h


def test_plot_history_draws_train_and_validation_per_metric():
    h = make_history()
    fig = plots.plot_history(h, title="run", logy=True)
    assert len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_xlabel() == "epoch" and loss_ax.get_ylabel() == "loss"
    assert acc_ax.get_ylabel() == "accuracy"
    train, val = loss_ax.get_lines()
    assert list(train.get_xdata()) == [1, 2, 3, 4, 5]
    assert list(train.get_ydata()) == h.loss and list(val.get_ydata()) == h.val_loss
    assert list(acc_ax.get_lines()[1].get_ydata()) == h.val_accuracy
    assert loss_ax.get_yscale() == "log" and acc_ax.get_yscale() == "linear"
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["training", "validation"]
    assert fig.get_suptitle() == "run"


def test_plot_history_without_validation_and_errors():
    fig = plots.plot_history(make_history(val=False), metrics=("loss",))
    assert len(fig.axes) == 1 and len(fig.axes[0].get_lines()) == 1
    with pytest.raises(ValueError, match="unknown metric 'los'"):
        plots.plot_history(make_history(), metrics=("los",))
    with pytest.raises(ValueError, match="no epochs"):
        plots.plot_history(History())
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="one Axes per metric"):
        plots.plot_history(make_history(), axes=[ax])


def test_plot_histories_marks_a_run_stopped_for_growth_at_its_last_loss():
    """A run whose loss grew a million-fold (train stops it with
    TrainingDiverged) ends with an x at the loss that was caught, like a run
    that reached NaN or infinity ends with an x at its last finite loss."""
    from nnlib import TrainingDiverged, train
    from nnlib.data import moons

    X, y = moons(n=200, noise=0.1, seed=0)
    net = MLP([2, 16, 2], activation="relu", loss="softmax_cross_entropy", seed=0)
    with pytest.raises(TrainingDiverged) as err:
        train(net, X * 100, y, lr=1e6, epochs=20, batch_size=200, progress=False)
    grown = err.value.history
    assert grown.diverged and grown.epochs == err.value.epoch == 2
    fig = plots.plot_histories({"lr = 1e6": grown, "fine": make_history(4)})
    (ax,) = fig.axes
    crosses = [ln for ln in ax.get_lines() if ln.get_marker() == "x"]
    assert len(crosses) == 1
    assert list(crosses[0].get_xdata()) == [2] and list(crosses[0].get_ydata()) == [grown.loss[-1]]
    assert ax.get_ylim()[1] >= grown.loss[-1]  # the log axis reaches the blown-up loss


def test_plot_histories_compares_runs():
    runs = {"SGD": make_history(offset=0.1), "Adam": make_history(4)}
    runs["Adam"].diverged = True
    fig = plots.plot_histories(runs, title="optimizers")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "epoch" and "loss" in ax.get_ylabel()
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "Adam"]
    lines = [ln for ln in ax.get_lines() if ln.get_label() in runs]
    assert list(lines[0].get_ydata()) == runs["SGD"].loss
    # the diverged run ends with an x marker at its last epoch
    crosses = [ln for ln in ax.get_lines() if ln.get_marker() == "x"]
    assert len(crosses) == 1 and list(crosses[0].get_xdata()) == [4]
    fig = plots.plot_histories(runs, metric="accuracy", validation=True)
    assert fig.axes[0].get_yscale() == "linear"
    assert list(fig.axes[0].get_lines()[0].get_ydata()) == runs["SGD"].val_accuracy
    with pytest.raises(ValueError, match="no val_loss"):
        plots.plot_histories({"a": make_history(val=False)}, validation=True)


# --------------------------------------------------------------- activations
def test_plot_activations_draws_function_and_derivative():
    fig = plots.plot_activations()
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes] == ["sigmoid", "tanh", "relu", "leaky_relu"]
    assert all(ax.get_xlabel() == "z" for ax in fig.axes)
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_label() in ("g(z)", "g'(z)")]
    g, dg = lines
    z = np.asarray(g.get_xdata())
    assert z[0] == -5 and z[-1] == 5
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(g.get_ydata(), s, atol=1e-12)
    np.testing.assert_allclose(dg.get_ydata(), s * (1 - s), atol=1e-12)
    relu_d = [ln for ln in fig.axes[2].get_lines() if ln.get_label() == "g'(z)"][0]
    d = np.asarray(relu_d.get_ydata())
    assert np.all((d[np.isfinite(d)] == 0) | (d[np.isfinite(d)] == 1))
    assert len(plots.plot_activations(["tanh"]).axes) == 1
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        plots.plot_activations(["swish"])


# -------------------------------------------------------------------- digits
def test_plot_digits_titles_and_layout():
    rng = np.random.default_rng(0)
    images = rng.random((13, 784))
    labels = np.arange(13) % 10
    predicted = labels.copy()
    predicted[4] = 7
    fig = plots.plot_digits(images, labels, predicted, ncols=5, title="digits")
    assert len(fig.axes) == 13
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "0" and titles[12] == "2"
    assert titles[4] == "pred 7 / true 4"
    red = matplotlib.colors.to_rgb(fig.axes[4].title.get_color())
    assert red[0] > 0.6 and red[1] < 0.4
    assert fig.axes[0].title.get_color() != fig.axes[4].title.get_color()
    assert all(len(ax.get_xticks()) == 0 and len(ax.get_yticks()) == 0 for ax in fig.axes)
    np.testing.assert_allclose(fig.axes[3].images[0].get_array(), images[3].reshape(28, 28))
    # rows: 5 images per row, so image 5 starts the second row
    assert fig.axes[5].get_position().y0 < fig.axes[4].get_position().y0
    # (n, 28, 28) works too, and no labels means no titles
    fig = plots.plot_digits(images[:3].reshape(3, 28, 28))
    assert [ax.get_title() for ax in fig.axes] == ["", "", ""]


def test_plot_digits_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(n, 784\)"):
        plots.plot_digits(np.zeros((3, 783)))
    with pytest.raises(ValueError, match="3 labels"):
        plots.plot_digits(np.zeros((3, 784)), labels=[1, 2])


def test_plot_weight_images_symmetric_scale():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(784, 20))
    W[5, 3] = 9.0  # the largest weight among the first 16 units sets the scale
    fig = plots.plot_weight_images(W, n=16, title="weights")
    assert len(fig.axes) == 17  # 16 images and the colorbar
    np.testing.assert_allclose(fig.axes[2].images[0].get_array(), W[:, 2].reshape(28, 28))
    assert fig.axes[0].images[0].get_clim() == (-9.0, 9.0)
    assert fig.axes[-1].get_ylabel() == "weight"
    assert len(plots.plot_weight_images(W[:, :3], n=16).axes) == 4  # at most n_hidden units
    with pytest.raises(ValueError, match=r"W must have shape \(784, N\)"):
        plots.plot_weight_images(np.zeros((100, 4)))


# ----------------------------------------------------------------- metrics
def test_confusion_matrix_and_report_on_a_hand_example():
    y_true = np.array([0, 0, 1, 2, 2, 2, 1])
    y_pred = np.array([0, 1, 1, 2, 0, 2, 1])
    C = confusion_matrix(y_true, y_pred, 4)
    expected = np.zeros((4, 4), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    assert C.dtype == np.int64 and np.array_equal(C, expected)
    assert C[2, 0] == 1 and C[2, 2] == 2 and C.sum() == 7

    report = classification_report(y_true, y_pred, 4)
    for k in range(4):
        tp = np.sum((y_true == k) & (y_pred == k))
        n_pred = np.sum(y_pred == k)
        n_true = np.sum(y_true == k)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_true if n_true else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        assert report["precision"][k] == pytest.approx(prec)
        assert report["recall"][k] == pytest.approx(rec)
        assert report["f1"][k] == pytest.approx(f1)
        assert report["support"][k] == n_true
    # by hand: class 1 is predicted 3 times, right twice; class 3 never occurs
    assert report["precision"][1] == pytest.approx(2 / 3) and report["recall"][1] == 1.0
    assert report["precision"][3] == 0.0 and report["support"][3] == 0
    assert report["accuracy"] == pytest.approx(5 / 7)
    assert report["macro_f1"] == pytest.approx(np.mean(report["f1"]))
    text = format_classification_report(report)
    assert len(text.splitlines()) == 6 and "0.714" in text


def test_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="y_pred must have 3 labels"):
        confusion_matrix([0, 1, 1], [0, 1], 2)
    with pytest.raises(ValueError, match="labels from 0 to 1"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(ValueError, match="n_classes"):
        classification_report([0], [0], 0)


def test_plot_confusion_matrix_writes_counts_in_cells():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    fig = plots.plot_confusion_matrix(y_true, y_pred, n_classes=3, title="cm")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    C = confusion_matrix(y_true, y_pred, 3)
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert len(cells) == 9
    assert all(cells[i, j] == str(C[i, j]) for i in range(3) for j in range(3))
    np.testing.assert_array_equal(ax.images[0].get_array(), C)
    fig = plots.plot_confusion_matrix(y_true, y_pred, n_classes=3, normalize=True)
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in fig.axes[0].texts}
    assert texts[2, 2] == "0.67" and texts[0, 1] == "0.50"


# ------------------------------------------------------------ loss surface
def test_plot_loss_surface_paths():
    def bowl(x, y):
        return x**2 + 3 * y**2

    path_a = np.array([[1.5, 2.0], [1.0, 1.0], [0.5, 0.2], [0.1, 0.0]])
    path_b = np.array([[-1.5, 2.5], [-1.0, 1.0], [np.inf, 0.0], [0.0, 0.0]])
    fig = plots.plot_loss_surface_paths(bowl, {"GD": path_a, "blown up": path_b}, minimum=(0, 0), title="bowl")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1, 3)
    by_label = {ln.get_label(): ln for ln in ax.get_lines()}
    np.testing.assert_allclose(np.column_stack(by_label["GD"].get_data()), path_a)
    np.testing.assert_allclose(np.column_stack(by_label["blown up"].get_data()), path_b[:2])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["GD", "blown up", "start", "end", "minimum"]
    stars = [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert [tuple(np.ravel(s.get_data())) for s in stars] == [(0.1, 0.0), (-1.0, 1.0)]
    with pytest.raises(ValueError, match="elementwise"):
        plots.plot_loss_surface_paths(lambda x, y: 1.0, {"a": path_a})
    with pytest.raises(ValueError, match=r"path 'a' must have shape \(N, 2\)"):
        plots.plot_loss_surface_paths(bowl, {"a": np.zeros((3, 3))})


# ---------------------------------------------------------- network diagram
def test_network_diagram_xor_labels_sit_on_their_edges():
    fig = plots.plot_network_diagram([2, 2, 1], labels=True, title="XOR")
    (ax,) = fig.axes
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 5
    texts = {t.get_text(): np.array(t.get_position()) for t in ax.texts}
    for name in ["x1", "x2", "h1", "h2", "o", "w1", "w6", "b1", "b2", "b3"]:
        assert name in texts
    centre = {n: texts[n] for n in ["x1", "x2", "h1", "h2", "o"]}
    # the book's numbering: h1 = sigma(w1 x1 + w2 x2 + b1), h2 = sigma(w3 x1 + w4 x2 + b2),
    # o = sigma(w5 h1 + w6 h2 + b3)
    edges = {"w1": ("x1", "h1"), "w2": ("x2", "h1"), "w3": ("x1", "h2"), "w4": ("x2", "h2"),
             "w5": ("h1", "o"), "w6": ("h2", "o")}
    for w, (a, b) in edges.items():
        p, q, t = centre[a], centre[b], texts[w]
        cross = (q - p)[0] * (t - p)[1] - (q - p)[1] * (t - p)[0]
        assert abs(cross) < 1e-9, f"{w} is not on the edge {a} -> {b}"
        assert 0 < np.dot(t - p, q - p) < np.dot(q - p, q - p)
    # b1 sits just above h1, b3 above o
    assert texts["b1"][0] == pytest.approx(centre["h1"][0]) and texts["b1"][1] > centre["h1"][1]
    assert texts["b3"][0] == pytest.approx(centre["o"][0]) and texts["b3"][1] > centre["o"][1]


def test_network_diagram_large_layers_and_errors():
    fig = plots.plot_network_diagram([784, 30, 10])
    (ax,) = fig.axes
    assert len([p for p in ax.patches if isinstance(p, Circle)]) == 8 + 8 + 10
    assert any("784 units" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match="at most 10 units"):
        plots.plot_network_diagram([784, 30, 10], labels=True)
    with pytest.raises(ValueError, match="sizes"):
        plots.plot_network_diagram([3])
    with pytest.raises(ValueError, match="at least two positive whole numbers"):
        plots.plot_network_diagram([2, 0, 1])
    with pytest.raises(ValueError, match="units per layer"):
        plots.plot_network_diagram(3)
    with pytest.raises(ValueError, match="at least two positive whole numbers"):
        plots.default_network_labels([2, 2.5, 1])
    with pytest.raises(ValueError, match="one name per unit"):
        plots.plot_network_diagram([2, 1], labels={"nodes": [["a"], ["b"]]})


# --------------------------------------------------------------- all figures
def test_figures_are_deterministic_and_untracked_by_pyplot():
    X, y = blobs3()
    net = MLP([2, 4, 3], activation="tanh", loss="softmax_cross_entropy", seed=0)
    first = png_bytes(plots.plot_decision_boundary(net, X, y, resolution=30))
    second = png_bytes(plots.plot_decision_boundary(net, X, y, resolution=30))
    assert first == second
    a = plots.plot_history(make_history())
    b = plots.plot_history(make_history(n=40))
    assert tuple(a.get_size_inches()) == tuple(b.get_size_inches())
    assert plt.get_fignums() == []  # new figures do not pile up in pyplot
