"""How fast does nnlib train on MNIST? Seconds per epoch against PyTorch and a matmul floor.

    python benchmarks/mnist_epoch.py                  # 1 and 2 BLAS threads, 7 epochs
    python benchmarks/mnist_epoch.py --threads 1 --epochs 7
    python benchmarks/mnist_epoch.py --quick          # a short smoke run (not comparable)
    python benchmarks/mnist_epoch.py --notebook       # also time book/08_mnist.ipynb

Two networks, as in the MNIST chapter: 784-128-10 and 784-256-128-10, ReLU
hidden layers, softmax cross-entropy, minibatches of 128, plain SGD, float32,
trained on the 60,000 MNIST training images for the same number of epochs by

* nnlib: ``nnlib.train(net, X, y, optimizer="sgd", epochs=1, seed=epoch, ...)``
  per epoch, timed by nnlib itself (``History.seconds``: the whole epoch,
  batch gathering, forward, backward, loss, accuracy count and update; not
  the one-time check of the inputs, about 0.04 s, that a multi-epoch call
  makes once), with the tuned step of ``nnlib.fast``;
* plain: the same call with ``fast=False``, the step written as the book's
  formulas (``nnlib.model``): what the tuning buys (no target);
* the matmul floor: only the matrix products of the same epoch (forward
  a W, backward a^T dz and dz W^T, with the same shapes), on the batches
  gathered beforehand, into preallocated arrays: nothing else. No
  implementation of these networks can do less work than this;
* PyTorch on the CPU (when ``torch`` is importable), starting from the same
  initial weights and seeing the same batches in the same order.

The four run in the same process, alternating epoch by epoch (the order
rotates every epoch), so that the noise of a shared machine hits them alike.
The BLAS thread pool is pinned with threadpoolctl (and PyTorch's own pool
with ``torch.set_num_threads``). Reported: the median seconds per epoch, the
ratios nnlib/PyTorch and nnlib/floor, GFLOP/s (the floor's count of
multiply-adds x 2, divided by each one's time), and the test accuracy of
nnlib and PyTorch after the same epochs, which must agree within 0.2 points.

Targets at 1 thread: nnlib/PyTorch <= 0.75 and nnlib/floor <= 1.3.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import nnlib
from nnlib import MLP, train

ROOT = Path(__file__).resolve().parent.parent
NETWORKS = ([784, 128, 10], [784, 256, 128, 10])
BATCH = 128
TARGET_VS_TORCH = 0.75
TARGET_VS_FLOOR = 1.3
AGREEMENT_POINTS = 0.2
NOISY_SPREAD = 1.15  # slowest / fastest epoch of one contender above this: a noisy run

try:
    import torch
    import torch.nn.functional as F

    TORCH_MISSING = None
except ImportError as err:  # the book's own venv has no torch
    torch = None
    TORCH_MISSING = (
        f"PyTorch is not installed in this Python ({sys.executable}: {err}). "
        "To compare, install it in a separate venv: python3 -m venv /tmp/torchvenv && "
        "/tmp/torchvenv/bin/pip install torch==2.13.0 numpy threadpoolctl tqdm matplotlib ipywidgets && "
        "/tmp/torchvenv/bin/pip install --no-deps -e . ; then run this script with /tmp/torchvenv/bin/python "
        "(see benchmarks/README.md)"
    )


# --------------------------------------------------------------------- data
def load_data(quick: bool, synthetic: bool):
    """(X_train, y_train, X_test, y_test) as float32 / int64 arrays."""
    if synthetic:  # only to test this script itself: the accuracies mean nothing
        rng = np.random.default_rng(0)
        X = rng.random((70000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 70000)
        Xtr, ytr, Xte, yte = X[:60000], y[:60000], X[60000:], y[60000:]
    else:
        from nnlib.data import load_mnist

        Xtr, ytr, Xte, yte = load_mnist()
    if quick:
        Xtr, ytr = Xtr[:10000], ytr[:10000]
    return (np.ascontiguousarray(Xtr, dtype=np.float32), np.asarray(ytr, dtype=np.int64),
            np.ascontiguousarray(Xte, dtype=np.float32), np.asarray(yte, dtype=np.int64))


def epoch_order(n: int, epoch: int) -> np.ndarray:
    """The sample order of an epoch: exactly the one nnlib.train(seed=epoch) draws."""
    return np.random.default_rng(epoch).permutation(n)


def macs_per_sample(sizes: list[int]) -> int:
    """Multiply-adds per sample of one training step: forward a W for every
    layer, backward a^T dz for every layer and dz W^T for every layer but the
    first (the input needs no gradient)."""
    layer = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 2 * sum(layer) + sum(layer[1:])


# ------------------------------------------------------------ the contenders
class NnlibRunner:
    """nnlib.train with the tuned step (nnlib.fast), as the book trains."""

    name = "nnlib"
    fast = True

    def __init__(self, sizes, X, y, lr):
        self.net = MLP(sizes, activation="relu", loss="softmax_cross_entropy", seed=0, dtype="float32")
        self.X, self.y, self.lr = X, y, lr

    def epoch(self, e: int) -> float:
        """One epoch; returns its seconds as nnlib.train measures them
        (History.seconds: the epoch's loop, not the one-time input checks
        that a multi-epoch call does once)."""
        h = train(self.net, self.X, self.y, optimizer="sgd", lr=self.lr, epochs=1,
                  batch_size=BATCH, seed=e, progress=False, fast=self.fast)
        return h.seconds[0]

    def accuracy(self, X, y) -> float:
        return self.net.accuracy(X, y)


class PlainRunner(NnlibRunner):
    """nnlib.train(..., fast=False): the plain step, the formulas as the book
    writes them; shows what the tuning in nnlib.fast buys."""

    name = "plain"
    fast = False


class FloorRunner:
    """Only the matrix products of an epoch, into preallocated arrays."""

    name = "floor"

    def __init__(self, sizes, X, params):
        self.X = X
        self.W = [params[f"W{l}"].copy() for l in range(1, len(sizes))]
        self.a = [np.zeros((BATCH, s), np.float32) for s in sizes]  # a^0 .. a^L (a^0 unused)
        self.dx = [np.zeros((BATCH, s), np.float32) for s in sizes]
        self.dW = [np.zeros_like(W) for W in self.W]
        self.batches = None

    def prepare(self, e: int) -> None:
        """Gather the epoch's batches in order (outside the timed region)."""
        self.batches = self.X[epoch_order(len(self.X), e)]

    def epoch(self, e: int) -> None:
        Xs, W, a, dx, dW = self.batches, self.W, self.a, self.dx, self.dW
        L = len(W)
        for lo in range(0, len(Xs), BATCH):
            x = Xs[lo : lo + BATCH]
            m = x.shape[0]
            inp = x
            for l in range(L):  # forward: z^l = a^(l-1) W^l
                np.matmul(inp, W[l], out=a[l + 1][:m])
                inp = a[l + 1][:m]
            for l in range(L - 1, -1, -1):  # backward, with z^l standing in for dz^l
                dz = a[l + 1][:m]
                prev = x if l == 0 else a[l][:m]
                np.matmul(prev.T, dz, out=dW[l])
                if l > 0:
                    np.matmul(dz, W[l].T, out=dx[l][:m])
        self.batches = None


