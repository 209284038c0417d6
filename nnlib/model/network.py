"""A multilayer perceptron (MLP) built from a list of layer sizes.

    net = MLP([784, 128, 10], activation="relu", loss="softmax_cross_entropy", seed=0)
    loss, grads = net.loss_and_grads(X, y)

Notation of the book: layers l = 1..L; z^l = a^(l-1) W^l + b^l; a^l = g(z^l);
a^0 = X; the output is a^L. Parameters live in ``net.params`` under the keys
"W1", "b1", "W2", "b2", ..., with W^l of shape (n_(l-1), n_l) and b^l of
shape (n_l,).

Backpropagation, the backward half of ``backprop``, is derived for the 2-2-1
network in :doc:`/book/02_xor` and for any layer sizes and a whole batch in
:doc:`/book/03_vectorizing`.

The public methods check their arguments (``check_inputs``,
``check_targets``) and then call the steps below them, which take arrays
already checked: ``forward_pass``, ``loss_and_delta``, ``backward_pass`` and
``backprop``. ``nnlib.train`` and ``nnlib.fast`` check a data set once and
then call these steps batch after batch.
"""

from __future__ import annotations

import copy
from typing import NamedTuple, Sequence

import numpy as np

from . import layers
from .activations import ACTIVATIONS, get_activation, sigmoid, softmax
from .init import default_init, initialize
from .losses import LOSSES, binary_cross_entropy_with_logits, mse, softmax_cross_entropy
from .metrics import class_labels
from ..validate import as_float_array, as_labels, check_choice, check_nonnegative, check_sizes


class LayerCache(NamedTuple):
    """What the forward pass keeps of layer l for the backward pass.

    ``activation`` and ``dropout`` are None for the output layer (its
    activation belongs to the loss); ``dropout`` is also None when no unit
    was dropped."""

    dense: layers.DenseCache
    activation: layers.ActivationCache | None
    dropout: np.ndarray | None


