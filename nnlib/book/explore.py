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
* **Live mode** (the cell has run in a Python kernel). A "retrain" button
  and free-value inputs let a learner try values off the grid; the panel
  checks each value (e.g. "hidden layers must be a whole number from 0 to 50;
  got -2") and calls ``run`` again, showing the new picture below the
  precomputed one. These live-only controls sit in a collapsed section. The
  kernel cannot tell the page that it is gone (the web book has no kernel; a
  restarted kernel has forgotten the panel, so the button does nothing), so a
  fixed line there says what to do in every case: if retrain does nothing, run
  the cell again in Jupyter or Binder.
* **A stored notebook opened without running it** has no widget state (the
  notebooks are stored without it). A viewer that cannot draw the widget
  (GitHub, nbviewer, nbconvert's HTML) shows another format of the output
  instead: the panel also gives an ``image/png`` of its first picture under
  the line "Run this cell to use the panel", besides its short fixed
  ``text/plain`` (see :class:`ExplorePanel`). JupyterLab itself always picks
  the widget format and says "model not found" until the cell is run.

**For a keyboard and a screen reader.** Every grid point also has a short
text, its *setting* in words ("learning rate 5, tanh activation, 2 hidden
layers") and, when known, its *result* ("learned XOR, loss 0.003"): ``run`` may
return ``(figure, result_text)``, or a figure of :mod:`nnlib.book.plots`, which
carries a description built from the data it drew (see
:func:`nnlib.book.plots.figure_description`); a plain figure gives the setting
alone. The texts sit in nested Stacks of ``HTML`` widgets linked exactly like
the images, so the line under the picture always names what it shows, live
and in the static page. In the built book, the book's own script
(``tools/widgets_a11y.js``, loaded with the widget JavaScript) then gives every
picture that text as its ``alt``, names every slider handle after its label
(with the symbol spoken: "learning rate", not "η"; the ``tooltip`` of the
control, see :data:`SPOKEN_LABELS`), gives the handle the option's label as its
``aria-valuetext``, repeats the shown text in a polite live region
(``aria-live="polite"``) whenever a control moves, and makes the header of the
live section a keyboard button. Sliders move with Tab and the arrow keys
(Home/End too), dropdowns are native selects.

**Animations** (``play="epoch"``). One control of the grid may be the frame
of a training run, e.g. ``"epoch": [0, 10, 20, ..., 200]``: the panel then
also shows an ``ipywidgets.Play`` (play/pause, stop, repeat) next to that
control's slider, the epoch scrubber, with the Play's ``value`` jslinked to
the slider's ``index``, so pressing play steps through the frames in the
browser, in the static page (the saved widget state) as in a live kernel.
The other controls still pick the run: choose a learning rate, press play,
watch that run. ``run`` is then called **once per setting of the other
controls**, with the play control's name bound to the whole list of its
values (``run(lr=5.0, epoch=[0, 10, ..., 200])``), and returns one frame per
value, in order (a list or a generator of figures or ``(figure, result)``
pairs): train once, keep what to draw at the frame epochs (a
:class:`Snapshots` callback keeps a copy of the network and its history at
each of them), then draw each frame. Every frame has its text like any grid
point, so it names its epoch and result ("learning rate 5, epoch 40: loss
0.12, 3 of 4 right."), and the book's script says it as the frames go by.
In the static book the theme's Font Awesome would swap the Play's icons for
``<svg>`` elements and break the Play view; tools/sphinx_fontawesome_nest.py
stops that.

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

import base64
import html
import io
import itertools
import keyword
import math
import textwrap
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle
from matplotlib.figure import Figure

from .plots import palette_png

__all__ = ["explore", "ExplorePanel", "Limit", "Snapshots", "plural", "render_png", "message_figure",
           "setting_text", "MAX_POINTS", "LABELS", "SPOKEN_LABELS", "LIMITS", "LIVE_HINT", "PREVIEW_HINT",
           "PLAY_INTERVAL_MS"]

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
    "epoch": "epoch",
    "step": "step",
}

#: Milliseconds between two frames of an animation (``explore(..., play=...)``).
PLAY_INTERVAL_MS = 400

#: How a screen reader should say a control whose label holds a symbol (the
#: handle's accessible name; also the control's tooltip). Other controls are
#: named by their label.
SPOKEN_LABELS = {
    "lr": "learning rate",
}

#: The words of one setting of the controls with well-known names, for the
#: texts of the grid points; other names read "<label> <value>".
_SETTING_WORDS: dict[str, Callable[[Any], str]] = {
    "lr": lambda v: f"learning rate {_fmt(v)}",
    "activation": lambda v: f"{_fmt(v)} activation",
    "depth": lambda v: plural(v, "hidden layer"),
    "seed": lambda v: f"random seed {_fmt(v)}",
    "epochs": lambda v: plural(v, "epoch"),
    "width": lambda v: plural(v, "neuron per layer", "neurons per layer"),
    "batch_size": lambda v: f"batch size {_fmt(v)}",
    "epoch": lambda v: f"epoch {_fmt(v)}",
    "step": lambda v: f"step {_fmt(v)}",
}

#: The line under the live section's button, the same in every state. The
#: kernel cannot tell the page that it is gone: the web book has no kernel, and
#: after a kernel restart (or in a notebook opened without running it) the
#: kernel no longer knows the panel, so the button does nothing and nothing
#: kernel-side can change the text. So this line says what to do in each case.
LIVE_HINT = ("If retrain does nothing, run this cell (again) in Jupyter or Binder: "
             "the web page has no Python kernel, and a restarted kernel has forgotten this panel.")

#: The line above the picture shown where the widget cannot be drawn.
PREVIEW_HINT = "Run this cell to use the panel"

#: Size (inches) of a message image when no setting of the grid trained.
DEFAULT_FIGSIZE = (6.0, 4.0)

_STYLE = {"description_width": "initial"}


@dataclass(frozen=True)
class Limit:
    """The values a free input of the live section accepts.

    Attributes:
        low: the smallest value, or None for no lower bound.
        high: the largest value, or None for no upper bound.
        integer: True if the value must be a whole number.
        low_open: True if ``low`` itself is not allowed (e.g. a learning rate > 0).
        high_open: True if ``high`` itself is not allowed (e.g. a dropout rate < 1).

    Every value must also be a finite number (not nan or infinity).
    """

    low: float | None = None
    high: float | None = None
    integer: bool = False
    low_open: bool = False
    high_open: bool = False

    def describe(self) -> str:
        """What is expected, in words: e.g. "a whole number from 0 to 50"."""
        kind = "a whole number" if self.integer else "a number"
        lo, hi = self.low, self.high
        if lo is not None and hi is not None and not self.low_open and not self.high_open:
            return f"{kind} from {_fmt(lo)} to {_fmt(hi)}"
        parts = []
        if lo is not None:
            parts.append(f"{'greater than' if self.low_open else 'at least'} {_fmt(lo)}")
        if hi is not None:
            parts.append(f"{'less than' if self.high_open else 'at most'} {_fmt(hi)}")
        return f"{kind} {' and '.join(parts)}" if parts else kind

    def allows(self, value: Any) -> bool:
        """True if ``value`` is a finite number inside the limit."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not math.isfinite(value):
            return False
        if self.integer and value != int(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return False
        return True


#: The values the live section accepts for the controls with well-known names.
#: A numeric control with another name accepts any finite number, or any
#: finite number >= 0 if all its grid values are >= 0; ``explore(...,
#: limits=...)`` sets other limits. Every grid value must be inside its limit.
LIMITS = {
    "lr": Limit(low=0, low_open=True),
    "depth": Limit(0, 50, integer=True),
    "width": Limit(1, 1024, integer=True),
    "seed": Limit(0, 2**32 - 1, integer=True),
    "epochs": Limit(1, 10_000, integer=True),
    "batch_size": Limit(1, None, integer=True),
    "l1": Limit(0, None),
    "l2": Limit(0, None),
    "dropout": Limit(0, 1, high_open=True),
    "epoch": Limit(0, 10_000, integer=True),
    "step": Limit(0, 100_000, integer=True),
}


def plural(n: float, word: str, many: str | None = None) -> str:
    """A count with its noun, singular only for 1.

    Args:
        n: the count.
        word: the singular noun, e.g. "hidden layer".
        many: the plural when it is not ``word + "s"``.

    Returns:
        e.g. ``plural(0, "hidden layer")`` -> "0 hidden layers",
        ``plural(1, "hidden layer")`` -> "1 hidden layer".
    """
    return f"{_fmt(n)} {word if n == 1 else (many or word + 's')}"


class Snapshots:
    """A ``train`` callback that keeps the network and its History at chosen epochs.

    For the frames of an animation (``explore(..., play="epoch")``): train
    once, then draw each frame from its snapshot::

        def run(lr, epoch):                      # epoch: the list of frame epochs
            net = MLP([2, 2, 1], seed=0)
            snaps = Snapshots(net, epoch)        # epoch 0 is kept now, before training
            train(net, X, y, lr=lr, epochs=snaps.last, callback=snaps, progress=False)
            return [plot_decision_boundary(snaps.networks[e], X, y) for e in epoch]

    Args:
        net: the network about to be trained; if 0 is among ``epochs``, a
            copy of it is kept now as epoch 0 (before training).
        epochs: the epochs to keep (whole numbers >= 0, counting from 1 as
            ``train``'s callback does).

    Attributes:
        epochs: the chosen epochs, sorted.
        last: the largest of them: how many epochs to train.
        networks: dict epoch -> a copy of the network after that epoch.
        histories: dict epoch -> a copy of the History after that epoch
            (an empty History for epoch 0).

    Calling it never stops training (it returns None).
    """

    def __init__(self, net, epochs: Sequence[int]) -> None:
        from ..model.train import History

        if isinstance(epochs, (str, bytes)) or not isinstance(epochs, Sequence) or not epochs:
            raise TypeError(f"epochs must be a non-empty list of whole numbers >= 0; got {epochs!r}")
        for e in epochs:
            if not _is_number(e) or e != int(e) or e < 0:
                raise ValueError(f"epochs must be whole numbers >= 0; got {e!r} in {list(epochs)!r}")
        self.epochs = sorted({int(e) for e in epochs})
        self.last = self.epochs[-1]
        self.networks: dict[int, Any] = {}
        self.histories: dict[int, Any] = {}
        if 0 in self.epochs:
            self.networks[0] = net.copy()
            self.histories[0] = History()

    def __call__(self, epoch: int, net, history) -> None:
        if epoch in self.epochs:
            import copy

            self.networks[epoch] = net.copy()
            self.histories[epoch] = copy.deepcopy(history)


class ExplorePanel(widgets.VBox):
    """The panel returned by :func:`explore` (an ``ipywidgets.VBox``).

    Its text form is short and fixed (it names the controls and counts the
    stored results), so the ``text/plain`` output stored next to the widget in
    a notebook is the same on every run and nbval can compare it strictly.
    Its output also holds an ``image/png``: the first precomputed picture
    under the line "Run this cell to use the panel", which viewers that cannot
    draw the widget (a notebook opened without running it on GitHub or
    nbviewer) show instead of the text. nbval does not compare images.

    Attributes:
        names: the control names, in grid order.
        grid: dict name -> list of values (a copy of what was given).
        controls: dict name -> the SelectionSlider or Dropdown of that name.
        stacks: list with one list per level: ``stacks[k]`` holds every Stack
            whose children are chosen by control ``names[k]``.
        images: dict index tuple -> the Image widget of that grid point.
        png: dict index tuple -> the PNG bytes of that grid point.
        texts: dict index tuple -> the text of that grid point: its setting,
            then its result when known ("learning rate 5, tanh activation:
            learned XOR, loss 0.003."); the alt text of its picture and what
            the live region says when it is shown.
        text_widgets: dict index tuple -> the HTML widget showing that text
            (class ``nnx-text-<indices>``, under the picture).
        text_stacks: like ``stacks``, the Stacks of the text widgets.
        messages: dict index tuple -> the message shown instead of a plot
            (only for grid points whose training failed).
        links: the jslink widgets (control index -> Stack selected_index).
        play: the ``ipywidgets.Play`` of an animation (class
            ``nnx-play-<name>``), or None without ``play``.
        play_name: the name of the control the Play steps through, or None.
        play_link: the jslink Play value -> that control's index, or None.
        live: the live-mode widgets (free values, their limits, retrain
            button, status, fixed hint, result).
        preview_png: the PNG bytes of the ``image/png`` fallback.
        preview_lines: the text lines drawn above its picture.
    """

    def __repr__(self) -> str:
        labels = " × ".join(_label(n) for n in self.names)
        return f"<explore panel: {labels}; {plural(len(self.images), 'precomputed result')}>"

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        data = super()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        preview = getattr(self, "preview_png", None)
        wanted = (include is None or "image/png" in include) and not (exclude and "image/png" in exclude)
        if isinstance(data, dict) and preview and wanted:
            # base64 text, as IPython's own Image gives it (and as nbformat stores it)
            data["image/png"] = base64.b64encode(preview).decode("ascii")
        return data

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's pretty printer
        p.text(repr(self))

    def __str__(self) -> str:
        return repr(self)


def explore(
    run: Callable[..., Figure],
    grid: Mapping[str, Sequence[Any]],
    title: str | None = None,
    description: str | None = None,
    limits: Mapping[str, Limit | tuple[float | None, float | None]] | None = None,
    play: str | None = None,
    interval: int = PLAY_INTERVAL_MS,
) -> ExplorePanel:
    """Train for every point of a small grid and return a panel of controls.

    Args:
        run: function called as ``run(**values)`` with one value per control
            name (e.g. ``run(lr=0.5, activation="tanh", depth=2)``); it trains
            a network with nnlib (seeded) and returns a matplotlib Figure of
            the result, or ``(figure, result)`` with a short text of the
            result ("learned XOR, loss 0.003") that a screen reader says
            after the setting. Without it, the figure's title
            (``fig.suptitle``) and its own description (figures of
            :mod:`nnlib.book.plots` carry one) are the result; a plain
            figure without a title gives the setting alone. It may raise ``nnlib.TrainingDiverged`` (or any
            ``FloatingPointError``): that grid point then shows the message.
            Anything it prints is discarded, so the cell output stays fixed.
        grid: ordered dict of control name (str, a valid Python argument name)
            -> non-empty list of distinct values (numbers, strings or bools).
            Names "lr", "activation", "depth" and "seed" get readable labels.
            Strings become a Dropdown; numbers and bools a SelectionSlider.
            At most MAX_POINTS grid points in all.
        title: optional heading shown above the controls.
        description: optional sentence shown under the heading (what to try).
        limits: optional dict name -> :class:`Limit` (or a ``(low, high)``
            pair, both included, None for no bound) of the values the live
            section's free input of that numeric control accepts; replaces
            the default of :data:`LIMITS` for that name. A value outside its
            limit is not trained: the status says what was expected and what
            was typed.
        play: optional name of the grid control that is the frame of an
            animation (e.g. "epoch", with values such as ``[0, 10, ..., 200]``,
            numbers in increasing order, at least 2). The panel adds an
            ``ipywidgets.Play`` jslinked to that control's index, and ``run``
            is called once per setting of the other controls with that name
            bound to the whole list of its values; it returns one frame (a
            Figure or a ``(Figure, result)`` pair) per value, in order, as a
            list or a generator. If it raises ``nnlib.TrainingDiverged`` (or
            any ``FloatingPointError``), the frames it gave before keep their
            pictures and the others show the message. In the live section,
            ``run`` gets a list of one value (the epoch shown or typed) and
            returns one frame.
        interval: milliseconds between two frames when playing (only with
            ``play``).

    Returns:
        An :class:`ExplorePanel` (an ``ipywidgets.VBox``): display it as the
        last expression of a cell.

    Raises:
        TypeError: ``run`` is not callable, ``grid`` is not a dict, a value
            has an unsupported type, or ``run`` does not return a Figure (or
            a (Figure, str) pair).
        ValueError: a name is not a valid argument name, a list is empty or
            has repeated values, the grid has more than MAX_POINTS points, a
            grid value is outside its limit, ``limits`` names a control
            that is not in the grid or not numeric, ``play`` does not name a
            control of numbers in increasing order (at least 2), ``interval``
            is not a positive number of milliseconds, or ``run`` gave another
            number of frames than the play control has values.
    """
    if not callable(run):
        raise TypeError(f"run must be a function run(**values) -> Figure; got {type(run).__name__}")
    names, values = _check_grid(grid)
    free_limits = _check_limits(names, values, limits)
    play_level = _check_play(play, interval, names, values)

    # --- precompute every grid point (silently) ---------------------------
    shape = tuple(len(v) for v in values)
    png: dict[tuple[int, ...], bytes] = {}
    messages: dict[tuple[int, ...], str] = {}
    texts: dict[tuple[int, ...], str] = {}
    figsize = None

    def keep(idx: tuple[int, ...], fig: Figure | None, message: str) -> None:
        nonlocal figsize
        point = {name: values[k][i] for k, (name, i) in enumerate(zip(names, idx))}
        if fig is None:
            messages[idx] = message
            texts[idx] = _point_text(point, f"training diverged: {message}")
            return
        if figsize is None:
            figsize = tuple(fig.get_size_inches())
        texts[idx] = _point_text(point, message)
        png[idx] = render_png(fig, figsize)

    if play_level is None:
        for idx in itertools.product(*(range(n) for n in shape)):
            point = {name: values[k][i] for k, (name, i) in enumerate(zip(names, idx))}
            keep(idx, *_call_run(run, point))
    else:
        # One call of run per setting of the other controls: it trains once
        # and gives every frame.
        others = [k for k in range(len(names)) if k != play_level]
        for sub in itertools.product(*(range(shape[k]) for k in others)):
            setting = {names[k]: values[k][i] for k, i in zip(others, sub)}
            frames = _call_run_frames(run, setting, names[play_level], values[play_level])
            for j, (fig, message) in enumerate(frames):
                idx = list(sub)
                idx.insert(play_level, j)
                keep(tuple(idx), fig, message)
    for idx, message in messages.items():
        png[idx] = render_png(message_figure(message, figsize or DEFAULT_FIGSIZE))

    # --- controls ----------------------------------------------------------
    controls = {name: _make_control(name, vals) for name, vals in zip(names, values)}

    # --- nested stacks: one level per control ------------------------------
    images: dict[tuple[int, ...], widgets.Image] = {}
    text_widgets: dict[tuple[int, ...], widgets.HTML] = {}
    stacks: list[list[widgets.Stack]] = [[] for _ in names]
    text_stacks: list[list[widgets.Stack]] = [[] for _ in names]

    # One Layout (and one style for the texts) shared by every picture, text
    # and Stack of the panel: each widget would otherwise get its own model
    # of default traits, about 1.5 KB of saved widget state per widget in
    # the page, more than a small picture's PNG. Nothing sets them per widget
    # (a Stack shows its selected child without touching layouts).
    shared_layout = widgets.Layout()
    text_style = HTMLStyle()

    def make_image(idx: tuple[int, ...]) -> widgets.Widget:
        image = widgets.Image(value=png[idx], format="png", layout=shared_layout)
        # The class names the grid point; the browser tests (and the book's
        # script that sets each picture's alt text) use it.
        image.add_class("nnx-point-" + "-".join(str(i) for i in idx))
        images[idx] = image
        return image

    def make_text(idx: tuple[int, ...]) -> widgets.Widget:
        text = widgets.HTML(html.escape(texts[idx]), layout=shared_layout, style=text_style)
        text.add_class("nnx-text-" + "-".join(str(i) for i in idx))
        text_widgets[idx] = text
        return text

    def build(level: int, prefix: tuple[int, ...], leaf, into: list[list[widgets.Stack]]) -> widgets.Widget:
        if level == len(names):
            return leaf(prefix)
        children = [build(level + 1, prefix + (i,), leaf, into) for i in range(shape[level])]
        stack = widgets.Stack(children=children, selected_index=0, layout=shared_layout)
        into[level].append(stack)
        return stack

    view = build(0, (), make_image, stacks)
    text_view = build(0, (), make_text, text_stacks)
    text_view.add_class("nnx-result")
    links = [
        widgets.jslink((controls[name], "index"), (stack, "selected_index"))
        for name, level_stacks, level_texts in zip(names, stacks, text_stacks)
        for stack in level_stacks + level_texts
    ]

    # --- the animation: a Play jslinked to the frame control's index -------
    player, play_link = None, None
    row: list[widgets.Widget] = list(controls.values())
    if play_level is not None:
        play_name = names[play_level]
        player = widgets.Play(value=0, min=0, max=shape[play_level] - 1, step=1, interval=int(interval),
                              tooltip=f"play the {_spoken(play_name)}s", layout={"width": "auto"})
        # the book's script names its buttons (play, pause, stop, repeat) for
        # screen readers; the browser test finds it by this class
        player.add_class(f"nnx-play-{play_name}")
        play_link = widgets.jslink((player, "value"), (controls[play_name], "index"))
        row.insert(play_level, player)

    live = _live_section(run, names, values, controls, figsize or DEFAULT_FIGSIZE, free_limits,
                         None if play_level is None else names[play_level])

    header = []
    if title:
        header.append(widgets.HTML(f"<b>{html.escape(title)}</b>"))
    if description:
        header.append(widgets.HTML(f"<span>{html.escape(description)}</span>"))
    panel = ExplorePanel(
        children=header + [widgets.HBox(row, layout={"flex_flow": "row wrap", "align_items": "center"}), view,
                           text_view, live["box"]]
    )
    panel.add_class("nnx-explore")
    panel.names = list(names)
    panel.grid = {n: list(v) for n, v in zip(names, values)}
    panel.controls = controls
    panel.stacks = stacks
    panel.images = images
    panel.png = png
    panel.texts = texts
    panel.text_widgets = text_widgets
    panel.text_stacks = text_stacks
    panel.messages = messages
    panel.links = links
    panel.play = player
    panel.play_name = None if play_level is None else names[play_level]
    panel.play_link = play_link
    panel.live = live
    first = tuple(0 for _ in names)
    panel.preview_lines = _preview_lines(names, values, len(png), title)
    panel.preview_png = _preview_png(png[first], panel.preview_lines)
    return panel


def _preview_lines(names: list[str], values: list[list[Any]], n_points: int, title: str | None) -> list[str]:
    """The hint, then the caption, drawn above the first picture in the image/png fallback."""
    shown = ", ".join(f"{_label(name)} = {_fmt(vals[0])}" for name, vals in zip(names, values))
    which = "" if n_points == 1 else f" (the first of {plural(n_points, 'precomputed result')})"
    return [f"{PREVIEW_HINT}.", *([title] if title else []), f"Shown: {shown}{which}."]


def _preview_png(first_png: bytes, lines: list[str]) -> bytes:
    """The first picture with ``lines`` above it, as PNG bytes (deterministic)."""
    import numpy as np
    from PIL import Image as PILImage

    picture = np.asarray(PILImage.open(io.BytesIO(first_png)).convert("RGB"))
    height, width = picture.shape[:2]
    margin = 6  # pixels
    # (text, font size in points, bold): the hint, then the caption, each
    # wrapped to the picture's width (DejaVu Sans: about 0.6 em a character,
    # 0.66 em in bold).
    rows = []
    for text, size, bold in [(lines[0], 10, True)] + [(line, 9, False) for line in lines[1:]]:
        em = size * DPI / 72
        chars = max(20, int((width - 2 * margin) / (em * (0.66 if bold else 0.6))))
        rows += [(row, size, bold) for row in textwrap.wrap(text, width=chars)]
    line_px = [int(round(1.45 * size * DPI / 72)) for _, size, _ in rows]
    banner = sum(line_px) + margin
    total = height + banner
    fig = Figure(figsize=(width / DPI, total / DPI), dpi=DPI, layout="none")
    fig.figimage(picture, xo=0, yo=total - banner - height, origin="upper")
    y = 0
    for (row, size, bold), px in zip(rows, line_px):
        y += px
        fig.text(margin / width, 1 - (y - 0.3 * px) / total, row, fontsize=size, va="baseline",
                 weight="bold" if bold else "normal", color="#1a4f8b" if bold else "#444444")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return palette_png(buf.getvalue())


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
    return palette_png(buf.getvalue())


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


def setting_text(point: Mapping[str, Any]) -> str:
    """One setting of the controls in words, as a screen reader should say it.

    Args:
        point: control name -> value, in the grid's order.

    Returns:
        e.g. "learning rate 5, tanh activation, 2 hidden layers" for
        ``{"lr": 5, "activation": "tanh", "depth": 2}``; a name without its
        own words reads "<label> <value>" ("dropout 0.2").
    """
    parts = []
    for name, value in point.items():
        words = _SETTING_WORDS.get(name)
        parts.append(words(value) if words else f"{_label(name)} {_fmt(value)}")
    return ", ".join(parts)


def _point_text(point: Mapping[str, Any], result: str) -> str:
    """The text of a grid point: its setting, then its result if there is one."""
    result = " ".join(result.split()).rstrip(".")
    return f"{setting_text(point)}: {result}." if result else f"{setting_text(point)}."


def _call_run(run: Callable[..., Figure], point: dict[str, Any]) -> tuple[Figure | None, str]:
    """Call ``run(**point)`` with output captured.

    Returns (figure, result text) (the text "" when there is none) or
    (None, message) when training diverged."""
    import matplotlib.pyplot as plt
    from IPython.utils.capture import capture_output

    before = set(plt.get_fignums())
    fig = None
    try:
        # Swallow prints, progress bars and figures displayed by run, so the
        # cell's stored output is only the panel.
        with capture_output(stdout=True, stderr=True, display=True):
            fig = run(**point)
    except FloatingPointError as err:  # TrainingDiverged is one
        return None, _diverged_message(err, point)
    finally:
        # Figures made with pyplot stay registered and the inline backend
        # would show them under the cell; the panel shows the PNGs instead.
        _close_others(before, [fig])
    return _as_figure(fig, point, "run")


def _call_run_frames(run: Callable[..., Any], setting: dict[str, Any], play_name: str,
                     play_values: Sequence[Any]) -> list[tuple[Figure | None, str]]:
    """Call ``run(**setting, <play_name>=play_values)`` once, with output
    captured, and return one (figure, result text) per value of the play
    control; (None, message) for the frames after training diverged."""
    import matplotlib.pyplot as plt
    from IPython.utils.capture import capture_output

    point = {**setting, play_name: list(play_values)}
    before = set(plt.get_fignums())
    frames: list[Any] = []
    stopped = ""
    try:
        with capture_output(stdout=True, stderr=True, display=True):
            out = run(**point)
            if isinstance(out, (Figure, tuple, str, bytes)) or not hasattr(out, "__iter__"):
                raise TypeError(
                    f"with play={play_name!r}, run must return one frame per value of {play_name!r} (a list or "
                    f"generator of Figures or (Figure, str) pairs); got {type(out).__name__} for "
                    f"{_describe(setting)}")
            for frame in out:
                frames.append(frame)
    except FloatingPointError as err:  # TrainingDiverged is one; the frames given so far stay
        stopped = _diverged_message(err, setting)
    finally:
        _close_others(before, [f[0] if isinstance(f, tuple) and f else f for f in frames])
    n = len(play_values)
    if len(frames) > n or (not stopped and len(frames) != n):
        for frame in frames:
            _close_frame(frame)
        raise ValueError(f"with play={play_name!r}, run must give one frame per value of {play_name!r} "
                         f"({n}); it gave {len(frames)} for {_describe(setting)}")
    result = [_as_figure(frame, {**setting, play_name: value}, "each frame of run")
              for frame, value in zip(frames, play_values)]
    return result + [(None, stopped)] * (n - len(frames))


def _diverged_message(err: FloatingPointError, point: Mapping[str, Any]) -> str:
    from ..model.train import TrainingDiverged

    if isinstance(err, TrainingDiverged):
        return f"{err} ({_describe(point)})"
    return f"the numbers overflowed ({err}): the learning rate is probably too large ({_describe(point)})"


def _close_others(before: set[int], kept: Sequence[Any]) -> None:
    """Close every pyplot figure made since ``before`` that is not in ``kept``."""
    import matplotlib.pyplot as plt

    keep = {getattr(f, "number", None) for f in kept}
    for num in set(plt.get_fignums()) - before:
        if num not in keep:
            plt.close(num)


def _close_frame(frame: Any) -> None:
    import matplotlib.pyplot as plt

    fig = frame[0] if isinstance(frame, tuple) and frame else frame
    if isinstance(fig, Figure):
        plt.close(fig)


def _as_figure(fig: Any, point: Mapping[str, Any], what: str) -> tuple[Figure, str]:
    """(figure, result text) from what ``run`` gave for one grid point."""
    result = ""
    if isinstance(fig, tuple) and len(fig) == 2 and isinstance(fig[0], Figure):
        fig, result = fig
        if not isinstance(result, str):
            raise TypeError(f"{what} returned (figure, result): the result must be a str (a short text of the "
                            f"result); got {type(result).__name__} for {_describe(point)}")
    elif isinstance(fig, Figure):
        from .plots import figure_description

        # the figure's title (what run wrote over it: often the result in
        # words), then what nnlib.book.plots recorded about the data it drew
        title = " ".join(fig.get_suptitle().split())
        described = figure_description(fig) or ""
        if title and title in described:  # a plot given the title already says it
            title = ""
        result = ". ".join(t.rstrip(".") for t in (title, described) if t)
    if not isinstance(fig, Figure):
        raise TypeError(f"{what} must return a matplotlib Figure (or a (Figure, str) pair); got "
                        f"{type(fig).__name__} for {_describe(point)}")
    return fig, result


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


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_limits(names: list[str], values: list[list[Any]], limits) -> dict[str, Limit]:
    """The limit of every numeric control's free value (name -> Limit)."""
    if limits is None:
        limits = {}
    if not isinstance(limits, Mapping):
        raise TypeError(f"limits must be a dict of control name -> Limit or (low, high); got {type(limits).__name__}")
    numeric = [name for name, vals in zip(names, values) if all(_is_number(v) for v in vals)]
    given: dict[str, Limit] = {}
    for name, limit in limits.items():
        if name not in numeric:
            raise ValueError(
                f"limits[{name!r}]: only the numeric controls of the grid ({', '.join(numeric) or 'none'}) "
                "have a free value to limit"
            )
        if isinstance(limit, tuple) and len(limit) == 2 and all(b is None or _is_number(b) for b in limit):
            if None not in limit and limit[0] > limit[1]:
                raise ValueError(f"limits[{name!r}] = {limit!r}: low must not be above high")
            limit = Limit(*limit)
        if not isinstance(limit, Limit):
            raise TypeError(f"limits[{name!r}] must be a Limit or a (low, high) pair of numbers; got {limit!r}")
        given[name] = limit
    out: dict[str, Limit] = {}
    for name, vals in zip(names, values):
        if name not in numeric:
            continue
        if name in given:
            limit = given[name]
        elif name in LIMITS:
            limit = LIMITS[name]
        else:
            limit = Limit(low=0) if all(v >= 0 for v in vals) else Limit()
        for v in vals:
            if not limit.allows(v):
                raise ValueError(
                    f"grid[{name!r}] holds {_fmt(v)}, but {_label(name)} must be {limit.describe()}; "
                    f"pass limits={{{name!r}: (low, high)}} to allow it"
                )
        out[name] = limit
    return out


def _check_play(play: str | None, interval: Any, names: list[str], values: list[list[Any]]) -> int | None:
    """The grid level of the animation's control (None without ``play``)."""
    if play is None:
        return None
    if not isinstance(play, str):
        raise TypeError(f"play must be the name of a grid control (a str), e.g. play='epoch'; "
                        f"got {type(play).__name__}")
    if play not in names:
        raise ValueError(f"play={play!r} must name a control of the grid ({', '.join(names)}): the frames "
                         "of the animation are that control's values")
    vals = values[names.index(play)]
    if not all(_is_number(v) for v in vals):
        raise ValueError(f"the frames of play={play!r} must be numbers (e.g. epochs [0, 10, 20]); "
                         f"got {vals!r}")
    if len(vals) < 2:
        raise ValueError(f"an animation needs at least 2 frames; grid[{play!r}] holds {len(vals)}")
    if any(b <= a for a, b in zip(vals, vals[1:])):
        raise ValueError(f"the frames of play={play!r} must be in increasing order; got {vals!r}")
    if not _is_number(interval) or not math.isfinite(interval) or interval <= 0:
        raise ValueError(f"interval must be a positive number of milliseconds between frames; got {interval!r}")
    return names.index(play)


def _label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _spoken(name: str) -> str:
    """The accessible name of a control: its label with symbols spoken."""
    return SPOKEN_LABELS.get(name, _label(name))


def _make_control(name: str, vals: list[Any]) -> widgets.ValueWidget:
    """SelectionSlider for numbers and bools, Dropdown for strings; index starts at 0.

    The tooltip holds the spoken name (:func:`_spoken`); the book's script
    names the slider's handle with it (ipywidgets shows it as the label's
    title)."""
    options = [(_fmt(v), v) for v in vals]
    kwargs = dict(options=options, index=0, description=_label(name), style=_STYLE,
                  tooltip=_spoken(name), layout={"width": "auto", "min_width": "300px"})
    if all(isinstance(v, str) for v in vals):
        control = widgets.Dropdown(**kwargs)
    else:
        control = widgets.SelectionSlider(continuous_update=True, **kwargs)
    control.add_class(f"nnx-control-{name}")
    return control


# ---------------------------------------------------------------------------
# live mode


def _live_section(run, names, values, controls, figsize, limits, play_name=None) -> dict[str, Any]:
    """Free-value inputs, a retrain button and a result image (needs a kernel).

    ``limits``: name -> Limit of every numeric control (from _check_limits).
    ``play_name``: the animation's control, if any: run then gets a list of
    one value of it and gives one frame.
    """
    free: dict[str, widgets.ValueWidget] = {}
    for name, vals in zip(names, values):
        if name not in limits:
            continue
        if all(isinstance(v, int) for v in vals) and (limits[name].integer or name not in LIMITS):
            free[name] = widgets.IntText(value=vals[0], description=_label(name), style=_STYLE)
        else:
            free[name] = widgets.FloatText(value=float(vals[0]), description=_label(name), style=_STYLE)

        # Moving the grid control copies its value to the free input (kernel only).
        def follow(change, name=name):
            free[name].value = change["new"]

        controls[name].observe(follow, names="value")
    button = widgets.Button(description="retrain", icon="refresh", button_style="primary")
    # status: what the last retrain did (true whatever happens to the kernel
    # later); hint: fixed, what to do when the button does nothing.
    status = widgets.HTML("")
    hint = widgets.HTML(f"<i>{html.escape(LIVE_HINT)}</i>")
    result = widgets.Image(format="png", layout={"display": "none"})

    def fail(text: str) -> None:
        # An error replaces the old picture: a stale figure would mislead.
        result.layout.display = "none"
        result.value = b""
        status.value = f'<span style="color:#b00020"><b>Not retrained</b>: {html.escape(text)}</span>'

    def retrain(_button=None) -> None:
        point = {}
        for name in names:
            point[name] = free[name].value if name in free else controls[name].value
        problems = [
            f"{_label(name)} must be {limits[name].describe()}; got {_fmt(point[name])}."
            for name in free
            if not limits[name].allows(point[name])
        ]
        if problems:
            fail(" ".join(problems))
            return
        for name in free:
            if limits[name].integer:
                point[name] = int(point[name])  # 3.0 typed in a number box: run gets 3
        status.value = f"<i>training with {html.escape(_describe(point))} …</i>"
        start = time.perf_counter()
        try:
            if play_name is None:
                fig, message = _call_run(run, point)
            else:
                setting = {name: value for name, value in point.items() if name != play_name}
                (fig, message), = _call_run_frames(run, setting, play_name, [point[play_name]])
            if fig is None:
                fig = message_figure(message, figsize)
            png = render_png(fig, figsize)
        except Exception as err:  # e.g. a value run itself rejects: say so, no traceback
            fail(f"training with {_describe(point)} failed: {type(err).__name__}: {err}")
            return
        result.value = png
        result.layout.display = None
        seconds = time.perf_counter() - start
        status.value = f"retrained with {html.escape(_describe(point))} in {seconds:.2f} s"

    button.on_click(retrain)
    body = widgets.VBox([widgets.HBox(list(free.values()) + [button], layout={"flex_flow": "row wrap"}),
                         status, hint, result])
    box = widgets.Accordion(children=[body], titles=("Try other values (runs in the Python kernel)",),
                            selected_index=None)
    return {"box": box, "free": free, "limits": {name: limits[name] for name in free}, "button": button,
            "status": status, "hint": hint, "result": result, "retrain": retrain}