class TorchRunner:
    name = "PyTorch"

    def __init__(self, sizes, X, y, params, lr):
        layers = []
        for l in range(1, len(sizes)):
            lin = torch.nn.Linear(sizes[l - 1], sizes[l])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(params[f"W{l}"].T.copy()))
                lin.bias.copy_(torch.from_numpy(params[f"b{l}"]))
            layers.append(lin)
            if l < len(sizes) - 1:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=lr)
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)

    def epoch(self, e: int) -> None:
        order = torch.from_numpy(epoch_order(len(self.X), e))
        total = 0.0
        for lo in range(0, len(order), BATCH):
            idx = order[lo : lo + BATCH]
            xb, yb = self.X[idx], self.y[idx]
            loss = F.cross_entropy(self.model(xb), yb)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            total += loss.item() * len(idx)  # a typical loop logs the loss, as nnlib does

    def accuracy(self, X, y) -> float:
        with torch.no_grad():
            pred = self.model(torch.from_numpy(X)).argmax(dim=1).numpy()
        return float(np.mean(pred == y))


# -------------------------------------------------------------- measuring
def warm_up(sizes, X, y, lr) -> None:
    """A few untimed batches of each contender, on throwaway copies."""
    Xs, ys = X[: 20 * BATCH], y[: 20 * BATCH]
    NnlibRunner(sizes, Xs, ys, lr).epoch(0)
    PlainRunner(sizes, Xs, ys, lr).epoch(0)
    net = MLP(sizes, activation="relu", loss="softmax_cross_entropy", seed=0, dtype="float32")
    floor = FloorRunner(sizes, Xs, net.params)
    floor.prepare(0)
    floor.epoch(0)
    if torch is not None:
        TorchRunner(sizes, Xs, ys, net.params, lr).epoch(0)


