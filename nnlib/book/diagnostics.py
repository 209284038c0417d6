"""Watch a network train: the diagnostics of :doc:`/book/debugging`.

The chapter "Debugging a network" checks a network before training (the
initial loss, a gradient check, overfitting a tiny subset) and then watches it
train. This module holds the tools of the second part:

* :func:`update_ratios`: for every weight matrix, how large one update is next
  to the weights, ``||W_after - W_before|| / ||W_before||``; about 1e-3 is
  healthy, much more means a learning rate too large, much less one too small.
* :func:`dead_units`: how many units of each hidden layer output exactly 0
  for every sample (dead ReLUs).
* :func:`watch_training`: trains a network step by step, recording the loss,
  the update ratios of every step and, at chosen steps, every layer's
  activations and gradients (a :class:`~nnlib.book.probe.LayerRecord`) and
  its dead units.
* :func:`lr_range_test`: one short run whose learning rate grows
  exponentially from step to step; the loss against the learning rate shows
  which rates learn and where training blows up.
* :func:`plot_update_ratios`, :func:`plot_histograms_over_time`,
  :func:`plot_lr_range_test` and :func:`plot_watch` draw them; each figure
  records a description of what it shows, so
  :func:`nnlib.book.plots.with_alt_text` can show it with an alt text.

Example::

    net = MLP([2, 32, 32, 3], activation="relu", loss="softmax_cross_entropy", seed=0)
    watch = watch_training(net, X, y, optimizer="sgd", lr=0.1, steps=300, snapshots=(0, 300))
    watch.ratios["W1"][-1], watch.dead[300]
    with_alt_text(plot_update_ratios(watch))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..model.network import MLP
from ..model.optimizers import Optimizer, make_optimizer
from ..validate import check_positive, check_seed
from .plots import (CLASS_COLORS, CLASS_MARKERS, LINE_STYLES, axes_to_draw_in, book_style, grid_on, new_figure,
                    set_description)
from .probe import LayerRecord, record_layers

__all__ = [
    "HEALTHY_RATIO",
    "update_ratios",
    "dead_units",
    "Watch",
    "watch_training",
    "LRRangeTest",
    "lr_range_test",
    "plot_update_ratios",
    "plot_histograms_over_time",
    "plot_lr_range_test",
    "plot_watch",
]

#: The update-to-weight ratio that is usually healthy for plain gradient
#: descent (CS231n's rule of thumb): each step changes the weights by about a
#: thousandth of their size.
HEALTHY_RATIO = 1e-3


def _weight_names(params: Mapping[str, np.ndarray]) -> list[str]:
    return [name for name in params if name.startswith("W")]


def update_ratios(before: Mapping[str, np.ndarray], after: Mapping[str, np.ndarray]) -> dict[str, float]:
    """The update-to-weight ratio of every weight matrix.

    Derived in :doc:`/book/debugging`. For each weight matrix ``W^l`` (the keys
    of ``before`` that start with "W": biases start at 0, so their ratio says
    little), the size of the update next to the size of the weights, with
    Frobenius norms::

        ratio^l = ||W^l_after - W^l_before|| / ||W^l_before||

    A weight matrix of zeros gives inf if it changed and 0.0 if not.

    Args:
        before: the parameters before a step, e.g. a copy of ``net.params``.
        after: the parameters after it, with the same keys and shapes.
    Returns:
        {"W1": ratio, "W2": ratio, ...}, in the order of ``before``.
    Raises:
        ValueError: a weight matrix is missing from ``after`` or has another shape.
    """
    ratios = {}
    for name in _weight_names(before):
        if name not in after:
            raise ValueError(f"the parameters after the step have no {name!r}; got keys {sorted(after)}")
        w0 = np.asarray(before[name], dtype=np.float64)
        w1 = np.asarray(after[name], dtype=np.float64)
        if w0.shape != w1.shape:
            raise ValueError(f"{name} has shape {w0.shape} before the step and {w1.shape} after it")
        change = float(np.linalg.norm(w1 - w0))
        size = float(np.linalg.norm(w0))
        ratios[name] = change / size if size > 0 else (math.inf if change > 0 else 0.0)
    return ratios


def dead_units(net: MLP, X) -> list[int]:
    """The number of dead units of every hidden layer on the inputs X.

    Derived in :doc:`/book/debugging`. A unit is dead on X when its activation
    is exactly 0 for every sample (a dead ReLU: no gradient reaches its
    weights). Sigmoid and tanh units are never exactly 0, so they count as
    alive.

    Args:
        net: an MLP.
        X: inputs, shape (N, n_0).
    Returns:
        one count per hidden layer, layer 1 first (empty without hidden layers).
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an nnlib MLP; got {type(net).__name__}")
    _, caches = net.forward_pass(net.check_inputs(X), train=False)
    return [int(np.sum(np.all(cache.activation.a == 0, axis=0))) for cache in caches[:-1]]


