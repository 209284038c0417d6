"""Minibatch training with seeded shuffling, a history and a progress bar.

    history = train(net, X, y, optimizer="adam", lr=1e-3, epochs=10, X_val=Xv, y_val=yv)
    history.loss, history.accuracy, history.val_loss, history.val_accuracy
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .network import MLP
from .optimizers import Optimizer, make_optimizer
from ..validate import check_positive


@dataclass
class History:
    """What happened in training, one entry per epoch.

    ``loss`` and ``accuracy`` are measured on the training minibatches while
    the epoch runs (each batch before its update), weighted by batch size; so
    ``loss`` is the training objective: it includes any L1/L2 penalty and is
    measured with dropout on. ``val_loss`` and ``val_accuracy`` are measured
    on the validation set after the epoch with the whole network (no dropout)
    and ``val_loss`` is the plain data loss (empty lists without a validation
    set). ``lr`` is the learning rate used in each epoch,
    ``seconds`` the wall time of each epoch.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    diverged: bool = False

    @property
    def epochs(self) -> int:
        """The number of epochs completed."""
        return len(self.loss)

    def epochs_to_reach(self, loss: float) -> int | None:
        """The first epoch (counting from 1) whose training loss is <= ``loss``,
        or None if training never got there."""
        for i, value in enumerate(self.loss):
            if value <= loss:
                return i + 1
        return None


class TrainingDiverged(FloatingPointError):
    """Training stopped because the loss became infinite or NaN.

    Attributes:
        epoch: the epoch (counting from 1) in which it happened.
        history: the History up to the last finished epoch, with
            ``diverged`` set.
        lr: the learning rate in use.
    """

    def __init__(self, message: str, epoch: int, history: History, lr: float) -> None:
        super().__init__(message)
        self.epoch, self.history, self.lr = epoch, history, lr


def train(
    net: MLP,
    X,
    y,
    optimizer: str | Optimizer = "sgd",
    lr: float = 0.1,
    epochs: int = 10,
    batch_size: int = 128,
    seed: int = 0,
    X_val=None,
    y_val=None,
    progress: bool = True,
    schedule: Callable[[int], float] | None = None,
    callback: Callable[[int, MLP, History], bool | None] | None = None,
) -> History:
    """Train ``net`` in place by minibatch gradient descent.

    Args:
        net: the MLP to train.
        X: training inputs, shape (N, n_0).
        y: training targets as ``net.loss_and_grads`` takes them.
        optimizer: "sgd", "momentum", "adagrad", "rmsprop", "adam", or an
            Optimizer (whose own learning rate is then used).
        lr: the learning rate eta (> 0).
        epochs: the number of passes over the training set (> 0).
        batch_size: samples per minibatch (> 0); N or more means full batch.
        seed: seeds the shuffling: the same seed gives the same batches.
        X_val, y_val: an optional validation set, evaluated after each epoch.
        progress: show a progress bar (tqdm) over the epochs; pass False in
            tests and in stored notebook outputs.
        schedule: an optional function epoch -> learning rate (epochs from 0),
            e.g. nnlib.model.optimizers.step_decay(0.1).
        callback: an optional function called after each epoch as
            callback(epoch, net, history), epoch counting from 1; if it
            returns True, training stops there (e.g. early stopping).
    Returns:
        the History.
    Raises:
        TrainingDiverged: the loss became infinite or NaN; the error says in
            which epoch and carries the history so far.
        ValueError: bad inputs (shapes, labels, non-positive lr, ...).
    """
    X = net.check_inputs(X)
    y = net.check_targets(y, X.shape[0])
    check_positive(epochs, "epochs", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    if not isinstance(optimizer, Optimizer):
        check_positive(lr, "the learning rate lr")
    opt = make_optimizer(optimizer, lr)
    has_val = X_val is not None
    if has_val != (y_val is not None):
        raise ValueError("give both X_val and y_val, or neither")
    if has_val:
        X_val = net.check_inputs(X_val)
        y_val = net.check_targets(y_val, X_val.shape[0])

    n = X.shape[0]
    truth = _true_classes(y)  # once, not per batch
    rng = np.random.default_rng(seed)
    history = History()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="training", unit="epoch")
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for epoch in range(epochs):
                start = time.perf_counter()
                if schedule is not None:
                    lr_epoch = float(schedule(epoch))
                    check_positive(lr_epoch, f"the learning rate the schedule gave for epoch {epoch + 1}")
                    opt.lr = lr_epoch
                order = rng.permutation(n) if batch_size < n else None
                total_loss = 0.0
                correct = 0
                # SGD gets eta g straight from backpropagation (see SGD).
                scale = opt.gradient_scale()
                for lo in range(0, n, batch_size):
                    if order is None:
                        xb, yb, tb = X, y, truth
                    else:
                        idx = order[lo : lo + batch_size]
                        xb, yb = X.take(idx, axis=0), y[idx]  # take: a little faster than X[idx]
                        tb = yb if truth is y else truth[idx]
                    loss, grads, predicted = net._loss_and_grads_unchecked(xb, yb, scale)
                    if not math.isfinite(loss):
                        raise _diverged(loss, epoch, history, opt.lr)
                    total_loss += loss * xb.shape[0]
                    correct += int(np.count_nonzero(predicted == tb))
                    if scale == 1:
                        opt.step(net.params, grads)
                    else:
                        opt.step_prescaled(net.params, grads)
                    # Let the gradients go now, not when the next step returns
                    # new ones: then the next step's gradients can reuse their
                    # memory, which is still in the cache.
                    del grads
                history.loss.append(total_loss / n)
                history.accuracy.append(correct / n)
                history.lr.append(opt.lr)
                if has_val:
                    val_loss, val_acc = net.evaluate(X_val, y_val)
                    if not np.isfinite(val_loss):  # the epoch's last updates blew up
                        for values in (history.loss, history.accuracy, history.lr):
                            values.pop()
                        raise _diverged(val_loss, epoch, history, opt.lr)
                    history.val_loss.append(val_loss)
                    history.val_accuracy.append(val_acc)
                history.seconds.append(time.perf_counter() - start)
                if bar is not None:
                    shown = {"loss": f"{history.loss[-1]:.4f}", "acc": f"{history.accuracy[-1]:.3f}"}
                    if has_val:
                        shown["val_acc"] = f"{history.val_accuracy[-1]:.3f}"
                    bar.set_postfix(shown, refresh=False)
                    bar.update(1)
                if callback is not None and callback(epoch + 1, net, history):
                    break
    finally:
        if bar is not None:
            bar.close()
    return history


def _diverged(loss: float, epoch: int, history: History, lr: float) -> TrainingDiverged:
    """The error for a loss that became infinite or NaN in ``epoch`` (from 0)."""
    history.diverged = True
    kind = "NaN" if np.isnan(loss) else "infinite"
    return TrainingDiverged(
        f"the loss became {kind} in epoch {epoch + 1}: the learning rate {lr:g} "
        "is too large for this network; try a smaller one",
        epoch + 1, history, lr,
    )


def _true_classes(y: np.ndarray) -> np.ndarray:
    """The class of each sample: y itself for labels, else argmax or rounding of the targets."""
    if y.ndim == 1:
        return y
    if y.shape[1] > 1:
        return y.argmax(axis=1)
    with np.errstate(invalid="ignore"):  # huge regression targets: their "class" is meaningless anyway
        return np.round(y[:, 0]).astype(np.int64)
