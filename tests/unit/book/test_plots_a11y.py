"""nnlib.book.plots for every reader: colours that stay apart under the common
colour-vision deficiencies, a marker or line style besides every colour, an
opaque white background for the dark mode, and a description of every figure
built from the data it drew, shown as alt text by ``with_alt_text``.

The deficiencies are simulated with the matrices of Machado, Oliveira and
Fernandes, "A Physiologically-based Model for Simulation of Color Vision
Deficiency", IEEE TVCG 15(6), 2009 (severity 1.0, applied to linear RGB), and
colours are compared by their CIE76 distance in CIELAB (D65): a distance of
about 2.3 is just noticeable; MIN_DELTA_E asks for clearly different hues.
"""

from __future__ import annotations

import base64
import html
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from nnlib import MLP, train  # noqa: E402
from nnlib.book import plots  # noqa: E402
from nnlib.model.train import History  # noqa: E402

MACHADO_2009 = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
MIN_DELTA_E = 15.0


def to_linear(rgb):
    rgb = np.asarray(rgb, dtype=np.float64)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def lab_of_linear(lin):
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(lin, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colors, deficiency):
    """(CIE76 distance, colour, colour) of the two colours closest after simulating ``deficiency``."""
    m = np.eye(3) if deficiency is None else np.array(MACHADO_2009[deficiency])
    labs = [lab_of_linear(m @ to_linear(mpl.colors.to_rgb(c))) for c in colors]
    return min((float(np.linalg.norm(labs[i] - labs[j])), colors[i], colors[j])
               for i in range(len(colors)) for j in range(i + 1, len(colors)))


@pytest.mark.parametrize("deficiency", [None, "protanopia", "deuteranopia", "tritanopia"])
@pytest.mark.parametrize("palette", ["CLASS_COLORS", "BINARY_COLORS"])
def test_class_colours_stay_apart_under_colour_vision_deficiencies(palette, deficiency):
    distance, a, b = closest_pair(getattr(plots, palette), deficiency)
    assert distance >= MIN_DELTA_E, f"{palette}: {a} and {b} are {distance:.1f} apart for {deficiency or 'full colour vision'}"


def test_the_check_fails_on_a_palette_that_is_not_safe():
    """matplotlib's tab10 (the book's palette before): orange and green nearly merge for a protanope."""
    tab10 = [mpl.colors.to_hex(c) for c in mpl.colormaps["tab10"].colors]
    assert closest_pair(tab10, None)[0] >= MIN_DELTA_E  # fine for full colour vision...
    distance, a, b = closest_pair(tab10, "protanopia")
    assert distance < MIN_DELTA_E / 2 and {a, b} == {"#ff7f0e", "#2ca02c"}  # ...not for protanopia


def test_every_class_and_run_has_its_own_marker_and_line_style():
    assert len(set(plots.CLASS_MARKERS)) == len(plots.CLASS_MARKERS) >= 10
    assert len(set(plots.LINE_STYLES)) == len(plots.LINE_STYLES) >= 4


def blobs(k=3, n=20, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [3, 0], [0, 3], [3, 3]])[:k]
    X = np.concatenate([c + rng.normal(0, 0.5, (n, 2)) for c in centres])
    return X, np.repeat(np.arange(k), n)


def test_decision_boundary_classes_differ_in_marker_and_regions_have_black_borders():
    X, y = blobs()
    net = MLP([2, 8, 3], activation="tanh", loss="softmax_cross_entropy", seed=0)
    train(net, X, y, lr=0.5, epochs=100, progress=False)
    fig = plots.plot_decision_boundary(net, X, y, resolution=40)
    ax = fig.axes[0]
    scatters = [c for c in ax.collections if c.get_label().startswith("class")]
    paths = [tuple(map(tuple, np.round(c.get_paths()[0].vertices, 3))) for c in scatters]
    assert len(scatters) == 3 and len(set(paths)) == 3  # three different marker shapes
    borders = [c for c in ax.collections if c not in scatters]
    assert borders and all(np.allclose(c.get_edgecolor()[0][:3], 0) for c in borders)


