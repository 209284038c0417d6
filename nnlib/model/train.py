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
from .metrics import class_labels
from .optimizers import Optimizer, make_optimizer
from .. import fast as fast_path  # the tuned step, beside the model
from ..validate import check_positive


@dataclass
class History:
    """What happened in training, one entry per epoch.

    ``loss`` and ``accuracy`` are **running means over the epoch's
    minibatches**, weighted by batch size, each batch measured just before
    its own update. They cost nothing extra (backpropagation computes them
    anyway), but they are not the loss and accuracy of the network at the
    end of the epoch: early batches were measured on an older, usually worse
    network, so ``accuracy`` tends to lie a little *below* the trained
    network's accuracy on the same data (``net.evaluate(X, y)`` gives that).
    With one full batch per epoch the difference is the last step alone.
    ``loss`` is also the training objective: it includes any L1/L2 penalty
    and is measured with dropout on.

    ``val_loss`` and ``val_accuracy`` are measured on the validation set
    after the epoch with the whole network (no dropout), and ``val_loss`` is
    the plain data loss (empty lists without a validation set). ``lr`` is
    the learning rate used in each epoch, ``seconds`` the wall time of each
    epoch.

    ``diverged`` is True if training stopped with ``TrainingDiverged``:
    the loss became infinite or NaN, or an epoch's loss grew to more than a
    million times (``DIVERGENCE_FACTOR``) the loss before training. The loss
    before training is that of the first minibatch, measured before the
    first update, or the loss of a network that knows nothing (its output
    layer gives ``z = 0`` for every sample: ln K for cross-entropy with K
    classes) if that is larger, so that a loss wobbling near zero, e.g. from
    1e-9 to 1e-5, is never called divergence. The validation loss, if there
    is one, is held to the same test. See ``train`` for why a million.

    Why running means: measuring the whole training set at the end of every
    epoch would cost one more forward pass over it, which ``net.evaluate``
    takes 0.7 to 0.9 times as long as a whole training epoch on MNIST
    (measured on the development machine, 1 BLAS thread); the book
    evaluates the trained network explicitly where its accuracy matters.
    Explained in :doc:`/book/02_xor`.
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


#: An epoch's loss more than this many times the loss before training means
#: that training diverged (see ``train``).
DIVERGENCE_FACTOR = 1e6


class TrainingDiverged(FloatingPointError):
    """Training stopped because the loss became infinite or NaN, or grew to
    more than ``DIVERGENCE_FACTOR`` (a million) times the loss before
    training (see ``train``).

    Attributes:
        epoch: the epoch (counting from 1) in which it happened.
        history: the History of the finished epochs, with ``diverged`` set. A
            loss that grew is recorded, so the history ends with the epoch
            that was caught; an infinite or NaN loss stops its epoch midway,
            so the history ends with the epoch before.
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
    fast: bool = True,
) -> History:
    """Train ``net`` in place by minibatch gradient descent.

    Derived in :doc:`/book/02_xor` (gradient descent) and
    :doc:`/book/05_optimizers` (minibatches, optimizers and schedules).

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
        fast: take each step with ``nnlib.fast.training_step``, the tuned
            step (the default); False takes ``training_step``, the plain one
            written as the book derives it. Both compute the same thing, up
            to rounding.
    Returns:
        the History.
    Raises:
        TrainingDiverged: the loss became infinite or NaN, or grew more than
            a million times (below); the error says what grew, from what to
            what, in which epoch, and carries the history so far.
        ValueError: bad inputs (shapes, labels, non-positive lr, ...).

    **When training has diverged.** A learning rate far too large makes the
    loss grow geometrically, by orders of magnitude per epoch, until it
    overflows to infinity or NaN; with large inputs it can take 20 epochs
    to get there (e.g. from 3 to 1e291), and the network is ruined long
    before. So ``train`` also stops when the loss of an epoch t is more than
    ``DIVERGENCE_FACTOR`` = 1e6 times the loss before training,
    ``L_t > 1e6 * max(L_start, L_0)``. ``L_start`` is the loss of the first
    minibatch, measured before the first update (with one full batch it is
    the first epoch's loss). ``L_0`` is the loss of a network that knows
    nothing, whose output layer gives ``z = 0`` for every sample: ln K for
    softmax cross-entropy with K classes, ln 2 for the binary one, the mean
    of ``||g(0) - y||^2`` for the squared error (g the output activation).
    ``L_0`` is a floor: a loss that starts near zero (a network trained
    already) and wobbles, e.g. from 1e-9 to 1e-5, is not divergence, and
    neither is a first minibatch that happens to be fitted well. The
    validation loss, when there is one, is held to the same test (with
    ``L_0`` of the validation set).

    Why a million, measured on the book's runs and on 3612 runs over XOR,
    moons, blobs and spirals (squared error and cross-entropy, the five
    optimizers at learning rates from 0.01 to 1000, full batch and
    minibatches of 16, inputs scaled by 1 and by 100): runs that diverge
    grow by many orders of magnitude in an epoch or two, so every factor
    from 1e3 to 1e6 catches them in the same epoch (the second, in the
    median, where infinity or NaN came in the sixth), and a million missed
    none of the runs that passed 1e30. But Adam at eta = 3 in
    :doc:`/book/common_mistakes` throws the loss up 1770 times and then
    recovers, and adaptive optimizers at learning rates of 1 to 3 reach
    peaks up to about 1e5 times their start; only at rates of 10 and more
    (10,000 times Adam's usual 1e-3) do peaks pass a million (51 of the
    2303 runs that ended below their start), and those runs are counted as
    diverged.
    No rule on the parameters is added: their healthy size depends on the
    scale of the inputs (inputs 1e-6 times smaller need weights 1e6 times
    larger), while the loss's ratio to its start does not.
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

    step = fast_path.training_step if fast else training_step
    truth = class_labels(y)  # the class of each sample, once, not per batch
    # The divergence test (see above): L_t > DIVERGENCE_FACTOR * max(L_start, L_0);
    # L_start is known after the first batch.
    floor = knowing_nothing_loss(net, y)  # L_0
    val_floor = knowing_nothing_loss(net, y_val) if has_val else 0.0
    first_batch: list[float] = []  # L_start, the first batch's loss before its update

    def first_epoch_step(net: MLP, optimizer: Optimizer, xb: np.ndarray, yb: np.ndarray) -> tuple[float, np.ndarray]:
        """``step``, keeping the loss of the very first batch."""
        loss, predicted = step(net, optimizer, xb, yb)
        if not first_batch:
            first_batch.append(loss)
        return loss, predicted

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
                loss, accuracy = run_epoch(net, opt, X, y, truth, batch_size, rng,
                                           first_epoch_step if epoch == 0 else step)
                if not math.isfinite(loss):
                    raise _diverged(loss, epoch, history, opt.lr)
                if has_val:
                    val_loss, val_acc = net.evaluate(X_val, y_val)
                    if not math.isfinite(val_loss):  # the epoch's last updates blew up
                        raise _diverged(val_loss, epoch, history, opt.lr)
                    history.val_loss.append(val_loss)
                    history.val_accuracy.append(val_acc)
                history.loss.append(loss)
                history.accuracy.append(accuracy)
                history.lr.append(opt.lr)
                history.seconds.append(time.perf_counter() - start)
                if loss > DIVERGENCE_FACTOR * max(first_batch[0], floor):
                    raise _diverged(loss, epoch, history, opt.lr, before=first_batch[0])
                if has_val and val_loss > DIVERGENCE_FACTOR * max(first_batch[0], val_floor):
                    raise _diverged(val_loss, epoch, history, opt.lr, before=first_batch[0], what="validation loss")
                if bar is not None:
                    shown = {"loss": f"{loss:.4f}", "acc": f"{accuracy:.3f}"}
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


Step = Callable[[MLP, Optimizer, np.ndarray, np.ndarray], "tuple[float, np.ndarray]"]


def training_step(net: MLP, optimizer: Optimizer, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """One step of gradient descent on the batch (X, y): backpropagation,
    then the optimizer's update. The plain step, as the book derives it.

    Args:
        net: the MLP, updated in place.
        optimizer: its update rule.
        X, y: the batch, already checked (``net.check_inputs``, ``net.check_targets``).
    Returns:
        the batch's loss, measured before the update (with dropout on and
        any penalty), and the class each sample was predicted, shape (N,).
        A loss that is not finite comes back without an update.
    """
    loss, grads, z = net.backprop(X, y)
    if math.isfinite(loss):
        optimizer.step(net.params, grads)
    return loss, class_labels(net.output(z))


def run_epoch(
    net: MLP,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    truth: np.ndarray,
    batch_size: int,
    rng: np.random.Generator,
    step: Step = training_step,
) -> tuple[float, float]:
    """One pass over the training set in shuffled minibatches.

    Args:
        net, optimizer: as for ``train``.
        X, y: the training set, already checked.
        truth: the class of each sample, shape (N,) (``class_labels(y)``).
        batch_size: samples per minibatch; N or more means one full batch.
        rng: shuffles the samples (not used for a full batch).
        step: ``training_step`` or ``nnlib.fast.training_step``.
    Returns:
        the epoch's loss and accuracy, each the mean over the minibatches
        weighted by their sizes, every batch measured before its own update.
        The loss is infinite or NaN if a batch's was; the epoch stops there.
    """
    n = X.shape[0]
    order = rng.permutation(n) if batch_size < n else None
    total_loss, correct = 0.0, 0
    for lo in range(0, n, batch_size):
        if order is None:
            xb, yb, tb = X, y, truth
        else:
            idx = order[lo : lo + batch_size]
            # X.take(idx, axis=0) is X[idx], the rows idx; it gathers them a little faster
            xb, yb, tb = X.take(idx, axis=0), y[idx], truth[idx]
        loss, predicted = step(net, optimizer, xb, yb)
        if not math.isfinite(loss):
            return loss, math.nan
        total_loss += loss * xb.shape[0]
        correct += int(np.count_nonzero(predicted == tb))
    return total_loss / n, correct / n


def knowing_nothing_loss(net: MLP, y: np.ndarray) -> float:
    """L_0: the loss of a network that knows nothing, whose output layer gives
    z^L = 0 for every sample: ln K for softmax cross-entropy with K classes,
    ln 2 for binary cross-entropy, the mean of ``||g(0) - y||^2`` for the
    squared error (g the output activation). The least start of the
    divergence test (see ``train``).

    Args:
        net: the MLP (its loss and output activation are used, not its weights).
        y: targets already checked (``net.check_targets``).
    """
    z = np.zeros((y.shape[0], net.sizes[-1]), dtype=net.dtype)
    return float(net.loss_and_delta(z, y)[0])


def _diverged(
    loss: float, epoch: int, history: History, lr: float, before: float | None = None, what: str = "loss"
) -> TrainingDiverged:
    """The error for a loss that became infinite or NaN in ``epoch`` (from 0),
    or, given ``before`` (the loss before training), grew to more than
    DIVERGENCE_FACTOR times it. ``what`` names the loss ("validation loss")."""
    history.diverged = True
    advice = f"the learning rate {lr:g} is too large for this network; try a smaller one"
    if before is None:
        kind = "NaN" if np.isnan(loss) else "infinite"
        message = f"the loss became {kind} in epoch {epoch + 1}: {advice}"
    else:
        message = (
            f"the {what} grew from {before:.3g} before training to {loss:.3g} in epoch {epoch + 1}, "
            f"more than a million times as large: {advice} (a tenth of it, say), "
            "and check that the inputs are scaled (e.g. standardized)"
        )
    return TrainingDiverged(message, epoch + 1, history, lr)
