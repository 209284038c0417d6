"""The MNIST epoch benchmark runs and reports what it promises.

Speed itself is measured by running the benchmark (``make bench``), never by a
timed test; this only checks that the script works from a clean checkout.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "mnist_epoch.py"


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
