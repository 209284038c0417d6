"""Tests of nnlib.data: logic gates, 2-D toy sets, one_hot, train_val_split, MNIST."""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from nnlib import data
from nnlib.data import (
    MNIST_FILES,
    MNIST_SHA256,
    MNISTError,
    MNISTFileMissing,
    and_data,
    blobs,
    cache_directory,
    circles,
    load_mnist,
    moons,
    one_hot,
    or_data,
    read_idx,
    spirals,
    train_val_split,
    xor,
)


@pytest.fixture(autouse=True)
def cache_root(tmp_path_factory, monkeypatch) -> Path:
    """Point NNLIB_CACHE_DIR at a fresh, empty temporary folder for every test,
    so that no test ever writes into the real user cache; return that folder.

    The folder is apart from ``tmp_path``, which the tests use for data files,
    so a test can tell what was written next to the data and what went to the
    cache. MNIST's cache is its subfolder ``mnist``.
    """
    root = tmp_path_factory.mktemp("nnlib-cache")
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(root))
    return root


# ---------------------------------------------------------------------------
# Logic gates
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, rule",
    [
        (xor, lambda a, b: a != b),
        (and_data, lambda a, b: a & b),
        (or_data, lambda a, b: a | b),
    ],
)
def test_gates(make, rule):
    X, y = make()
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert y.shape == (4,) and y.dtype == np.int64
    # all four input combinations, each once
    assert sorted(map(tuple, X.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    bits = X.astype(bool)
    np.testing.assert_array_equal(y, rule(bits[:, 0], bits[:, 1]).astype(np.int64))


def test_gates_return_fresh_arrays():
    X, y = xor()
    X[0, 0] = 5
    y[0] = 7
    X2, y2 = xor()
    assert X2[0, 0] == 0 and y2[0] == 0


# ---------------------------------------------------------------------------
# 2-D toy sets
# ---------------------------------------------------------------------------

TOY_SETS = {
    "blobs": (blobs, dict(n=200, centers=3), 200, 3),
    "blobs_odd": (blobs, dict(n=103, centers=4), 103, 4),
    "moons": (moons, dict(n=200), 200, 2),
    "moons_odd": (moons, dict(n=101), 101, 2),
    "circles": (circles, dict(n=200), 200, 2),
    "spirals": (spirals, dict(n_per_class=50, n_classes=3), 150, 3),
    "spirals_k5": (spirals, dict(n_per_class=20, n_classes=5), 100, 5),
}


@pytest.mark.parametrize("key", list(TOY_SETS))
def test_toy_shapes_dtypes_balance(key):
    make, kwargs, n, k = TOY_SETS[key]
    X, y = make(**kwargs)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k
    assert counts.sum() == n and counts.max() - counts.min() <= 1
    # shuffled: the labels are not in sorted runs
    assert np.any(np.diff(y) < 0)
    assert np.count_nonzero(np.diff(y)) > n // 4


@pytest.mark.parametrize("key", list(TOY_SETS))
def test_toy_deterministic(key):
    make, kwargs, _, _ = TOY_SETS[key]
    X1, y1 = make(**kwargs, seed=3)
    X2, y2 = make(**kwargs, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make(**kwargs, seed=4)
    assert not np.array_equal(X1, X3)


def test_blobs_points_near_their_centre():
    centres = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 5.0]])
    X, y = blobs(n=300, centers=centres, std=0.5, seed=1)
    d = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(d.argmin(axis=1), y)
    for k in range(3):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centres[k], atol=0.2)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, rtol=0.3)


def test_blobs_default_centres_distinct():
    X, y = blobs(n=400, centers=4, seed=0)
    means = np.array([X[y == k].mean(axis=0) for k in range(4)])
    gaps = np.linalg.norm(means[:, None] - means[None], axis=2) + np.eye(4) * 99
    assert gaps.min() > 2.0


