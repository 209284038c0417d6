"""A multilayer perceptron (MLP) built from a list of layer sizes.

    net = MLP([784, 128, 10], activation="relu", loss="softmax_cross_entropy", seed=0)
    loss, grads = net.loss_and_grads(X, y)

Notation of the book: layers l = 1..L; z^l = a^(l-1) W^l + b^l; a^l = g(z^l);
a^0 = X; the output is a^L. Parameters live in ``net.params`` under the keys
"W1", "b1", "W2", "b2", ..., with W^l of shape (n_(l-1), n_l) and b^l of
shape (n_l,).
"""

from __future__ import annotations

import copy
from typing import Sequence

import numpy as np

from . import layers
from .activations import ACTIVATIONS, get_activation, softmax, sigmoid
from .init import default_init, initialize
from .losses import (
    LOSSES,
    binary_cross_entropy_with_logits,
    mse,
    softmax_cross_entropy,
    softmax_cross_entropy_checked,
)
from ..validate import as_float_array, as_labels, check_choice, check_nonnegative


class MLP:
    """A fully connected network trained by backpropagation.

    Args:
        sizes: the number of units per layer, input first and output last,
            e.g. [2, 2, 1] for the XOR network. At least two entries.
        activation: the hidden layers' activation ("sigmoid", "tanh", "relu",
            "leaky_relu", "identity").
        loss: "mse", "binary_cross_entropy" or "softmax_cross_entropy".
            The output activation follows from it: softmax for softmax
            cross-entropy, sigmoid for binary cross-entropy, and for MSE the
            hidden activation unless ``output_activation`` says otherwise.
        output_activation: only for MSE: the output layer's activation.
        init: "zeros", "small_random", "xavier" or "he"; None picks He for
            the ReLU family and Xavier otherwise. Biases start at 0.
        seed: seeds the weights (and the dropout masks): the same seed gives
            the same network.
        dtype: "float64" (exact, for gradient checks) or "float32" (fast).
        l2: L2 penalty strength lambda: adds (lambda/2) sum_l ``||W^l||^2`` to the
            loss (biases are not penalized); its gradient is lambda W^l.
        l1: L1 penalty strength: adds l1 * sum_l ``|W^l|``, gradient l1 sign(W^l).
        dropout: the probability of dropping each hidden unit in training
            (inverted dropout); 0 turns it off. Only ``loss_and_grads`` drops;
            ``forward`` and ``predict`` use the whole network.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "sigmoid",
        loss: str = "mse",
        output_activation: str | None = None,
        init: str | None = None,
        seed: int | None = 0,
        dtype: str | np.dtype = "float64",
        l2: float = 0.0,
        l1: float = 0.0,
        dropout: float = 0.0,
    ) -> None:
        sizes = list(sizes)
        if len(sizes) < 2 or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes
        ):
            raise ValueError(
                f"sizes must list at least two positive whole numbers (inputs ... outputs); got {sizes!r}"
            )
        get_activation(activation)
        check_choice(loss, LOSSES, "loss")
        if loss == "mse":
            out = output_activation or activation
            get_activation(out)
        else:
            out = "softmax" if loss == "softmax_cross_entropy" else "sigmoid"
            if output_activation not in (None, out):
                raise ValueError(
                    f"loss {loss!r} needs the output activation {out!r}; got output_activation={output_activation!r}"
                )
        if loss == "softmax_cross_entropy" and sizes[-1] < 2:
            raise ValueError(f"softmax cross-entropy needs at least 2 outputs; got sizes {sizes!r}")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64; got {self.dtype}")
        check_nonnegative(l2, "l2")
        check_nonnegative(l1, "l1")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float, np.integer, np.floating)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}")

        self.sizes = sizes
        self.activation = activation
        self.loss = loss
        self.output_activation = out
        self.init = init or default_init(activation)
        self.seed = seed
        self.l2, self.l1, self.dropout = float(l2), float(l1), float(dropout)
        self._hidden = get_activation(activation)  # looked up once, used every step
        self.rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self.params[f"W{l}"] = initialize(self.init, n_in, n_out, self.rng, dtype=self.dtype)
            self.params[f"b{l}"] = np.zeros(n_out, dtype=self.dtype)

    # ------------------------------------------------------------------ info
    @property
    def num_layers(self) -> int:
        """L, the number of weight layers (hidden layers + 1)."""
        return len(self.sizes) - 1

    @property
    def num_params(self) -> int:
        """The total number of weights and biases."""
        return sum(p.size for p in self.params.values())

    def __repr__(self) -> str:
        return (
            f"MLP({self.sizes}, activation={self.activation!r}, loss={self.loss!r}, "
            f"output_activation={self.output_activation!r}, init={self.init!r}, "
            f"dtype={self.dtype.name!r}, params={self.num_params})"
        )

    def copy(self) -> "MLP":
        """A deep copy (parameters and random state)."""
        return copy.deepcopy(self)

    # --------------------------------------------------------------- checks
    def check_inputs(self, X) -> np.ndarray:
        """X as an array of the network's dtype, shape (N, n_0), finite."""
        X = as_float_array(X, "X", dtype=self.dtype)
        if X.ndim == 1 and self.sizes[0] == X.shape[0]:
            raise ValueError(
                f"X must have shape (N, {self.sizes[0]}), one sample per row; got shape {X.shape}"
                f" (for a single sample use X.reshape(1, -1))"
            )
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (N, {self.sizes[0]}); got shape {X.shape}")
        if X.shape[0] == 0:
            raise ValueError(f"X must hold at least one sample; got shape {X.shape}")
        return X

    def check_targets(self, y, n: int) -> np.ndarray:
        """y in the form the loss expects, checked against N samples.

        Softmax cross-entropy: integer labels of shape (N,) (or one-hot (N, K)).
        MSE and binary cross-entropy: targets of shape (N, K); with K = 1 a
        vector of shape (N,) is accepted too.
        """
        k = self.sizes[-1]
        y_arr = np.asarray(y)
        if self.loss == "softmax_cross_entropy":
            if y_arr.ndim == 2:
                y_arr = as_float_array(y_arr, "the one-hot targets y", dtype=self.dtype)
                if y_arr.shape != (n, k):
                    raise ValueError(f"the one-hot targets y must have shape ({n}, {k}); got shape {y_arr.shape}")
                return y_arr
            return as_labels(y_arr, "the labels y", n_classes=k, n_samples=n)
        if y_arr.ndim == 1 and k == 1:
            y_arr = y_arr.reshape(-1, 1)
        if y_arr.ndim == 1 and k > 1 and y_arr.shape[0] == n:
            raise ValueError(
                f"loss {self.loss!r} needs targets of shape ({n}, {k}); got labels of shape {y_arr.shape}. "
                f"For class labels use nnlib.data.one_hot(y, {k})"
            )
        y_arr = as_float_array(y_arr, "the targets y", dtype=self.dtype)
        if y_arr.shape != (n, k):
            raise ValueError(f"the targets y must have shape ({n}, {k}); got shape {y_arr.shape}")
        if self.loss == "binary_cross_entropy" and (y_arr.min() < 0 or y_arr.max() > 1):
            raise ValueError("binary cross-entropy needs targets in [0, 1]; "
                             f"got values from {y_arr.min():g} to {y_arr.max():g}")
        return y_arr

    # -------------------------------------------------------------- forward
    def logits(self, X) -> np.ndarray:
        """z^L, the output layer's pre-activations, shape (N, n_L)."""
        a = self.check_inputs(X)
        return self._forward_unchecked(a)[0]

    def _forward_unchecked(self, a: np.ndarray, train: bool = False) -> tuple[np.ndarray, list]:
        """Forward pass; returns z^L and the caches of every layer."""
        caches = []
        L = self.num_layers
        for l in range(1, L + 1):
            z, dense_cache = layers.dense_forward(a, self.params[f"W{l}"], self.params[f"b{l}"])
            if l == L:
                caches.append((dense_cache, None, None))
                return z, caches
            a, act_cache = layers.activation_forward(z, self._hidden)
            drop_cache = None
            if self.dropout:
                a, drop_cache = layers.dropout_forward(a, self.dropout, self.rng, train=train)
            caches.append((dense_cache, act_cache, drop_cache))
        raise AssertionError("unreachable")

    def _output(self, z: np.ndarray) -> np.ndarray:
        if self.output_activation == "softmax":
            return softmax(z)
        if self.output_activation == "sigmoid":
            return sigmoid(z)
        return ACTIVATIONS[self.output_activation].f(z)

    def forward(self, X) -> np.ndarray:
        """The output activations a^L, shape (N, n_L): probabilities for the
        cross-entropy losses."""
        return self._output(self.logits(X))

    def predict(self, X) -> np.ndarray:
        """Class predictions, shape (N,): the most probable class when there
        are several outputs, and 1 where the single output is >= 0.5 else 0."""
        return self._classes(self.forward(X))

    def _classes_of_logits(self, z: np.ndarray) -> np.ndarray:
        """The same classes as ``_classes(self._output(z))``, cheaper: every
        output activation but ReLU is strictly increasing, so argmax and the
        sign of z decide without computing the output."""
        if self.output_activation == "relu":
            return self._classes(self._output(z))
        if z.shape[1] > 1:
            return z.argmax(axis=1)
        if self.output_activation == "sigmoid":
            return (z[:, 0] >= 0).astype(np.int64)  # sigma(z) >= 0.5 exactly when z >= 0
        return self._classes(self._output(z))

    @staticmethod
    def _classes(out: np.ndarray) -> np.ndarray:
        """Class labels from output activations: argmax, or >= 0.5 for one output."""
        if out.shape[1] == 1:
            return (out[:, 0] >= 0.5).astype(np.int64)
        return out.argmax(axis=1)

    def accuracy(self, X, y) -> float:
        """The fraction of samples whose predicted class is right.

        y: integer labels (N,), or one-hot / 0-1 targets (N, K), whatever the loss."""
        pred = self.predict(X)
        return float(np.mean(pred == self._labels_of(y, len(pred))))

    def evaluate(self, X, y) -> tuple[float, float]:
        """(loss, accuracy) on (X, y) with the whole network (no dropout).

        The loss is the data loss alone, without any L1/L2 penalty."""
        X = self.check_inputs(X)
        y = self.check_targets(y, X.shape[0])
        z = self._forward_unchecked(X)[0]
        if self.loss == "softmax_cross_entropy":
            loss = softmax_cross_entropy(z, y)[0]
        elif self.loss == "binary_cross_entropy":
            loss = binary_cross_entropy_with_logits(z, y)[0]
        else:
            loss = mse(self._output(z), y)[0]
        pred = self._classes(self._output(z))
        return loss, float(np.mean(pred == self._labels_of(y, len(pred))))

    def _labels_of(self, y, n: int) -> np.ndarray:
        """Class labels (N,) from integer labels or from (N, K) targets."""
        k = self.sizes[-1]
        y = np.asarray(y)
        if y.ndim == 2:
            if y.shape != (n, k):
                raise ValueError(f"the targets y must have shape ({n}, {k}); got shape {y.shape}")
            return y.argmax(axis=1) if k > 1 else np.round(y[:, 0]).astype(np.int64)
        return as_labels(y, "the labels y", n_classes=max(k, 2), n_samples=n)

    # ------------------------------------------------------------- backward
    def loss_and_grads(self, X, y) -> tuple[float, dict[str, np.ndarray]]:
        """The loss on the batch (X, y) and its gradient for every parameter.

        Args:
            X: inputs, shape (N, n_0).
            y: integer labels (N,) for softmax cross-entropy; targets of the
                output's shape (N, n_L) for MSE and binary cross-entropy.
        Returns:
            (loss, grads): the mean loss over the batch (plus any L1/L2
            penalty) and a dict with the keys and shapes of ``params``.
        """
        X = self.check_inputs(X)
        y = self.check_targets(y, X.shape[0])
        loss, grads, _ = self._loss_and_grads_unchecked(X, y)
        return loss, grads

    def _loss_and_grads_unchecked(
        self, X: np.ndarray, y: np.ndarray, scale: float = 1.0
    ) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
        """loss_and_grads on checked inputs; also returns the predicted
        classes of the batch, shape (N,) (for the training accuracy).

        ``scale`` multiplies every gradient (not the loss). Backpropagation is
        linear in delta^L = dL/dz^L, so scaling that small (N, n_L) array
        scales every gradient below it for free; SGD in ``train`` asks for
        eta times the gradient this way.
        """
        z, caches = self._forward_unchecked(X, train=True)
        if self.loss == "softmax_cross_entropy":
            loss, dz, predicted = softmax_cross_entropy_checked(z, y, grad_scale=scale)
        else:
            if self.loss == "binary_cross_entropy":
                loss, dz = binary_cross_entropy_with_logits(z, y)
            else:
                out = get_activation(self.output_activation)
                a = out.f(z)
                loss, da = mse(a, y)
                dz = da * out.derivative(z, a)
            if scale != 1:
                dz *= scale
            predicted = self._classes_of_logits(z)

        grads: dict[str, np.ndarray] = {}
        for l in range(self.num_layers, 0, -1):
            dense_cache, _, _ = caches[l - 1]
            # The input X needs no gradient: layer 1 skips dx = dz W^T.
            da, grads[f"W{l}"], grads[f"b{l}"] = layers.dense_backward(dz, dense_cache, input_grad=l > 1)
            if l > 1:
                _, act_cache, drop_cache = caches[l - 2]
                if drop_cache is not None:
                    da = layers.dropout_backward(da, drop_cache)
                dz = layers.activation_backward(da, act_cache, out=da)  # da is ours: reuse it

        if self.l2 or self.l1:
            for l in range(1, self.num_layers + 1):
                W = self.params[f"W{l}"]
                if self.l2:
                    loss += 0.5 * self.l2 * float(np.sum(W * W))
                    grads[f"W{l}"] += (scale * self.l2) * W
                if self.l1:
                    loss += self.l1 * float(np.sum(np.abs(W)))
                    grads[f"W{l}"] += (scale * self.l1) * np.sign(W)
        return loss, {k: grads[k] for k in self.params}, predicted