class MLP:
    """A fully connected network trained by backpropagation.

    Derived in :doc:`/book/03_vectorizing`.

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
        sizes = check_sizes(sizes)
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
        self.hidden_activation = get_activation(activation)
        # Two random streams from one seed: one draws the initial weights, the
        # other the dropout masks, so turning dropout on or off never changes
        # the initial weights (and the same seed gives the same network).
        seeds = np.random.SeedSequence(seed)
        init_rng = np.random.default_rng(seeds)
        self.dropout_rng = np.random.default_rng(seeds.spawn(1)[0])
        self.params: dict[str, np.ndarray] = {}
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self.params[f"W{l}"] = initialize(self.init, n_in, n_out, init_rng, dtype=self.dtype)
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
    def forward_pass(self, X: np.ndarray, train: bool = False) -> tuple[np.ndarray, list[LayerCache]]:
        """The layer loop, forward: z^l = a^(l-1) W^l + b^l and a^l = g(z^l)
        for l = 1..L, with a^0 = X.

        Args:
            X: inputs already checked (``check_inputs``), shape (N, n_0).
            train: True drops hidden units (if ``dropout`` is on), as in
                training; False uses the whole network.
        Returns:
            z^L, shape (N, n_L), and the caches of layers 1..L.
        """
        caches = []
        a = X
        L = self.num_layers
        for l in range(1, L + 1):
            z, dense_cache = layers.dense_forward(a, self.params[f"W{l}"], self.params[f"b{l}"])
            if l == L:
                caches.append(LayerCache(dense_cache, None, None))
                return z, caches
            a, act_cache = layers.activation_forward(z, self.hidden_activation)
            a, mask = layers.dropout_forward(a, self.dropout, self.dropout_rng, train=train)
            caches.append(LayerCache(dense_cache, act_cache, mask))
        raise AssertionError("unreachable: an MLP has at least one layer")

    def output(self, z: np.ndarray) -> np.ndarray:
        """a^L = g_out(z^L): softmax, sigmoid, or the output activation of MSE."""
        if self.output_activation == "softmax":
            return softmax(z)
        return ACTIVATIONS[self.output_activation].f(z)

    def logits(self, X) -> np.ndarray:
        """z^L, the output layer's pre-activations, shape (N, n_L)."""
        return self.forward_pass(self.check_inputs(X))[0]

    def forward(self, X) -> np.ndarray:
        """The output activations a^L, shape (N, n_L): probabilities for the
        cross-entropy losses."""
        return self.output(self.logits(X))

    def predict(self, X) -> np.ndarray:
        """Class predictions, shape (N,): the most probable class when there
        are several outputs, and 1 where the single output is >= 0.5 else 0."""
        return class_labels(self.forward(X))

    def accuracy(self, X, y) -> float:
        """The fraction of samples whose predicted class is right.

        y: integer labels (N,), or one-hot / 0-1 targets (N, K), whatever the loss."""
        pred = self.predict(X)
        return float(np.mean(pred == self.true_labels(y, len(pred))))

    def true_labels(self, y, n: int) -> np.ndarray:
        """The class of each of n samples, shape (N,), from integer labels
        (N,) or from targets (N, K) (see ``metrics.class_labels``)."""
        k = self.sizes[-1]
        y = np.asarray(y)
        if y.ndim == 2 and y.shape != (n, k):
            raise ValueError(f"the targets y must have shape ({n}, {k}); got shape {y.shape}")
        return class_labels(y, n_classes=max(k, 2), n_samples=n)

    def evaluate(self, X, y) -> tuple[float, float]:
        """(loss, accuracy) on (X, y) with the whole network (no dropout).

        The loss is the data loss alone, without any L1/L2 penalty."""
        X = self.check_inputs(X)
        y = self.check_targets(y, X.shape[0])
        z = self.forward_pass(X)[0]
        loss = self.loss_and_delta(z, y)[0]
        pred = class_labels(self.output(z))
        return loss, float(np.mean(pred == class_labels(y)))

    # ------------------------------------------------------------- backward
    def loss_and_delta(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The data loss of the batch and delta^L = dL/dz^L, the one place
        where the loss is chosen.

        Softmax cross-entropy and binary cross-entropy are computed from the
        logits, so delta^L = (a^L - y) / N (derived in :doc:`/book/04_losses`);
        for MSE, delta^L = dL/da^L * g_out'(z^L) (:doc:`/book/02_xor`).

        Args:
            z: z^L, shape (N, n_L).
            y: targets already checked (``check_targets``).
        Returns:
            (L, delta^L), delta^L of shape (N, n_L).
        """
        if self.loss == "softmax_cross_entropy":
            return softmax_cross_entropy(z, y)
        if self.loss == "binary_cross_entropy":
            return binary_cross_entropy_with_logits(z, y)
        out = get_activation(self.output_activation)
        loss, da = mse(out.f(z), y)
        return loss, da * out.df(z)

    def backward_pass(
        self, delta: np.ndarray, caches: list[LayerCache]
    ) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
        """The layer loop, backward: from delta^L down to layer 1,

            dL/dW^l = (a^(l-1))^T delta^l     dL/db^l = sum over the batch of delta^l
            delta^(l-1) = (delta^l (W^l)^T) * g'(z^(l-1))

        Args:
            delta: delta^L = dL/dz^L, shape (N, n_L).
            caches: from ``forward_pass(X, train=...)``.
        Returns:
            the gradients {"W1": dL/dW^1, "b1": dL/db^1, ...} (the data loss
            only, no penalty), and [delta^1, ..., delta^L].
        """
        grads: dict[str, np.ndarray] = {}
        deltas = [delta] * self.num_layers
        for l in range(self.num_layers, 0, -1):
            deltas[l - 1] = delta
            da, grads[f"W{l}"], grads[f"b{l}"] = layers.dense_backward(delta, caches[l - 1].dense)
            if l > 1:
                below = caches[l - 2]
                da = layers.dropout_backward(da, below.dropout)
                delta = layers.activation_backward(da, below.activation)
        return {k: grads[k] for k in self.params}, deltas

    def penalty(self) -> tuple[float, dict[str, np.ndarray]]:
        """The L1/L2 penalty and its gradient for every weight matrix.

        (lambda/2) sum_l ``||W^l||^2`` + l1 sum_l ``|W^l|``, with gradient
        lambda W^l + l1 sign(W^l); biases are not penalized. Derived in
        :doc:`/book/07_regularization`.

        Returns:
            (the penalty, {"W1": its gradient, ...}); (0.0, {}) without penalties.
        """
        value, grads = 0.0, {}
        if not (self.l2 or self.l1):
            return value, grads
        for l in range(1, self.num_layers + 1):
            W = self.params[f"W{l}"]
            grads[f"W{l}"] = np.zeros_like(W)
            if self.l2:
                value += 0.5 * self.l2 * float(np.sum(W * W))
                grads[f"W{l}"] += self.l2 * W
            if self.l1:
                value += self.l1 * float(np.sum(np.abs(W)))
                grads[f"W{l}"] += self.l1 * np.sign(W)
        return value, grads

    def backprop(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
        """``loss_and_grads`` for arguments already checked, in training mode
        (dropout on); also returns z^L, from which ``train`` counts the
        batch's correct predictions."""
        z, caches = self.forward_pass(X, train=True)
        loss, delta = self.loss_and_delta(z, y)
        grads, _ = self.backward_pass(delta, caches)
        extra, penalty_grads = self.penalty()
        for name, g in penalty_grads.items():
            grads[name] += g
        return loss + extra, grads, z

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
        loss, grads, _ = self.backprop(X, y)
        return loss, grads