def test_moons_without_noise_lie_on_arcs():
    X, y = moons(n=100, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.linalg.norm(lower - [1.0, 0.5], axis=1), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_circles_without_noise_have_the_two_radii():
    X, y = circles(n=100, noise=0.0, factor=0.3)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


def test_spirals_radius_and_angle():
    X, y = spirals(n_per_class=40, n_classes=3, noise=0.0)
    r = np.linalg.norm(X, axis=1)
    assert r.min() == pytest.approx(0.0) and r.max() == pytest.approx(1.0)
    # without noise, the points of arm k at radius r lie at angle 4k + 4r (x = r sin t, y = r cos t)
    for k in range(3):
        pts, rad = X[y == k], r[y == k]
        t = 4 * k + 4 * rad
        np.testing.assert_allclose(pts, np.stack([rad * np.sin(t), rad * np.cos(t)], axis=1), atol=1e-12)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: blobs(n=0), "n must be a positive whole number; got 0"),
        (lambda: blobs(n=2.5), "n must be a positive whole number; got 2.5"),
        (lambda: blobs(n=2, centers=3), "n must be at least the number of classes"),
        (lambda: blobs(centers=0), "centers must be a positive whole number; got 0"),
        (lambda: blobs(centers=[[1, 2, 3]]), r"array of shape \(K, 2\).*shape \(1, 3\)"),
        (lambda: blobs(std=0), "std must be a positive number; got 0"),
        (lambda: blobs(seed=-1), "seed must be a whole number >= 0; got -1"),
        (lambda: moons(n=-5), "n must be a positive whole number; got -5"),
        (lambda: moons(n=1), "n must be at least 2"),
        (lambda: moons(noise=-0.1), "noise must be a number >= 0; got -0.1"),
        (lambda: circles(factor=1.0), "factor .* must be less than 1"),
        (lambda: circles(factor=0), "factor must be a positive number; got 0"),
        (lambda: circles(noise=float("nan")), "noise must be a number >= 0"),
        (lambda: spirals(n_per_class=0), "n_per_class must be a positive whole number; got 0"),
        (lambda: spirals(n_classes=True), "n_classes must be a positive whole number; got True"),
        (lambda: spirals(seed=1.5), "seed must be a whole number >= 0; got 1.5"),
    ],
)
def test_toy_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------
# one_hot
# ---------------------------------------------------------------------------


def test_one_hot_round_trip():
    y = np.array([2, 0, 1, 2, 2, 0])
    Y = one_hot(y, 3)
    assert Y.shape == (6, 3) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)
    assert set(np.unique(Y)) == {0.0, 1.0}
    # whole-number floats are accepted as labels
    np.testing.assert_array_equal(one_hot(y.astype(float), 3), Y)


def test_one_hot_dtype_and_extra_classes():
    Y = one_hot([1, 1], 4, dtype=np.float32)
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y, [[0, 1, 0, 0], [0, 1, 0, 0]])
    assert one_hot(np.array([], dtype=np.int64), 3).shape == (0, 3)


@pytest.mark.parametrize(
    "y, k, match",
    [
        ([0, 3, 1], 3, r"labels from 0 to 2; got values such as \[3\]"),
        ([0, -1], 3, r"labels from 0 to 2; got values such as \[-1\]"),
        ([0.0, 1.5], 3, r"whole-number class labels; got values such as \[1.5\]"),
        (["a", "b"], 3, "integer class labels; got dtype"),
        ([[0, 1]], 3, r"shape \(N,\); got shape \(1, 2\)"),
        ([0, 1], 0, "n_classes must be a positive whole number; got 0"),
    ],
)
def test_one_hot_errors(y, k, match):
    with pytest.raises(ValueError, match=match):
        one_hot(y, k)


# ---------------------------------------------------------------------------
# train_val_split
# ---------------------------------------------------------------------------


