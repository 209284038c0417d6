"""Optimizers: rules that turn gradients into parameter updates.

Each optimizer has a learning rate ``lr`` (eta in the book) and a method
``step(params, grads)`` that updates the arrays of ``params`` in place. State
(velocities, running averages) is kept per parameter name and has the
parameter's dtype, so float32 training stays float32.

Learning-rate schedules are functions epoch -> learning rate; ``train``
calls one at the start of each epoch and sets ``optimizer.lr``.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..validate import check_choice, check_positive


class Optimizer:
    """The base class: subclasses implement ``update(name, p, g)``."""

    def __init__(self, lr: float) -> None:
        check_positive(lr, "the learning rate lr")
        self.lr = float(lr)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self.t = 0  # the number of steps taken

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every parameter in place from its gradient."""
        self.t += 1
        for name, p in params.items():
            self.update(name, p, grads[name])

    def update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def gradient_scale(self) -> float:
        """A factor that ``train`` may fold into the backward pass: it then
        asks the network for ``gradient_scale() * gradient`` and calls
        ``step_prescaled``. 1 for every optimizer but plain SGD."""
        return 1.0

    def step_prescaled(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """``step`` for gradients already multiplied by ``gradient_scale()``
        (``train`` calls it only when that factor is not 1)."""
        raise NotImplementedError(f"{type(self).__name__} takes plain gradients: call step")

    def _buffer(self, name: str, key: str, like: np.ndarray) -> np.ndarray:
        slot = self.state.setdefault(name, {})
        if key not in slot:
            slot[key] = np.zeros_like(like)
        return slot[key]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """Plain gradient descent: p <- p - eta g.

    In ``train`` the product eta g costs nothing: backpropagation is linear
    in the output layer's delta, so multiplying that small (N, n_L) array by
    eta makes every gradient come out as eta g (``gradient_scale``), and the
    update is a single subtraction (``step_prescaled``). That saves a pass
    over every weight matrix."""

    def update(self, name, p, g):
        step = self._buffer(name, "step", p)  # reused every step: no new array
        np.multiply(g, self.lr, out=step)
        p -= step

    def gradient_scale(self) -> float:
        if type(self).update is not SGD.update:  # a subclass with its own rule needs plain g
            return 1.0
        return self.lr

    def step_prescaled(self, params, grads):
        """p <- p - (eta g), where grads already hold eta g."""
        self.t += 1
        for name, p in params.items():
            p -= grads[name]


class Momentum(Optimizer):
    """SGD with momentum: v <- beta v - eta g;  p <- p + v.

    The velocity v averages recent gradients, so steps grow along directions
    that agree and cancel along directions that oscillate."""

    def __init__(self, lr: float, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = float(beta)

    def update(self, name, p, g):
        v = self._buffer(name, "v", p)
        v *= self.beta
        v -= self.lr * g
        p += v


class Adagrad(Optimizer):
    """Adagrad: s <- s + g^2;  p <- p - eta g / (sqrt(s) + eps).

    Each parameter gets its own step size, shrinking as its gradients add up."""

    def __init__(self, lr: float, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.eps = float(eps)

    def update(self, name, p, g):
        s = self._buffer(name, "s", p)
        s += g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)


class RMSprop(Optimizer):
    """RMSprop: s <- rho s + (1 - rho) g^2;  p <- p - eta g / (sqrt(s) + eps).

    Like Adagrad, but with a running average, so step sizes do not shrink to 0."""

    def __init__(self, lr: float, rho: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.rho, self.eps = float(rho), float(eps)

    def update(self, name, p, g):
        s = self._buffer(name, "s", p)
        s *= self.rho
        s += (1 - self.rho) * (g * g)
        p -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum and RMSprop with bias correction.

    m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
    p <- p - eta m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - beta1^t)
    and v_hat = v / (1 - beta2^t)."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def update(self, name, p, g):
        m = self._buffer(name, "m", p)
        v = self._buffer(name, "v", p)
        # Two scratch arrays, reused every step: the same operations in the
        # same order as the formulas above, without a new array for each.
        step = self._buffer(name, "step", p)
        denom = self._buffer(name, "denom", p)
        m *= self.beta1
        np.multiply(g, 1 - self.beta1, out=step)
        m += step
        v *= self.beta2
        np.multiply(g, g, out=step)
        step *= 1 - self.beta2
        v += step
        m_scale = 1 / (1 - self.beta1 ** self.t)  # Python floats: no dtype upcast
        v_scale = 1 / (1 - self.beta2 ** self.t)
        np.multiply(m, self.lr * m_scale, out=step)  # eta m_hat
        np.multiply(v, v_scale, out=denom)
        np.sqrt(denom, out=denom)
        denom += self.eps  # sqrt(v_hat) + eps
        step /= denom
        p -= step


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}
"""The optimizers by name."""


def make_optimizer(name: str | Optimizer, lr: float) -> Optimizer:
    """An optimizer from its name ("sgd", "momentum", "adagrad", "rmsprop",
    "adam"), or the given Optimizer unchanged."""
    if isinstance(name, Optimizer):
        return name
    check_choice(name, OPTIMIZERS, "optimizer")
    return OPTIMIZERS[name](lr)


def step_decay(lr0: float, drop: float = 0.5, every: int = 10) -> Callable[[int], float]:
    """eta(epoch) = lr0 * drop^floor(epoch / every): halve every 10 epochs by default.
    Epochs count from 0."""
    check_positive(lr0, "lr0")
    check_positive(every, "every", integer=True)
    return lambda epoch: lr0 * drop ** (epoch // every)


def exponential_decay(lr0: float, rate: float = 0.95) -> Callable[[int], float]:
    """eta(epoch) = lr0 * rate^epoch. Epochs count from 0."""
    check_positive(lr0, "lr0")
    return lambda epoch: lr0 * rate**epoch


def cosine_decay(lr0: float, epochs: int, lr_min: float = 0.0) -> Callable[[int], float]:
    """eta(epoch) from lr0 down to lr_min along half a cosine over ``epochs``."""
    check_positive(lr0, "lr0")
    check_positive(epochs, "epochs", integer=True)
    return lambda epoch: lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * min(epoch, epochs) / epochs))
