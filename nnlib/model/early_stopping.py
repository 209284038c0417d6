"""Early stopping: keep the network from the epoch with the best validation loss.

When a network starts to overfit, its training loss keeps falling while the
loss on held-out validation data turns and rises. Early stopping watches the
validation loss after every epoch, remembers the parameters of the best epoch
so far, and stops once ``patience`` epochs in a row brought no improvement;
the network is then set back to its best parameters::

    history, stopper = train_early_stopping(net, X, y, X_val, y_val, patience=20,
                                            optimizer="adam", lr=0.01, epochs=500)
    stopper.best_epoch, stopper.stopped_epoch

``EarlyStopping`` is a callback for ``nnlib.train`` (train calls it after each
epoch); ``train_early_stopping`` wires it up and does the restoring.
"""

from __future__ import annotations

import math

from .network import MLP
from .train import History, train
from ..validate import check_nonnegative, check_positive

__all__ = ["EarlyStopping", "train_early_stopping"]


class EarlyStopping:
    """A ``train`` callback that tracks the best validation loss.

    Derived in :doc:`/book/07_regularization`.

    Args:
        patience: how many epochs without improvement to wait before stopping (> 0).
        min_delta: an improvement must lower the best validation loss by more
            than this (>= 0).
        stop: if False, never stop; only record where training would have
            stopped (to draw the full curves with the stopping point marked).

    Attributes:
        best_epoch: the epoch (counting from 1) with the lowest validation loss.
        best_loss: that validation loss.
        best_params: a copy of the network's parameters after that epoch.
        stopped_epoch: the epoch after which patience ran out, or None.
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0, stop: bool = True) -> None:
        check_positive(patience, "patience", integer=True)
        check_nonnegative(min_delta, "min_delta")
        self.patience, self.min_delta, self.stop = int(patience), float(min_delta), bool(stop)
        self.best_epoch: int | None = None
        self.best_loss = math.inf
        self.best_params: dict | None = None
        self.stopped_epoch: int | None = None
        self._waited = 0

    def __call__(self, epoch: int, net: MLP, history: History) -> bool:
        """Record the epoch; return True (stop training) once patience ran out."""
        if not history.val_loss:
            raise ValueError("early stopping watches the validation loss: pass X_val and y_val to train")
        loss = history.val_loss[-1]
        if loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self._waited = loss, epoch, 0
            self.best_params = {k: v.copy() for k, v in net.params.items()}
            return False
        self._waited += 1
        if self._waited >= self.patience and self.stopped_epoch is None:
            self.stopped_epoch = epoch
        return self.stop and self.stopped_epoch is not None

    def restore(self, net: MLP) -> None:
        """Set ``net``'s parameters back to those of the best epoch."""
        if self.best_params is None:
            raise ValueError("no epoch has been recorded yet: train with this callback first")
        for k, v in self.best_params.items():
            net.params[k][...] = v


def train_early_stopping(
    net: MLP, X, y, X_val, y_val, patience: int = 10, min_delta: float = 0.0, stop: bool = True, **kwargs
) -> tuple[History, EarlyStopping]:
    """``nnlib.train`` with early stopping; ``net`` ends with its best parameters.

    Derived in :doc:`/book/07_regularization`.

    Args:
        net: the MLP to train (in place).
        X, y: the training set, as for ``train``.
        X_val, y_val: the validation set that decides when to stop.
        patience, min_delta, stop: see EarlyStopping.
        **kwargs: passed on to ``train`` (optimizer, lr, epochs, batch_size,
            seed, progress, schedule, callback: a callback given here is
            called before the early-stopping check).
    Returns:
        (history, stopper): the History up to the epoch where training
        stopped, and the EarlyStopping with best_epoch and stopped_epoch.
    """
    stopper = EarlyStopping(patience, min_delta, stop)
    user_callback = kwargs.pop("callback", None)

    def callback(epoch: int, network: MLP, history: History) -> bool:
        if user_callback is not None and user_callback(epoch, network, history):
            return True
        return stopper(epoch, network, history)

    history = train(net, X, y, X_val=X_val, y_val=y_val, callback=callback, **kwargs)
    stopper.restore(net)
    return history, stopper