def test_train_val_split_partitions_rows():
    n = 50
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) * 10
    X_tr, y_tr, X_va, y_va = train_val_split(X, y, n_val=12, seed=5)
    assert X_tr.shape == (38, 3) and X_va.shape == (12, 3)
    assert y_tr.shape == (38,) and y_va.shape == (12,)
    assert X_tr.dtype == np.float32
    # rows stay paired with their targets, and every row lands in exactly one part
    np.testing.assert_array_equal(X_tr[:, 0] / 3 * 10, y_tr)
    np.testing.assert_array_equal(X_va[:, 0] / 3 * 10, y_va)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_va])), y)
    # it is a random split, not the last rows
    assert not np.array_equal(np.sort(y_va), y[-12:])


def test_train_val_split_deterministic():
    X, y = blobs(n=60, seed=0)
    a = train_val_split(X, y, 10, seed=1)
    b = train_val_split(X, y, 10, seed=1)
    c = train_val_split(X, y, 10, seed=2)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3]) or not np.array_equal(a[2], c[2])


@pytest.mark.parametrize(
    "n_val, match",
    [
        (10, r"n_val must be smaller than the number of samples \(10\).*got n_val=10"),
        (11, r"got n_val=11"),
        (0, "n_val must be a positive whole number; got 0"),
        (2.0, "n_val must be a positive whole number; got 2.0"),
    ],
)
def test_train_val_split_errors(n_val, match):
    X, y = np.zeros((10, 2)), np.zeros(10, dtype=np.int64)
    with pytest.raises(ValueError, match=match):
        train_val_split(X, y, n_val)


def test_train_val_split_length_mismatch():
    with pytest.raises(ValueError, match="9 in y"):
        train_val_split(np.zeros((10, 2)), np.zeros(9), 3)


# ---------------------------------------------------------------------------
# MNIST: the real files
# ---------------------------------------------------------------------------

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(cache=False)


def test_mnist_shapes_dtypes_range(mnist):
    X_train, y_train, X_test, y_test = mnist
    assert X_train.shape == (60000, 784) and X_train.dtype == np.float32
    assert X_test.shape == (10000, 784) and X_test.dtype == np.float32
    assert y_train.shape == (60000,) and y_train.dtype == np.int64
    assert y_test.shape == (10000,) and y_test.dtype == np.int64
    for X in (X_train, X_test):
        assert X.min() == 0.0 and X.max() == 1.0
        # every value is k / 255 for a whole k
        k = X[:2000] * 255
        np.testing.assert_allclose(k, np.round(k), atol=1e-4)


