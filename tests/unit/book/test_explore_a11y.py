"""The explore panel for a screen reader: every grid point has a text (its
setting in words, then its result), shown under the picture in Stacks linked
like the pictures' Stacks, so the shown text always names the shown picture;
sliders carry a spoken name. What the browser does with them (alt texts,
aria-label, the live region) is checked in tests/book/test_accessibility.py.
"""

from __future__ import annotations

import html
import itertools

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib import MLP  # noqa: E402
from nnlib.book.explore import SPOKEN_LABELS, explore, setting_text  # noqa: E402
from nnlib.book.plots import plot_history  # noqa: E402


def plain_figure(**values):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, sum(float(v) if not isinstance(v, str) else len(v) for v in values.values())])
    return fig


def follow(panel, stacks):
    """Apply the links as the browser does, then follow ``stacks`` down to the shown leaf."""
    for link in panel.links:
        (control, _), (stack, attr) = link.source, link.target
        setattr(stack, attr, control.index)
    node = stacks[0][0]
    while isinstance(node, widgets.Stack):
        node = node.children[node.selected_index]
    return node


@pytest.mark.parametrize(
    "point, words",
    [
        ({"lr": 5, "activation": "tanh", "depth": 2}, "learning rate 5, tanh activation, 2 hidden layers"),
        ({"depth": 1}, "1 hidden layer"),
        ({"lr": 0.5, "seed": 3}, "learning rate 0.5, random seed 3"),
        ({"epochs": 1, "width": 8}, "1 epoch, 8 neurons per layer"),
        ({"dropout": 0.2}, "dropout 0.2"),
        ({"batch_size": 32, "l2_penalty": 0.01}, "batch size 32, l2 penalty 0.01"),
    ],
)
def test_setting_text_says_a_setting_in_words(point, words):
    assert setting_text(point) == words


def test_the_symbol_of_the_learning_rate_is_spoken():
    panel = explore(plain_figure, {"lr": [0.1, 1.0], "activation": ["relu", "tanh"]})
    assert panel.controls["lr"].description == "learning rate η"  # what a sighted reader sees
    assert panel.controls["lr"].tooltip == "learning rate" == SPOKEN_LABELS["lr"]  # what the handle is named
    assert "η" not in "".join(panel.texts.values())
    assert panel.controls["activation"].tooltip == "activation"


def test_a_panel_without_results_still_says_its_setting():
    """A run returning a plain figure (every chapter today) gets the setting alone."""
    panel = explore(plain_figure, {"lr": [0.1, 1.0], "depth": [1, 2]})
    assert panel.texts[(1, 0)] == "learning rate 1, 1 hidden layer."
    assert panel.texts[(0, 1)] == "learning rate 0.1, 2 hidden layers."


def test_run_may_return_its_result_in_words():
    def run(lr, activation):
        return plain_figure(lr=lr), f"loss {lr / 10:.3f} with {activation}"

    panel = explore(run, {"lr": [5.0, 1.0], "activation": ["tanh", "relu"]})
    assert panel.texts[(0, 0)] == "learning rate 5, tanh activation: loss 0.500 with tanh."
    assert panel.texts[(1, 1)] == "learning rate 1, relu activation: loss 0.100 with relu."
    with pytest.raises(TypeError, match="the result must be a str"):
        explore(lambda lr: (plain_figure(lr=lr), 0.5), {"lr": [1.0]})


def test_a_figure_of_nnlib_plots_brings_its_own_description():
    from nnlib.model.train import History

    def run(lr):
        h = History()
        h.loss.extend([0.7, 0.3 / lr, 0.1 / lr])
        return plot_history(h, metrics=("loss",))

    panel = explore(run, {"lr": [1.0, 2.0]})
    assert panel.texts[(1,)] == ("learning rate 2: Learning curves over 3 epochs: "
                                 "training loss falls from 0.7 to 0.05.")


def test_the_title_of_a_plain_figure_is_its_result():
    def run(lr):
        fig = plain_figure(lr=lr)
        fig.suptitle(f"loss {lr / 100:.3f},\n4 of 4 right")
        return fig

    panel = explore(run, {"lr": [1.0]})
    assert panel.texts[(0,)] == "learning rate 1: loss 0.010, 4 of 4 right."


def test_a_title_the_description_already_holds_is_said_once():
    from nnlib.model.train import History

    def run(lr):
        h = History()
        h.loss.extend([1.0, lr])
        return plot_history(h, metrics=("loss",), title=f"eta {lr}: done")

    panel = explore(run, {"lr": [0.5]})
    assert panel.texts[(0,)] == ("learning rate 0.5: eta 0.5: done: Learning curves over 2 epochs: "
                                 "training loss falls from 1 to 0.5.")


def test_a_diverged_point_says_so():
    def run(lr):
        if lr > 1:
            raise FloatingPointError("overflow in exp")
        return plain_figure(lr=lr)

    panel = explore(run, {"lr": [0.5, 10.0]})
    assert panel.texts[(1,)].startswith("learning rate 10: training diverged: the numbers overflowed (overflow in exp)")
    assert panel.texts[(0,)] == "learning rate 0.5."


def test_the_shown_text_always_names_the_shown_picture():
    grid = {"lr": [0.1, 0.5, 2.0], "activation": ["sigmoid", "tanh"], "depth": [1, 2]}
    panel = explore(plain_figure, grid)
    assert "nnx-result" in panel.children[2]._dom_classes
    for idx in itertools.product(range(3), range(2), range(2)):
        for name, i in zip(grid, idx):
            panel.controls[name].index = i
        image = follow(panel, panel.stacks)
        text = follow(panel, panel.text_stacks)
        assert image is panel.images[idx]
        assert text is panel.text_widgets[idx]
        key = "-".join(map(str, idx))
        assert f"nnx-point-{key}" in image._dom_classes and f"nnx-text-{key}" in text._dom_classes
        point = {name: grid[name][i] for name, i in zip(grid, idx)}
        assert html.unescape(text.value) == panel.texts[idx] == setting_text(point) + "."
    # a planted mismatch is caught: swap two texts and the check above fails
    a, b = panel.text_widgets[(0, 0, 0)], panel.text_widgets[(0, 0, 1)]
    a.value, b.value = b.value, a.value
    for name in grid:
        panel.controls[name].index = 0
    assert html.unescape(follow(panel, panel.text_stacks).value) != panel.texts[(0, 0, 0)]


def test_texts_are_escaped_html():
    panel = explore(lambda mode: (plain_figure(), "<b>x</b> & y"), {"mode": ["a<b"]})
    assert panel.text_widgets[(0,)].value == "mode a&lt;b: &lt;b&gt;x&lt;/b&gt; &amp; y."


def test_the_real_net_result_reads_well():
    """The brief's example, end to end: a run that reports what it learned."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])

    def run(depth):
        net = MLP([2] + [4] * depth + [1], activation="tanh", seed=0)
        right = int(np.sum(net.predict(X) == y))
        return plain_figure(depth=depth), f"{right} of 4 points right before training"

    panel = explore(run, {"depth": [1, 2]})
    assert panel.texts[(1,)].startswith("2 hidden layers: ")
    assert panel.texts[(1,)].endswith(" of 4 points right before training.")
