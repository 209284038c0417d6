"""The book's figures: decision boundaries, learning curves, activations,
digit grids, weight images, confusion matrices, optimizer paths and network
diagrams.

Every function returns a matplotlib ``Figure``. When it is given an ``ax``
(or ``axes``) it draws there and returns that axes' figure; otherwise it makes
a new figure of a fixed size (no ``bbox_inches="tight"`` tricks), so the same
call always gives a picture of the same size.

New figures are plain ``matplotlib.figure.Figure`` objects that pyplot does
not track: in a notebook, end the cell with the call (or with ``fig``) and the
figure shows exactly once; ``plt.show()`` is not needed and does not show them;
``fig.savefig(path)`` saves them. Nothing here calls ``plt.show()``.

    fig = plot_decision_boundary(net, X, y, title="XOR after training")
    fig = plot_history(history)
    fig = plot_confusion_matrix(y_test, net.predict(X_test))

**Colour is never the only carrier.** Classes get the Okabe-Ito palette
(:data:`CLASS_COLORS`, told apart under the common colour-vision deficiencies)
*and* a marker each (:data:`CLASS_MARKERS`); regions of several classes are
outlined in black; curves of several runs differ in line style and marker too
(:data:`LINE_STYLES`); the confusion matrix writes its numbers in the cells.
Every figure has an opaque white background, so it stays legible in the
book's dark mode (a transparent figure would put black text on a dark page).

**Every figure describes itself.** Each function records a sentence built
from the data it drew, e.g. "Learning curves over 400 epochs: training loss
falls from 0.693 to 0.00412." (:func:`figure_description`; drawing several
plots into one figure joins their sentences). To show a figure in a notebook
with that text as its alt text, end the cell with :func:`with_alt_text`::

    with_alt_text(plot_history(history))        # alt: the figure's own description
    with_alt_text(fig, alt="The boundary ...")  # or any text, e.g. an f-string of computed numbers

Its output holds ``text/html`` (an ``<img>`` with the alt text and the PNG as
a ``data:`` URI), ``image/png`` and ``text/plain`` (the alt text). myst-nb
renders the ``text/html`` first, so the built page's image has the alt text;
JupyterLab ranks HTML above PNG too, so its image has the alt text as well;
viewers that draw no HTML show the PNG. The ``text/plain`` form is the alt
text itself, fixed by the data, so nbval compares it strictly. nbval also
compares ``text/html``, which holds the PNG's bytes: they are the same on
every run of a machine (no timestamp is stored), but a different CPU may move
a pixel, so add one sanitizer for the ``data:`` URI to tests/nbval_sanitize.cfg
when chapters use it (``regex: data:image/png;base64,[A-Za-z0-9+/=]+``).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Callable, Iterator, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot  # noqa: F401  (in a notebook this turns on inline figures)
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from ..model.activations import get_activation
from ..model.metrics import class_labels, classification_report, confusion_matrix, format_classification_report
from ..validate import as_float_array, as_labels, check_choice, check_positive, check_shape, check_sizes

__all__ = [
    "STYLE",
    "CLASS_COLORS",
    "CLASS_MARKERS",
    "LINE_STYLES",
    "BINARY_COLORS",
    "figure_description",
    "set_description",
    "with_alt_text",
    "FigureWithAlt",
    "palette_png",
    "book_style",
    "grid_on",
    "decision_grid",
    "plot_decision_boundary",
    "plot_history",
    "plot_histories",
    "plot_activations",
    "plot_digits",
    "plot_weight_images",
    "plot_confusion_matrix",
    "confusion_matrix",
    "classification_report",
    "format_classification_report",
    "plot_loss_surface_paths",
    "default_network_labels",
    "plot_network_diagram",
]

STYLE: dict = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 4,
    "figure.dpi": 100,
    "image.interpolation": "nearest",
    # opaque white, so figures stay legible on the theme's dark background
    # (IPython's inline backend makes figures transparent by default)
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}
"""The small, consistent look of every figure of the book (matplotlib rcParams)."""

CLASS_COLORS: list[str] = ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000"]
"""One colour per class (class k gets CLASS_COLORS[k % 8]) for nets with several
outputs, and one per run or path: the Okabe-Ito palette (orange, sky blue,
bluish green, blue, vermillion, reddish purple, yellow, black; Okabe and Ito,
"Color Universal Design", 2008), chosen to stay apart under protanopia,
deuteranopia and tritanopia (tests/unit/book/test_plots_a11y.py measures it)."""

CLASS_MARKERS: list[str] = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<"]
"""One marker per class (class k gets CLASS_MARKERS[k % 10]), so classes differ
in shape as well as colour."""

LINE_STYLES: list[str] = ["-", "--", ":", "-."]
"""Line styles of successive runs on one axes (with a marker each)."""

PROB_CMAP = "RdBu_r"
"""The diverging colormap of P(class 1): blue near 0, white at 0.5, red near 1."""

BINARY_COLORS: list[str] = [
    mpl.colors.to_hex(mpl.colormaps[PROB_CMAP](0.12)),
    mpl.colors.to_hex(mpl.colormaps[PROB_CMAP](0.88)),
]
"""The colours of classes 0 and 1 for single-output nets, matching PROB_CMAP."""


@contextmanager
def book_style() -> Iterator[None]:
    """Draw with STYLE, the book's look, leaving the reader's global
    matplotlib settings alone. Make and draw the figure inside it::

        with book_style():
            fig = Figure(figsize=(4, 3))
            ax = fig.add_subplot()
            ...
    """
    with mpl.rc_context(STYLE):
        yield


def new_figure(figsize: tuple[float, float], layout: str | None = "constrained") -> Figure:
    """A figure of a fixed size that pyplot does not track (call inside book_style)."""
    return Figure(figsize=figsize, layout=layout, facecolor="white")


def axes_to_draw_in(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Axes, bool]:
    """``(ax, False)``, or the axes of a new figure of ``figsize`` inches and
    True when ``ax`` is None: how the plot functions that draw one plain axes
    take their optional ``ax`` (call inside book_style)."""
    if ax is not None:
        return ax, False
    return new_figure(figsize).add_subplot(), True


def _opaque(fig: Figure) -> None:
    """Give a figure (also one the caller made) an opaque white background."""
    fig.patch.set_facecolor("white")
    fig.patch.set_alpha(1.0)


# ------------------------------------------------------------- descriptions
_DESCRIPTION_ATTR = "_nnx_description_parts"


def _describe(fig: Figure, text: str, own: bool) -> None:
    """Record ``text`` as the figure's description: replace it on a figure the
    function made (``own``), append it on a figure the caller made (one
    sentence per plot drawn into it)."""
    parts = [] if own else list(getattr(fig, _DESCRIPTION_ATTR, []))
    parts.append(text)
    setattr(fig, _DESCRIPTION_ATTR, parts)


def set_description(fig: Figure, text: str) -> Figure:
    """Replace the description of ``fig`` (e.g. with a sentence that says what
    to see in it) and return the figure."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"a figure's description must be a non-empty str; got {text!r}")
    setattr(fig, _DESCRIPTION_ATTR, [text.strip()])
    return fig