def test_mnist_class_counts(mnist):
    _, y_train, _, y_test = mnist
    assert np.bincount(y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == TEST_COUNTS


def test_mnist_cache_round_trip(mnist, tmp_path, monkeypatch):
    first = load_mnist(cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npy"))) == 4

    def no_parsing(*args, **kwargs):
        raise AssertionError("the cache was not used")

    monkeypatch.setattr(data, "_parse_idx", no_parsing)
    second = load_mnist(cache_dir=tmp_path)
    for a, b, c in zip(mnist, first, second):
        assert a.dtype == b.dtype == c.dtype
        # np.array_equal: assert_array_equal takes about 0.5 s per MNIST-sized pair
        assert np.array_equal(a, b) and np.array_equal(a, c)


def snapshot(folder: Path) -> dict:
    """Every file and folder under ``folder``, with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def test_default_load_writes_nothing_into_the_repository(mnist, cache_root):
    before = snapshot(data.DEFAULT_MNIST_DIR)
    result = load_mnist()  # every default: the repository's files, the user cache
    assert snapshot(data.DEFAULT_MNIST_DIR) == before
    # the cache did go somewhere: the user cache folder (here the test's NNLIB_CACHE_DIR)
    expected = sorted(f"{name}.{h}.npy" for name, h in MNIST_SHA256.items())
    assert sorted(p.name for p in (cache_root / "mnist").iterdir()) == expected
    for a, b in zip(mnist, result):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_mnist_ships_inside_the_package():
    # package data (pyproject.toml: [tool.setuptools.package-data]), so that an
    # installed wheel has the files too; tests/book/test_wheel.py installs one
    package = Path(data.__file__).resolve().parent
    assert data.DEFAULT_MNIST_DIR == package / "datasets" / "mnist"
    names = {p.name for p in data.DEFAULT_MNIST_DIR.iterdir()}
    assert names == set(MNIST_FILES.values()) | {"README.md", "SHA256SUMS"}
    assert "CC BY-SA 3.0" in (data.DEFAULT_MNIST_DIR / "README.md").read_text()


def test_checksums_match_sha256sums_file():
    sums = (data.DEFAULT_MNIST_DIR / "SHA256SUMS").read_text().split("\n")
    listed = dict(reversed(line.split()) for line in sums if line.strip())
    assert listed == MNIST_SHA256
    assert set(MNIST_FILES.values()) == set(MNIST_SHA256)


# ---------------------------------------------------------------------------
# MNIST: small fake IDX files
# ---------------------------------------------------------------------------


def idx_bytes(arr: np.ndarray, magic: int | None = None, dims=None) -> bytes:
    """Uncompressed IDX bytes for a uint8 array (header then data)."""
    arr = np.asarray(arr, dtype=np.uint8)
    dims = arr.shape if dims is None else dims
    magic = 0x0800 + len(dims) if magic is None else magic
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in dims)
    return header + arr.tobytes()


def write_idx(path: Path, arr, magic: int | None = None, dims=None) -> str:
    """Write a gzip IDX file; return its SHA-256."""
    path.write_bytes(gzip.compress(idx_bytes(arr, magic, dims), mtime=0))
    return sha256(path)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_fake_mnist(directory: Path, n_train: int = 6, n_test: int = 4, seed: int = 0):
    """Write four tiny, valid MNIST-like files; return (checksums, arrays)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    checksums = {MNIST_FILES[key]: write_idx(directory / MNIST_FILES[key], arr) for key, arr in arrays.items()}
    return checksums, arrays


def assert_matches(result, arrays):
    X_train, y_train, X_test, y_test = result
    np.testing.assert_array_equal(X_train, arrays["train_images"].reshape(-1, 784).astype(np.float32) / 255.0)
    np.testing.assert_array_equal(y_train, arrays["train_labels"])
    np.testing.assert_array_equal(X_test, arrays["test_images"].reshape(-1, 784).astype(np.float32) / 255.0)
    np.testing.assert_array_equal(y_test, arrays["test_labels"])
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64


def test_fake_mnist_loads(tmp_path):
    checksums, arrays = make_fake_mnist(tmp_path)
    result = load_mnist(tmp_path, checksums=checksums, cache=False)
    assert_matches(result, arrays)
    assert not (tmp_path / "cache").exists()


def test_read_idx_valid(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    h = write_idx(tmp_path / "a.gz", arr)
    out = read_idx(tmp_path / "a.gz", expected_sha256=h, expected_magic=2051, expected_shape=(None, 3, 4))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, arr)


def test_missing_file(tmp_path):
    checksums, _ = make_fake_mnist(tmp_path)
    missing = tmp_path / "t10k-labels-idx1-ubyte.gz"
    missing.unlink()
    with pytest.raises(MNISTFileMissing) as info:
        load_mnist(tmp_path, checksums=checksums)
    msg = str(info.value)
    assert str(missing) in msg and str(tmp_path) in msg and "nnlib/datasets/mnist" in msg
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, MNISTError)


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path / "nowhere")


def test_checksum_mismatch(tmp_path):
    checksums, _ = make_fake_mnist(tmp_path)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    wrong = "0" * 64
    actual = checksums[path.name]
    checksums[path.name] = wrong
    with pytest.raises(MNISTError) as info:
        load_mnist(tmp_path, checksums=checksums)
    msg = str(info.value)
    assert str(path) in msg and wrong in msg and actual in msg and "checksum" in msg


def test_real_checksums_reject_fake_files(tmp_path):
    make_fake_mnist(tmp_path)
    with pytest.raises(MNISTError, match=MNIST_SHA256["train-images-idx3-ubyte.gz"]):
        load_mnist(tmp_path)


