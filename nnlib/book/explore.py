"""The interactive panel every chapter uses: move a control, see the network change.

A slider made with ``ipywidgets.interact`` needs a running Python kernel: in
the rendered book it shows up but is frozen. ``explore`` works in both places:

* **Static mode** (the rendered HTML book, no kernel). When the cell runs,
  ``explore`` trains the network once for every point of a small grid of
  control values and keeps each result as a PNG image. The images sit in
  nested ``ipywidgets.Stack`` widgets, one level per control, and every
  control is linked in the browser (``ipywidgets.jslink``) to the
  ``selected_index`` of every Stack of its level. The book stores the widget
  state in the page, so moving a control in the browser swaps to the matching
  precomputed image with no kernel at all. In a live notebook the same swap
  happens instantly.
* **Live mode** (a kernel is running). A "retrain" button and free-value
  inputs let a learner try values off the grid; the panel calls ``run`` again
  and shows the new picture below the precomputed one. These live-only
  controls sit in a collapsed section whose title says they need a kernel, so
  a reader of the static page knows why the button does nothing there.

If training blows up (``nnlib.TrainingDiverged`` or any ``FloatingPointError``)
the picture for that setting is a short message, e.g. "the loss became
infinite in epoch 12: the learning rate 5 is too large ...", never a
traceback or a blank plot.

Example::

    def run(lr, activation, depth):
        net = MLP([2] + [8] * depth + [1], activation=activation, seed=0)
        train(net, X, y, lr=lr, epochs=200, progress=False)
        return plot_decision_boundary(net, X, y)

    explore(run, {"lr": [0.1, 1.0, 10.0], "activation": ["sigmoid", "tanh"], "depth": [1, 2]})
"""

from __future__ import annotations

import html
import io
import itertools
import keyword
import textwrap
import time
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

__all__ = ["explore", "ExplorePanel", "render_png", "message_figure", "MAX_POINTS", "LABELS"]

#: Every grid point is trained while the notebook runs and stored in the page
#: as a PNG (about 5-15 KB each), so grids stay small.
MAX_POINTS = 64

#: Resolution of every stored image. Images are saved with the figure's own
#: size (no ``bbox_inches="tight"``), so all images of a panel have the same
#: pixel size and the page does not jump when a control moves.
DPI = 80

#: Labels of the controls with well-known names; other names are shown as they are.
LABELS = {
    "lr": "learning rate η",
    "activation": "activation",
    "depth": "hidden layers",
    "seed": "random seed",
    "epochs": "epochs",
    "width": "neurons per layer",
    "batch_size": "batch size",
}

#: Size (inches) of a message image when no setting of the grid trained.
DEFAULT_FIGSIZE = (6.0, 4.0)

_STYLE = {"description_width": "initial"}


class ExplorePanel(widgets.VBox):
    """The panel returned by :func:`explore` (an ``ipywidgets.VBox``).

    Its text form is short and fixed (it names the controls and counts the
    stored results), so the ``text/plain`` output stored next to the widget in
    a notebook is the same on every run and nbval can compare it strictly.

    Attributes:
        names: the control names, in grid order.
        grid: dict name -> list of values (a copy of what was given).
        controls: dict name -> the SelectionSlider or Dropdown of that name.
        stacks: list with one list per level: ``stacks[k]`` holds every Stack
            whose children are chosen by control ``names[k]``.
        images: dict index tuple -> the Image widget of that grid point.
        png: dict index tuple -> the PNG bytes of that grid point.
        messages: dict index tuple -> the message shown instead of a plot
            (only for grid points whose training failed).
        links: the jslink widgets (control index -> Stack selected_index).
        live: the live-mode widgets (free values, retrain button, result).
    """

    def __repr__(self) -> str:
        labels = " × ".join(_label(n) for n in self.names)
        return f"<explore panel: {labels}; {len(self.images)} precomputed results>"

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's pretty printer
        p.text(repr(self))

    def __str__(self) -> str:
        return repr(self)