def figure_description(fig: Figure) -> str | None:
    """The description the plot functions recorded on ``fig``, built from the
    data they drew, e.g. "Learning curves over 400 epochs: training loss falls
    from 0.693 to 0.00412."; None for a figure they did not draw."""
    parts = getattr(fig, _DESCRIPTION_ATTR, None)
    return " ".join(parts) if parts else None


def _num(x: float) -> str:
    """A number as the descriptions print it: 3 significant digits."""
    x = float(x)
    if not math.isfinite(x):
        return "infinite" if x > 0 else ("minus infinite" if x < 0 else "not a number")
    return f"{x:.3g}"


def _trend(name: str, first: float, last: float, epochs: int) -> str:
    """ "training loss falls from 0.693 to 0.0041 over 40 epochs" and the like."""
    if _num(first) == _num(last):
        verb = f"stays at {_num(last)}"
    else:
        verb = f"{'falls' if last < first else 'rises'} from {_num(first)} to {_num(last)}"
    return f"{name} {verb}" + (f" over {epochs} epochs" if epochs else "")


def _words_list(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def palette_png(png: bytes) -> bytes:
    """Re-encode an opaque PNG with a 256-colour palette.

    Every figure and every panel's grid point is stored in the page, so size
    matters: on the book's plots (curves, decision boundaries) this makes the
    PNGs about 2.5 times smaller with no visible change. Images with transparency are kept as they
    are. Deterministic: same input, same bytes.
    """
    import io

    from PIL import Image as PILImage

    image = PILImage.open(io.BytesIO(png))
    if image.mode == "RGBA" and image.getextrema()[3][0] < 255:
        return png
    out = io.BytesIO()
    # Fast octree quantization: several times faster than median cut, and as
    # small on plots (measured on a panel figure: 12 ms against 75 ms).
    image.convert("RGB").quantize(256, method=PILImage.Quantize.FASTOCTREE).save(out, format="PNG")
    return out.getvalue()


class FigureWithAlt:
    """A figure shown with its alt text (what :func:`with_alt_text` returns).

    Its outputs: ``text/html`` (an ``<img>`` with ``alt`` and the PNG as a
    ``data:`` URI), ``image/png`` and ``text/plain`` (the alt text). See the
    module docstring for how the book and nbval use them.

    Attributes:
        alt: the alt text.
        png: the PNG bytes (100 dpi, cropped to the drawing, 256 colours
            (:func:`palette_png`), no timestamp).
        size: (width, height) of the PNG in pixels.
    """

    def __init__(self, fig: Figure, alt: str):
        import base64
        import io

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", facecolor="white",
                    metadata={"Software": None})
        self.png = palette_png(buf.getvalue())
        self.alt = " ".join(alt.split())
        self.size = tuple(int(v) for v in np.frombuffer(self.png[16:24], dtype=">u4"))
        self._b64 = base64.b64encode(self.png).decode("ascii")

    def _repr_html_(self) -> str:
        import html

        w, h = self.size
        return (f'<img src="data:image/png;base64,{self._b64}" alt="{html.escape(self.alt, quote=True)}" '
                f'width="{w}" height="{h}" class="nnx-figure"/>')

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return f"<figure: {self.alt}>"

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's pretty printer: the alt text, nothing volatile
        p.text(repr(self))


def with_alt_text(fig: Figure, alt: str | None = None) -> FigureWithAlt:
    """The figure to show as a cell's last expression, with an alt text.

    Args:
        fig: a matplotlib Figure; a pyplot figure is closed, so it shows once.
        alt: the alt text; None takes the figure's own description
            (:func:`figure_description`).

    Returns:
        a :class:`FigureWithAlt`.

    Raises:
        ValueError: no ``alt`` was given and the figure has no description.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"with_alt_text needs a matplotlib Figure; got {type(fig).__name__}")
    text = alt if alt is not None else figure_description(fig)
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the figure has no description (it was not drawn by nnlib.book.plots): "
                         "pass alt='what the figure shows and what to see in it'")
    shown = FigureWithAlt(fig, text)
    import matplotlib.pyplot as plt

    plt.close(fig)  # a pyplot figure would show a second time, without alt text
    return shown


class _PlainLogFormatter(mpl.ticker.LogFormatter):
    """Labels the same ticks as matplotlib's log formatter, as plain numbers."""

    def __call__(self, x, pos=None):
        return f"{x:g}" if super().__call__(x, pos) else ""


def _log_y(ax: Axes) -> None:
    """A logarithmic y axis labelled with plain numbers (0.3, not 3 x 10^-1)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(_PlainLogFormatter(base=10))
    ax.yaxis.set_minor_formatter(_PlainLogFormatter(base=10, labelOnlyBase=False))


def grid_on(ax: Axes) -> None:
    """Light grey grid lines on ``ax``, drawn behind the data: the book's grid."""
    ax.grid(True, color="0.85", linewidth=0.6)
    ax.set_axisbelow(True)


