"""Where does the time of a training step go? Microseconds per minibatch, part by part.

    python benchmarks/step_breakdown.py                # both MNIST networks, 1 BLAS thread
    python benchmarks/step_breakdown.py --threads 2 --epochs 3

``mnist_epoch.py`` says how far nnlib is from the matmul floor; this script
says where the difference goes. It runs ``nnlib.train``'s epoch for plain SGD
with the parts of ``nnlib.fast.training_step`` called one by one through their
public names (gather the batch, ``fast.forward_pass``, ``fast.loss_and_delta``
with eta folded in, the accuracy count, ``fast.backward_pass``,
``fast.update``), and times every call with ``time.perf_counter``. The matrix
products are inside the forward and backward passes; everything else is what
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

from nnlib import MLP, fast
from nnlib.model.optimizers import SGD

NETWORKS = ([784, 128, 10], [784, 256, 128, 10])
BATCH = 128
PARTS = ("gather the batch X[idx]", "forward pass (z = a W + b, ReLU; all layers)",
         "softmax cross-entropy and its gradient (eta folded in)", "accuracy count",
         "backward pass (a^T delta, 1^T delta, delta W^T, ReLU mask; all layers)",
         "update p -= eta g (all layers)")


def one_epoch(net: MLP, opt: SGD, X: np.ndarray, y: np.ndarray, epoch: int, times: dict) -> float:
    """One epoch of SGD, as nnlib.train runs it, adding each part's seconds
    to ``times``; returns the epoch's mean training loss."""
    clock = time.perf_counter
    gather, forward, loss_part, count, backward, update = PARTS
    order = np.random.default_rng(epoch).permutation(len(X))
    prescaled = fast.prescales(opt)
    total = 0.0
    for lo in range(0, len(X), BATCH):
        t0 = clock()
        idx = order[lo : lo + BATCH]
        xb, yb = X.take(idx, axis=0), y[idx]
        t1 = clock()
        times[gather] += t1 - t0
        z, trace = fast.forward_pass(net, xb)
        t2 = clock()
        times[forward] += t2 - t1
        loss, delta, predicted = fast.loss_and_delta(net, z, yb, opt.lr if prescaled else 1.0)
        t3 = clock()
        times[loss_part] += t3 - t2
        if not math.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss} in epoch {epoch + 1}")
        total += loss * len(idx)
        int(np.count_nonzero(predicted == yb))
        t4 = clock()
        times[count] += t4 - t3
        grads = fast.backward_pass(net, delta, trace)
        t5 = clock()
        times[backward] += t5 - t4
        fast.update(net, opt, grads, prescaled)
        times[update] += clock() - t5
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
            passes = sum(v for k, v in per_batch.items() if "pass" in k)
            print(f"\n{'-'.join(map(str, sizes))}: {total:.0f} us per batch, of which the forward and "
                  f"backward passes (the products and what goes with them) {passes:.0f} us "
                  f"and the rest {total - passes:.0f} us")
            for name, us in sorted(per_batch.items(), key=lambda kv: -kv[1]):
                print(f"  {us:7.1f} us  {100 * us / total:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
