"""Tests of nnlib.book.explore: the precomputed grid, the nesting of Stacks, the
browser-side links, divergence messages, input checks, the fixed repr and its
image/png fallback, and the live section (checked free values, errors that
replace the picture, the fixed hint for when the button does nothing).

The links (ipywidgets.jslink) only act in the browser; here they are applied by
hand (each link copies its control's index to its Stack), which is what the
browser does. tests/test_book.py checks the same thing in a real browser.
"""

from __future__ import annotations

import base64
import io
import itertools
import math
import re
import struct

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib import MLP, TrainingDiverged, train  # noqa: E402
from ipywidgets.widgets.widget_link import Link  # noqa: E402

from PIL import Image as PILImage  # noqa: E402

from nnlib.book.explore import (  # noqa: E402
    LIVE_HINT, MAX_POINTS, PREVIEW_HINT, Limit, explore, plural, render_png,
)

GRID = {"lr": [0.1, 0.5, 2.0], "activation": ["sigmoid", "tanh"], "depth": [1, 2]}


def label_figure(**values) -> plt.Figure:
    """A figure that draws its own arguments, so every grid point looks different."""
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(0.5, 0.5, repr(sorted(values.items())), ha="center", fontsize=6)
    ax.set_xlabel("x")
    return fig


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, **values):
        self.calls.append(values)
        return label_figure(**values)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def shown_leaf(panel) -> widgets.Image:
    """Apply every link as the browser does, then follow the Stacks down to the shown Image."""
    for link in panel.links:
        (control, _), (stack, attr) = link.source, link.target
        setattr(stack, attr, control.index)
    node = panel.stacks[0][0]
    while isinstance(node, widgets.Stack):
        node = node.children[node.selected_index]
    return node


@pytest.fixture(scope="module")
def panel_and_calls():
    rec = Recorder()
    return explore(rec, GRID, title="Demo", description="Move the controls."), rec.calls


def test_run_is_called_once_per_grid_point(panel_and_calls):
    panel, calls = panel_and_calls
    expected = [dict(zip(GRID, combo)) for combo in itertools.product(*GRID.values())]
    assert len(calls) == 3 * 2 * 2
    assert sorted(map(repr, calls)) == sorted(map(repr, expected))
    assert len(panel.images) == len(panel.png) == 12


def test_selecting_indices_shows_that_grid_points_image(panel_and_calls):
    panel, _ = panel_and_calls
    names = list(GRID)
    for idx in itertools.product(*(range(len(v)) for v in GRID.values())):
        for name, i in zip(names, idx):
            panel.controls[name].index = i
        leaf = shown_leaf(panel)
        assert leaf is panel.images[idx]
        # The image is the picture run draws for exactly these values.
        point = {name: GRID[name][i] for name, i in zip(names, idx)}
        assert leaf.value == render_png(label_figure(**point), (3, 2))
    for name in names:
        panel.controls[name].index = 0
    assert shown_leaf(panel) is panel.images[(0, 0, 0)]


def test_grid_points_have_different_images_of_one_size(panel_and_calls):
    panel, _ = panel_and_calls
    assert len(set(panel.png.values())) == 12
    assert len({png_size(v) for v in panel.png.values()}) == 1


def test_every_control_is_linked_to_every_stack_of_its_level(panel_and_calls):
    panel, _ = panel_and_calls
    assert [len(level) for level in panel.stacks] == [1, 3, 3 * 2]
    pairs = {(id(l.source[0]), l.source[1], id(l.target[0]), l.target[1]) for l in panel.links}
    assert all(isinstance(l, Link) for l in panel.links)
    assert [len(level) for level in panel.text_stacks] == [1, 3, 3 * 2]
    assert len(panel.links) == 2 * (1 + 3 + 6)  # the pictures' Stacks and the texts' Stacks
    for name, level, texts in zip(GRID, panel.stacks, panel.text_stacks):
        for stack in level + texts:
            assert (id(panel.controls[name]), "index", id(stack), "selected_index") in pairs
            assert stack.selected_index == 0


def test_controls_have_the_right_kind_and_labels(panel_and_calls):
    panel, _ = panel_and_calls
    lr, act, depth = (panel.controls[n] for n in GRID)
    assert isinstance(lr, widgets.SelectionSlider) and lr.description == "learning rate η"
    assert [tuple(o) for o in lr.options] == [("0.1", 0.1), ("0.5", 0.5), ("2", 2.0)]
    assert isinstance(act, widgets.Dropdown) and act.value == "sigmoid"
    assert isinstance(depth, widgets.SelectionSlider) and depth.value == 1
    assert [c.index for c in panel.controls.values()] == [0, 0, 0]