@dataclass
class Watch:
    """What :func:`watch_training` recorded.

    Attributes:
        loss: the loss of every step's minibatch, measured before its update.
        ratios: {"W1": [ratio of step 1, ratio of step 2, ...], ...}.
        snapshots: {step: LayerRecord on the probe set}; step 0 is before training.
        dead: {step: dead units per hidden layer on the probe set}.
        diverged: True if the loss became infinite or NaN and training stopped.
        lr: the learning rate.
    """

    loss: list[float] = field(default_factory=list)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    snapshots: dict[int, LayerRecord] = field(default_factory=dict)
    dead: dict[int, list[int]] = field(default_factory=dict)
    diverged: bool = False
    lr: float = 0.0

    @property
    def steps(self) -> int:
        """The number of steps taken."""
        return len(self.loss)

    def median_ratios(self, last: int | None = None) -> dict[str, float]:
        """The median update ratio of each weight matrix over all steps, or the ``last`` ones."""
        return {name: float(np.median(values[-last:] if last else values)) if values else math.nan
                for name, values in self.ratios.items()}


def _batches(n: int, batch_size: int, rng: np.random.Generator):
    """Index arrays of minibatches, epoch after epoch, each epoch shuffled."""
    while True:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start:start + batch_size]


def watch_training(
    net: MLP,
    X,
    y,
    optimizer: str | Optimizer = "sgd",
    lr: float = 0.1,
    steps: int = 200,
    batch_size: int = 32,
    seed: int = 0,
    snapshots: Sequence[int] = (0,),
    probe: tuple | None = None,
) -> Watch:
    """Train ``net`` in place step by step, recording the diagnostics of every step.

    Derived in :doc:`/book/debugging`. Each step is the MLP's own
    ``backprop`` on a minibatch (shuffled with ``seed``, epoch after epoch)
    followed by the optimizer's ``step``, as in ``nnlib.train``; so a
    subclass of MLP that changes ``backward_pass`` (a planted bug) trains
    with its bug. Training stops early, with ``diverged`` set, when a loss is
    infinite or NaN.

    Args:
        net: the MLP, trained in place.
        X, y: the training set, as ``net.loss_and_grads`` takes it.
        optimizer: an optimizer's name ("sgd", "momentum", "adam", ...) or an Optimizer.
        lr: the learning rate (for a name).
        steps: the number of steps (> 0).
        batch_size: samples per minibatch (> 0).
        seed: seeds the shuffling.
        snapshots: the steps after which to record every layer (0 = before
            training); steps past the end are ignored.
        probe: (X, y) on which snapshots and dead units are measured; None
            takes the training set.
    Returns:
        a :class:`Watch`.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an nnlib MLP; got {type(net).__name__}")
    check_positive(steps, "steps", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    check_seed(seed)
    X = net.check_inputs(X)
    y = net.check_targets(y, X.shape[0])
    Xp, yp = (X, y) if probe is None else (net.check_inputs(probe[0]), None)
    if probe is not None:
        yp = net.check_targets(probe[1], Xp.shape[0])
    opt = make_optimizer(optimizer, lr)
    wanted = {int(s) for s in snapshots}
    watch = Watch(ratios={name: [] for name in _weight_names(net.params)}, lr=float(opt.lr))

    def snapshot(step: int) -> None:
        if step in wanted:
            watch.snapshots[step] = record_layers(net, Xp, yp)
            watch.dead[step] = dead_units(net, Xp)

    batches = _batches(X.shape[0], batch_size, np.random.default_rng(seed))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        snapshot(0)
        for step in range(1, steps + 1):
            idx = next(batches)
            loss, grads, _ = net.backprop(X[idx], y[idx])
            if not math.isfinite(loss) or not all(np.all(np.isfinite(g)) for g in grads.values()):
                watch.diverged = True
                break
            before = {name: net.params[name].copy() for name in watch.ratios}
            opt.step(net.params, grads)
            watch.loss.append(float(loss))
            for name, ratio in update_ratios(before, net.params).items():
                watch.ratios[name].append(ratio)
            snapshot(step)
    return watch


@dataclass
class LRRangeTest:
    """The result of :func:`lr_range_test`.

    Attributes:
        lrs: the learning rate of each step.
        losses: the loss of each step's minibatch, before its update.
        smoothed: the losses smoothed by an exponential moving average
            (weight 0.9 on the past, bias-corrected as in Adam).
        suggested: the suggested learning rate: a tenth of the rate where
            the smoothed loss was lowest.
        stopped_early: True if the smoothed loss grew past ``stop_factor``
            times its best (or became infinite) before the last step.
    """

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    suggested: float
    stopped_early: bool


def lr_range_test(
    net: MLP,
    X,
    y,
    lr_min: float = 1e-4,
    lr_max: float = 10.0,
    steps: int = 100,
    batch_size: int = 32,
    optimizer: str = "sgd",
    seed: int = 0,
    stop_factor: float = 4.0,
) -> LRRangeTest:
    """A learning-rate range test: one short run whose rate grows step by step.

    Derived in :doc:`/book/debugging` (after Smith, "Cyclical learning rates
    for training neural networks", 2017). A copy of ``net`` is trained (the
    network itself is left alone) for at most ``steps`` minibatch steps; step
    k uses the rate ``lr_min * (lr_max / lr_min) ** (k / (steps - 1))``, so
    the rate grows exponentially from ``lr_min`` to ``lr_max``. While the rate
    is too small the loss hardly moves, then it falls, and past the largest
    workable rate it shoots up: the test stops when the smoothed loss exceeds
    ``stop_factor`` times its lowest value, or is no longer finite. The
    suggestion is a tenth of the rate at the lowest smoothed loss: there the
    loss still fell fastest without blowing up, and training at the edge is
    unstable, so one steps back by a factor of 10.

    Args:
        net: the MLP (not changed).
        X, y: the training set, as ``net.loss_and_grads`` takes it.
        lr_min, lr_max: the first and the last rate (0 < lr_min < lr_max).
        steps: the number of steps (at least 2).
        batch_size: samples per minibatch.
        optimizer: an optimizer's name.
        seed: seeds the shuffling.
        stop_factor: stop when the smoothed loss passes this many times its best (> 1).
    Returns:
        an :class:`LRRangeTest`.
    Raises:
        FloatingPointError: the loss of the very first step is not finite.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an nnlib MLP; got {type(net).__name__}")
    check_positive(lr_min, "lr_min")
    check_positive(lr_max, "lr_max")
    if not lr_max > lr_min:
        raise ValueError(f"lr_max must be larger than lr_min; got lr_min={lr_min:g}, lr_max={lr_max:g}")
    check_positive(steps, "steps", integer=True)
    if steps < 2:
        raise ValueError(f"steps must be at least 2; got {steps}")
    check_positive(batch_size, "batch_size", integer=True)
    if not stop_factor > 1:
        raise ValueError(f"stop_factor must be larger than 1; got {stop_factor!r}")
    net = net.copy()
    X = net.check_inputs(X)
    y = net.check_targets(y, X.shape[0])
    opt = make_optimizer(optimizer, lr_min)
    batches = _batches(X.shape[0], batch_size, np.random.default_rng(seed))
    lrs, losses, smoothed = [], [], []
    average, best, stopped = 0.0, math.inf, False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for k in range(steps):
            opt.lr = lr_min * (lr_max / lr_min) ** (k / (steps - 1))
            idx = next(batches)
            loss, grads, _ = net.backprop(X[idx], y[idx])
            if not math.isfinite(loss):
                stopped = True
                break
            average = 0.9 * average + 0.1 * loss
            value = average / (1 - 0.9 ** (k + 1))
            lrs.append(float(opt.lr))
            losses.append(float(loss))
            smoothed.append(float(value))
            best = min(best, value)
            if value > stop_factor * best:
                stopped = k < steps - 1
                break
            opt.step(net.params, grads)
    if not smoothed:
        raise FloatingPointError(f"the loss of the first step (at lr_min={lr_min:g}) is not finite: the network "
                                 "or the data are broken before any training (check the initial loss)")
    lowest = int(np.argmin(smoothed))
    return LRRangeTest(lrs, losses, smoothed, lrs[lowest] / 10, stopped)