def test_truncated_gzip(tmp_path):
    path = tmp_path / "t.gz"
    write_idx(path, np.zeros((3, 28, 28), dtype=np.uint8) + 7)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(MNISTError) as info:
        read_idx(path)
    assert str(path) in str(info.value) and "truncated or corrupt" in str(info.value)


@pytest.mark.parametrize("where", ["header", "middle"])
def test_corrupted_gzip(tmp_path, where):
    path = tmp_path / "c.gz"
    rng = np.random.default_rng(0)
    write_idx(path, rng.integers(0, 256, (3, 28, 28), dtype=np.uint8))
    raw = bytearray(path.read_bytes())
    pos = 0 if where == "header" else len(raw) // 2
    raw[pos] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(MNISTError) as info:
        read_idx(path)
    assert str(path) in str(info.value) and "gzip" in str(info.value)


def test_data_shorter_than_header(tmp_path):
    path = tmp_path / "s.gz"
    write_idx(path, np.zeros((3, 28, 28), dtype=np.uint8), dims=(5, 28, 28))
    with pytest.raises(MNISTError) as info:
        read_idx(path)
    msg = str(info.value)
    assert str(path) in msg and "truncated" in msg and str(5 * 784) in msg and str(3 * 784) in msg


def test_header_cut_short(tmp_path):
    path = tmp_path / "h.gz"
    path.write_bytes(gzip.compress((2051).to_bytes(4, "big") + (5).to_bytes(4, "big")))
    with pytest.raises(MNISTError, match="truncated: its header announces 3 dimensions"):
        read_idx(path)


def test_wrong_magic(tmp_path):
    checksums, _ = make_fake_mnist(tmp_path)
    # a label file where the training images should be
    path = tmp_path / "train-images-idx3-ubyte.gz"
    checksums[path.name] = write_idx(path, np.zeros(6, dtype=np.uint8))
    with pytest.raises(MNISTError) as info:
        load_mnist(tmp_path, checksums=checksums, cache=False)
    msg = str(info.value)
    assert str(path) in msg and "expected 2051" in msg and "found 2049" in msg


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"hello world, not idx"))
    with pytest.raises(MNISTError, match="not an IDX file of unsigned bytes"):
        read_idx(path)


