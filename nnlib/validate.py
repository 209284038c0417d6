"""Checks on what public functions are given, with errors that say what was
expected and what came.

Every public function of ``nnlib`` calls these helpers instead of writing its
own checks, so that the messages read the same everywhere.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np


def as_float_array(x, name: str, ndim: int | None = None, dtype=None) -> np.ndarray:
    """Return ``x`` as a floating-point array, checking its rank and values.

    Args:
        x: array-like of numbers.
        name: how the argument is called in the message (``"X"``).
        ndim: the number of dimensions required, or None for any.
        dtype: the dtype to convert to; None keeps a float dtype and turns
            anything else into float64.

    Raises:
        TypeError: ``x`` is not numeric.
        ValueError: wrong number of dimensions, or NaN / infinite values.
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers; got dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension{'s' if ndim != 1 else ''}; "
            f"got shape {arr.shape} ({arr.ndim} dimension{'s' if arr.ndim != 1 else ''})"
        )
    check_finite(arr, name)
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ValueError if ``arr`` holds NaN or infinite values."""
    if not np.all(np.isfinite(arr)):
        n_nan = int(np.isnan(arr).sum())
        n_inf = int(np.isinf(arr).sum())
        raise ValueError(f"{name} must be finite; it holds {n_nan} NaN and {n_inf} infinite values")


def check_shape(arr: np.ndarray, expected: tuple, name: str) -> None:
    """Raise ValueError unless ``arr.shape`` matches ``expected``.

    ``expected`` may hold None for a dimension of any size, e.g. ``(None, 784)``.
    """
    ok = arr.ndim == len(expected) and all(
        e is None or e == s for e, s in zip(expected, arr.shape)
    )
    if not ok:
        raise ValueError(f"{name} must have shape {format_shape(expected)}; got shape {arr.shape}")


def as_labels(y, name: str, n_classes: int, n_samples: int | None = None) -> np.ndarray:
    """Return integer class labels ``y`` as an int64 array of shape (N,).

    Args:
        y: array-like of whole numbers in ``0 .. n_classes - 1``.
        name: how the argument is called in the message.
        n_classes: the number of classes.
        n_samples: the N it must have, or None.

    Raises:
        ValueError: wrong shape, non-integer values, or labels out of range.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be integer class labels of shape (N,); got shape {arr.shape}"
        )
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have {n_samples} labels, one per sample; got {arr.shape[0]}"
        )
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.number) or arr.dtype == bool:
            raise ValueError(f"{name} must hold integer class labels; got dtype {arr.dtype}")
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            bad = arr[~np.isfinite(arr) | (arr != np.round(arr))][:3]
            raise ValueError(f"{name} must hold whole-number class labels; got values such as {bad.tolist()}")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        bad = arr[(arr < 0) | (arr >= n_classes)][:3]
        raise ValueError(
            f"{name} must hold labels from 0 to {n_classes - 1}; got values such as {bad.tolist()}"
        )
    return arr


def check_positive(value, name: str, integer: bool = False) -> None:
    """Raise ValueError unless ``value`` is a finite number > 0 (an int if ``integer``)."""
    if integer:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"{name} must be a positive whole number; got {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a positive number; got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number; got {value!r}")


def check_choice(value: str, choices: Iterable[str], name: str) -> None:
    """Raise ValueError unless ``value`` is one of ``choices`` (listed in the message)."""
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; known: {', '.join(map(repr, choices))}")


def check_nonnegative(value, name: str) -> None:
    """Raise ValueError unless ``value`` is a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number >= 0; got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number >= 0; got {value!r}")


def check_seed(seed) -> None:
    """Raise ValueError unless ``seed`` is a whole number >= 0."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")


def check_sizes(sizes) -> list[int]:
    """``sizes`` as a list of at least two positive whole numbers (the
    units per layer, inputs first and outputs last); ValueError otherwise."""
    try:
        sizes = list(sizes)
    except TypeError:
        raise ValueError(f"sizes must list the units per layer, e.g. [2, 2, 1]; got {sizes!r}") from None
    if len(sizes) < 2 or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes
    ):
        raise ValueError(
            f"sizes must list at least two positive whole numbers (inputs ... outputs); got {sizes!r}"
        )
    return [int(s) for s in sizes]


def format_shape(shape: tuple) -> str:
    """A shape as the messages write it: None as N, and (3,) for one dimension."""
    inner = ", ".join("N" if e is None else str(e) for e in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