def test_runs_differ_in_line_style_and_marker():
    h1, h2, h3 = History(), History(), History()
    for i, h in enumerate((h1, h2, h3)):
        h.loss.extend(list(np.linspace(1.0, 0.1 * (i + 1), 20)))
    fig = plots.plot_histories({"a": h1, "b": h2, "c": h3})
    lines = fig.axes[0].get_lines()[:3]
    assert len({(line.get_linestyle(), line.get_marker()) for line in lines}) == 3


@pytest.mark.parametrize("make", [
    lambda: plots.plot_activations(["tanh"]),
    lambda: plots.plot_network_diagram([2, 2, 1]),
    lambda: plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0], n_classes=2),
])
def test_figures_have_an_opaque_white_background_even_in_an_inline_backend(make):
    """IPython's inline backend makes figures transparent (figure.facecolor
    (1, 1, 1, 0)); on the book's dark mode that is black text on black."""
    with mpl.rc_context({"figure.facecolor": (1, 1, 1, 0), "savefig.transparent": False}):
        fig = make()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", facecolor=fig.get_facecolor())
    corner = Image.open(io.BytesIO(buf.getvalue())).convert("RGBA").getpixel((0, 0))
    assert corner == (255, 255, 255, 255)


def test_a_figure_the_caller_made_gets_a_white_background_too():
    with mpl.rc_context({"figure.facecolor": (1, 1, 1, 0)}):
        fig, ax = plt.subplots()
    assert fig.patch.get_alpha() in (None, 0) or fig.get_facecolor()[3] == 0
    plots.plot_confusion_matrix([0, 1], [0, 1], n_classes=2, ax=ax)
    assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
    plt.close(fig)


# ------------------------------------------------------------- descriptions
def test_history_description_comes_from_the_data():
    h = History()
    h.loss.extend([0.25, 0.1, 0.004])
    h.accuracy.extend([0.5, 0.75, 1.0])
    text = plots.figure_description(plots.plot_history(h))
    assert text == ("Learning curves over 3 epochs: training loss falls from 0.25 to 0.004 "
                    "and training accuracy rises from 0.5 to 1.")
    h.loss[-1] = 0.02
    assert "from 0.25 to 0.02" in plots.figure_description(plots.plot_history(h))


def test_decision_boundary_description_counts_the_points_it_gets_right():
    X, y = blobs(k=2)
    net = MLP([2, 4, 1], activation="tanh", seed=0)
    fig = plots.plot_decision_boundary(net, X, y, resolution=30, title="Before training")
    right = int(np.sum(net.predict(X) == y))
    text = plots.figure_description(fig)
    assert text.startswith("Before training: What the network predicts over the plane")
    assert f"It classifies {right} of {len(y)} data points correctly" in text
    assert "class 0 as circles and class 1 as squares" in text


def test_confusion_matrix_description_names_the_most_frequent_mistake():
    y_true = [0, 0, 1, 1, 2, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 0, 0, 0, 2]
    text = plots.figure_description(plots.plot_confusion_matrix(y_true, y_pred, n_classes=3))
    assert "of 8 samples and 3 classes" in text and "4 correct (50.0%)" in text
    assert "true class 2 predicted as 0, 3 times" in text


@pytest.mark.parametrize("make, words", [
    (lambda: plots.plot_activations(["sigmoid"]), "sigmoid goes from 0.00669 to 0.993, its derivative peaks at 0.25"),
    (lambda: plots.plot_network_diagram([2, 3, 1]), "layers of 2, 3 and 1 units: 2 inputs, 1 hidden layer, 1 output"),
    (lambda: plots.plot_digits(np.zeros((3, 784)), labels=[1, 2, 3], predicted=[1, 2, 4]),
     "3 digit images, dark ink on white; 2 predicted right, 1 wrong"),
    (lambda: plots.plot_weight_images(np.full((784, 4), -0.5), n=4), "first 4 hidden units as 28 x 28 images"),
    (lambda: plots.plot_loss_surface_paths(lambda x, y: x**2 + y**2, {"SGD": np.array([[1.0, 1.0], [0.5, 0.5]])},
                                           minimum=(0, 0)),
     "minimum at (0, 0), with the path of each optimizer (start a square, end a star): "
     "SGD goes from (1, 1) to (0.5, 0.5) in 1 step"),
])
def test_every_plot_describes_itself(make, words):
    assert words in plots.figure_description(make())


