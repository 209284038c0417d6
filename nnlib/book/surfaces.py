"""Two-variable test functions on which optimizers can be watched at work.

A network's loss depends on thousands of weights, so its surface cannot be
drawn. A function f(x, y) of two numbers can: its contour lines show valleys
and slopes, and the points an optimizer visits show how it moves. Two classic
shapes are here:

* ``bowl``: an elongated bowl f = x^2 + c y^2, much steeper across (y) than
  along (x). Plain gradient descent zigzags across it; momentum and the
  per-coordinate step sizes of RMSprop and Adam help.
* ``rosenbrock``: Rosenbrock's banana-shaped valley
  f = (a - x)^2 + b (y - x^2)^2, easy to fall into and slow to follow to its
  minimum at (a, a^2).

Each ``f`` works elementwise on arrays (for contour plots) and each
``*_gradient`` returns (df/dx, df/dy). ``descend`` runs any
``nnlib.model.optimizers`` optimizer on such a function and returns its path:

    path = descend(rosenbrock_gradient, Adam(lr=0.05), start=(-1.5, 2.0), steps=300)
    fig = plot_loss_surface_paths(rosenbrock, {"Adam": path}, minimum=ROSENBROCK_MINIMUM)
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..model.optimizers import Optimizer
from ..validate import as_float_array, check_positive

__all__ = ["bowl", "bowl_gradient", "rosenbrock", "rosenbrock_gradient", "descend",
           "BOWL_MINIMUM", "ROSENBROCK_MINIMUM"]

#: Where ``bowl`` is smallest (its value there is 0).
BOWL_MINIMUM = (0.0, 0.0)

#: Where ``rosenbrock`` with the default a = 1 is smallest (its value there is 0).
ROSENBROCK_MINIMUM = (1.0, 1.0)


def bowl(x, y, c: float = 20.0):
    """An elongated bowl: f(x, y) = x^2 + c y^2.

    Args:
        x, y: numbers or arrays of the same shape.
        c: how much steeper the bowl is across (y) than along (x) (> 0).
    Returns:
        f, with the shape of x and y.
    """
    return x * x + c * (y * y)


def bowl_gradient(x, y, c: float = 20.0):
    """The gradient of ``bowl``: (df/dx, df/dy) = (2x, 2c y)."""
    return 2 * x, 2 * c * y


def rosenbrock(x, y, a: float = 1.0, b: float = 100.0):
    """Rosenbrock's valley: f(x, y) = (a - x)^2 + b (y - x^2)^2.

    Args:
        x, y: numbers or arrays of the same shape.
        a, b: the shape; the minimum f = 0 is at (a, a^2).
    Returns:
        f, with the shape of x and y.
    """
    return (a - x) ** 2 + b * (y - x * x) ** 2


def rosenbrock_gradient(x, y, a: float = 1.0, b: float = 100.0):
    """The gradient of ``rosenbrock``:
    df/dx = -2 (a - x) - 4 b x (y - x^2),  df/dy = 2 b (y - x^2)."""
    r = y - x * x
    return -2 * (a - x) - 4 * b * x * r, 2 * b * r


def descend(
    gradient: Callable[[float, float], tuple[float, float]],
    optimizer: Optimizer,
    start: tuple[float, float],
    steps: int,
) -> np.ndarray:
    """Run ``optimizer`` on a function of two variables; return the points visited.

    The point p = (x, y) is kept as a parameter named "p", so the optimizer
    is used exactly as in training: ``optimizer.step({"p": p}, {"p": grad})``.
    If the point becomes infinite or NaN (a learning rate that is too large),
    the path stops there.

    Args:
        gradient: function (x, y) -> (df/dx, df/dy), e.g. rosenbrock_gradient.
        optimizer: an nnlib.model.optimizers Optimizer (a fresh one: its state is used).
        start: the starting point (x, y).
        steps: the number of optimizer steps (> 0).
    Returns:
        path: float64 array of shape (T, 2), the start first; T = steps + 1
        unless the run blew up, in which case the last row is the first
        non-finite point.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nnlib.model.optimizers Optimizer, e.g. SGD(lr=0.01); "
                        f"got {type(optimizer).__name__}")
    check_positive(steps, "steps", integer=True)
    p = as_float_array(start, "start", ndim=1, dtype=np.float64).copy()
    if p.shape != (2,):
        raise ValueError(f"start must be a point (x, y); got shape {p.shape}")
    params = {"p": p}
    path = [p.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            gx, gy = gradient(p[0], p[1])  # NumPy scalars: overflow gives inf, not an error
            optimizer.step(params, {"p": np.array([gx, gy], dtype=np.float64)})
            path.append(p.copy())
            if not np.all(np.isfinite(p)):
                break
    return np.array(path)
