"""Optimizers: rules that turn gradients into parameter updates.

Each optimizer has a learning rate ``lr`` (eta in the book) and a method
``step(params, grads)`` that updates the arrays of ``params`` in place: the
update rule, line by line as :doc:`/book/05_optimizers` derives it. State
(velocities, running averages) is kept per parameter name and has the
parameter's dtype, so float32 training stays float32 (the constants are
Python floats, which never upcast an array).

Learning-rate schedules are functions epoch -> learning rate; ``train``
calls one at the start of each epoch and sets ``optimizer.lr``.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..validate import check_choice, check_positive


class Optimizer:
    """The base class: each optimizer's ``step`` is its update rule, written
    as the book writes it. Derived in :doc:`/book/05_optimizers`.

    Attributes:
        lr: the learning rate eta.
        t: the number of steps taken so far.
        state: what the rule remembers, per parameter name:
            ``state["W1"]["v"]`` is momentum's velocity for W^1, for example.
    """

    def __init__(self, lr: float) -> None:
        check_positive(lr, "the learning rate lr")
        self.lr = float(lr)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self.t = 0

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every parameter of ``params`` in place from its gradient in ``grads``."""
        raise NotImplementedError(f"{type(self).__name__} must define step(params, grads)")

    def slot(self, name: str, key: str, like: np.ndarray) -> np.ndarray:
        """The array ``state[name][key]``, made of zeros shaped like ``like``
        (and of its dtype) the first time it is asked for."""
        slots = self.state.setdefault(name, {})
        if key not in slots:
            slots[key] = np.zeros_like(like)
        return slots[key]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """Plain gradient descent: p <- p - eta g.

    Derived in :doc:`/book/02_xor`.
    """

    def step(self, params, grads):
        self.t += 1
        for name, p in params.items():
            p -= self.lr * grads[name]


class Momentum(Optimizer):
    """SGD with momentum: v <- beta v - eta g;  p <- p + v.

    Derived in :doc:`/book/05_optimizers`.

    The velocity v averages recent gradients, so steps grow along directions
    that agree and cancel along directions that oscillate."""

    def __init__(self, lr: float, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = float(beta)

    def step(self, params, grads):
        self.t += 1
        for name, p in params.items():
            v = self.slot(name, "v", p)
            v[...] = self.beta * v - self.lr * grads[name]
            p += v


class Adagrad(Optimizer):
    """Adagrad: s <- s + g^2;  p <- p - eta g / (sqrt(s) + eps).

    Derived in :doc:`/book/05_optimizers`.

    Each parameter gets its own step size, shrinking as its gradients add up."""

    def __init__(self, lr: float, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.eps = float(eps)

    def step(self, params, grads):
        self.t += 1
        for name, p in params.items():
            g, s = grads[name], self.slot(name, "s", p)
            s += g * g
            p -= self.lr * g / (np.sqrt(s) + self.eps)


class RMSprop(Optimizer):
    """RMSprop: s <- rho s + (1 - rho) g^2;  p <- p - eta g / (sqrt(s) + eps).

    Derived in :doc:`/book/05_optimizers`.

    Like Adagrad, but with a running average, so step sizes do not shrink to 0."""

    def __init__(self, lr: float, rho: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.rho, self.eps = float(rho), float(eps)

    def step(self, params, grads):
        self.t += 1
        for name, p in params.items():
            g, s = grads[name], self.slot(name, "s", p)
            s[...] = self.rho * s + (1 - self.rho) * g**2
            p -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum and RMSprop with bias correction.

    Derived in :doc:`/book/05_optimizers`.

    m <- beta1 m + (1 - beta1) g;   s <- beta2 s + (1 - beta2) g^2
    p <- p - eta m_hat / (sqrt(s_hat) + eps), with m_hat = m / (1 - beta1^t)
    and s_hat = s / (1 - beta2^t). m is a running average of the gradients,
    s of their squares (RMSprop's s; the paper calls it v). State:
    ``state[name]["m"]`` and ``state[name]["s"]``."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def step(self, params, grads):
        self.t += 1
        for name, p in params.items():
            g, m, s = grads[name], self.slot(name, "m", p), self.slot(name, "s", p)
            m[...] = self.beta1 * m + (1 - self.beta1) * g
            s[...] = self.beta2 * s + (1 - self.beta2) * g**2
            m_hat = m / (1 - self.beta1**self.t)
            s_hat = s / (1 - self.beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(s_hat) + self.eps)


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
    Epochs count from 0.

    Derived in :doc:`/book/05_optimizers`.
    """
    check_positive(lr0, "lr0")
    check_positive(every, "every", integer=True)
    return lambda epoch: lr0 * drop ** (epoch // every)


def exponential_decay(lr0: float, rate: float = 0.95) -> Callable[[int], float]:
    """eta(epoch) = lr0 * rate^epoch. Epochs count from 0.

    Derived in :doc:`/book/05_optimizers`.
    """
    check_positive(lr0, "lr0")
    return lambda epoch: lr0 * rate**epoch


def cosine_decay(lr0: float, epochs: int, lr_min: float = 0.0) -> Callable[[int], float]:
    """eta(epoch) from lr0 down to lr_min along half a cosine over ``epochs``.

    Derived in :doc:`/book/05_optimizers`.
    """
    check_positive(lr0, "lr0")
    check_positive(epochs, "epochs", integer=True)
    return lambda epoch: lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * min(epoch, epochs) / epochs))
