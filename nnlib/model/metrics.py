"""Counting what a classifier got right and wrong.

    labels = class_labels(net.forward(X))                 # the predicted class of each sample

    C = confusion_matrix(y_true, y_pred, n_classes=10)     # C[i, j]: true i, predicted j
    report = classification_report(y_true, y_pred, n_classes=10)
    print(format_classification_report(report))

For one class k, with TP the samples of class k predicted as k:

* precision = TP / (number of samples predicted as k): how often a "k" is right;
* recall    = TP / (number of samples of class k): how many of the k's were found;
* F1        = 2 precision recall / (precision + recall), their harmonic mean.

A ratio whose denominator is 0 (a class never predicted, or absent) is
reported as 0.0. Derived in :doc:`/book/08_mnist`.
"""

from __future__ import annotations

import numpy as np

from ..validate import as_labels, check_positive


def class_labels(y, n_classes: int | None = None, n_samples: int | None = None) -> np.ndarray:
    """The class of each sample, shape (N,), from whatever holds it.

    * integer labels, shape (N,): the labels themselves (checked to lie in
      0..n_classes-1 when ``n_classes`` is given);
    * outputs, probabilities, logits or one-hot targets, shape (N, K > 1):
      the argmax of each row, the most probable class;
    * one output per sample, shape (N, 1): 1 where it is >= 0.5, else 0
      (a sigmoid output, or 0/1 targets).

    This is the one place that turns outputs or targets into classes: the
    network's predictions, its accuracy, training's accuracy count and the
    figures all call it.
    """
    y = np.asarray(y)
    if y.ndim == 1:
        if n_classes is None:
            return y
        return as_labels(y, "the labels y", n_classes=n_classes, n_samples=n_samples)
    if y.ndim != 2:
        raise ValueError(f"class labels come from labels (N,) or outputs (N, K); got shape {y.shape}")
    if y.shape[1] == 1:
        return (y[:, 0] >= 0.5).astype(np.int64)
    return y.argmax(axis=1)


def _check_pair(y_true, y_pred, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """y_true and y_pred as int64 label arrays of the same length."""
    check_positive(n_classes, "n_classes", integer=True)
    t = as_labels(y_true, "y_true", n_classes=n_classes)
    p = as_labels(y_pred, "y_pred", n_classes=n_classes, n_samples=t.shape[0])
    return t, p


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Derived in :doc:`/book/08_mnist`.

    Args:
        y_true: the correct labels, ints in 0..n_classes-1, shape (N,).
        y_pred: the predicted labels, shape (N,).
        n_classes: K, the number of classes.
    Returns:
        C, int64 array of shape (K, K): C[i, j] is the number of samples of
        true class i predicted as class j. The diagonal holds the correct
        predictions; row i sums to the number of samples of class i.
    """
    t, p = _check_pair(y_true, y_pred, n_classes)
    counts = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den elementwise, with 0.0 where den is 0."""
    num = num.astype(np.float64)
    den = den.astype(np.float64)
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out


def classification_report(y_true, y_pred, n_classes: int) -> dict:
    """Precision, recall, F1 and support of every class.

    Derived in :doc:`/book/08_mnist`.

    Args:
        y_true: the correct labels, ints in 0..n_classes-1, shape (N,).
        y_pred: the predicted labels, shape (N,).
        n_classes: K, the number of classes.
    Returns:
        a dict with
        "precision", "recall", "f1": float64 arrays of shape (K,), one entry per class;
        "support": int64 array (K,), the number of samples of each true class;
        "accuracy": float, the fraction of all samples predicted right;
        "macro_f1": float, the plain mean of the per-class F1 scores.
    """
    C = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(C)
    predicted = C.sum(axis=0)  # column sums: how often each class was predicted
    support = C.sum(axis=1)  # row sums: how many samples each class has
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    n = int(support.sum())
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support.astype(np.int64),
        "accuracy": float(tp.sum() / n) if n else 0.0,
        "macro_f1": float(f1.mean()),
    }


def format_classification_report(report: dict, digits: int = 3) -> str:
    """The report of ``classification_report`` as a small text table.

    Args:
        report: the dict returned by ``classification_report``.
        digits: decimals shown for precision, recall and F1.
    Returns:
        one line per class, then the accuracy and the macro-averaged F1.
    """
    w = digits + 3
    lines = [f"{'class':>5}  {'precision':>9}  {'recall':>{max(w, 6)}}  {'F1':>{w}}  {'support':>7}"]
    for k in range(len(report["support"])):
        lines.append(
            f"{k:>5}  {report['precision'][k]:>9.{digits}f}  {report['recall'][k]:>{max(w, 6)}.{digits}f}"
            f"  {report['f1'][k]:>{w}.{digits}f}  {int(report['support'][k]):>7d}"
        )
    lines.append(f"accuracy {report['accuracy']:.{digits}f}, macro F1 {report['macro_f1']:.{digits}f}")
    return "\n".join(lines)
