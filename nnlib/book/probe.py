"""Look inside a network: every layer's activations and error signals.

Whether a deep network can learn depends on how signals travel through it:
forward, the activations a^l should neither shrink to 0 nor blow up from
layer to layer; backward, the same holds for the errors delta^l = dL/dz^l,
which set the size of every weight gradient dL/dW^l = (a^(l-1))^T delta^l.
``record_layers`` runs one forward and one backward pass through the MLP's
own steps (``forward_pass``, ``loss_and_delta``, ``backward_pass``) and keeps
all of them; ``plot_layer_histograms`` draws their spread layer by layer::

    rec = record_layers(MLP([100] + [100] * 10 + [10], activation="sigmoid",
                            loss="softmax_cross_entropy"), X, y)
    rec.a[0].std(), rec.delta[0].std()        # layer 1
    fig = plot_layer_histograms(rec)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..model.network import MLP
from .plots import CLASS_COLORS, CLASS_MARKERS, LINE_STYLES, book_style, grid_on

__all__ = ["LayerRecord", "record_layers", "plot_layer_histograms", "plot_layer_spread"]


@dataclass
class LayerRecord:
    """What one forward and backward pass computed, layer by layer.

    Attributes:
        z: [z^1, ..., z^L], pre-activations, z^l of shape (N, n_l).
        a: [a^1, ..., a^(L-1)], the hidden layers' activations, shape (N, n_l).
        delta: [delta^1, ..., delta^L], delta^l = dL/dz^l of shape (N, n_l).
        grads: {"W1": dL/dW^1, "b1": dL/db^1, ...}, as in ``net.params``.
        loss: the data loss L on the batch (no L1/L2 penalty).
    """

    z: list[np.ndarray] = field(default_factory=list)
    a: list[np.ndarray] = field(default_factory=list)
    delta: list[np.ndarray] = field(default_factory=list)
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    loss: float = 0.0

    def stds(self, kind: str) -> list[float]:
        """The standard deviation of each layer's values of ``kind``
        ("a", "z", "delta", or "dW" for the weight gradients), layer 1 first."""
        if kind == "dW":
            return [float(self.grads[f"W{l}"].std()) for l in range(1, len(self.z) + 1)]
        if kind not in ("a", "z", "delta"):
            raise ValueError(f"kind must be 'a', 'z', 'delta' or 'dW'; got {kind!r}")
        return [float(v.std()) for v in getattr(self, kind)]


def record_layers(net: MLP, X, y) -> LayerRecord:
    """One forward and one backward pass of ``net`` on (X, y), keeping every layer.

    The whole network is used (no dropout, as in evaluation mode) and the
    loss is the data loss alone, so for a network without dropout and
    penalties ``grads`` equals ``net.loss_and_grads(X, y)[1]``. The passes
    are the MLP's own: ``forward_pass``, ``loss_and_delta`` and
    ``backward_pass``.

    Args:
        net: an MLP.
        X: inputs, shape (N, n_0).
        y: targets as ``net.loss_and_grads`` takes them.
    Returns:
        a LayerRecord.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an nnlib MLP; got {type(net).__name__}")
    X = net.check_inputs(X)
    y = net.check_targets(y, X.shape[0])
    z_out, caches = net.forward_pass(X, train=False)
    loss, delta_out = net.loss_and_delta(z_out, y)
    grads, deltas = net.backward_pass(delta_out, caches)
    # layers 1..L-1 keep (z^l, g, a^l) in their activation cache; the output
    # layer has none (its activation belongs to the loss), so z^L comes back alone
    hidden = [cache.activation for cache in caches[:-1]]
    return LayerRecord(
        z=[h.z for h in hidden] + [z_out],
        a=[h.a for h in hidden],
        delta=list(deltas),
        grads=grads,
        loss=float(loss),
    )


_ROWS = {
    "a": "activations $a^l$",
    "z": "pre-activations $z^l$",
    "delta": "errors $\\delta^l = \\partial L/\\partial z^l$",
}


