"""Tests of nnlib.model.early_stopping: the callback on a made-up validation curve,
and train_early_stopping on a real overfitting run (it stops, and the net ends
with the parameters of the best epoch)."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import MLP, History, train
from nnlib.model.early_stopping import EarlyStopping, train_early_stopping


def feed(stopper, net, val_losses):
    """Call the callback as train would, with a given validation curve; return
    the epoch at which it asked to stop (or None)."""
    h = History()
    for epoch, v in enumerate(val_losses, start=1):
        h.val_loss.append(v)
        net.params["b1"][0] = epoch  # mark the parameters with the epoch
        if stopper(epoch, net, h):
            return epoch
    return None


def test_best_epoch_and_patience_on_a_given_curve():
    net = MLP([2, 3, 1], seed=0)
    curve = [1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.9, 0.6]
    stopper = EarlyStopping(patience=3)
    assert feed(stopper, net, curve) == 6
    assert stopper.best_epoch == 3 and stopper.best_loss == 0.7 and stopper.stopped_epoch == 6
    assert stopper.best_params["b1"][0] == 3
    stopper.restore(net)
    assert net.params["b1"][0] == 3


def test_stop_false_records_but_keeps_going():
    net = MLP([2, 3, 1], seed=0)
    stopper = EarlyStopping(patience=3, stop=False)
    assert feed(stopper, net, [1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.9, 0.6]) is None
    assert stopper.stopped_epoch == 6 and stopper.best_epoch == 8


def test_min_delta_ignores_tiny_improvements():
    net = MLP([2, 3, 1], seed=0)
    stopper = EarlyStopping(patience=2, min_delta=0.05)
    assert feed(stopper, net, [1.0, 0.98, 0.97, 0.5]) == 3
    assert stopper.best_epoch == 1


def test_train_early_stopping_on_an_overfitting_run():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    y = (X[:, 0] + 0.8 * rng.normal(size=20) > 0).astype(np.int64)   # noisy labels: overfits
    Xv = rng.normal(size=(200, 2))
    yv = (Xv[:, 0] > 0).astype(np.int64)
    net = MLP([2, 64, 64, 2], activation="relu", loss="softmax_cross_entropy", seed=0)
    calls = []
    history, stopper = train_early_stopping(net, X, y, Xv, yv, patience=15, optimizer="adam", lr=0.01,
                                            epochs=400, batch_size=20, progress=False,
                                            callback=lambda e, n, h: calls.append(e))
    assert stopper.stopped_epoch is not None and stopper.stopped_epoch < 400
    assert history.epochs == stopper.stopped_epoch == len(calls)
    assert stopper.stopped_epoch - stopper.best_epoch == 15
    assert stopper.best_loss == min(history.val_loss) == history.val_loss[stopper.best_epoch - 1]
    # the net was set back to the best epoch: its validation loss is the best one
    assert net.evaluate(Xv, yv)[0] == pytest.approx(stopper.best_loss, rel=1e-12)
    # and the same run without stopping goes on to a worse validation loss
    full = MLP([2, 64, 64, 2], activation="relu", loss="softmax_cross_entropy", seed=0)
    h_full = train(full, X, y, optimizer="adam", lr=0.01, epochs=400, batch_size=20, X_val=Xv, y_val=yv,
                   progress=False)
    assert h_full.val_loss[: history.epochs] == pytest.approx(history.val_loss)
    assert h_full.val_loss[-1] > stopper.best_loss


def test_bad_input():
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(min_delta=-1)
    with pytest.raises(ValueError, match="X_val and y_val"):
        EarlyStopping()(1, MLP([2, 1]), History(loss=[1.0]))
    with pytest.raises(ValueError, match="no epoch"):
        EarlyStopping().restore(MLP([2, 1]))