# ---------------------------------------------------------------------------
# figures


def _num(x: float) -> str:
    return f"{x:.2g}" if math.isfinite(x) else "not finite"


def plot_update_ratios(watch: Watch, ax=None, title: str | None = None,
                       healthy: float = HEALTHY_RATIO) -> Figure:
    """The update-to-weight ratio of every weight matrix against the step, on a log axis.

    Derived in :doc:`/book/debugging`. A dotted line marks ``healthy``
    (1e-3). The figure's description names each layer's median ratio.

    Args:
        watch: from :func:`watch_training`.
        ax: an axes to draw in; None makes a new figure.
        title: the axes' title.
        healthy: where to draw the healthy level.
    Returns:
        the Figure.
    """
    with book_style():
        ax, _ = axes_to_draw_in(ax, (4.6, 3.0))
        fig = ax.figure
        steps = np.arange(1, watch.steps + 1)
        for i, (name, values) in enumerate(watch.ratios.items()):
            values = np.asarray(values, dtype=np.float64)
            ok = values > 0
            ax.plot(steps[ok], values[ok], color=CLASS_COLORS[i % len(CLASS_COLORS)], linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                    linewidth=1.2, label=f"$W^{name[1:]}$")
        ax.axhline(healthy, color="0.3", linestyle=":", linewidth=1.2, label=f"{healthy:g}")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("||update|| / ||W||")
        grid_on(ax)
        ax.legend(loc="best", fontsize=7)
        if title:
            ax.set_title(title)
    medians = watch.median_ratios()
    words = ", ".join(f"{name} {_num(v)}" for name, v in medians.items())
    set_description(fig, f"Update-to-weight ratio per layer over {watch.steps} steps on a log axis, with "
                         f"the healthy level {healthy:g} dotted; median ratios: {words}.")
    return fig