def test_text_repr_is_short_and_fixed(panel_and_calls):
    panel, _ = panel_and_calls
    text = "<explore panel: learning rate η × activation × hidden layers; 12 precomputed results>"
    assert repr(panel) == text
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == text
    again = explore(label_figure, {"lr": [0.1, 0.5, 2.0], "activation": ["sigmoid", "tanh"], "depth": [1, 2]})
    assert repr(again) == text
    # The text every chapter notebook stores (and nbval compares) is unchanged
    # by the image/png fallback; the widget view is still there.
    assert set(bundle) == {"text/plain", "image/png", "application/vnd.jupyter.widget-view+json"}


def test_one_result_is_counted_in_the_singular():
    panel = explore(label_figure, {"seed": [3]})
    assert repr(panel) == "<explore panel: random seed; 1 precomputed result>"
    assert panel.preview_lines == [f"{PREVIEW_HINT}.", "Shown: random seed = 3."]


@pytest.mark.parametrize(
    "n, word, many, expected",
    [(0, "hidden layer", None, "0 hidden layers"), (1, "hidden layer", None, "1 hidden layer"),
     (2, "hidden layer", None, "2 hidden layers"), (1.0, "epoch", None, "1 epoch"),
     (0.5, "epoch", None, "0.5 epochs"), (3, "batch", "batches", "3 batches"), (1, "batch", "batches", "1 batch")],
)
def test_plural(n, word, many, expected):
    assert plural(n, word, many) == expected