def bench_network(sizes, data, epochs: int, lr: float) -> dict:
    Xtr, ytr, Xte, yte = data
    warm_up(sizes, Xtr, ytr, lr)
    nn = NnlibRunner(sizes, Xtr, ytr, lr)
    runners = [nn, PlainRunner(sizes, Xtr, ytr, lr), FloorRunner(sizes, Xtr, nn.net.params)]
    if torch is not None:
        runners.append(TorchRunner(sizes, Xtr, ytr, nn.net.params, lr))
    seconds = {r.name: [] for r in runners}
    for e in range(epochs):
        k = e % len(runners)
        for r in runners[k:] + runners[:k]:  # rotate who goes first
            if isinstance(r, FloorRunner):
                r.prepare(e)
            start = time.perf_counter()
            inner = r.epoch(e)
            seconds[r.name].append(time.perf_counter() - start if inner is None else inner)
    n = len(Xtr)
    flops = 2.0 * macs_per_sample(sizes) * n
    result = {"sizes": sizes, "seconds": seconds, "flops": flops,
              "median": {k: statistics.median(v) for k, v in seconds.items()},
              "accuracy": {r.name: r.accuracy(Xte, yte) for r in runners if hasattr(r, "accuracy")}}
    return result


def blas_description() -> str:
    info = [f"{d.get('internal_api')} {d.get('version')} ({d.get('architecture', '?')} kernels, "
            f"{d.get('threading_layer', '?')})" for d in threadpool_info() if d.get("user_api") == "blas"]
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    return "; ".join(info) + (f"; environment {env}" if env else "")


def report(threads: int, results: list[dict], epochs: int, n_train: int) -> list[str]:
    """Print the table for one thread count; return the missed targets."""
    missed = []
    print(f"\n=== {threads} BLAS thread{'s' if threads > 1 else ''}: median seconds per epoch "
          f"over {epochs} epochs of {n_train} images [fastest .. slowest epoch] ===")
    for res in results:
        med, acc = res["median"], res["accuracy"]
        arch = "-".join(map(str, res["sizes"]))
        print(f"\n{arch} (ReLU, softmax cross-entropy, batch {BATCH}, SGD; "
              f"{res['flops'] / 1e9:.1f} GFLOP per epoch in matrix products)")
        for name in ("nnlib", "plain", "floor", "PyTorch"):
            if name not in med:
                continue
            a = f"test accuracy {100 * acc[name]:.2f}%" if name in acc else "(no model: only products)"
            spread = f"[{min(res['seconds'][name]):.3f} .. {max(res['seconds'][name]):.3f}]"
            print(f"  {name:8s} {med[name]:7.3f} s/epoch {spread:18s} "
                  f"{res['flops'] / med[name] / 1e9:6.1f} GFLOP/s  {a}")
        best = {k: min(v) for k, v in res["seconds"].items()}
        spreads = {k: max(v) / min(v) for k, v in res["seconds"].items()}
        worst = max(spreads, key=spreads.get)
        if spreads[worst] > NOISY_SPREAD:
            print(f"  noisy run: the slowest epoch of {worst} took {spreads[worst]:.2f}x its fastest; "
                  "other work on the machine may have shifted the ratios: rerun when it is quiet")

        def ratio(other: str, label: str, target: float) -> None:
            """Print nnlib's time over ``other``'s; at 1 thread, judge it against the target."""
            r = med["nnlib"] / med[other]
            line = f"  {label} = {r:.3f} (fastest epochs: {best['nnlib'] / best[other]:.3f})"
            if threads == 1:
                ok = r <= target
                line += f"   (target <= {target}: {'met' if ok else 'MISSED'})"
                if not ok:
                    missed.append(f"{arch} {label.strip()} {r:.3f} > {target}")
            print(line)

        ratio("floor", "nnlib/floor  ", TARGET_VS_FLOOR)
        if "plain" in med:
            plain = med["plain"]
            print(f"  plain path (fast=False): plain/nnlib = {plain / med['nnlib']:.3f}, "
                  f"plain/floor = {plain / med['floor']:.3f}"
                  + (f", plain/PyTorch = {plain / med['PyTorch']:.3f}" if "PyTorch" in med else "")
                  + " (no target: what nnlib.fast buys)")
        if "PyTorch" in med:
            ratio("PyTorch", "nnlib/PyTorch", TARGET_VS_TORCH)
            diff = 100 * abs(acc["nnlib"] - acc["PyTorch"])
            agree = diff <= AGREEMENT_POINTS
            print(f"  accuracies differ by {diff:.2f} points "
                  f"({'agree' if agree else 'DISAGREE'}: limit {AGREEMENT_POINTS})")
            if not agree:
                missed.append(f"{arch} accuracies differ by {diff:.2f} points")
    return missed