def explore(
    run: Callable[..., Figure],
    grid: Mapping[str, Sequence[Any]],
    title: str | None = None,
    description: str | None = None,
) -> ExplorePanel:
    """Train for every point of a small grid and return a panel of controls.

    Args:
        run: function called as ``run(**values)`` with one value per control
            name (e.g. ``run(lr=0.5, activation="tanh", depth=2)``); it trains
            a network with nnlib (seeded) and returns a matplotlib Figure of
            the result. It may raise ``nnlib.TrainingDiverged`` (or any
            ``FloatingPointError``): that grid point then shows the message.
            Anything it prints is discarded, so the cell output stays fixed.
        grid: ordered dict of control name (str, a valid Python argument name)
            -> non-empty list of distinct values (numbers, strings or bools).
            Names "lr", "activation", "depth" and "seed" get readable labels.
            Strings become a Dropdown; numbers and bools a SelectionSlider.
            At most MAX_POINTS grid points in all.
        title: optional heading shown above the controls.
        description: optional sentence shown under the heading (what to try).

    Returns:
        An :class:`ExplorePanel` (an ``ipywidgets.VBox``): display it as the
        last expression of a cell.

    Raises:
        TypeError: ``run`` is not callable, ``grid`` is not a dict, a value
            has an unsupported type, or ``run`` does not return a Figure.
        ValueError: a name is not a valid argument name, a list is empty or
            has repeated values, or the grid has more than MAX_POINTS points.
    """
    if not callable(run):
        raise TypeError(f"run must be a function run(**values) -> Figure; got {type(run).__name__}")
    names, values = _check_grid(grid)

    # --- precompute every grid point (silently) ---------------------------
    shape = tuple(len(v) for v in values)
    png: dict[tuple[int, ...], bytes] = {}
    messages: dict[tuple[int, ...], str] = {}
    figsize = None
    for idx in itertools.product(*(range(n) for n in shape)):
        point = {name: values[k][i] for k, (name, i) in enumerate(zip(names, idx))}
        fig, message = _call_run(run, point)
        if fig is None:
            messages[idx] = message
            continue
        if figsize is None:
            figsize = tuple(fig.get_size_inches())
        png[idx] = render_png(fig, figsize)
    for idx, message in messages.items():
        png[idx] = render_png(message_figure(message, figsize or DEFAULT_FIGSIZE))

    # --- controls ----------------------------------------------------------
    controls = {name: _make_control(name, vals) for name, vals in zip(names, values)}

    # --- nested stacks: one level per control ------------------------------
    images: dict[tuple[int, ...], widgets.Image] = {}
    stacks: list[list[widgets.Stack]] = [[] for _ in names]

    def build(level: int, prefix: tuple[int, ...]) -> widgets.Widget:
        if level == len(names):
            image = widgets.Image(value=png[prefix], format="png")
            # The class names the grid point; the browser test uses it.
            image.add_class("nnx-point-" + "-".join(str(i) for i in prefix))
            images[prefix] = image
            return image
        children = [build(level + 1, prefix + (i,)) for i in range(shape[level])]
        stack = widgets.Stack(children=children, selected_index=0)
        stacks[level].append(stack)
        return stack

    view = build(0, ())
    links = [
        widgets.jslink((controls[name], "index"), (stack, "selected_index"))
        for name, level_stacks in zip(names, stacks)
        for stack in level_stacks
    ]

    live = _live_section(run, names, values, controls, figsize or DEFAULT_FIGSIZE)

    header = []
    if title:
        header.append(widgets.HTML(f"<b>{html.escape(title)}</b>"))
    if description:
        header.append(widgets.HTML(f"<span>{html.escape(description)}</span>"))
    panel = ExplorePanel(
        children=header + [widgets.HBox(list(controls.values()), layout={"flex_flow": "row wrap"}), view, live["box"]]
    )
    panel.add_class("nnx-explore")
    panel.names = list(names)
    panel.grid = {n: list(v) for n, v in zip(names, values)}
    panel.controls = controls
    panel.stacks = stacks
    panel.images = images
    panel.png = png
    panel.messages = messages
    panel.links = links
    panel.live = live
    return panel


# ---------------------------------------------------------------------------
# rendering