# ----------------------------------------------------------- decision boundary
def decision_grid(
    net, X, resolution: int = 200, padding: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network's outputs on a square grid of points covering the data.

    The grid spans the range of each input column widened by ``padding`` on
    both sides; the network sees all resolution^2 points in one forward pass.

    Args:
        net: a network with ``forward(X)`` taking (M, 2) inputs (an MLP).
        X: the data, shape (N, 2); only its range is used.
        resolution: R, the number of grid points along each axis (>= 2).
        padding: the margin added around the data, in input units (>= 0).
    Returns:
        (x1, x2, out): x1 of shape (R,) and x2 of shape (R,) are the grid
        coordinates; out, shape (R, R, K), holds the network's output at the
        point (x1[j], x2[i]) in out[i, j] (rows follow x2, as in an image).
    """
    X = as_float_array(X, "X", ndim=2)
    check_shape(X, (None, 2), "X")
    if X.shape[0] == 0:
        raise ValueError("X must hold at least one sample; got shape (0, 2)")
    check_positive(resolution, "resolution", integer=True)
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2; got {resolution}")
    if not (np.isfinite(padding) and padding >= 0):
        raise ValueError(f"padding must be a number >= 0; got {padding!r}")
    lo = X.min(axis=0) - padding
    hi = X.max(axis=0) + padding
    hi = np.where(hi > lo, hi, lo + 1.0)  # a single point still gets a grid
    x1 = np.linspace(lo[0], hi[0], resolution)
    x2 = np.linspace(lo[1], hi[1], resolution)
    g1, g2 = np.meshgrid(x1, x2)  # (R, R), rows follow x2
    points = np.column_stack([g1.ravel(), g2.ravel()])
    out = np.asarray(net.forward(points))
    if out.ndim != 2 or out.shape[0] != points.shape[0]:
        raise ValueError(f"net.forward must return shape ({points.shape[0]}, K); got shape {out.shape}")
    return x1, x2, out.reshape(resolution, resolution, out.shape[1])


def plot_decision_boundary(
    net,
    X,
    y,
    ax: Axes | None = None,
    title: str | None = None,
    resolution: int = 200,
    padding: float = 0.5,
    colorbar: bool | None = None,
) -> Figure:
    """Shade the plane by what the network predicts and draw the data on top.

    For a single-output network the shading is the output probability
    P(class 1) on a diverging colormap (blue 0, white 0.5, red 1) with the
    decision boundary, the 0.5 contour, drawn in black. For several outputs
    each region gets the colour of its most probable class.

    Args:
        net: a trained network with ``forward`` (an MLP with 2 inputs).
        X: the inputs, shape (N, 2).
        y: their classes, ints of shape (N,); targets work too: one-hot
            (N, K), or for two classes 0/1 targets (N, 1) (class 1 where
            >= 0.5), as ``nnlib.model.metrics.class_labels`` reads them.
        ax: an Axes to draw into, or None for a new 4.4 x 3.6 inch figure.
        title: the axes' title.
        resolution: grid points per axis for the shading.
        padding: margin around the data, in input units.
        colorbar: add a P(class 1) colorbar (single-output nets only); None
            adds it only when the function makes its own figure.
    Returns:
        the Figure.
    """
    x1, x2, out = decision_grid(net, X, resolution, padding)
    X = np.asarray(X, dtype=np.float64)
    k = out.shape[2]
    n_classes = 2 if k == 1 else k
    y = np.asarray(y)
    if y.ndim == 2:
        # targets: 0/1 in one column (two classes only) or one column per class
        widths = (1, 2) if n_classes == 2 else (n_classes,)
        if y.shape[0] != X.shape[0] or y.shape[1] not in widths:
            allowed = " or ".join(f"({X.shape[0]}, {w})" for w in widths)
            raise ValueError(f"the targets y must have shape {allowed}; got shape {y.shape}")
    labels = class_labels(y, n_classes=n_classes, n_samples=X.shape[0])
    dx1 = (x1[-1] - x1[0]) / (len(x1) - 1)
    dx2 = (x2[-1] - x2[0]) / (len(x2) - 1)
    # pixel centres sit exactly on the grid points
    extent = (x1[0] - dx1 / 2, x1[-1] + dx1 / 2, x2[0] - dx2 / 2, x2[-1] + dx2 / 2)
    with book_style():
        ax, own = axes_to_draw_in(ax, (4.4, 3.6))
        fig = ax.figure
        _opaque(fig)
        if k == 1:
            p = out[:, :, 0]
            im = ax.imshow(p, origin="lower", extent=extent, cmap=PROB_CMAP, vmin=0.0, vmax=1.0,
                           alpha=0.5, aspect="auto")
            if p.min() < 0.5 < p.max():
                ax.contour(x1, x2, p, levels=[0.5], colors="black", linewidths=1.2)
            colors = BINARY_COLORS
            if colorbar or (colorbar is None and own):
                cb = fig.colorbar(im, ax=ax, shrink=0.9)
                cb.set_label("P(class 1)")
                cb.solids.set_alpha(0.5)
        else:
            colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k)]
            predicted = class_labels(out.reshape(-1, k)).reshape(out.shape[:2])  # as net.predict decides
            ax.imshow(predicted, origin="lower", extent=extent, cmap=ListedColormap(colors),
                      vmin=-0.5, vmax=k - 0.5, alpha=0.3, aspect="auto")
            # the borders between regions in black: the regions differ in more than colour
            if len(np.unique(predicted)) > 1:
                ax.contour(x1, x2, predicted, levels=np.arange(k - 1) + 0.5, colors="black", linewidths=1.0)
        for c in range(n_classes):
            mask = labels == c
            if mask.any():
                ax.scatter(X[mask, 0], X[mask, 1], s=24, color=colors[c], edgecolors="black",
                           marker=CLASS_MARKERS[c % len(CLASS_MARKERS)],
                           linewidths=0.6, label=f"class {c}", zorder=3)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        if title:
            ax.set_title(title)
        ax.legend(loc="upper right", frameon=True, framealpha=0.85, handletextpad=0.2, borderpad=0.3)
    predicted_points = class_labels(np.asarray(net.forward(X)), n_classes=n_classes)
    correct = int(np.sum(predicted_points == labels))
    n = int(X.shape[0])
    shapes = _words_list([f"class {c} as {_MARKER_WORDS[CLASS_MARKERS[c % len(CLASS_MARKERS)]]}"
                          for c in range(n_classes) if np.any(labels == c)])
    boundary = ("the decision boundary, where P(class 1) = 0.5, is a black line" if k == 1
                else "black lines separate the regions of its predicted classes")
    _describe(fig, f"{title + ': ' if title else ''}What the network predicts over the plane "
                   f"(x1 from {_num(extent[0])} to {_num(extent[1])}, x2 from {_num(extent[2])} to {_num(extent[3])}); "
                   f"{boundary}. It classifies {correct} of {n} data points correctly ({shapes}).", own)
    return fig


_MARKER_WORDS = {"o": "circles", "s": "squares", "^": "triangles", "D": "diamonds", "v": "down triangles",
                 "P": "plus signs", "X": "crosses", "*": "stars", "h": "hexagons", "<": "left triangles"}


# ---------------------------------------------------------- learning curves
_METRIC_LABELS = {"loss": "loss", "accuracy": "accuracy", "lr": "learning rate η"}


def _series(history, name: str) -> list:
    values = getattr(history, name, None)
    if values is None:
        raise TypeError(f"history must be an nnlib.model.train.History (with .{name}); got {type(history).__name__}")
    return list(values)


def plot_history(
    history,
    metrics: Sequence[str] = ("loss", "accuracy"),
    axes: Axes | Sequence[Axes] | None = None,
    title: str | None = None,
    logy: bool = False,
) -> Figure:
    """Learning curves: one panel per metric, training and validation vs epoch.

    Args:
        history: the History returned by ``nnlib.train``.
        metrics: names among "loss", "accuracy" and "lr" (learning rate),
            one panel each.
        axes: Axes to draw into, one per metric (a single Axes for one metric),
            or None for a new figure with the panels side by side.
        title: a title over the whole figure (over the first panel when axes
            are given).
        logy: a logarithmic loss axis (only the loss and lr panels use it).
    Returns:
        the Figure.
    """
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = list(metrics)
    if not metrics:
        raise ValueError("metrics must name at least one of 'loss', 'accuracy', 'lr'")
    for m in metrics:
        check_choice(m, _METRIC_LABELS, "metric")
    n_epochs = len(_series(history, "loss"))
    if n_epochs == 0:
        raise ValueError("history has no epochs to plot (history.loss is empty)")
    with book_style():
        if axes is None:
            fig = new_figure((3.4 * len(metrics), 2.8))
            axes = list(np.atleast_1d(fig.subplots(1, len(metrics))))
            own = True
        else:
            axes = [axes] if isinstance(axes, Axes) else list(axes)
            if len(axes) != len(metrics):
                raise ValueError(f"axes must hold one Axes per metric ({len(metrics)}); got {len(axes)}")
            fig = axes[0].figure
            own = False
        _opaque(fig)
        said = []
        for ax, m in zip(axes, metrics):
            train_values = _series(history, m)
            epochs = np.arange(1, len(train_values) + 1)
            marker = "o" if len(epochs) <= 30 else None
            ax.plot(epochs, train_values, marker=marker, markersize=3, label="training", color=CLASS_COLORS[3])
            name = "learning rate" if m == "lr" else m
            said.append(_trend(("" if m == "lr" else "training ") + name, train_values[0], train_values[-1], 0))
            val_values = _series(history, "val_" + m) if m in ("loss", "accuracy") else []
            if val_values:
                ax.plot(np.arange(1, len(val_values) + 1), val_values, marker=marker, markersize=3,
                        linestyle="--", label="validation", color=CLASS_COLORS[4])
                said.append(_trend(f"validation {name} (dashed)", val_values[0], val_values[-1], 0))
            if logy and m in ("loss", "lr"):
                _log_y(ax)
            ax.set_xlabel("epoch")
            ax.set_ylabel(_METRIC_LABELS[m])
            ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
            grid_on(ax)
            ax.legend()
        if title:
            if own:
                fig.suptitle(title)
            else:
                axes[0].set_title(title)
    _describe(fig, f"{title + ': ' if title else ''}Learning curves over {n_epochs} epochs: "
                   f"{_words_list(said)}.", own)
    return fig


def plot_histories(
    histories: Mapping[str, object],
    metric: str = "loss",
    ax: Axes | None = None,
    logy: bool | None = None,
    title: str | None = None,
    validation: bool = False,
) -> Figure:
    """Compare the learning curves of several runs on one axes.

    A run that diverged (``history.diverged``) ends with an x.

    Args:
        histories: label -> History, e.g. {"SGD": h1, "Adam": h2}; the labels
            go in the legend, in this order.
        metric: "loss", "accuracy" or "lr".
        ax: an Axes to draw into, or None for a new figure.
        logy: a logarithmic y axis; None means yes for the loss, no otherwise.
        title: the axes' title.
        validation: plot the validation curves (val_loss, val_accuracy)
            instead of the training ones.
    Returns:
        the Figure.
    """
    check_choice(metric, _METRIC_LABELS, "metric")
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("histories must be a non-empty dict of label -> History")
    if validation and metric == "lr":
        raise ValueError("validation=True needs metric 'loss' or 'accuracy'; got 'lr'")
    name = ("val_" + metric) if validation else metric
    if logy is None:
        logy = metric == "loss"
    with book_style():
        ax, own = axes_to_draw_in(ax, (4.8, 3.2))
        fig = ax.figure
        _opaque(fig)
        runs = []
        shown = "learning rate" if metric == "lr" else (("validation " if validation else "training ") + metric)
        for i, (label, h) in enumerate(histories.items()):
            values = _series(h, name)
            if not values:
                raise ValueError(f"history {label!r} has no {name} values")
            color = CLASS_COLORS[i % len(CLASS_COLORS)]
            epochs = np.arange(1, len(values) + 1)
            finite = np.isfinite(values)
            # a line style and a marker each: the runs differ in more than colour
            ax.plot(epochs[finite], np.asarray(values)[finite], color=color, label=str(label),
                    linestyle=LINE_STYLES[i % len(LINE_STYLES)], marker=CLASS_MARKERS[i % len(CLASS_MARKERS)],
                    markersize=3.5, markevery=max(1, len(values) // 8))
            diverged = getattr(h, "diverged", False) and finite.any()
            if diverged:
                last = np.flatnonzero(finite)[-1]
                ax.plot(epochs[last], values[last], marker="x", markersize=8, markeredgewidth=2,
                        color=color, linestyle="none")
            if finite.any():
                first_value, last_value = values[int(np.flatnonzero(finite)[0])], values[int(np.flatnonzero(finite)[-1])]
                run = f"{label}: {_trend('', first_value, last_value, 0).strip()} in {len(values)} epochs"
            else:
                run = f"{label}: no finite value"
            runs.append(run + (" (diverged, marked x)" if diverged else ""))
        if logy:
            _log_y(ax)
        ax.set_xlabel("epoch")
        prefix = "" if metric == "lr" else ("validation " if validation else "training ")
        ax.set_ylabel(prefix + _METRIC_LABELS[metric])
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        grid_on(ax)
        ax.legend()
        if title:
            ax.set_title(title)
    _describe(fig, f"{title + ': ' if title else ''}The {shown} per epoch of {len(runs)} run{'s' if len(runs) != 1 else ''}"
                   f"{' (log scale)' if logy else ''}; {'; '.join(runs)}.", own)
    return fig


# --------------------------------------------------------------- activations
def plot_activations(
    names: Sequence[str] | None = None, axes: Sequence[Axes] | None = None
) -> Figure:
    """Each activation g(z) next to its derivative g'(z), for z in [-5, 5].

    Args:
        names: activation names (see nnlib.model.activations); None means
            sigmoid, tanh, relu and leaky_relu.
        axes: Axes to draw into, one per name, or None for a new row of panels.
    Returns:
        the Figure.
    """
    if names is None:
        names = ("sigmoid", "tanh", "relu", "leaky_relu")
    if isinstance(names, str):
        names = (names,)
    acts = [get_activation(n) for n in names]
    if not acts:
        raise ValueError("names must list at least one activation")
    z = np.linspace(-5.0, 5.0, 1001)  # holds z = 0 exactly
    with book_style():
        own = axes is None
        if axes is None:
            fig = new_figure((2.5 * len(acts), 2.5))
            axes = list(np.atleast_1d(fig.subplots(1, len(acts))))
        else:
            axes = [axes] if isinstance(axes, Axes) else list(axes)
            if len(axes) != len(acts):
                raise ValueError(f"axes must hold one Axes per activation ({len(acts)}); got {len(axes)}")
            fig = axes[0].figure
        for i, (ax, act) in enumerate(zip(axes, acts)):
            ax.axhline(0, color="0.6", linewidth=0.6)
            ax.axvline(0, color="0.6", linewidth=0.6)
            ax.plot(z, act.f(z), color=CLASS_COLORS[3], label="g(z)")
            d = np.asarray(act.df(z), dtype=np.float64).copy()
            d[1:][np.abs(np.diff(d)) > 0.2] = np.nan  # draw a jump of g' as a gap, not a wall
            ax.plot(z, d, color=CLASS_COLORS[4], linestyle="--", label="g'(z)")
            ax.set_title(act.name)
            ax.set_xlabel("z")
            if i == 0:
                ax.set_ylabel("g(z) and g'(z)")
            ax.set_xlim(-5, 5)
            grid_on(ax)
            ax.legend(loc="upper left", handlelength=1.5)
        _opaque(fig)
    parts = []
    for act in acts:
        g = np.asarray(act.f(z), dtype=np.float64)
        dg = np.asarray(act.df(z), dtype=np.float64)
        parts.append(f"{act.name} goes from {_num(g[0])} to {_num(g[-1])}, its derivative peaks at {_num(dg.max())}")
    _describe(fig, f"Activation functions g(z) (solid) and their derivatives g'(z) (dashed) for z from -5 to 5: "
                   f"{'; '.join(parts)}.", own)
    return fig


# ------------------------------------------------------------------- images
def _image_stack(images, name: str) -> np.ndarray:
    """(n, h, w) from (n, h*w) with square images, or from (n, h, w)."""
    arr = np.asarray(images)
    if arr.ndim == 2:
        side = math.isqrt(arr.shape[1])
        if side * side != arr.shape[1]:
            raise ValueError(
                f"{name} must have shape (n, 784) or (n, 28, 28) (square images); got shape {arr.shape}"
            )
        arr = arr.reshape(arr.shape[0], side, side)
    elif arr.ndim != 3:
        raise ValueError(f"{name} must have shape (n, 784) or (n, 28, 28); got shape {arr.shape}")
    arr = as_float_array(arr, name)
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one image; got shape {arr.shape}")
    return arr


def _image_grid(
    n: int, ncols: int, width: float, height: float, title_h: float, top_h: float, right: float = 0.0
) -> tuple[Figure, list[Axes]]:
    """A figure with n image axes of exactly width x height inches each.

    Rows are separated by title_h inches (room for each image's small title);
    top_h inches stay free above for a figure title, ``right`` inches on the
    right for a colorbar. Call inside book_style.
    """
    nrows = math.ceil(n / ncols)
    gap = 0.06 * width  # between columns
    margin = 0.05
    fig_w = 2 * margin + ncols * width + (ncols - 1) * gap + right
    fig_h = margin + nrows * (height + title_h) + (nrows - 1) * 0.04 + top_h
    fig = new_figure((fig_w, fig_h), layout=None)
    fig.subplots_adjust(
        left=margin / fig_w,
        right=(fig_w - margin - right) / fig_w,
        bottom=margin / fig_h,
        top=(fig_h - top_h - title_h) / fig_h,
        wspace=gap / width,
        hspace=(title_h + 0.04) / height,
    )
    axes = []
    for i in range(n):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("0.75")
            spine.set_linewidth(0.6)
        axes.append(ax)
    return fig, axes


def plot_digits(
    images,
    labels=None,
    predicted=None,
    ncols: int = 10,
    title: str | None = None,
    size: float = 1.0,
) -> Figure:
    """A grid of greyscale digit images, dark ink on white, without ticks.

    Each image is titled with its label ("7"); with both ``labels`` and
    ``predicted`` a wrong prediction is titled "pred 3 / true 5" in red.

    Args:
        images: shape (n, 784) or (n, 28, 28), values in [0, 1] (or 0..255).
        labels: the true digits, ints of shape (n,), or None.
        predicted: the predicted digits, ints of shape (n,), or None.
        ncols: images per row.
        title: a title over the grid.
        size: the width of one image in inches.
    Returns:
        the Figure, with one Axes per image.
    """
    imgs = _image_stack(images, "images")
    n = imgs.shape[0]
    check_positive(ncols, "ncols", integer=True)
    check_positive(size, "size")
    true = None if labels is None else as_labels(labels, "labels", n_classes=10, n_samples=n)
    pred = None if predicted is None else as_labels(predicted, "predicted", n_classes=10, n_samples=n)
    ncols = min(ncols, n)
    titled = true is not None or pred is not None
    fs = 7.5 if size < 1.2 else 9
    vmax = 1.0 if imgs.max() <= 1.0 else 255.0
    with book_style():
        fig, axes = _image_grid(n, ncols, size, size, title_h=0.2 if titled else 0.0,
                                top_h=0.35 if title else 0.05)
        for i, ax in enumerate(axes):
            ax.imshow(imgs[i], cmap="gray_r", vmin=0.0, vmax=vmax)
            if pred is not None and true is not None and pred[i] != true[i]:
                ax.set_title(f"pred {pred[i]} / true {true[i]}", color="#c0392b", fontsize=fs, pad=2)
            elif true is not None:
                ax.set_title(str(true[i]), fontsize=fs, pad=2)
            elif pred is not None:
                ax.set_title(f"pred {pred[i]}", fontsize=fs, pad=2)
        if title:
            fig.suptitle(title, y=1 - 0.04 / fig.get_figheight(), va="top")
        _opaque(fig)
    text = f"{title + ': ' if title else ''}{n} digit image{'s' if n != 1 else ''}, dark ink on white"
    if pred is not None and true is not None:
        wrong = int(np.sum(pred != true))
        text += f"; {n - wrong} predicted right, {wrong} wrong (titled pred / true in red)"
    elif true is not None:
        text += ", each titled with its label: " + " ".join(str(int(t)) for t in true[:20]) + (" ..." if n > 20 else "")
    _describe(fig, text + ".", True)
    return fig


def plot_weight_images(
    W,
    n: int = 16,
    shape: tuple[int, int] = (28, 28),
    ncols: int = 8,
    title: str | None = None,
) -> Figure:
    """The incoming weights of the first hidden units, drawn as images.

    Column j of W holds the weights from every input pixel to hidden unit j;
    reshaped to the image shape it shows which pixels excite the unit (red)
    and which inhibit it (blue). All panels share one colour scale, symmetric
    around 0, shown in the colorbar.

    Args:
        W: the first layer's weights, shape (n_in, n_hidden) with
            n_in = shape[0] * shape[1].
        n: how many units to show (the first n; at most n_hidden).
        shape: the image shape (height, width).
        ncols: images per row.
        title: a title over the grid.
    Returns:
        the Figure, with one Axes per unit plus one for the colorbar.
    """
    W = as_float_array(W, "W", ndim=2)
    if len(shape) != 2:
        raise ValueError(f"shape must be (height, width); got {shape!r}")
    h, w = (int(s) for s in shape)
    check_shape(W, (h * w, None), "W")
    check_positive(n, "n", integer=True)
    check_positive(ncols, "ncols", integer=True)
    n = min(n, W.shape[1])
    ncols = min(ncols, n)
    shown = W[:, :n]
    vmax = float(np.abs(shown).max()) or 1.0
    size = 0.85
    top_h = 0.35 if title else 0.05
    with book_style():
        fig, axes = _image_grid(n, ncols, size, size * h / w, title_h=0.18, top_h=top_h, right=1.0)
        im = None
        for j, ax in enumerate(axes):
            im = ax.imshow(shown[:, j].reshape(h, w), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set_title(f"unit {j + 1}", fontsize=7.5, pad=2)
        fw, fh = fig.get_figwidth(), fig.get_figheight()
        bottom, top = 0.05 / fh, 1 - (top_h + 0.18) / fh
        cax = fig.add_axes((1 - 0.85 / fw, bottom, 0.12 / fw, top - bottom))
        cb = fig.colorbar(im, cax=cax)
        cb.set_label("weight")
        if title:
            fig.suptitle(title, y=1 - 0.04 / fh, va="top")
        _opaque(fig)
    _describe(fig, f"{title + ': ' if title else ''}The incoming weights of the first {n} hidden units as "
                   f"{h} x {w} images, red positive, blue negative, white zero; the largest |w| is {_num(vmax)}.", True)
    return fig


# ---------------------------------------------------------- confusion matrix
def plot_confusion_matrix(
    y_true,
    y_pred,
    n_classes: int = 10,
    ax: Axes | None = None,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """The confusion matrix as an image with the numbers written in the cells.

    Row i is the true class, column j the predicted one; the diagonal holds
    the correct predictions.

    Args:
        y_true: the correct labels, ints of shape (N,).
        y_pred: the predicted labels, ints of shape (N,).
        n_classes: K.
        ax: an Axes to draw into, or None for a new figure.
        normalize: divide each row by its total, so cell (i, j) is the
            fraction of class i predicted as j (the diagonal is the recall).
        title: the axes' title.
    Returns:
        the Figure.
    """
    C = confusion_matrix(y_true, y_pred, n_classes)
    if normalize:
        rows = C.sum(axis=1, keepdims=True)
        values = np.divide(C, rows, out=np.zeros(C.shape), where=rows > 0)
    else:
        values = C.astype(np.float64)
    K = n_classes
    vmax = float(values.max()) or 1.0
    with book_style():
        side = min(max(2.6, 0.42 * K + 1.2), 7.0)
        ax, own = axes_to_draw_in(ax, (side, side))
        fig = ax.figure
        _opaque(fig)
        ax.imshow(values, cmap="Blues", vmin=0.0, vmax=vmax)
        if K <= 20:
            fs = 8 if K <= 10 else 6
            for i in range(K):
                for j in range(K):
                    text = f"{values[i, j]:.2f}" if normalize else str(C[i, j])
                    dark = values[i, j] > 0.55 * vmax
                    ax.text(j, i, text, ha="center", va="center", fontsize=fs,
                            color="white" if dark else "black")
        ax.set_xticks(range(K))
        ax.set_yticks(range(K))
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.spines[:].set_visible(False)
        ax.tick_params(length=0)
        if title:
            ax.set_title(title)
    total = int(C.sum())
    correct = int(np.trace(C))
    text = (f"{title + ': ' if title else ''}Confusion matrix of {total} samples and {K} classes "
            f"(rows true, columns predicted, counts in the cells): {correct} correct")
    if total:
        text += f" ({correct / total:.1%})"
        off = C.copy()
        np.fill_diagonal(off, 0)
        if off.max() > 0:
            i, j = np.unravel_index(int(np.argmax(off)), off.shape)
            text += f"; the most frequent mistake is true class {i} predicted as {j}, {int(off[i, j])} times"
    _describe(fig, text + ".", own)
    return fig


# ---------------------------------------------------------- optimizer paths
def plot_loss_surface_paths(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    paths: Mapping[str, np.ndarray],
    xlim: tuple[float, float] = (-2, 2),
    ylim: tuple[float, float] = (-1, 3),
    levels: int = 30,
    ax: Axes | None = None,
    title: str | None = None,
    logscale: bool = True,
    minimum: tuple[float, float] | None = None,
    xlabel: str = "x",
    ylabel: str = "y",
) -> Figure:
    """Contours of a function of two variables and the paths optimizers took.

    Each path is drawn as a line with small markers (one per step), its start
    as a square and its end as a star. Rows after the first non-finite one
    (a run that blew up) are dropped.

    Args:
        f: f(x, y) -> values, working elementwise on arrays of equal shape
            (for example the Rosenbrock function).
        paths: label -> array of shape (T, 2), the points visited, start first.
        xlim, ylim: the plotted ranges.
        levels: the number of contour lines.
        ax: an Axes to draw into, or None for a new figure.
        title: the axes' title.
        logscale: space the contour levels geometrically, so the flat valley
            floor gets lines too.
        minimum: (x, y) of the minimum, marked with a black plus, or None.
        xlabel, ylabel: the axis labels.
    Returns:
        the Figure.
    """
    check_positive(levels, "levels", integer=True)
    for lim, nm in ((xlim, "xlim"), (ylim, "ylim")):
        if len(lim) != 2 or not lim[0] < lim[1]:
            raise ValueError(f"{nm} must be (low, high) with low < high; got {lim!r}")
    if not isinstance(paths, Mapping):
        raise ValueError(f"paths must be a dict of label -> array (T, 2); got {type(paths).__name__}")
    checked = {}
    for label, path in paths.items():
        arr = np.asarray(path, dtype=np.float64)
        check_shape(arr, (None, 2), f"path {label!r}")
        bad = ~np.all(np.isfinite(arr), axis=1)
        if bad.any():
            arr = arr[: np.flatnonzero(bad)[0]]
        if arr.shape[0] == 0:
            raise ValueError(f"path {label!r} must hold at least one finite point")
        checked[label] = arr
    xs = np.linspace(xlim[0], xlim[1], 300)
    ys = np.linspace(ylim[0], ylim[1], 300)
    gx, gy = np.meshgrid(xs, ys)
    Z = np.asarray(f(gx, gy), dtype=np.float64)
    if Z.shape != gx.shape:
        raise ValueError(
            f"f must work elementwise on arrays: f(x, y) with x, y of shape {gx.shape} "
            f"must return that shape; got shape {Z.shape}"
        )
    zmin, zmax = float(np.nanmin(Z)), float(np.nanmax(Z))
    if zmax > zmin:
        span = zmax - zmin
        if logscale:
            lv = zmin + np.geomspace(span * 1e-3, span, levels)
        else:
            lv = np.linspace(zmin, zmax, levels + 1)[1:]
        lv = np.concatenate([[zmin], lv])
    else:  # a flat function: a single band
        lv = np.array([zmin - 0.5, zmin + 0.5])
    with book_style():
        ax, own = axes_to_draw_in(ax, (5.6, 4.0))
        fig = ax.figure
        _opaque(fig)
        # equal colour steps between successive levels, low = dark
        norm = mpl.colors.BoundaryNorm(lv, ncolors=256)
        ax.contourf(gx, gy, Z, levels=lv, cmap="viridis", norm=norm, alpha=0.35)
        ax.contour(gx, gy, Z, levels=lv, colors="0.35", linewidths=0.4, alpha=0.6)
        for i, (label, arr) in enumerate(checked.items()):
            color = CLASS_COLORS[i % len(CLASS_COLORS)]
            ax.plot(arr[:, 0], arr[:, 1], color=color, marker=CLASS_MARKERS[i % len(CLASS_MARKERS)],
                    markersize=2.5, linewidth=1.3, linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                    label=str(label), zorder=3)
            ax.plot(arr[0, 0], arr[0, 1], marker="s", markersize=7, color=color,
                    markeredgecolor="black", linestyle="none", zorder=4)
            ax.plot(arr[-1, 0], arr[-1, 1], marker="*", markersize=12, color=color,
                    markeredgecolor="black", linestyle="none", zorder=4)
        handles, _ = ax.get_legend_handles_labels()
        handles += [
            Line2D([], [], marker="s", color="0.7", markeredgecolor="black", linestyle="none", label="start"),
            Line2D([], [], marker="*", markersize=10, color="0.7", markeredgecolor="black",
                   linestyle="none", label="end"),
        ]
        if minimum is not None:
            ax.plot(minimum[0], minimum[1], marker="+", markersize=12, markeredgewidth=2, color="black",
                    linestyle="none", zorder=5)
            handles.append(Line2D([], [], marker="+", markersize=10, markeredgewidth=2, color="black",
                                  linestyle="none", label="minimum"))
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        if title:
            ax.set_title(title)
    ends = [f"{label} goes from ({_num(a[0, 0])}, {_num(a[0, 1])}) to ({_num(a[-1, 0])}, {_num(a[-1, 1])}) "
            f"in {len(a) - 1} step{'s' if len(a) != 2 else ''}" for label, a in checked.items()]
    where = f", minimum at ({_num(minimum[0])}, {_num(minimum[1])})" if minimum is not None else ""
    _describe(fig, f"{title + ': ' if title else ''}Contours of the function over {xlabel} from {_num(xlim[0])} to "
                   f"{_num(xlim[1])} and {ylabel} from {_num(ylim[0])} to {_num(ylim[1])}{where}, with the path of "
                   f"each optimizer (start a square, end a star): {'; '.join(ends)}.", own)
    return fig


# ---------------------------------------------------------- network diagram
def default_network_labels(sizes: Sequence[int]) -> dict:
    """The book's names for the units, weights and biases of a small network.

    Inputs are x1, x2, ...; hidden units h1, h2, ... (h1_1, h1_2, ... with
    several hidden layers); outputs o (or o1, o2, ...). Weights are numbered
    w1, w2, ... unit by unit: first all weights into the first unit of layer 1,
    then into its second unit, and so on. For [2, 2, 1] this is the XOR network
    h1 = sigma(w1 x1 + w2 x2 + b1), h2 = sigma(w3 x1 + w4 x2 + b2),
    o = sigma(w5 h1 + w6 h2 + b3).

    Returns:
        a dict with the keys "nodes" (one list of names per layer),
        "weights" (per layer l = 1..L a nested list [i][j] naming the weight
        from unit i of layer l-1 to unit j of layer l: the layout of W^l) and
        "biases" (per layer l = 1..L a list naming b^l's entries).
    """
    sizes = check_sizes(sizes)
    L = len(sizes) - 1
    nodes = [[f"x{i + 1}" for i in range(sizes[0])]]
    for l in range(1, L):
        prefix = "h" if L == 2 else f"h{l}_"
        nodes.append([f"{prefix}{i + 1}" for i in range(sizes[l])])
    nodes.append(["o"] if sizes[-1] == 1 else [f"o{i + 1}" for i in range(sizes[-1])])
    weights, biases = [], []
    w = b = 0
    for l in range(1, L + 1):
        names = [[""] * sizes[l] for _ in range(sizes[l - 1])]
        for j in range(sizes[l]):
            for i in range(sizes[l - 1]):
                w += 1
                names[i][j] = f"w{w}"
        weights.append(names)
        bl = []
        for _ in range(sizes[l]):
            b += 1
            bl.append(f"b{b}")
        biases.append(bl)
    return {"nodes": nodes, "weights": weights, "biases": biases}


_MAX_DRAWN = 10  # a layer with more units is drawn as 4 units, dots, 4 units


def plot_network_diagram(
    sizes: Sequence[int],
    labels: bool | Mapping | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """A drawing of a fully connected network: circles for units, lines for weights.

    Args:
        sizes: units per layer, inputs first, e.g. [2, 2, 1]. A layer with
            more than 10 units is drawn as its first and last 4 with dots
            between, and its size written below.
        labels: None for plain circles; True for the book's names
            (``default_network_labels``: x1, x2, h1, h2, o, w1..w6, b1..b3 for
            [2, 2, 1]); or a dict with any of the keys "nodes", "weights",
            "biases" laid out as ``default_network_labels`` returns them
            (for example with numbers such as "w1 = 4.2"). Only for networks
            whose layers all have at most 10 units.
        ax: an Axes to draw into, or None for a new figure.
        title: the axes' title.
    Returns:
        the Figure. The axes are hidden: a diagram has no scales.
    """
    sizes = check_sizes(sizes)
    truncated = any(s > _MAX_DRAWN for s in sizes)
    if labels is True:
        if truncated:
            raise ValueError(f"labels need layers of at most {_MAX_DRAWN} units; got sizes {sizes!r}")
        labels = default_network_labels(sizes)
    elif labels is not None and labels is not False:
        if not isinstance(labels, Mapping):
            raise ValueError(f"labels must be None, True or a dict; got {type(labels).__name__}")
        if truncated:
            raise ValueError(f"labels need layers of at most {_MAX_DRAWN} units; got sizes {sizes!r}")
        unknown = set(labels) - {"nodes", "weights", "biases"}
        if unknown:
            raise ValueError(f"labels may have the keys 'nodes', 'weights', 'biases'; got {sorted(unknown)}")
    else:
        labels = {}
    node_names = labels.get("nodes")
    weight_names = labels.get("weights")
    bias_names = labels.get("biases")
    if node_names is not None and [len(n) for n in node_names] != sizes:
        raise ValueError(f"labels['nodes'] must hold one name per unit, {sizes}; got {[len(n) for n in node_names]}")

    # positions: layer l at x = l * dx; units centred vertically, 1 apart
    dx = 2.2 if labels else 1.6
    dx = max(dx, 0.27 * max(s if s <= _MAX_DRAWN else 9 for s in sizes))  # tall layers need room for their fan of lines
    pos: list[list[tuple[float, float] | None]] = []  # None marks the dots
    for l, s in enumerate(sizes):
        shown = s if s <= _MAX_DRAWN else 9  # 4 + dots + 4
        ys = (np.arange(shown)[::-1] - (shown - 1) / 2) * 1.0
        col = [(l * dx, float(y)) for y in ys]
        if s > _MAX_DRAWN:
            col[4] = None
        pos.append(col)
    r = 0.28
    tallest = max(len(c) for c in pos)
    ymin = -(tallest - 1) / 2 - r - 0.95
    ymax = (tallest - 1) / 2 + r + (0.45 if bias_names is not None else 0.2)
    xmin, xmax = -0.7, (len(sizes) - 1) * dx + 0.7
    with book_style():
        own = ax is None
        if ax is None:
            scale = min(0.75, 5.0 / (ymax - ymin))  # inches per unit; at most 5 inches tall
            title_h = 0.3 if title else 0.0
            fw, fh = (xmax - xmin) * scale, (ymax - ymin) * scale + title_h
            fig = new_figure((fw, fh), layout=None)
            ax = fig.add_axes((0.0, 0.0, 1.0, 1.0 - title_h / fh))
        fig = ax.figure
        for l in range(1, len(sizes)):
            for i, p in enumerate(pos[l - 1]):
                for j, q in enumerate(pos[l]):
                    if p is None or q is None:
                        continue
                    ax.plot([p[0], q[0]], [p[1], q[1]], color="0.55", linewidth=0.9, zorder=1)
                    if weight_names is not None:
                        t = 0.3  # label 30% of the way from the source: crossing edges stay apart
                        ax.text(p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]),
                                str(weight_names[l - 1][i][j]), ha="center", va="center", fontsize=8,
                                color="#1f4e8c", zorder=3,
                                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))
        fills = ["#dbe9f6"] + ["#fde3c8"] * (len(sizes) - 2) + ["#d5f0d5"]
        for l, col in enumerate(pos):
            for i, p in enumerate(col):
                if p is None:
                    ax.text(l * dx, 0.0, "\u22ee", ha="center",
                            va="center", fontsize=14)
                    continue
                ax.add_patch(Circle(p, r, facecolor=fills[l], edgecolor="0.2", linewidth=1.1, zorder=2))
                if node_names is not None:
                    ax.text(p[0], p[1], str(node_names[l][i]), ha="center", va="center", fontsize=9, zorder=4)
                if bias_names is not None and l > 0:
                    ax.text(p[0], p[1] + r + 0.08, str(bias_names[l - 1][i]), ha="center", va="bottom",
                            fontsize=8, color="#8c3a1f", zorder=4)
        bottom = -(tallest - 1) / 2 - r
        names = ["input"] + ["hidden"] * (len(sizes) - 2) + ["output"]
        for l, s in enumerate(sizes):
            caption = f"{names[l]}\n{s} unit{'s' if s != 1 else ''}" if s > _MAX_DRAWN or not labels else names[l]
            ax.text(l * dx, bottom - 0.25, caption, ha="center", va="top", fontsize=8.5, color="0.25")
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        ax.set_aspect("equal")
        ax.set_axis_off()
        if title:
            ax.set_title(title)
        _opaque(fig)
    hidden = len(sizes) - 2
    _describe(fig, f"{title + ': ' if title else ''}A fully connected network with layers of "
                   f"{_words_list([str(s) for s in sizes])} units: {sizes[0]} input{'s' if sizes[0] != 1 else ''}, "
                   f"{hidden} hidden layer{'s' if hidden != 1 else ''}, {sizes[-1]} output{'s' if sizes[-1] != 1 else ''}; "
                   f"every unit connects to every unit of the next layer"
                   f"{' (names written on the units and weights)' if labels else ''}.", own)
    return fig