_KINDS = {"a": "activations $a^l$", "delta": "errors $\\delta^l$", "dW": "gradients $\\partial L/\\partial W^l$"}


def _values(record: LayerRecord, kind: str, layer: int) -> np.ndarray:
    if kind == "dW":
        return record.grads[f"W{layer}"].ravel()
    return getattr(record, kind)[layer - 1].ravel()


def plot_histograms_over_time(watch: Watch, kind: str = "a", title: str | None = None,
                              bins: int = 30) -> Figure:
    """Histograms of every hidden layer's values at each snapshot of a run.

    Derived in :doc:`/book/debugging`. One row per snapshot step (before
    training first), one column per hidden layer. ``kind`` is "a" (the
    activations), "delta" (the errors dL/dz) or "dW" (the weight gradients).
    Each panel is titled with the standard deviation of its values and, for
    activations, the share of exact zeros. All panels of a column share their
    x range, so a layer whose values shrink or saturate shows it.

    Args:
        watch: from :func:`watch_training`, with at least one snapshot.
        kind: "a", "delta" or "dW".
        title: a title over the figure.
        bins: bins per histogram.
    Returns:
        the Figure.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'a', 'delta' or 'dW'; got {kind!r}")
    if not watch.snapshots:
        raise ValueError("the watch has no snapshots: pass snapshots=(0, ...) to watch_training")
    steps = sorted(watch.snapshots)
    n_hidden = len(watch.snapshots[steps[0]].a)
    if n_hidden == 0:
        raise ValueError("the network has no hidden layer to draw")
    stds: dict[int, list[float]] = {}
    with book_style():
        fig = new_figure((1.5 * n_hidden + 1.0, 1.25 * len(steps) + 0.6))
        axes = np.array(fig.subplots(len(steps), n_hidden, squeeze=False))
        for col in range(n_hidden):
            layer = col + 1
            column = [_values(watch.snapshots[s], kind, layer) for s in steps]
            finite = [v[np.isfinite(v)] for v in column]
            hi = max((float(np.abs(v).max()) for v in finite if v.size), default=1.0)
            lo = min((float(v.min()) for v in finite if v.size), default=0.0) if kind == "a" else -hi
            if not hi > lo:
                lo, hi = lo - 1.0, hi + 1.0
            edges = np.linspace(lo, hi, bins + 1)
            for row, (s, v) in enumerate(zip(steps, finite)):
                ax = axes[row, col]
                counts, _ = np.histogram(v, bins=edges)
                ax.stairs(counts, edges, fill=True, color="C0" if kind == "a" else "C3")
                std = float(v.std()) if v.size else math.nan
                stds.setdefault(s, []).append(std)
                zeros = f", {np.mean(v == 0):.0%} zero" if kind == "a" else ""
                ax.set_title(f"layer {layer}, step {s}\nstd {std:.1e}{zeros}", fontsize=6)
                ax.set_yticks([])
                ax.tick_params(axis="x", labelsize=6)
                ax.set_xticks([lo, hi] if kind == "a" else [lo, 0, hi])
                ax.xaxis.set_major_formatter(lambda x, pos: f"{x:.2g}")
        axes[0, 0].set_ylabel(_KINDS[kind], fontsize=7)
        if title:
            fig.suptitle(title)
    words = "; ".join(f"step {s}: " + ", ".join(f"{_num(v)}" for v in stds[s]) for s in steps)
    set_description(fig, f"Histograms of the {_KINDS[kind].split(' ')[0]} of {n_hidden} hidden layers at "
                         f"steps {', '.join(map(str, steps))}; standard deviations, layer 1 first, {words}.")
    return fig


def plot_lr_range_test(result: LRRangeTest, ax=None, title: str | None = None) -> Figure:
    """The loss of a learning-rate range test against the learning rate (log axis).

    Derived in :doc:`/book/debugging`. The raw losses are thin, the smoothed
    ones thick; a dotted line marks the suggested rate.

    Args:
        result: from :func:`lr_range_test`.
        ax: an axes to draw in; None makes a new figure.
        title: the axes' title.
    Returns:
        the Figure.
    """
    with book_style():
        ax, _ = axes_to_draw_in(ax, (4.6, 3.0))
        fig = ax.figure
        ax.plot(result.lrs, result.losses, color=CLASS_COLORS[1], linewidth=0.8, label="loss of the step")
        ax.plot(result.lrs, result.smoothed, color=CLASS_COLORS[3], linewidth=1.8, label="smoothed")
        ax.axvline(result.suggested, color="0.3", linestyle=":", linewidth=1.2,
                   label=f"suggested {result.suggested:.2g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate η")
        ax.set_ylabel("loss")
        grid_on(ax)
        ax.legend(loc="upper left", fontsize=7)
        if title:
            ax.set_title(title)
    lowest = int(np.argmin(result.smoothed))
    set_description(fig, f"Learning-rate range test over {len(result.lrs)} steps, rates from "
                         f"{result.lrs[0]:.2g} to {result.lrs[-1]:.2g} on a log axis: the smoothed loss "
                         f"goes from {result.smoothed[0]:.3g} to its lowest, {result.smoothed[lowest]:.3g}, "
                         f"at rate {result.lrs[lowest]:.2g}, and ends at {result.smoothed[-1]:.3g}; "
                         f"suggested rate {result.suggested:.2g}.")
    return fig


def plot_watch(watch: Watch, title: str | None = None, chance_loss: float | None = None) -> Figure:
    """Three panels of one watched run: the loss, the update ratios, the dead units.

    Derived in :doc:`/book/debugging`, for its panel of broken networks.
    Left, the loss of every step (a dashed line at ``chance_loss``, e.g. ln K);
    middle, :func:`plot_update_ratios`; right, the share of dead units of each
    hidden layer at each snapshot.

    Args:
        watch: from :func:`watch_training`, with snapshots.
        title: a title over the figure.
        chance_loss: the loss of guessing, drawn for reference (None: not drawn).
    Returns:
        the Figure.
    """
    with book_style():
        fig = new_figure((9.6, 2.8))
        ax_loss, ax_ratio, ax_dead = fig.subplots(1, 3)
        steps = np.arange(1, watch.steps + 1)
        ax_loss.plot(steps, watch.loss, color=CLASS_COLORS[3], linewidth=1.0)
        if chance_loss is not None:
            ax_loss.axhline(chance_loss, color="0.3", linestyle="--", linewidth=1.0, label="chance")
            ax_loss.legend(loc="best", fontsize=7)
        ax_loss.set_yscale("log")
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss")
        ax_loss.set_title("loss" + (" (stopped: not finite)" if watch.diverged else ""))
        grid_on(ax_loss)
    plot_update_ratios(watch, ax=ax_ratio, title="update / weight")
    with book_style():
        snaps = sorted(watch.dead)
        sizes = [a.shape[1] for a in watch.snapshots[snaps[0]].a] if snaps else []
        for i, n in enumerate(sizes):
            share = [watch.dead[s][i] / n for s in snaps]
            ax_dead.plot(snaps, share, marker=CLASS_MARKERS[i % len(CLASS_MARKERS)],
                         color=CLASS_COLORS[i % len(CLASS_COLORS)],
                         linestyle=LINE_STYLES[i % len(LINE_STYLES)], label=f"layer {i + 1}")
        ax_dead.set_ylim(-0.05, 1.05)
        ax_dead.set_xlabel("step")
        ax_dead.set_ylabel("share of dead units")
        ax_dead.set_title("dead units")
        grid_on(ax_dead)
        if sizes:
            ax_dead.legend(loc="best", fontsize=7)
        if title:
            fig.suptitle(title)
    end = watch.loss[-1] if watch.loss else math.nan
    start = watch.loss[0] if watch.loss else math.nan
    medians = watch.median_ratios()
    last = sorted(watch.dead)[-1] if watch.dead else None
    dead = (", ".join(str(d) for d in watch.dead[last]) + f" dead units per layer at step {last}"
            if last is not None else "no dead-unit counts")
    set_description(fig, f"Over {watch.steps} steps the loss goes from {start:.3g} to {end:.3g}"
                         f"{' and then stops being finite' if watch.diverged else ''}; median update ratios "
                         + ", ".join(f"{n} {_num(v)}" for n, v in medians.items()) + f"; {dead}.")
    return fig