def render_png(fig: Figure, figsize: tuple[float, float] | None = None) -> bytes:
    """Save ``fig`` as PNG bytes at a fixed resolution and close it.

    Args:
        fig: a matplotlib Figure.
        figsize: (width, height) in inches to resize the figure to first, so
            that every image of a panel has the same pixel size; None keeps
            the figure's size.

    Returns:
        The PNG file as bytes (same input -> same bytes).
    """
    import matplotlib.pyplot as plt

    if figsize is not None and tuple(fig.get_size_inches()) != tuple(figsize):
        fig.set_size_inches(figsize)
    if not _has_own_layout(fig):
        # Keep axis labels inside the (fixed) image instead of cropping them.
        fig.set_layout_engine("tight")
    buf = io.BytesIO()
    # No bbox_inches="tight": it crops each image differently. No timestamp
    # or version metadata, so the bytes only depend on the picture.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return _palette_png(buf.getvalue())


def _has_own_layout(fig: Figure) -> bool:
    """True if the figure has a layout engine or was laid out by hand
    (``fig.subplots_adjust``): then render_png leaves its layout alone, which
    also saves the tight layout's cost (about a third of a small figure's)."""
    import matplotlib as mpl

    if fig.get_layout_engine() is not None:
        return True
    pars = fig.subplotpars
    return any(
        getattr(pars, key) != mpl.rcParams[f"figure.subplot.{key}"]
        for key in ("left", "right", "bottom", "top", "wspace", "hspace")
    )


def _palette_png(png: bytes) -> bytes:
    """Re-encode an opaque PNG with a 256-colour palette.

    Every grid point is stored in the page, so size matters: on the book's
    plots (curves, decision boundaries) this makes the PNGs about 2.5 times
    smaller with no visible change. Images with transparency are kept as they
    are. Deterministic: same input, same bytes.
    """
    from PIL import Image as PILImage

    image = PILImage.open(io.BytesIO(png))
    if image.mode == "RGBA" and image.getextrema()[3][0] < 255:
        return png
    out = io.BytesIO()
    # Fast octree quantization: several times faster than median cut, and as
    # small on plots (measured on a panel figure: 12 ms against 75 ms).
    image.convert("RGB").quantize(256, method=PILImage.Quantize.FASTOCTREE).save(out, format="PNG")
    return out.getvalue()


def message_figure(message: str, figsize: tuple[float, float] = DEFAULT_FIGSIZE) -> Figure:
    """A figure holding only a message (used when training failed).

    Args:
        message: the text; wrapped to fit the width.
        figsize: (width, height) in inches.

    Returns:
        A matplotlib Figure (not attached to pyplot; nothing is displayed).
    """
    fig = Figure(figsize=figsize, layout="none")
    width = max(20, int(figsize[0] * 9))
    text = "\n".join(textwrap.wrap(message, width=width))
    fig.text(0.5, 0.62, "Training diverged", ha="center", va="center", fontsize=14,
             color="#b00020", weight="bold")
    fig.text(0.5, 0.40, text, ha="center", va="center", fontsize=10, wrap=False)
    return fig


def _call_run(run: Callable[..., Figure], point: dict[str, Any]) -> tuple[Figure | None, str]:
    """Call ``run(**point)`` with output captured; return (figure, "") or (None, message)."""
    import matplotlib.pyplot as plt
    from IPython.utils.capture import capture_output

    from ..model.train import TrainingDiverged

    before = set(plt.get_fignums())
    fig = None
    try:
        # Swallow prints, progress bars and figures displayed by run, so the
        # cell's stored output is only the panel.
        with capture_output(stdout=True, stderr=True, display=True):
            fig = run(**point)
    except TrainingDiverged as err:
        return None, f"{err} ({_describe(point)})"
    except FloatingPointError as err:
        return None, (f"the numbers overflowed ({err}): the learning rate is probably too large "
                      f"({_describe(point)})")
    finally:
        # Figures made with pyplot stay registered and the inline backend
        # would show them under the cell; the panel shows the PNGs instead.
        for num in set(plt.get_fignums()) - before:
            if getattr(fig, "number", None) != num:
                plt.close(num)
    if not isinstance(fig, Figure):
        raise TypeError(f"run must return a matplotlib Figure; got {type(fig).__name__} for {_describe(point)}")
    return fig, ""