def test_plots_drawn_into_one_figure_join_their_descriptions():
    h = History()
    h.loss.extend([1.0, 0.5])
    fig, (a, b) = plt.subplots(1, 2)
    plots.plot_history(h, metrics=("loss",), axes=a)
    plots.plot_confusion_matrix([0, 1], [0, 1], n_classes=2, ax=b)
    text = plots.figure_description(fig)
    assert text.startswith("Learning curves over 2 epochs") and "Confusion matrix of 2 samples" in text
    plt.close(fig)
    assert plots.figure_description(plt.figure()) is None
    plt.close("all")


def test_with_alt_text_gives_html_with_the_alt_png_and_a_fixed_text():
    h = History()
    h.loss.extend([0.5, 0.25])
    fig = plots.plot_history(h, metrics=("loss",))
    shown = plots.with_alt_text(fig)
    alt = plots.figure_description(fig)
    page = shown._repr_html_()
    m = re.fullmatch(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)" '
                     r'width="(\d+)" height="(\d+)" class="nnx-figure"/>', page)
    assert m, page
    assert html.unescape(m.group(2)) == alt
    png = base64.b64decode(m.group(1))
    assert png == shown._repr_png_() and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(png)).size == (int(m.group(3)), int(m.group(4)))
    assert repr(shown) == f"<figure: {alt}>"
    # the same figure gives the same bytes (nbval compares text/html strictly)
    assert plots.with_alt_text(plots.plot_history(h, metrics=("loss",)))._repr_html_() == page


def test_with_alt_text_takes_a_given_text_and_refuses_none():
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    with pytest.raises(ValueError, match="has no description"):
        plots.with_alt_text(fig)
    shown = plots.with_alt_text(fig, alt='A line "up" & <away>')
    assert 'alt="A line &quot;up&quot; &amp; &lt;away&gt;"' in shown._repr_html_()
    assert fig.number not in plt.get_fignums()  # closed: it shows once, with its alt text


def test_an_ipython_display_of_it_holds_html_png_and_the_alt_text():
    from IPython.core.formatters import DisplayFormatter

    h = History()
    h.loss.extend([0.5, 0.25])
    shown = plots.with_alt_text(plots.plot_history(h, metrics=("loss",)))
    data, _ = DisplayFormatter().format(shown)
    assert set(data) >= {"text/html", "image/png", "text/plain"}
    assert data["text/plain"] == repr(shown)
    assert 'alt="Learning curves over 2 epochs: training loss falls from 0.5 to 0.25."' in data["text/html"]


def test_figures_are_stored_with_a_256_colour_palette_that_looks_the_same():
    """Every figure is inlined in its page: palette_png makes it smaller, not different."""
    net = MLP([2, 4, 1], activation="tanh", loss="mse", seed=0)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    train(net, X, y, lr=1.0, epochs=50, batch_size=4, progress=False)
    fig = plots.plot_decision_boundary(net, X, y)  # smooth colour gradients: the hard case
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", facecolor="white", metadata={"Software": None})
    full = buf.getvalue()
    shown = plots.with_alt_text(fig)
    stored = Image.open(io.BytesIO(shown.png))
    assert stored.mode == "P" and len(shown.png) < 0.7 * len(full), (stored.mode, len(shown.png), len(full))
    a = np.asarray(Image.open(io.BytesIO(full)).convert("RGB"), dtype=int)
    b = np.asarray(stored.convert("RGB"), dtype=int)
    assert a.shape == b.shape
    diff = np.abs(a - b)
    # measured: mean 2.1 of 255 levels, 99 % of the values within 13 (the
    # colour gradient of the regions steps by a level or two)
    assert diff.mean() < 3.0 and np.percentile(diff, 99) <= 16, (diff.mean(), np.percentile(diff, 99))
    assert plots.palette_png(full) == plots.palette_png(full)  # deterministic


def test_palette_png_keeps_a_transparent_picture_as_it_is():
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    buf = io.BytesIO()
    rgba.save(buf, format="PNG")
    assert plots.palette_png(buf.getvalue()) == buf.getvalue()