def plot_layer_histograms(
    record: LayerRecord,
    kinds: tuple[str, ...] = ("a", "delta"),
    bins: int = 40,
    title: str | None = None,
    width: float = 1.0,
) -> Figure:
    """Histograms of every hidden layer's values: one row per kind, one
    column per layer (layer 1 on the left), with each panel's standard
    deviation written above it.

    All panels of a row share their x range (symmetric around 0 for the
    errors), so a layer whose values have shrunk shows as a thin spike.

    Args:
        record: from ``record_layers``.
        kinds: rows to draw, among "a", "z" and "delta".
        bins: histogram bins per panel (> 0).
        title: a title over the whole figure.
        width: inches per column.
    Returns:
        the Figure (not tracked by pyplot).
    """
    if isinstance(kinds, str):
        kinds = (kinds,)
    for kind in kinds:
        if kind not in _ROWS:
            raise ValueError(f"kinds must be among 'a', 'z', 'delta'; got {kind!r}")
    n_hidden = len(record.a)
    if n_hidden == 0:
        raise ValueError("the network has no hidden layer to draw")
    cols = n_hidden
    with book_style():
        fig = Figure(figsize=(max(3.0, width * cols + 0.8), 1.55 * len(kinds) + 0.5), layout="constrained")
        axes = np.array(fig.subplots(len(kinds), cols, squeeze=False))
        for row, kind in enumerate(kinds):
            values = [v.ravel() for v in getattr(record, kind)[:n_hidden]]
            if kind == "a":
                lo = min(float(v.min()) for v in values)
                hi = max(float(v.max()) for v in values)
            else:
                hi = max(float(np.abs(v).max()) for v in values)
                lo = -hi
            if not hi > lo:
                lo, hi = lo - 1.0, hi + 1.0
            edges = np.linspace(lo, hi, bins + 1)
            for l, (ax, v) in enumerate(zip(axes[row], values), start=1):
                counts, _ = np.histogram(v, bins=edges)
                # one filled outline per panel: much quicker to draw than a bar per bin
                ax.stairs(counts, edges, fill=True, color="C0" if kind != "delta" else "C3")
                ax.set_title(f"layer {l}\nstd {v.std():.1e}", fontsize=7)
                ax.set_yticks([])
                ax.set_xticks([lo, hi] if kind == "a" else [lo, 0, hi])
                ax.tick_params(axis="x", labelsize=6, rotation=90)
                ax.xaxis.set_major_formatter(lambda x, pos: f"{x:.2g}")
            axes[row, 0].set_ylabel(_ROWS[kind], fontsize=7)
        if title:
            fig.suptitle(title)
    return fig


def plot_layer_spread(
    records: dict[str, LayerRecord],
    kinds: tuple[str, str] = ("a", "delta"),
    title: str | None = None,
) -> Figure:
    """How the spread of each layer's values changes with depth, for several networks.

    One panel per kind (by default activations a^l and errors delta^l of the
    hidden layers); in each, one line per network: the standard deviation of
    the layer's values against the layer number, on a logarithmic axis, so a
    constant factor per layer shows as a straight line.

    Args:
        records: label -> LayerRecord (from ``record_layers``), e.g.
            {"ReLU, He": rec1, "ReLU, Xavier": rec2}; labels go in the legend.
        kinds: the panels, among "a", "z" and "delta".
        title: a title over the whole figure.
    Returns:
        the Figure (not tracked by pyplot).
    """
    if not isinstance(records, dict) or not records:
        raise ValueError("records must be a non-empty dict of label -> LayerRecord")
    for kind in kinds:
        if kind not in _ROWS:
            raise ValueError(f"kinds must be among 'a', 'z', 'delta'; got {kind!r}")
    with book_style():
        fig = Figure(figsize=(3.6 * len(kinds) + 1.6, 3.0), layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(kinds)))
        for ax, kind in zip(axes, kinds):
            for i, (label, rec) in enumerate(records.items()):
                n_hidden = len(rec.a)
                stds = np.array(rec.stds(kind)[:n_hidden])
                layer_numbers = np.arange(1, n_hidden + 1)
                ok = stds > 0
                # colour, marker and line style all differ between networks, so
                # colour is never the only way to tell them apart
                ax.plot(layer_numbers[ok], stds[ok], color=CLASS_COLORS[i % len(CLASS_COLORS)],
                        marker=CLASS_MARKERS[i % len(CLASS_MARKERS)], linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                        label=str(label))
            ax.set_yscale("log")
            ax.set_xlabel("hidden layer l")
            ax.set_ylabel("standard deviation of " + _ROWS[kind].split(" ", 1)[1] if kind != "a"
                          else "standard deviation of $a^l$")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            grid_on(ax)
            ax.set_title(_ROWS[kind])
        axes[-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        if title:
            fig.suptitle(title)
    return fig
