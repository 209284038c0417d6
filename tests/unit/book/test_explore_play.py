"""Tests of the animations of nnlib.book.explore (``play="epoch"``): run is
called once per setting of the other controls (the frames of one training
run are cached, not retrained), every frame is a grid point with its own
picture and text, the Play widget is jslinked to the frame control's index,
the live section gives run a list of one frame, a run that diverges keeps
the frames before it, Snapshots keeps the network at the chosen epochs, and
bad arguments give errors that say what was expected.

The links act in the browser; here they are applied by hand, as in
test_explore.py. tests/book/test_animations.py presses play in a real browser.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib import MLP, TrainingDiverged, train  # noqa: E402
from nnlib.book.explore import Snapshots, explore  # noqa: E402
from nnlib.data import xor  # noqa: E402

EPOCHS = [0, 5, 10, 20]
GRID = {"lr": [0.5, 5.0], "epoch": EPOCHS, "activation": ["sigmoid", "tanh"]}


def frame_figure(**values) -> plt.Figure:
    """A figure that draws its own arguments, so every frame looks different."""
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(0.5, 0.5, repr(sorted(values.items())), ha="center", fontsize=6)
    return fig


class FrameRun:
    """A run that records its calls and gives one frame per epoch, with a result text."""

    def __init__(self):
        self.calls = []

    def __call__(self, lr, epoch, activation):
        self.calls.append({"lr": lr, "epoch": list(epoch), "activation": activation})
        return [(frame_figure(lr=lr, epoch=e, activation=activation), f"loss {1 / (e + 1):.3f}") for e in epoch]


def apply_links(panel) -> None:
    """What the browser does: the Play's value to its control's index, then each index to its Stacks."""
    if panel.play_link is not None:
        (source, attr), (target, target_attr) = panel.play_link.source, panel.play_link.target
        setattr(target, target_attr, getattr(source, attr))
    for link in panel.links:
        (control, _), (stack, attr) = link.source, link.target
        setattr(stack, attr, control.index)


def shown(panel, stacks_of_level0) -> widgets.Widget:
    node = stacks_of_level0[0]
    while isinstance(node, widgets.Stack):
        node = node.children[node.selected_index]
    return node


@pytest.fixture(scope="module")
def animated():
    run = FrameRun()
    return explore(run, GRID, play="epoch", title="Demo"), run.calls


def test_run_is_called_once_per_setting_of_the_other_controls(animated):
    panel, calls = animated
    # 2 learning rates x 2 activations = 4 training runs, not 16 (one per frame)
    assert len(calls) == 4
    assert sorted((c["lr"], c["activation"]) for c in calls) == [
        (0.5, "sigmoid"), (0.5, "tanh"), (5.0, "sigmoid"), (5.0, "tanh")]
    assert all(c["epoch"] == EPOCHS for c in calls), "run gets the whole list of frame epochs"
    assert len(panel.png) == 16 and len(panel.images) == 16


def test_every_frame_is_its_own_picture_in_grid_order(animated):
    panel, _ = animated
    assert len(set(panel.png.values())) == 16
    # index (lr, epoch, activation): the frame epoch is the middle level, as in the grid
    assert panel.stacks[1] and len(panel.stacks[1][0].children) == len(EPOCHS)
    assert panel.texts[(1, 2, 0)] == "learning rate 5, epoch 10, sigmoid activation: loss 0.091."


def test_each_frame_text_names_its_epoch_and_result(animated):
    panel, _ = animated
    for (i, j, k), text in panel.texts.items():
        assert f"epoch {EPOCHS[j]}," in text
        assert text.endswith(f"loss {1 / (EPOCHS[j] + 1):.3f}.")
    assert panel.text_widgets[(0, 3, 1)].value.startswith("learning rate 0.5, epoch 20, tanh activation")


def test_the_play_widget_drives_the_frame_control(animated):
    panel, _ = animated
    play, slider = panel.play, panel.controls["epoch"]
    assert isinstance(play, widgets.Play) and panel.play_name == "epoch"
    assert (play.min, play.max, play.step, play.value) == (0, len(EPOCHS) - 1, 1, 0)
    assert isinstance(panel.play_link, widgets.widget_link.Link)
    assert panel.play_link.source == (play, "value")
    assert panel.play_link.target == (slider, "index")
    assert "nnx-play-epoch" in play._dom_classes
    # the Play sits in the row of controls, just before its slider
    row = next(c for c in panel.children if isinstance(c, widgets.HBox))
    kids = list(row.children)
    assert kids.index(play) + 1 == kids.index(slider)
    # pressing play moves the value; the links then show that frame, whatever the other controls say
    panel.controls["lr"].index = 1
    panel.controls["activation"].index = 1
    for frame in range(len(EPOCHS)):
        play.value = frame
        apply_links(panel)
        assert slider.index == frame
        image = shown(panel, panel.stacks[0])
        assert image is panel.images[(1, frame, 1)]
        assert image.value == panel.png[(1, frame, 1)]


def test_without_play_there_is_no_play_widget():
    panel = explore(lambda lr: frame_figure(lr=lr), {"lr": [0.1, 1.0]})
    assert panel.play is None and panel.play_link is None and panel.play_name is None
    assert not any(isinstance(w, widgets.Play) for w in panel.children[0].children)


def test_a_generator_run_and_one_other_control():
    calls = []

    def run(epoch, seed):
        calls.append(seed)
        for e in epoch:
            yield frame_figure(epoch=e, seed=seed)

    panel = explore(run, {"epoch": [1, 2, 3], "seed": [0, 1]}, play="epoch", interval=150)
    assert calls == [0, 1]
    assert panel.play.interval == 150
    assert len(panel.png) == 6 and panel.texts[(2, 1)] == "epoch 3, random seed 1."
    assert panel.play_link.target == (panel.controls["epoch"], "index")


def test_the_play_control_alone():
    panel = explore(lambda step: [frame_figure(step=s) for s in step], {"step": [0, 1, 2]}, play="step")
    assert len(panel.png) == 3 and panel.texts[(1,)] == "step 1."


def test_frames_after_divergence_show_the_message_and_the_ones_before_stay():
    def run(lr, epoch):
        for e in epoch:
            if lr > 1 and e >= 10:
                raise TrainingDiverged(f"the loss grew in epoch {e}", e, None, lr)
            yield frame_figure(lr=lr, epoch=e)

    panel = explore(run, {"lr": [0.5, 50.0], "epoch": [0, 5, 10, 20]}, play="epoch")
    assert not panel.messages.get((0, 3))
    assert set(panel.messages) == {(1, 2), (1, 3)}
    assert "the loss grew in epoch 10" in panel.messages[(1, 2)]
    assert panel.texts[(1, 3)].startswith("learning rate 50, epoch 20: training diverged: the loss grew")
    assert panel.texts[(1, 1)] == "learning rate 50, epoch 5."
    assert panel.png[(1, 1)] != panel.png[(1, 2)]


def test_live_retrain_gives_run_one_frame():
    calls = []

    def run(lr, epoch):
        calls.append(list(epoch))
        return [(frame_figure(lr=lr, epoch=e), f"epoch {e} shown") for e in epoch]

    panel = explore(run, {"lr": [0.5, 5.0], "epoch": [0, 10, 20]}, play="epoch")
    calls.clear()
    panel.live["free"]["epoch"].value = 15
    panel.live["free"]["lr"].value = 2.0
    panel.live["retrain"]()
    assert calls == [[15]]
    assert "retrained with lr=2, epoch=15" in panel.live["status"].value
    assert panel.live["result"].value[:8] == b"\x89PNG\r\n\x1a\n"
    # an epoch outside its limit is not trained
    panel.live["free"]["epoch"].value = -3
    panel.live["retrain"]()
    assert calls == [[15]]
    assert "epoch must be a whole number from 0 to 10000; got -3" in panel.live["status"].value


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"play": 3}, TypeError, "play must be the name of a grid control (a str)"),
        ({"play": "epochs"}, ValueError, "play='epochs' must name a control of the grid (lr, epoch)"),
        ({"play": "lr", "grid": {"lr": ["a", "b"], "epoch": [0, 1]}}, ValueError, "must be numbers"),
        ({"grid": {"lr": [0.1], "epoch": [0]}}, ValueError, "at least 2 frames; grid['epoch'] holds 1"),
        ({"grid": {"lr": [0.1], "epoch": [0, 20, 10]}}, ValueError, "must be in increasing order; got [0, 20, 10]"),
        ({"interval": 0}, ValueError, "interval must be a positive number of milliseconds"),
        ({"interval": "fast"}, ValueError, "interval must be a positive number of milliseconds"),
    ],
)
def test_bad_play_arguments_say_what_was_expected(kwargs, error, words):
    calls = []

    def run(lr, epoch):
        calls.append(lr)
        return [frame_figure(e=e) for e in epoch]

    args = {"grid": {"lr": [0.1, 1.0], "epoch": [0, 1]}, "play": "epoch", **kwargs}
    grid = args.pop("grid")
    with pytest.raises(error) as info:
        explore(run, grid, **args)
    assert words in str(info.value)
    assert calls == [], "nothing is trained before the arguments are checked"


def test_run_must_give_one_frame_per_epoch():
    with pytest.raises(ValueError, match=r"one frame per value of 'epoch' \(3\); it gave 2 for lr=0.1"):
        explore(lambda lr, epoch: [frame_figure(e=e) for e in epoch[:2]], {"lr": [0.1], "epoch": [0, 1, 2]},
                play="epoch")
    with pytest.raises(TypeError, match="run must return one frame per value of 'epoch'.*got Figure"):
        explore(lambda lr, epoch: frame_figure(lr=lr), {"lr": [0.1], "epoch": [0, 1]}, play="epoch")
    with pytest.raises(TypeError, match="each frame of run must return a matplotlib Figure.*got str"):
        explore(lambda lr, epoch: ["a picture" for e in epoch], {"lr": [0.1], "epoch": [0, 1]}, play="epoch")


def test_no_figure_is_left_open():
    before = set(plt.get_fignums())
    explore(FrameRun(), GRID, play="epoch")
    assert set(plt.get_fignums()) == before


# ---------------------------------------------------------------------------
# Snapshots


def test_snapshots_keep_the_network_and_history_at_the_chosen_epochs():
    X, y = xor()
    net = MLP([2, 2, 1], activation="sigmoid", loss="mse", seed=0)
    start = net.copy()
    snaps = Snapshots(net, [10, 0, 3])
    assert snaps.epochs == [0, 3, 10] and snaps.last == 10
    history = train(net, X, y, lr=5.0, epochs=snaps.last, batch_size=4, callback=snaps, progress=False)
    assert sorted(snaps.networks) == [0, 3, 10]
    np.testing.assert_array_equal(snaps.networks[0].params["W1"], start.params["W1"])
    np.testing.assert_array_equal(snaps.networks[10].params["W1"], net.params["W1"])
    # the snapshot after epoch 3 is the network after 3 epochs, not a reference to the live one
    again = start.copy()
    train(again, X, y, lr=5.0, epochs=3, batch_size=4, progress=False)
    np.testing.assert_allclose(snaps.networks[3].params["W1"], again.params["W1"])
    assert not np.allclose(snaps.networks[3].params["W1"], net.params["W1"])
    assert snaps.histories[0].epochs == 0 and snaps.histories[3].epochs == 3
    assert snaps.histories[10].loss == history.loss


@pytest.mark.parametrize("epochs, error", [([], TypeError), ("10", TypeError), ([1.5], ValueError),
                                           ([-1, 2], ValueError)])
def test_snapshots_reject_bad_epochs(epochs, error):
    net = MLP([2, 1], seed=0)
    with pytest.raises(error, match="whole numbers >= 0"):
        Snapshots(net, epochs)


def test_pictures_texts_and_stacks_share_one_layout(animated):
    """Every widget of a panel would otherwise save its own Layout model in
    the page (about 1.5 KB each, more than a small frame's PNG)."""
    panel, _ = animated
    layouts = {id(w.layout) for w in list(panel.images.values()) + list(panel.text_widgets.values())}
    layouts |= {id(s.layout) for level in panel.stacks + panel.text_stacks for s in level}
    assert len(layouts) == 1
    assert len({id(t.style) for t in panel.text_widgets.values()}) == 1
    # the live section's picture, hidden until a retrain, keeps a layout of its own
    assert id(panel.live["result"].layout) not in layouts
