"""Where does the time of a training step go? Microseconds per minibatch, part by part.

    python benchmarks/step_breakdown.py                # both MNIST networks, 1 BLAS thread
    python benchmarks/step_breakdown.py --threads 2 --epochs 3

``mnist_epoch.py`` says how far nnlib is from the matmul floor; this script
says where the difference goes. It runs the steps of ``nnlib.train``'s inner
loop for plain SGD one by one, with nnlib's own functions in the order
``MLP._loss_and_grads_unchecked`` calls them (gather the batch, dense layer
forward, ReLU, softmax cross-entropy with eta folded in, dense layer
backward, ReLU backward, update), and times every call with
``time.perf_counter``. The matrix products are timed inside the dense layer
functions' calls, together with the little else those functions do (the
bias add, the batch sum as a product with ones); everything else is what
the matmul floor of ``mnist_epoch.py`` leaves out.

The timer itself costs about 0.1 us per part. Parts that run right after a
large matrix product are slower here than alone (the caches are full of the
product's data), which is why this measures them in place.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict

import numpy as np
from threadpoolctl import threadpool_limits

from nnlib import MLP

from nnlib.model import layers
from nnlib.model.losses import softmax_cross_entropy_checked
from nnlib.model.optimizers import SGD

NETWORKS = ([784, 128, 10], [784, 256, 128, 10])
BATCH = 128


def one_epoch(net: MLP, opt: SGD, X: np.ndarray, y: np.ndarray, epoch: int, times: dict) -> float:
    """One epoch of SGD, as nnlib.train runs it, adding each part's seconds
    to ``times``; returns the epoch's mean training loss."""
    clock = time.perf_counter
    params, L = net.params, net.num_layers
    order = np.random.default_rng(epoch).permutation(len(X))
    scale = opt.gradient_scale()
    total = 0.0
    for lo in range(0, len(X), BATCH):
        t0 = clock()
        idx = order[lo : lo + BATCH]
        xb, yb = X.take(idx, axis=0), y[idx]
        t1 = clock()
        times["gather the batch X[idx]"] += t1 - t0

        a, caches = xb, []
        for l in range(1, L + 1):
            t0 = clock()
            z, dense_cache = layers.dense_forward(a, params[f"W{l}"], params[f"b{l}"])
            t1 = clock()
            times[f"dense forward z = a W + b, layer {l}"] += t1 - t0
            if l < L:
                a, act_cache = layers.activation_forward(z, net._hidden)
                times["ReLU forward"] += clock() - t1
                caches.append((dense_cache, act_cache))
            else:
                caches.append((dense_cache, None))

        t0 = clock()
        loss, dz, predicted = softmax_cross_entropy_checked(z, yb, grad_scale=scale)
        t1 = clock()
        times["softmax cross-entropy and its gradient"] += t1 - t0
        if not math.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss} in epoch {epoch + 1}")
        total += loss * len(idx)
        int(np.count_nonzero(predicted == yb))
        t0 = clock()
        times["accuracy count"] += t0 - t1

        grads = {}
        for l in range(L, 0, -1):
            dense_cache, _ = caches[l - 1]
            t0 = clock()
            da, grads[f"W{l}"], grads[f"b{l}"] = layers.dense_backward(dz, dense_cache, input_grad=l > 1)
            t1 = clock()
            times[f"dense backward a^T dz, batch sum" + (", dz W^T" if l > 1 else "") + f", layer {l}"] += t1 - t0
            if l > 1:
                dz = layers.activation_backward(da, caches[l - 2][1], out=da)
                times["ReLU backward"] += clock() - t1

        t0 = clock()
        opt.step_prescaled(params, grads)
        times["update p -= eta g (all layers)"] += clock() - t0
    return total / len(X)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=3, help="timed epochs per network (default 3)")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    p.add_argument("--synthetic", action="store_true", help="random data instead of MNIST (to test the script)")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error(f"--epochs must be at least 1; got {args.epochs}")
    if args.threads < 1:
        p.error(f"--threads must be at least 1; got {args.threads}")
    if args.synthetic:
        rng = np.random.default_rng(0)
        X, y = rng.random((60000, 784), dtype=np.float32), rng.integers(0, 10, 60000)
    else:
        from nnlib.data import load_mnist

        X, y, _, _ = load_mnist()
    X, y = np.ascontiguousarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64)
    batches = math.ceil(len(X) / BATCH)
    print(f"{len(X)} training images, batches of {BATCH}, {args.threads} BLAS thread(s), "
          f"{args.epochs} timed epochs after one untimed; microseconds per batch")
    with threadpool_limits(limits=args.threads):
        for sizes in NETWORKS:
            net = MLP(sizes, activation="relu", loss="softmax_cross_entropy", seed=0, dtype="float32")
            opt = SGD(0.1)
            one_epoch(net, opt, X, y, 0, defaultdict(float))  # warm-up
            times: dict[str, float] = defaultdict(float)
            for e in range(1, args.epochs + 1):
                one_epoch(net, opt, X, y, e, times)
            per_batch = {k: v / (args.epochs * batches) * 1e6 for k, v in times.items()}
            total = sum(per_batch.values())
            dense = sum(v for k, v in per_batch.items() if k.startswith("dense"))
            print(f"\n{'-'.join(map(str, sizes))}: {total:.0f} us per batch, of which the dense layers' "
                  f"calls (products, bias add, batch sum) {dense:.0f} us and the rest {total - dense:.0f} us")
            for name, us in sorted(per_batch.items(), key=lambda kv: -kv[1]):
                print(f"  {us:7.1f} us  {100 * us / total:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