def decode_png(data: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB")).astype(int)


def test_image_fallback_is_the_first_picture_under_the_hint(panel_and_calls):
    panel, _ = panel_and_calls
    bundle = panel._repr_mimebundle_()
    preview = base64.b64decode(bundle["image/png"])
    assert preview == panel.preview_png
    assert panel.preview_lines == [
        "Run this cell to use the panel.",
        "Demo",
        "Shown: learning rate η = 0.1, activation = sigmoid, hidden layers = 1 (the first of 12 precomputed results).",
    ]
    image, first = decode_png(preview), decode_png(panel.png[(0, 0, 0)])
    (h, w), (H, W) = first.shape[:2], image.shape[:2]
    assert W == w and H > h
    # The bottom is the first grid point's picture (up to the palette), not another one's ...
    bottom = image[H - h:]
    assert np.abs(bottom - first).mean() < 2
    assert np.abs(bottom - decode_png(panel.png[(1, 0, 0)])).mean() > 2 * np.abs(bottom - first).mean()
    # ... and the band above it holds text (dark pixels on white), not nothing.
    band = image[: H - h]
    assert (band.min(axis=2) < 128).sum() > 200
    # Deterministic: the same panel gives the same bytes.
    again = explore(label_figure, GRID, title="Demo", description="Move the controls.")
    assert again.preview_png == panel.preview_png


def test_image_fallback_respects_include_and_exclude(panel_and_calls):
    panel, _ = panel_and_calls
    assert "image/png" not in panel._repr_mimebundle_(exclude={"image/png"})
    assert "image/png" not in panel._repr_mimebundle_(include={"text/plain"})
    assert "image/png" in panel._repr_mimebundle_(include={"text/plain", "image/png"})


def test_run_output_is_swallowed(capsys):
    def noisy(seed):
        print("training... epoch 1/10")
        return label_figure(seed=seed)

    explore(noisy, {"seed": [0, 1]})
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert plt.get_fignums() == []  # no figure left for the inline backend to show


def diverging_run(lr, activation="identity"):
    """Real nnlib training of a linear regression; lr=50 blows up to NaN."""
    X = np.linspace(-1, 1, 20)[:, None]
    net = MLP([1, 8, 1], activation=activation, seed=0)
    history = train(net, X, 3 * X, lr=lr, epochs=50, batch_size=20, progress=False)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(history.loss)
    return fig


def test_diverging_setting_shows_a_message_image():
    panel = explore(diverging_run, {"lr": [0.01, 50.0]})
    assert list(panel.messages) == [(1,)]
    message = panel.messages[(1,)]
    assert "the learning rate 50 is too large" in message and "lr=50" in message
    assert png_size(panel.png[(1,)]) == png_size(panel.png[(0,)])  # same size as the plots
    assert panel.png[(1,)] != panel.png[(0,)]


def growing_run(lr):
    """Real nnlib training whose loss grows by orders of magnitude but stays
    finite (ReLU softmax, inputs x100, full batch): at lr=1e6 train stops it in
    epoch 2 because the loss grew more than a million times."""
    from nnlib.data import moons

    X, y = moons(n=200, noise=0.1, seed=0)
    net = MLP([2, 16, 2], activation="relu", loss="softmax_cross_entropy", seed=0)
    history = train(net, X * 100, y, lr=lr, epochs=20, batch_size=200, progress=False)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(history.loss)
    return fig


def test_a_loss_that_grew_shows_the_same_message_image_as_nan():
    panel = explore(growing_run, {"lr": [1e-3, 1e6]})
    assert list(panel.messages) == [(1,)]
    message = panel.messages[(1,)]
    assert message.startswith("the loss grew from ") and "in epoch 2, more than a million times as large" in message
    assert "the learning rate 1e+06 is too large" in message and message.endswith("(lr=1e+06)")
    assert png_size(panel.png[(1,)]) == png_size(panel.png[(0,)])
    nan_panel = explore(diverging_run, {"lr": [0.01, 50.0]})  # the way NaN and inf are shown
    assert set(panel.messages) == set(nan_panel.messages)


def test_floating_point_error_shows_a_message():
    def overflow(lr):
        if lr > 1:
            with np.errstate(over="raise"):
                np.exp(np.array([1000.0]))
        return label_figure(lr=lr)

    panel = explore(overflow, {"lr": [0.1, 10.0]})
    assert "overflow" in panel.messages[(1,)] and "learning rate" in panel.messages[(1,)]


def test_every_setting_diverging_still_gives_a_panel():
    def always(lr):
        raise TrainingDiverged("the loss became infinite in epoch 2: too large", 2, None, lr)

    panel = explore(always, {"lr": [1.0, 2.0]})
    assert len(panel.messages) == 2 and len(panel.png) == 2


@pytest.mark.parametrize(
    "run, grid, error, words",
    [
        ("not a function", {"lr": [0.1]}, TypeError, "run must be a function"),
        (label_figure, [("lr", [0.1])], TypeError, "grid must be a dict"),
        (label_figure, {}, ValueError, "at least one control"),
        (label_figure, {"lr": []}, ValueError, "at least one value"),
        (label_figure, {"lr": 0.1}, TypeError, "must be a list of values; got float"),
        (label_figure, {"lr": "0.1"}, TypeError, "must be a list of values; got str"),
        (label_figure, {"lr": [0.1, 0.1]}, ValueError, "distinct values"),
        (label_figure, {"learning rate": [0.1]}, ValueError, "not a valid Python name"),
        (label_figure, {"lr": [None]}, TypeError, "numbers, strings or bools"),
        (label_figure, {"a": list(range(8)), "b": list(range(9))}, ValueError, f"8 × 9 = 72 points; keep it at most {MAX_POINTS}"),
        (lambda lr: None, {"lr": [0.1]}, TypeError,
         "run must return a matplotlib Figure (or a (Figure, str) pair); got NoneType for lr=0.1".replace(")", r"\)")),
    ],
)
def test_bad_input_gets_a_clear_error(run, grid, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(")):
        explore(run, grid)


def test_live_retrain_off_the_grid():
    rec = Recorder()
    panel = explore(rec, {"lr": [0.1, 1.0], "activation": ["relu", "tanh"]})
    live = panel.live
    assert set(live["free"]) == {"lr"}  # strings have no free value
    panel.controls["activation"].index = 1
    panel.controls["lr"].index = 1
    assert live["free"]["lr"].value == 1.0  # the free input follows the slider
    live["free"]["lr"].value = 0.37  # off the grid
    live["button"].click()
    assert rec.calls[-1] == {"lr": 0.37, "activation": "tanh"}
    assert live["result"].value == render_png(label_figure(lr=0.37, activation="tanh"), (3, 2))
    assert "retrained with lr=0.37, activation=tanh in" in live["status"].value


def test_live_retrain_reports_divergence_and_bad_values():
    panel = explore(diverging_run, {"lr": [0.01, 0.02]})
    live = panel.live
    live["free"]["lr"].value = 50.0
    live["retrain"]()
    assert png_size(live["result"].value) == png_size(panel.png[(0,)])
    assert "retrained with lr=50" in live["status"].value
    live["free"]["lr"].value = -1.0
    live["retrain"]()  # rejected before training: the status says so, nothing raises
    assert "learning rate η must be a number greater than 0; got -1." in live["status"].value


# ---------------------------------------------------------------------------
# the live section: checked values, errors replace the picture, the fixed hint

XOR_GRID = {"lr": [0.5, 5.0], "activation": ["sigmoid", "tanh"], "depth": [1, 2]}


@pytest.mark.parametrize(
    "grid, limits, typed, message",
    [
        (XOR_GRID, None, {"depth": -2}, "hidden layers must be a whole number from 0 to 50; got -2."),
        (XOR_GRID, None, {"depth": 51}, "hidden layers must be a whole number from 0 to 50; got 51."),
        (XOR_GRID, None, {"lr": 0.0}, "learning rate η must be a number greater than 0; got 0."),
        (XOR_GRID, None, {"lr": math.nan}, "learning rate η must be a number greater than 0; got nan."),
        (XOR_GRID, None, {"lr": math.inf}, "learning rate η must be a number greater than 0; got inf."),
        (XOR_GRID, None, {"lr": -1.0, "depth": -2},
         "learning rate η must be a number greater than 0; got -1. "
         "hidden layers must be a whole number from 0 to 50; got -2."),
        ({"width": [2, 4]}, None, {"width": 0}, "neurons per layer must be a whole number from 1 to 1024; got 0."),
        ({"seed": [0, 1]}, None, {"seed": -1}, "random seed must be a whole number from 0 to 4294967295; got -1."),
        ({"epochs": [10, 20]}, None, {"epochs": 0}, "epochs must be a whole number from 1 to 10000; got 0."),
        ({"batch_size": [10, 100]}, None, {"batch_size": 0}, "batch size must be a whole number at least 1; got 0."),
        ({"l2": [0.0, 0.01]}, None, {"l2": -0.1}, "l2 must be a number at least 0; got -0.1."),
        ({"dropout": [0.0, 0.5]}, None, {"dropout": 1.0},
         "dropout must be a number at least 0 and less than 1; got 1."),
        ({"depth": [1.0, 2.0]}, None, {"depth": 2.5}, "hidden layers must be a whole number from 0 to 50; got 2.5."),
        # any other name: all grid values >= 0, so the free value must be too
        ({"noise": [0.0, 0.1]}, None, {"noise": -0.5}, "noise must be a number at least 0; got -0.5."),
        ({"noise": [0.0, 0.1]}, {"noise": (0, 0.5)}, {"noise": 0.7}, "noise must be a number from 0 to 0.5; got 0.7."),
        ({"lr": [0.1, 1.0]}, {"lr": Limit(0, 2, low_open=True)}, {"lr": 3.0},
         "learning rate η must be a number greater than 0 and at most 2; got 3."),
    ],
)
def test_live_rejects_a_bad_value_with_what_was_expected_and_what_came(grid, limits, typed, message):
    rec = Recorder()
    panel = explore(rec, grid, limits=limits)
    live = panel.live
    n_calls = len(rec.calls)
    for name, value in typed.items():
        live["free"][name].value = value
    live["retrain"]()  # no exception: the learner sees a message, not a traceback
    assert len(rec.calls) == n_calls  # nothing was trained
    assert message in live["status"].value
    assert "Not retrained" in live["status"].value and "Traceback" not in live["status"].value
    assert live["result"].layout.display == "none"


@pytest.mark.parametrize(
    "grid, typed, expected",
    [
        (XOR_GRID, {"depth": 0}, {"lr": 0.5, "activation": "sigmoid", "depth": 0}),
        (XOR_GRID, {"depth": 50, "lr": 1e-6}, {"lr": 1e-6, "activation": "sigmoid", "depth": 50}),
        ({"dropout": [0.0, 0.5]}, {"dropout": 0.99}, {"dropout": 0.99}),
        ({"shift": [-1.0, 1.0]}, {"shift": -7.5}, {"shift": -7.5}),  # a grid with negatives allows them
        ({"depth": [1.0, 2.0]}, {"depth": 3.0}, {"depth": 3}),  # a whole number typed in a number box
    ],
)
def test_live_accepts_values_inside_the_limits(grid, typed, expected):
    rec = Recorder()
    panel = explore(rec, grid)
    for name, value in typed.items():
        panel.live["free"][name].value = value
    panel.live["retrain"]()
    assert rec.calls[-1] == expected
    assert [type(v) for v in rec.calls[-1].values()] == [type(v) for v in expected.values()]
    assert panel.live["status"].value.startswith("retrained with")


def test_free_inputs_are_whole_numbers_only_where_the_value_is():
    panel = explore(label_figure, {"lr": [1, 2], "depth": [1, 2], "steps": [5, 10], "scale": [0.5, 1.0]})
    kinds = {name: type(w) for name, w in panel.live["free"].items()}
    assert kinds == {"lr": widgets.FloatText, "depth": widgets.IntText, "steps": widgets.IntText,
                     "scale": widgets.FloatText}


def test_an_error_replaces_the_old_picture():
    def run(lr, depth):
        if depth == 3:
            raise ValueError("no network with 3 hidden layers here")
        return label_figure(lr=lr, depth=depth)

    panel = explore(run, {"lr": [0.1, 1.0], "depth": [1, 2]})
    live = panel.live
    live["free"]["lr"].value = 0.3
    live["retrain"]()
    assert live["result"].layout.display is None and live["result"].value != b""
    # a value the panel rejects
    live["free"]["depth"].value = -2
    live["retrain"]()
    assert live["result"].layout.display == "none" and live["result"].value == b""
    # trained again: the picture is back
    live["free"]["depth"].value = 2
    live["retrain"]()
    assert live["result"].layout.display is None
    assert live["result"].value == render_png(label_figure(lr=0.3, depth=2), (3, 2))
    # an error raised by run itself
    live["free"]["depth"].value = 3
    live["retrain"]()
    assert live["result"].layout.display == "none" and live["result"].value == b""
    status = live["status"].value
    assert "training with lr=0.3, depth=3 failed: ValueError: no network with 3 hidden layers here" in status


def test_hint_says_what_to_do_when_retrain_does_nothing():
    """The kernel cannot update the page once it is gone (web page, restart,
    notebook opened without running), so the hint is fixed and covers every case;
    the status only tells what the last retrain did, never that a kernel is missing."""
    panel = explore(label_figure, {"lr": [0.1, 1.0]})
    live = panel.live
    body = live["box"].children[0]
    assert live["hint"] in body.children
    hint = live["hint"].value
    assert LIVE_HINT in hint
    for words in ("If retrain does nothing", "run this cell (again)", "Jupyter or Binder",
                  "web page has no Python kernel", "restarted kernel"):
        assert words in hint
    assert live["status"].value == ""  # the stored page claims nothing about a kernel
    assert "needs" not in live["box"].titles[0]
    live["free"]["lr"].value = -1.0
    live["retrain"]()
    live["free"]["lr"].value = 0.2
    live["retrain"]()
    assert live["hint"].value == hint  # still there, unchanged, after an error and a retrain
    assert "retrained with lr=0.2" in live["status"].value


@pytest.mark.parametrize(
    "grid, limits, error, words",
    [
        ({"depth": [-1, 1]}, None, ValueError,
         "grid['depth'] holds -1, but hidden layers must be a whole number from 0 to 50; pass limits="),
        ({"lr": [0.0, 1.0]}, None, ValueError, "learning rate η must be a number greater than 0"),
        ({"lr": [0.1]}, {"activation": (0, 1)}, ValueError, "only the numeric controls"),
        ({"lr": [0.1], "activation": ["relu"]}, {"activation": (0, 1)}, ValueError, "controls of the grid (lr) have"),
        ({"lr": [0.1]}, {"lr": (2, 1)}, ValueError, "low must not be above high"),
        ({"lr": [0.1]}, {"lr": "big"}, TypeError, "must be a Limit or a"),
        ({"lr": [0.1]}, [("lr", (0, 1))], TypeError, "limits must be a dict"),
        ({"lr": [0.1]}, {"lr": (0.5, 1)}, ValueError, "grid['lr'] holds 0.1"),
    ],
)
def test_bad_limits_get_a_clear_error(grid, limits, error, words):
    with pytest.raises(error, match=re.escape(words)):
        explore(label_figure, grid, limits=limits)


def test_limits_can_allow_what_the_defaults_do_not():
    rec = Recorder()
    panel = explore(rec, {"depth": [-1, 1]}, limits={"depth": (-5, 5)})
    panel.live["free"]["depth"].value = -4
    panel.live["retrain"]()
    assert rec.calls[-1] == {"depth": -4}


@pytest.mark.parametrize(
    "limit, text",
    [(Limit(), "a number"), (Limit(0, 50, integer=True), "a whole number from 0 to 50"),
     (Limit(low=0, low_open=True), "a number greater than 0"), (Limit(high=1, high_open=True), "a number less than 1"),
     (Limit(0, 1, high_open=True), "a number at least 0 and less than 1"), (Limit(high=3), "a number at most 3")],
)
def test_limit_describes_itself(limit, text):
    assert limit.describe() == text
