"""nnlib's losses and gradients against PyTorch autograd, an independent
implementation of backpropagation.

PyTorch is optional: without it these tests are skipped. The same random
MLP is built in nnlib (float64) and, with the same parameters, written out
with torch tensors (z = a W + b with W of shape (n_in, n_out), as in nnlib);
torch's autograd then gives the reference loss and gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; install it with pip install torch==2.13.0"
)

from nnlib import MLP  # noqa: E402

TORCH_ACT = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, negative_slope=0.01),
    "identity": lambda z: z,
}


def torch_loss(net: MLP, X: np.ndarray, y: np.ndarray):
    """The loss of ``net`` on (X, y) computed by torch, and torch's gradients."""
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in net.params.items()}
    a = torch.tensor(X, dtype=torch.float64)
    L = net.num_layers
    for l in range(1, L + 1):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        if l < L:
            a = TORCH_ACT[net.activation](z)
    n = X.shape[0]
    if net.loss == "softmax_cross_entropy":
        loss = torch.nn.functional.cross_entropy(z, torch.tensor(y, dtype=torch.int64), reduction="mean")
    elif net.loss == "binary_cross_entropy":
        t = torch.tensor(y, dtype=torch.float64).reshape(z.shape)
        # per-sample loss is a sum over outputs, mean over the batch
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="sum") / n
    else:
        t = torch.tensor(y, dtype=torch.float64).reshape(z.shape)
        out = TORCH_ACT[net.output_activation](z)
        loss = ((out - t) ** 2).sum() / n
    for l in range(1, L + 1):
        W = params[f"W{l}"]
        if net.l2:
            loss = loss + 0.5 * net.l2 * (W * W).sum()
        if net.l1:
            loss = loss + net.l1 * W.abs().sum()
    loss.backward()
    return float(loss.item()), {k: p.grad.numpy() for k, p in params.items()}


CASES = [
    # sizes, activation, loss, kwargs
    ([3, 4, 1], "sigmoid", "mse", {}),
    ([4, 6, 5, 3], "tanh", "mse", {"output_activation": "identity"}),
    ([3, 7, 2], "relu", "mse", {"output_activation": "sigmoid", "l2": 0.05}),
    ([2, 5, 1], "leaky_relu", "binary_cross_entropy", {}),
    ([5, 8, 8, 4], "tanh", "binary_cross_entropy", {"l1": 0.01}),
    ([4, 6, 3], "sigmoid", "softmax_cross_entropy", {}),
    ([6, 10, 7, 5], "relu", "softmax_cross_entropy", {"l2": 0.01, "l1": 0.001}),
    ([3, 9, 4], "leaky_relu", "softmax_cross_entropy", {}),
]


@pytest.mark.parametrize("sizes,activation,loss,kw", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
@pytest.mark.parametrize("seed", [0, 1])
def test_loss_and_grads_match_torch_autograd(sizes, activation, loss, kw, seed):
    rng = np.random.default_rng(100 + seed)
    net = MLP(sizes, activation=activation, loss=loss, seed=seed, **kw)
    for k in net.params:  # nonzero biases so that they matter
        if k.startswith("b"):
            net.params[k][:] = rng.standard_normal(net.params[k].shape) * 0.3
    n, k_out = 9, sizes[-1]
    X = rng.standard_normal((n, sizes[0]))
    if loss == "softmax_cross_entropy":
        y = rng.integers(0, k_out, size=n)
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=(n, k_out)).astype(float)
    else:
        y = rng.standard_normal((n, k_out))

    ours, grads = net.loss_and_grads(X, y)
    theirs, ref = torch_loss(net, X, y)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)
    assert set(grads) == set(ref)
    for name in grads:
        assert grads[name].shape == ref[name].shape, name
        np.testing.assert_allclose(grads[name], ref[name], rtol=1e-10, atol=1e-13, err_msg=name)


def test_softmax_and_sigmoid_match_torch():
    from nnlib.model.activations import sigmoid, softmax

    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 4)) * 20
    np.testing.assert_allclose(softmax(z), torch.softmax(torch.tensor(z), dim=1).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(sigmoid(z), torch.sigmoid(torch.tensor(z)).numpy(), rtol=1e-12, atol=1e-300)