def test_wrong_dimensions(tmp_path):
    checksums, _ = make_fake_mnist(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    checksums[path.name] = write_idx(path, np.zeros((4, 28, 27), dtype=np.uint8))
    with pytest.raises(MNISTError) as info:
        load_mnist(tmp_path, checksums=checksums, cache=False)
    msg = str(info.value)
    assert str(path) in msg and "(N, 28, 28)" in msg and "(4, 28, 27)" in msg


def test_label_count_differs(tmp_path):
    checksums, _ = make_fake_mnist(tmp_path, n_train=6)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    checksums[path.name] = write_idx(path, np.zeros(5, dtype=np.uint8))
    with pytest.raises(MNISTError) as info:
        load_mnist(tmp_path, checksums=checksums, cache=False)
    msg = str(info.value)
    assert str(path) in msg and "5 labels" in msg and "6 images" in msg


def test_labels_above_nine(tmp_path):
    checksums, _ = make_fake_mnist(tmp_path, n_test=4)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    checksums[path.name] = write_idx(path, np.array([1, 12, 3, 200], dtype=np.uint8))
    with pytest.raises(MNISTError) as info:
        load_mnist(tmp_path, checksums=checksums, cache=False)
    msg = str(info.value)
    assert str(path) in msg and "[12, 200]" in msg and "0 to 9" in msg


# ---------------------------------------------------------------------------
# MNIST: the cache
# ---------------------------------------------------------------------------


def test_cache_is_written_and_used(tmp_path, cache_root, monkeypatch):
    checksums, arrays = make_fake_mnist(tmp_path)
    assert_matches(load_mnist(tmp_path, checksums=checksums), arrays)
    entries = sorted(p.name for p in (cache_root / "mnist").glob("*.npy"))
    assert entries == sorted(f"{name}.{h}.npy" for name, h in checksums.items())

    def no_parsing(*args, **kwargs):
        raise AssertionError("the cache was not used")

    monkeypatch.setattr(data, "_parse_idx", no_parsing)
    assert_matches(load_mnist(tmp_path, checksums=checksums), arrays)


def test_stale_cache_is_not_trusted(tmp_path, cache_root):
    checksums, arrays = make_fake_mnist(tmp_path, seed=0)
    load_mnist(tmp_path, checksums=checksums)  # fills the cache
    old_checksums = dict(checksums)

    # the source files change (same sizes, new contents)
    new_checksums, new_arrays = make_fake_mnist(tmp_path, seed=1)
    assert new_checksums != old_checksums

    # with the old expected hashes: a checksum error, never the old cached arrays
    with pytest.raises(MNISTError, match="checksum mismatch"):
        load_mnist(tmp_path, checksums=old_checksums)

    # with the new expected hashes: the new data, parsed again
    result = load_mnist(tmp_path, checksums=new_checksums)
    assert_matches(result, new_arrays)
    assert not np.array_equal(result[1], arrays["train_labels"]) or not np.array_equal(
        result[0], arrays["train_images"].reshape(-1, 784) / 255.0
    )
    # the entries made from the old files are gone
    names = {p.name for p in (cache_root / "mnist").glob("*.npy")}
    assert names == {f"{name}.{h}.npy" for name, h in new_checksums.items()}


def test_damaged_cache_entry_is_rebuilt(tmp_path, cache_root):
    checksums, arrays = make_fake_mnist(tmp_path)
    load_mnist(tmp_path, checksums=checksums)
    entry = cache_root / "mnist" / f"train-images-idx3-ubyte.gz.{checksums['train-images-idx3-ubyte.gz']}.npy"
    entry.write_bytes(entry.read_bytes()[:100])  # cut short
    assert_matches(load_mnist(tmp_path, checksums=checksums), arrays)
    assert entry.stat().st_size > 6 * 784  # written again in full


def test_unwritable_cache_is_skipped(tmp_path):
    checksums, arrays = make_fake_mnist(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    # the cache folder cannot be created under a file (this works even for root)
    assert_matches(load_mnist(tmp_path, checksums=checksums, cache_dir=blocker / "cache"), arrays)
    assert blocker.is_file()


def test_default_cache_goes_to_nnlib_cache_dir(tmp_path, cache_root):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    checksums, arrays = make_fake_mnist(data_dir)
    assert cache_directory() == cache_root
    assert_matches(load_mnist(data_dir, checksums=checksums), arrays)
    entries = sorted(p.name for p in (cache_root / "mnist").iterdir())
    assert entries == sorted(f"{name}.{h}.npy" for name, h in checksums.items())
    # nothing was written next to the data: only the four source files are there
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(MNIST_FILES.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_cache_dir_argument_wins_over_the_environment(tmp_path, cache_root):
    data_dir, mine = tmp_path / "data", tmp_path / "my-cache"
    data_dir.mkdir()
    checksums, arrays = make_fake_mnist(data_dir)
    assert_matches(load_mnist(data_dir, checksums=checksums, cache_dir=mine), arrays)
    assert len(list(mine.glob("*.npy"))) == 4
    assert list(cache_root.iterdir()) == []


def test_no_cache_writes_nothing(tmp_path, cache_root):
    checksums, arrays = make_fake_mnist(tmp_path)
    assert_matches(load_mnist(tmp_path, checksums=checksums, cache=False), arrays)
    assert list(cache_root.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(MNIST_FILES.values())


def test_unwritable_default_cache_is_skipped(tmp_path, monkeypatch):
    # a read-only home: NNLIB_CACHE_DIR under a file cannot be created (even by root)
    checksums, arrays = make_fake_mnist(tmp_path)
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("the cache folder cannot be made here")
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(blocker / "nnlib"))
    assert_matches(load_mnist(tmp_path, checksums=checksums), arrays)
    assert_matches(load_mnist(tmp_path, checksums=checksums), arrays)  # and again, still no cache
    assert blocker.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*MNIST_FILES.values(), blocker.name])


@pytest.mark.skipif(
    sys.platform.startswith("win") or os.geteuid() == 0,
    reason="needs POSIX permissions that apply to this user (root ignores them)",
)
def test_read_only_cache_folder_is_skipped(tmp_path, cache_root):
    checksums, arrays = make_fake_mnist(tmp_path)
    cache_root.chmod(0o555)  # the cache root exists but cannot be written
    try:
        assert_matches(load_mnist(tmp_path, checksums=checksums), arrays)
        assert list(cache_root.iterdir()) == []
    finally:
        cache_root.chmod(0o755)


def test_unknown_home_loads_without_cache(tmp_path, monkeypatch):
    def no_home(cls):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("NNLIB_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(Path, "home", classmethod(no_home))
    with pytest.raises(RuntimeError, match="home"):
        cache_directory()
    checksums, arrays = make_fake_mnist(tmp_path)
    assert_matches(load_mnist(tmp_path, checksums=checksums), arrays)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(MNIST_FILES.values())


# ---------------------------------------------------------------------------
# cache_directory: the platform's conventions
# ---------------------------------------------------------------------------


@pytest.fixture
def fake_home(tmp_path, monkeypatch) -> Path:
    """A fake home folder, with no NNLIB_CACHE_DIR, XDG_CACHE_HOME or LOCALAPPDATA set."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))  # what Path.home() reads on Windows
    for name in ("NNLIB_CACHE_DIR", "XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_nnlib_cache_dir_wins_everywhere(fake_home, tmp_path, monkeypatch):
    mine = tmp_path / "somewhere" / "else"
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(mine))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    for platform in ("linux", "darwin", "win32", "freebsd14"):
        monkeypatch.setattr(sys, "platform", platform)
        assert cache_directory() == mine
    assert not mine.exists()  # named, not created


def test_nnlib_cache_dir_expands_the_home_folder(fake_home, monkeypatch):
    monkeypatch.setenv("NNLIB_CACHE_DIR", "~/my-cache")
    assert cache_directory() == fake_home / "my-cache"


def test_empty_nnlib_cache_dir_is_ignored(fake_home, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("NNLIB_CACHE_DIR", "")
    assert cache_directory() == fake_home / ".cache" / "nnlib"


@pytest.mark.parametrize("platform", ["linux", "freebsd14", "cygwin"])
def test_linux_uses_an_absolute_xdg_cache_home(fake_home, tmp_path, monkeypatch, platform):
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() == tmp_path / "xdg" / "nnlib"


@pytest.mark.parametrize("xdg", [None, "", "relative/cache"], ids=["unset", "empty", "relative"])
def test_linux_falls_back_to_dot_cache(fake_home, monkeypatch, xdg):
    # the XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored
    monkeypatch.setattr(sys, "platform", "linux")
    if xdg is not None:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache_directory() == fake_home / ".cache" / "nnlib"


def test_macos_uses_library_caches(fake_home, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # not used on macOS
    assert cache_directory() == fake_home / "Library" / "Caches" / "nnlib"


def test_windows_uses_local_app_data(fake_home, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # not used on Windows
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert cache_directory() == tmp_path / "local" / "nnlib" / "Cache"
    monkeypatch.delenv("LOCALAPPDATA")
    assert cache_directory() == fake_home / "AppData" / "Local" / "nnlib" / "Cache"


def test_default_cache_is_outside_the_repository_and_package(fake_home, monkeypatch):
    package = Path(data.__file__).resolve().parent
    repo = package.parent
    for platform in ("linux", "darwin", "win32"):
        monkeypatch.setattr(sys, "platform", platform)
        where = cache_directory()
        assert fake_home in where.parents
        assert repo not in where.parents and package not in where.parents
