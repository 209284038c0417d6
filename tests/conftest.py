"""Shared fixtures and settings for the nnlib unit tests.

The markers (unit, book, bench) are applied by folder in the conftest.py at
the root of the repository, which also sees the notebooks in book/."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh seeded generator for each test."""
    return np.random.default_rng(12345)


@pytest.fixture
def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR samples (written out here so the core tests do not
    depend on nnlib.data)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y
