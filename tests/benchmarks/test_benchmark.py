"""The MNIST epoch benchmark runs and reports what it promises.

Speed itself is measured by running the benchmark (``make bench``), never by a
timed test; this only checks that the script works from a clean checkout.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "mnist_epoch.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_a_quick_run_reports_every_figure():
    result = run("--quick", "--threads", "1", "--epochs", "3")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for network in ("784-128-10", "784-256-128-10"):
        assert network in out
    assert out.count("s/epoch") >= 4  # nnlib and the floor, for both networks
    assert out.count("nnlib/floor   =") == 2
    assert "GFLOP/s" in out and "test accuracy" in out
    assert "1 BLAS thread" in out
    if importlib.util.find_spec("torch") is None:
        assert "PyTorch: not compared" in out and "No module named 'torch'" in out
    else:
        assert out.count("nnlib/PyTorch =") == 2


def test_bad_arguments_get_a_clear_error():
    result = run("--threads", "0")
    assert result.returncode != 0
    assert "--threads must list positive whole numbers such as 1,2; got '0'" in result.stderr
    result = run("--epochs", "-1")
    assert result.returncode != 0
    assert "--epochs must be at least 1; got -1" in result.stderr


# ------------------------------------------------------- step_breakdown.py
BREAKDOWN = SCRIPT.parent / "step_breakdown.py"


def load_breakdown():
    spec = importlib.util.spec_from_file_location("step_breakdown", BREAKDOWN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_breakdown_runs_the_same_steps_as_train():
    """Its timed epoch must be nnlib.train's epoch, or its figures would describe something else."""
    from collections import defaultdict

    import numpy as np

    from nnlib import MLP, train
    from nnlib.model.optimizers import SGD

    breakdown = load_breakdown()
    rng = np.random.default_rng(0)
    X = rng.random((300, 784), dtype=np.float32)
    y = rng.integers(0, 10, 300)
    for sizes in breakdown.NETWORKS:
        ours = MLP(sizes, activation="relu", loss="softmax_cross_entropy", seed=0, dtype="float32")
        reference = ours.copy()
        times = defaultdict(float)
        loss = breakdown.one_epoch(ours, SGD(0.1), X, y, 3, times)
        history = train(reference, X, y, optimizer="sgd", lr=0.1, epochs=1, batch_size=breakdown.BATCH,
                        seed=3, progress=False)
        assert loss == history.loss[0]
        for k in ours.params:
            np.testing.assert_array_equal(ours.params[k], reference.params[k])
        assert all(seconds > 0 for seconds in times.values())
        assert set(times) == set(breakdown.PARTS)


def test_the_breakdown_script_prints_every_part():
    result = subprocess.run([sys.executable, str(BREAKDOWN), "--synthetic", "--epochs", "1"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for part in ("gather the batch", "softmax cross-entropy", "forward pass", "backward pass",
                 "update p -= eta g", "accuracy count"):
        assert part in result.stdout
    assert result.stdout.count("us per batch, of which") == 2
    bad = subprocess.run([sys.executable, str(BREAKDOWN), "--epochs", "0"], capture_output=True, text=True)
    assert bad.returncode != 0 and "--epochs must be at least 1; got 0" in bad.stderr


def test_a_noisy_run_is_flagged(capsys):
    """The report says when epochs of one contender differ a lot, and stays quiet otherwise."""
    spec = importlib.util.spec_from_file_location("mnist_epoch", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def result(floor_seconds):
        seconds = {"nnlib": [0.30, 0.31, 0.30], "floor": floor_seconds}
        return {"sizes": [784, 128, 10], "seconds": seconds, "flops": 24.5e9,
                "median": {k: sorted(v)[1] for k, v in seconds.items()},
                "accuracy": {"nnlib": 0.96}}

    bench.report(1, [result([0.22, 0.23, 0.22])], 3, 60000)
    assert "noisy run" not in capsys.readouterr().out
    bench.report(1, [result([0.22, 0.40, 0.23])], 3, 60000)
    out = capsys.readouterr().out
    assert "noisy run: the slowest epoch of floor took 1.82x its fastest" in out
