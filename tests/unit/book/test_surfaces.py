"""Tests of nnlib.book.surfaces: values at known points, gradients against finite
differences, and descend's paths (length, first step, divergence, bad input)."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.model import optimizers as O
from nnlib.model.gradcheck import numerical_gradient, relative_error
from nnlib.book.surfaces import (BOWL_MINIMUM, ROSENBROCK_MINIMUM, bowl, bowl_gradient, descend, rosenbrock,
                            rosenbrock_gradient)

CASES = [
    (bowl, bowl_gradient, {}),
    (bowl, bowl_gradient, {"c": 3.5}),
    (rosenbrock, rosenbrock_gradient, {}),
    (rosenbrock, rosenbrock_gradient, {"a": -0.5, "b": 7.0}),
]


@pytest.mark.parametrize("f,grad,kw", CASES)
def test_gradient_matches_finite_differences(f, grad, kw, rng):
    for _ in range(5):
        p = rng.uniform(-2, 2, size=2)
        numeric = numerical_gradient(lambda: f(p[0], p[1], **kw), p, h=1e-6)
        exact = np.array(grad(p[0], p[1], **kw))
        assert relative_error(exact, numeric) < 1e-7


def test_minima_are_zero_and_stationary():
    assert bowl(*BOWL_MINIMUM) == 0 and bowl_gradient(*BOWL_MINIMUM) == (0, 0)
    assert rosenbrock(*ROSENBROCK_MINIMUM) == 0
    assert rosenbrock_gradient(*ROSENBROCK_MINIMUM) == (0, 0)
    assert rosenbrock(-0.5, 0.25, a=-0.5) == 0


def test_known_values_and_elementwise_arrays():
    assert bowl(1.0, 2.0, c=10.0) == 41.0
    assert rosenbrock(0.0, 0.0) == 1.0
    assert rosenbrock(-1.0, 2.0) == 4.0 + 100.0
    x, y = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-1, 3, 5))
    assert rosenbrock(x, y).shape == (5, 7)
    assert bowl(x, y)[2, 3] == bowl(x[2, 3], y[2, 3])


def test_descend_first_sgd_step_is_minus_lr_gradient():
    path = descend(bowl_gradient, O.SGD(lr=0.01), start=(1.0, 1.0), steps=3)
    assert path.shape == (4, 2)
    np.testing.assert_allclose(path[0], [1.0, 1.0])
    np.testing.assert_allclose(path[1], [1.0 - 0.01 * 2.0, 1.0 - 0.01 * 40.0])


@pytest.mark.parametrize("name,lr", [("sgd", 0.02), ("momentum", 0.01), ("rmsprop", 0.01),
                                     ("adam", 0.05), ("adagrad", 0.5)])
def test_every_optimizer_gets_down_the_bowl(name, lr):
    path = descend(bowl_gradient, O.make_optimizer(name, lr), start=(-1.5, 0.8), steps=400)
    assert bowl(*path[-1]) < 1e-2 * bowl(*path[0])


def test_adam_follows_the_rosenbrock_valley():
    path = descend(rosenbrock_gradient, O.Adam(lr=0.02), start=(-1.5, 2.0), steps=2000)
    assert np.linalg.norm(path[-1] - np.array(ROSENBROCK_MINIMUM)) < 0.05


def test_descend_stops_at_the_first_non_finite_point():
    path = descend(rosenbrock_gradient, O.SGD(lr=0.1), start=(-1.5, 2.0), steps=500)
    assert len(path) < 501
    assert np.all(np.isfinite(path[:-1])) and not np.all(np.isfinite(path[-1]))


def test_descend_rejects_bad_input():
    with pytest.raises(TypeError, match="Optimizer"):
        descend(bowl_gradient, "sgd", start=(0.0, 0.0), steps=5)
    with pytest.raises(ValueError, match=r"point \(x, y\)"):
        descend(bowl_gradient, O.SGD(0.1), start=(0.0, 0.0, 1.0), steps=5)
    with pytest.raises(ValueError, match="steps"):
        descend(bowl_gradient, O.SGD(0.1), start=(0.0, 0.0), steps=0)