def _describe(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={_fmt(v)}" for name, v in point.items())


# ---------------------------------------------------------------------------
# grid and controls


def _check_grid(grid: Mapping[str, Sequence[Any]]) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(grid, Mapping):
        raise TypeError(
            "grid must be a dict of control name -> list of values, e.g. "
            f"{{'lr': [0.1, 1.0], 'activation': ['sigmoid', 'tanh']}}; got {type(grid).__name__}"
        )
    if len(grid) == 0:
        raise ValueError("grid must name at least one control; got an empty dict")
    names: list[str] = []
    values: list[list[Any]] = []
    for name, vals in grid.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"grid names are passed to run as argument names; {name!r} is not a valid Python name")
        if isinstance(vals, (str, bytes)) or not isinstance(vals, Sequence):
            raise TypeError(f"grid[{name!r}] must be a list of values; got {type(vals).__name__}")
        vals = list(vals)
        if not vals:
            raise ValueError(f"grid[{name!r}] must hold at least one value; got an empty list")
        for v in vals:
            if not isinstance(v, (bool, int, float, str)):
                raise TypeError(
                    f"grid[{name!r}] values must be numbers, strings or bools; got {v!r} of type {type(v).__name__}"
                )
        labels = [_fmt(v) for v in vals]
        if len(set(labels)) != len(labels):
            raise ValueError(f"grid[{name!r}] must hold distinct values; got {vals!r}")
        names.append(name)
        values.append(vals)
    n_points = 1
    for vals in values:
        n_points *= len(vals)
    if n_points > MAX_POINTS:
        sizes = " × ".join(str(len(v)) for v in values)
        raise ValueError(
            f"the grid has {sizes} = {n_points} points; keep it at most {MAX_POINTS}: every point "
            "is trained when the notebook runs and stored in the page as an image"
        )
    return names, values


def _label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _make_control(name: str, vals: list[Any]) -> widgets.ValueWidget:
    """SelectionSlider for numbers and bools, Dropdown for strings; index starts at 0."""
    options = [(_fmt(v), v) for v in vals]
    kwargs = dict(options=options, index=0, description=_label(name), style=_STYLE,
                  layout={"width": "auto", "min_width": "300px"})
    if all(isinstance(v, str) for v in vals):
        control = widgets.Dropdown(**kwargs)
    else:
        control = widgets.SelectionSlider(continuous_update=True, **kwargs)
    control.add_class(f"nnx-control-{name}")
    return control


# ---------------------------------------------------------------------------
# live mode


def _live_section(run, names, values, controls, figsize) -> dict[str, Any]:
    """Free-value inputs, a retrain button and a result image (needs a kernel)."""
    free: dict[str, widgets.ValueWidget] = {}
    for name, vals in zip(names, values):
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            if all(isinstance(v, int) for v in vals):
                free[name] = widgets.IntText(value=vals[0], description=_label(name), style=_STYLE)
            else:
                free[name] = widgets.FloatText(value=float(vals[0]), description=_label(name), style=_STYLE)

            # Moving the grid control copies its value to the free input (kernel only).
            def follow(change, name=name):
                free[name].value = change["new"]

            controls[name].observe(follow, names="value")
    button = widgets.Button(description="retrain", icon="refresh", button_style="primary")
    status = widgets.HTML("<i>Needs a running Python kernel (open the notebook in Jupyter or Binder).</i>")
    result = widgets.Image(format="png", layout={"display": "none"})

    def retrain(_button=None) -> None:
        point = {}
        for name in names:
            point[name] = free[name].value if name in free else controls[name].value
        status.value = f"<i>training with {html.escape(_describe(point))} …</i>"
        start = time.perf_counter()
        try:
            fig, message = _call_run(run, point)
        except Exception as err:  # a bad value (e.g. a negative rate): say so, no traceback
            status.value = f"<b>{html.escape(type(err).__name__)}</b>: {html.escape(str(err))}"
            return
        if fig is None:
            fig = message_figure(message, figsize)
        result.value = render_png(fig, figsize)
        result.layout.display = None
        seconds = time.perf_counter() - start
        status.value = f"retrained with {html.escape(_describe(point))} in {seconds:.2f} s"

    button.on_click(retrain)
    body = widgets.VBox([widgets.HBox(list(free.values()) + [button], layout={"flex_flow": "row wrap"}),
                         status, result])
    box = widgets.Accordion(children=[body], titles=("Try other values (needs a live Python kernel)",),
                            selected_index=None)
    return {"box": box, "free": free, "button": button, "status": status, "result": result, "retrain": retrain}
