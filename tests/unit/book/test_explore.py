"""Tests of nnlib.book.explore: the precomputed grid, the nesting of Stacks, the
browser-side links, divergence messages, input checks and the fixed repr.

The links (ipywidgets.jslink) only act in the browser; here they are applied by
hand (each link copies its control's index to its Stack), which is what the
browser does. tests/test_book.py checks the same thing in a real browser.
"""

from __future__ import annotations

import itertools
import struct

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib import MLP, TrainingDiverged, train  # noqa: E402
from ipywidgets.widgets.widget_link import Link  # noqa: E402

from nnlib.book.explore import MAX_POINTS, explore, render_png  # noqa: E402

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
    assert len(panel.links) == 1 + 3 + 6
    for name, level in zip(GRID, panel.stacks):
        for stack in level:
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
        (lambda lr: None, {"lr": [0.1]}, TypeError, "run must return a matplotlib Figure; got NoneType for lr=0.1"),
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
    live["free"]["lr"].value = -1.0
    live["retrain"]()  # nnlib rejects the value: the status says so, nothing raises
    assert "Error" in live["status"].value and "lr" in live["status"].value