def time_notebook(path: Path) -> float:
    """Execute a notebook with nbclient (not saved) and return the wall time."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def report_notebook() -> None:
    """Print the execution time of the MNIST chapter, in this Python if it has
    nbclient, else in the project's .venv (a PyTorch venv usually has no Jupyter)."""
    import subprocess

    nb = ROOT / "book" / "08_mnist.ipynb"
    try:
        import nbclient  # noqa: F401
    except ImportError:
        venv_python = ROOT / ".venv" / "bin" / "python"
        if not venv_python.exists():
            print(f"\nnotebook {nb.relative_to(ROOT)}: not timed: this Python has no nbclient "
                  f"and {venv_python} does not exist (run make setup)")
            return
        sys.stdout.flush()
        subprocess.run([str(venv_python), __file__, "--notebook-only"], check=True)
        return
    seconds = time_notebook(nb)
    print(f"\nnotebook {nb.relative_to(ROOT)}: executed in {seconds:.1f} s "
          f"({os.cpu_count()} CPUs; target < 90 s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=7, help="epochs per network (median over them; default 7)")
    p.add_argument("--threads", default="1,2", help="BLAS thread counts to test, e.g. 1 or 1,2 (default 1,2)")
    p.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default 0.1)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: the first 10,000 training images, the first thread count only; "
                        "figures not comparable with full runs")
    p.add_argument("--notebook", action="store_true",
                   help="also execute book/08_mnist.ipynb (not saved) and report its wall time")
    p.add_argument("--notebook-only", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--synthetic", action="store_true",
                   help="random data instead of MNIST (only to test this script; accuracies mean nothing)")
    args = p.parse_args(argv)
    if args.notebook_only:
        report_notebook()
        return 0
    if args.epochs < 1:
        p.error(f"--epochs must be at least 1; got {args.epochs}")
    try:
        thread_counts = [int(t) for t in args.threads.split(",")]
        assert all(t >= 1 for t in thread_counts)
    except (ValueError, AssertionError):
        p.error(f"--threads must list positive whole numbers such as 1,2; got {args.threads!r}")
    epochs = args.epochs
    if args.quick:
        thread_counts = thread_counts[:1]

    data = load_data(args.quick, args.synthetic)
    print(f"nnlib {nnlib.__version__}, NumPy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    print(f"BLAS: {blas_description()}")
    if torch is None:
        print(f"PyTorch: not compared. {TORCH_MISSING}")
    else:
        print(f"PyTorch {torch.__version__} (CPU), intra-op threads set to match the BLAS threads")
    print(f"data: {'RANDOM (synthetic) ' if args.synthetic else 'MNIST '}{len(data[0])} training and "
          f"{len(data[2])} test images; {epochs} epochs per network, lr {args.lr:g}"
          + ("; QUICK mode: not comparable with full runs" if args.quick else ""))

    missed: list[str] = []
    for t in thread_counts:
        with threadpool_limits(limits=t):
            if torch is not None:
                torch.set_num_threads(t)
            results = [bench_network(sizes, data, epochs, args.lr) for sizes in NETWORKS]
        missed += report(t, results, epochs, len(data[0]))

    if args.notebook:
        report_notebook()

    summary = "every target checked was met" if not missed else "missed: " + "; ".join(missed)
    if torch is None:
        summary += " (nnlib/PyTorch not measured: PyTorch is not installed in this Python)"
    print("\nsummary: " + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
