"""Data sets for the book: XOR and friends, small 2-D toy sets, and MNIST.

Every function returns plain NumPy arrays with the samples in ROWS:

* ``X`` has shape (N, D): one sample per row, D input features.
* ``y`` has shape (N,) and dtype int64: the class label of each row, 0 .. K-1.

The toy sets (``blobs``, ``moons``, ``circles``, ``spirals``) are drawn from a
random number generator seeded with ``seed``, so the same call always gives the
same points. Their classes are balanced (class sizes differ by at most one) and
the rows are shuffled, so the labels do not come in long runs.

MNIST is read from the four original IDX files that ship with nnlib as package
data, in the folder ``datasets/mnist`` of the package (``nnlib/datasets/mnist``
in the repository, and inside the installed package after ``pip install``), so
nothing is downloaded at run time. Each file's SHA-256 is checked against the
published value before it is used, and anything wrong (a missing file, a
damaged download, a file of the wrong kind) raises :class:`MNISTError` with a
message that names the file, what was expected and what was found.

Caching MNIST: decompressing the 10 MB of gzip and parsing it takes about
0.25 s; loading the same uint8 arrays from ``.npy`` files takes about 0.015 s,
and hashing the four source files takes about 0.01 s. So ``load_mnist`` keeps
the parsed uint8 arrays in a folder ``mnist`` inside the user's cache folder
(see :func:`cache_directory`), never inside the repository or the installed
package. By default that is:

* Linux and other Unix systems: ``$XDG_CACHE_HOME/nnlib/mnist``, or
  ``~/.cache/nnlib/mnist`` when XDG_CACHE_HOME is not set to an absolute path;
* macOS: ``~/Library/Caches/nnlib/mnist``;
* Windows: ``%LOCALAPPDATA%\\nnlib\\Cache\\mnist``.

To move the cache, set the environment variable ``NNLIB_CACHE_DIR`` to a folder
(the MNIST arrays then go to ``$NNLIB_CACHE_DIR/mnist``), or pass ``cache_dir=``
to ``load_mnist``; ``cache=False`` turns the cache off. The cache files are
safe to delete at any time.

Each cache file's name contains the SHA-256 of the source file it was made
from. The source files are hashed on every call anyway (to verify them), so a
changed source file has a new hash, its cache file name no longer matches, and
the old arrays are never used. If the cache folder cannot be created or written
(a read-only home folder, as on some shared servers), the cache is skipped and
the data is parsed from the source files on every call.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

from .validate import as_labels, check_nonnegative, check_positive, check_seed, format_shape

__all__ = [
    "xor",
    "and_data",
    "or_data",
    "blobs",
    "moons",
    "circles",
    "spirals",
    "one_hot",
    "train_val_split",
    "MNISTError",
    "MNISTFileMissing",
    "MNIST_FILES",
    "MNIST_SHA256",
    "DEFAULT_MNIST_DIR",
    "CACHE_DIR_ENV",
    "cache_directory",
    "read_idx",
    "load_mnist",
]


# ---------------------------------------------------------------------------
# Logic gates
# ---------------------------------------------------------------------------

def _gate_inputs() -> np.ndarray:
    return np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR examples: the output is 1 when exactly one input is 1.

    Returns:
        X: float64 array of shape (4, 2), the rows [0,0], [0,1], [1,0], [1,1].
        y: int64 array of shape (4,), the labels [0, 1, 1, 0].
    """
    return _gate_inputs(), np.array([0, 1, 1, 0], dtype=np.int64)


def and_data() -> tuple[np.ndarray, np.ndarray]:
    """The four AND examples: the output is 1 only when both inputs are 1.

    Returns:
        X: float64 array of shape (4, 2), the same rows as :func:`xor`.
        y: int64 array of shape (4,), the labels [0, 0, 0, 1].
    """
    return _gate_inputs(), np.array([0, 0, 0, 1], dtype=np.int64)


def or_data() -> tuple[np.ndarray, np.ndarray]:
    """The four OR examples: the output is 1 when at least one input is 1.

    Returns:
        X: float64 array of shape (4, 2), the same rows as :func:`xor`.
        y: int64 array of shape (4,), the labels [0, 1, 1, 1].
    """
    return _gate_inputs(), np.array([0, 1, 1, 1], dtype=np.int64)


# ---------------------------------------------------------------------------
# 2-D toy sets
# ---------------------------------------------------------------------------

def _class_sizes(n: int, n_classes: int) -> list[int]:
    """Split ``n`` samples into ``n_classes`` sizes that differ by at most one."""
    return [n // n_classes + (1 if k < n % n_classes else 0) for k in range(n_classes)]


def _shuffle(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(y))
    return X[order], y[order]


def blobs(n: int = 200, centers=3, std: float = 0.7, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs: each class is a round cloud of points around its centre.

    Args:
        n: the total number of points N (> 0, at least one per class).
        centers: either the number of classes K (> 0), placed evenly on a
            circle of radius 3 around the origin, or an array of shape (K, 2)
            holding the centre of each class.
        std: the standard deviation of every cloud (> 0).
        seed: seed of the random number generator.

    Returns:
        X: float64 array of shape (N, 2), the points.
        y: int64 array of shape (N,), the class of each point, 0 .. K-1.
    """
    check_positive(n, "n", integer=True)
    check_positive(std, "std")
    check_seed(seed)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        check_positive(centers, "centers", integer=True)
        angles = np.pi / 2 + 2 * np.pi * np.arange(centers) / centers
        centres = 3.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        centres = np.asarray(centers, dtype=np.float64) if not isinstance(centers, bool) else None
        if centres is None or centres.ndim != 2 or centres.shape[1] != 2 or len(centres) == 0:
            shape = None if centres is None else centres.shape
            raise ValueError(
                "centers must be a positive number of classes or an array of shape (K, 2); "
                f"got {centers!r}" + (f" of shape {shape}" if shape is not None else "")
            )
        if not np.all(np.isfinite(centres)):
            raise ValueError("centers must hold finite numbers")
    n_classes = len(centres)
    if n < n_classes:
        raise ValueError(f"n must be at least the number of classes ({n_classes}); got {n}")
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n, n_classes)
    X = np.concatenate([centres[k] + std * rng.standard_normal((m, 2)) for k, m in enumerate(sizes)])
    y = np.repeat(np.arange(n_classes, dtype=np.int64), sizes)
    return _shuffle(X, y, rng)


def moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles ("moons"): no straight line separates them.

    Class 0 is the upper half of the unit circle; class 1 is the same arc turned
    upside down and shifted to (1, 0.5) - (cos t, sin t). Gaussian noise of
    standard deviation ``noise`` is added to every coordinate.

    Args:
        n: the total number of points N (>= 2).
        noise: standard deviation of the added noise (>= 0).
        seed: seed of the random number generator.

    Returns:
        X: float64 array of shape (N, 2), the points.
        y: int64 array of shape (N,), 0 or 1.
    """
    check_positive(n, "n", integer=True)
    if n < 2:
        raise ValueError(f"n must be at least 2 (one point per class); got {n}")
    check_nonnegative(noise, "noise")
    check_seed(seed)
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n, 2)
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n0, n1])
    return _shuffle(X, y, rng)


def circles(
    n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on the outer one, class 1 on the inner one.

    Args:
        n: the total number of points N (>= 2).
        noise: standard deviation of the Gaussian noise added to every
            coordinate (>= 0).
        factor: radius of the inner circle; the outer one has radius 1
            (0 < factor < 1).
        seed: seed of the random number generator.

    Returns:
        X: float64 array of shape (N, 2), the points.
        y: int64 array of shape (N,), 0 (outer) or 1 (inner).
    """
    check_positive(n, "n", integer=True)
    if n < 2:
        raise ValueError(f"n must be at least 2 (one point per class); got {n}")
    check_nonnegative(noise, "noise")
    check_positive(factor, "factor")
    if factor >= 1:
        raise ValueError(f"factor (the inner radius) must be less than 1, the outer radius; got {factor!r}")
    check_seed(seed)
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n, 2)
    t0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * np.pi, n1, endpoint=False)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = factor * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n0, n1])
    return _shuffle(X, y, rng)


def spirals(
    n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the spiral data of Stanford's CS231n).

    Arm k has points at radius r = 0 .. 1 and angle t = 4k .. 4(k+1) radians
    (plus Gaussian noise of standard deviation ``noise`` on the angle), placed at
    (r sin t, r cos t).

    Args:
        n_per_class: the number of points in each arm (> 0); N = n_per_class * K.
        n_classes: the number of arms K (> 0).
        noise: standard deviation of the noise on the angle, in radians (>= 0).
        seed: seed of the random number generator.

    Returns:
        X: float64 array of shape (N, 2), the points.
        y: int64 array of shape (N,), the arm of each point, 0 .. K-1.
    """
    check_positive(n_per_class, "n_per_class", integer=True)
    check_positive(n_classes, "n_classes", integer=True)
    check_nonnegative(noise, "noise")
    check_seed(seed)
    rng = np.random.default_rng(seed)
    r = np.linspace(0.0, 1.0, n_per_class)
    arms = []
    for k in range(n_classes):
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) + noise * rng.standard_normal(n_per_class)
        arms.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
    X = np.concatenate(arms)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    return _shuffle(X, y, rng)


# ---------------------------------------------------------------------------
# Labels and splits
# ---------------------------------------------------------------------------

def one_hot(y, n_classes: int, dtype=np.float64) -> np.ndarray:
    """Turn class labels into one-hot rows: label k becomes a row with a 1 in column k.

    Args:
        y: integer labels of shape (N,), each in 0 .. n_classes-1.
        n_classes: the number of classes K (> 0).
        dtype: dtype of the result (float64 unless told).

    Returns:
        Y: array of shape (N, K), all zeros except Y[i, y[i]] = 1.

    Raises:
        ValueError: labels that are not whole numbers or are out of range.
    """
    check_positive(n_classes, "n_classes", integer=True)
    labels = as_labels(y, "y", n_classes)
    Y = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    Y[np.arange(labels.shape[0]), labels] = 1
    return Y


def train_val_split(X, y, n_val: int, seed: int = 0):
    """Split a data set at random into a training part and a validation part.

    The rows are put in a random order (seeded, so the split is the same on
    every run); the first ``n_val`` go to validation, the rest to training.
    ``X`` keeps its dtype (float32 MNIST stays float32).

    Args:
        X: array of shape (N, ...), one sample per row.
        y: array of shape (N,) (or (N, K)), one target per row.
        n_val: the number of validation samples, 0 < n_val < N.
        seed: seed of the random permutation.

    Returns:
        X_train: shape (N - n_val, ...).
        y_train: shape (N - n_val,).
        X_val: shape (n_val, ...).
        y_val: shape (n_val,).
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"X and y must have one row per sample; got shapes {X.shape} and {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows; got {X.shape[0]} rows in X "
            f"(shape {X.shape}) and {y.shape[0]} in y (shape {y.shape})"
        )
    check_positive(n_val, "n_val", integer=True)
    n = X.shape[0]
    if n_val >= n:
        raise ValueError(
            f"n_val must be smaller than the number of samples ({n}) so that some are left "
            f"for training; got n_val={n_val}"
        )
    check_seed(seed)
    order = np.random.default_rng(seed).permutation(n)
    val, train = order[:n_val], order[n_val:]
    return X[train], y[train], X[val], y[val]


# ---------------------------------------------------------------------------
# The cache folder
# ---------------------------------------------------------------------------

#: The environment variable that moves nnlib's cache folder (see :func:`cache_directory`).
CACHE_DIR_ENV = "NNLIB_CACHE_DIR"


def _absolute_env_path(name: str) -> Path | None:
    """The folder named by environment variable ``name``, or None if it is unset,
    empty or not an absolute path."""
    value = os.environ.get(name, "")
    if not value or not Path(value).is_absolute():
        return None
    return Path(value)


def cache_directory() -> Path:
    """The folder where nnlib keeps files it can rebuild (such as parsed MNIST).

    The folder is chosen, in this order:

    1. The environment variable ``NNLIB_CACHE_DIR``, if it is set and not empty
       (``~`` is expanded; a relative path is taken from the current folder).
    2. Otherwise the user's cache folder, by the platform's convention:

       * Windows: ``%LOCALAPPDATA%\\nnlib\\Cache``, or
         ``~\\AppData\\Local\\nnlib\\Cache`` when LOCALAPPDATA is not set
         to an absolute path;
       * macOS: ``~/Library/Caches/nnlib``;
       * Linux and other Unix systems: ``$XDG_CACHE_HOME/nnlib`` when
         XDG_CACHE_HOME is an absolute path, otherwise ``~/.cache/nnlib``.

    The folder is only named here, not created: it may not exist yet. Each kind
    of data uses a subfolder of it (MNIST uses ``mnist``).

    Returns:
        The cache folder, read from the environment on every call.

    Raises:
        RuntimeError: no NNLIB_CACHE_DIR is set and the home folder cannot be
            determined.
    """
    override = os.environ.get(CACHE_DIR_ENV, "")
    if override:
        return Path(override).expanduser()
    if sys.platform.startswith("win"):
        local = _absolute_env_path("LOCALAPPDATA")
        base = local if local is not None else Path.home() / "AppData" / "Local"
        return base / "nnlib" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "nnlib"
    xdg = _absolute_env_path("XDG_CACHE_HOME")
    base = xdg if xdg is not None else Path.home() / ".cache"
    return base / "nnlib"


def _default_mnist_cache() -> Path | None:
    """The MNIST subfolder of :func:`cache_directory`, or None (no cache) when
    the home folder is unknown."""
    try:
        return cache_directory() / "mnist"
    except RuntimeError:
        return None


# ---------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------

#: The folder holding the four MNIST files, which are package data of nnlib
#: (``nnlib/datasets/mnist`` in the repository, used by an editable install,
#: and in an installed wheel alike). Not ``nnlib/data``, the name of this module.
DEFAULT_MNIST_DIR = Path(__file__).resolve().parent / "datasets" / "mnist"

#: The four MNIST files, by the split and part each holds.
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

#: The published SHA-256 of each file (also in nnlib/datasets/mnist/SHA256SUMS).
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions (N, rows, cols)
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension (N,)
_IDX_UBYTE = 0x08


class MNISTError(ValueError):
    """An MNIST file is missing, damaged or not what was expected."""


class MNISTFileMissing(MNISTError, FileNotFoundError):
    """An MNIST file does not exist (also a FileNotFoundError)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _describe_magic(magic: int) -> str:
    return f"{magic} (0x{magic:08x})"


def _verify_file(path: Path, expected_sha256: str | None) -> str:
    """Check that ``path`` exists and (if given) has the expected SHA-256; return its hash."""
    if not path.is_file():
        raise MNISTFileMissing(
            f"MNIST file not found: {path} (looked in the folder {path.parent}). The four "
            f"MNIST files ship with nnlib as package data in nnlib/datasets/mnist "
            f"({DEFAULT_MNIST_DIR}); reinstall nnlib if they are missing there, or pass "
            f"directory= to load them from another folder."
        )
    actual = _sha256(path)
    if expected_sha256 is not None and actual != expected_sha256.lower():
        raise MNISTError(
            f"checksum mismatch for {path}: expected SHA-256 {expected_sha256.lower()}, "
            f"found {actual}. The file is damaged or is not the original; restore it from "
            f"the repository's nnlib/datasets/mnist or reinstall nnlib (see "
            f"nnlib/datasets/mnist/README.md)."
        )
    return actual


def _parse_idx(path: Path, expected_magic: int | None = None, expected_shape: tuple | None = None) -> np.ndarray:
    """Decompress and parse one gzip IDX file of unsigned bytes (no checksum)."""
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise MNISTError(
            f"cannot decompress {path}: the gzip data is truncated or corrupt ({exc})"
        ) from exc
    if len(raw) < 4:
        raise MNISTError(
            f"{path} is too short to be an IDX file: it holds {len(raw)} bytes after "
            f"decompression, less than the 4-byte magic number"
        )
    magic = int.from_bytes(raw[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        kind = {IDX_IMAGES_MAGIC: "IDX image file", IDX_LABELS_MAGIC: "IDX label file"}.get(
            expected_magic, "IDX file"
        )
        raise MNISTError(
            f"wrong magic number in {path}: expected {_describe_magic(expected_magic)}, "
            f"the magic number of an {kind}; found {_describe_magic(magic)}"
        )
    if raw[0] != 0 or raw[1] != 0 or raw[2] != _IDX_UBYTE or raw[3] == 0:
        raise MNISTError(
            f"{path} is not an IDX file of unsigned bytes: its magic number is "
            f"{_describe_magic(magic)}; expected 0x000008NN with NN the number of dimensions "
            f"(2051 for images, 2049 for labels)"
        )
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise MNISTError(
            f"{path} is truncated: its header announces {ndim} dimensions "
            f"({header_size} header bytes) but the file holds only {len(raw)} bytes"
        )
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if expected_shape is not None:
        ok = len(dims) == len(expected_shape) and all(
            e is None or e == d for e, d in zip(expected_shape, dims)
        )
        if not ok:
            raise MNISTError(
                f"wrong dimensions in {path}: expected shape {format_shape(expected_shape)}, found {dims}"
            )
    n_expected = int(np.prod(dims, dtype=np.int64))
    n_found = len(raw) - header_size
    if n_found != n_expected:
        what = "truncated" if n_found < n_expected else "longer than its header says"
        raise MNISTError(
            f"{path} is {what}: its header announces shape {dims}, that is "
            f"{n_expected} bytes of data, but it holds {n_found}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(dims)


def read_idx(
    path,
    expected_sha256: str | None = None,
    expected_magic: int | None = None,
    expected_shape: tuple | None = None,
) -> np.ndarray:
    """Read one gzip-compressed IDX file of unsigned bytes into a uint8 array.

    IDX format: a big-endian uint32 magic number 0x000008NN (08 = unsigned
    bytes, NN = number of dimensions; 2051 for images, 2049 for labels), then
    one big-endian uint32 per dimension, then the bytes in row-major order.

    Args:
        path: the ``.gz`` file.
        expected_sha256: the file's SHA-256 as 64 hex digits, or None to skip
            the check.
        expected_magic: the magic number required (e.g. 2051), or None for any
            IDX file of unsigned bytes.
        expected_shape: the dimensions required, None for a dimension of any
            size (e.g. ``(None, 28, 28)``), or None to accept any.

    Returns:
        A read-only uint8 array with the shape given in the file's header.

    Raises:
        MNISTFileMissing: the file does not exist.
        MNISTError: checksum mismatch, corrupt or truncated gzip, wrong magic
            number, wrong dimensions, or less (or more) data than the header says.
    """
    path = Path(path)
    _verify_file(path, expected_sha256)
    return _parse_idx(path, expected_magic, expected_shape)


def _cache_file(cache_dir: Path, name: str, sha256: str) -> Path:
    # The name holds the source file's hash: a changed source never matches an old entry.
    return cache_dir / f"{name}.{sha256}.npy"


def _load_cached(cache_dir: Path | None, name: str, sha256: str) -> np.ndarray | None:
    if cache_dir is None:
        return None
    entry = _cache_file(cache_dir, name, sha256)
    try:
        arr = np.load(entry, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None  # missing or damaged cache entry: parse the source again
    if arr.dtype != np.uint8:
        return None
    return arr


def _store_cached(cache_dir: Path | None, name: str, sha256: str, arr: np.ndarray) -> None:
    """Write ``arr`` to the cache atomically and drop entries made from older
    sources; give up silently if the folder cannot be created or written."""
    if cache_dir is None:
        return
    tmp_name = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; others may share the cache
        os.replace(tmp_name, _cache_file(cache_dir, name, sha256))
        tmp_name = None
        for old in cache_dir.glob(f"{name}.*.npy"):  # entries made from older sources
            if old.name != _cache_file(cache_dir, name, sha256).name:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # read-only home or cache folder: work without a cache
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def _read_mnist_file(
    directory: Path,
    name: str,
    checksums: dict,
    cache_dir: Path | None,
    magic: int,
    shape: tuple,
) -> np.ndarray:
    path = directory / name
    if name not in checksums:
        raise MNISTError(f"no expected SHA-256 given for {name}; checksums has {sorted(checksums)}")
    sha = _verify_file(path, checksums[name])
    arr = _load_cached(cache_dir, name, sha)
    if arr is not None and arr.shape[1:] == shape[1:] and arr.ndim == len(shape):
        return arr
    arr = _parse_idx(path, magic, shape)
    _store_cached(cache_dir, name, sha, arr)
    return arr


def load_mnist(
    directory=None,
    cache: bool = True,
    checksums: dict | None = None,
    cache_dir=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load MNIST: 70,000 handwritten digits, 28x28 pixels, with their labels.

    Each image becomes one row of 784 pixel values (row after row of the
    image), scaled from 0..255 to 0..1 as float32.

    Args:
        directory: the folder with the four ``.gz`` files; None means
            ``DEFAULT_MNIST_DIR``, the files that ship with nnlib
            (``nnlib/datasets/mnist``).
        cache: keep the parsed arrays as ``.npy`` files in ``cache_dir`` and
            use them on later calls (the source files are still hashed every
            time; a cache entry is only used for a file with that exact hash).
            If the cache folder cannot be created or written, the data is
            loaded all the same, just not cached.
        checksums: the expected SHA-256 of each file name; None means the
            published values in :data:`MNIST_SHA256`.
        cache_dir: where the cache lives; None means the folder ``mnist``
            inside :func:`cache_directory` (the user's cache folder, or
            ``$NNLIB_CACHE_DIR/mnist`` when that variable is set). It never
            depends on ``directory``, so nothing is written next to the data.

    Returns:
        X_train: float32 array of shape (60000, 784), values in [0, 1].
        y_train: int64 array of shape (60000,), digits 0 .. 9.
        X_test: float32 array of shape (10000, 784), values in [0, 1].
        y_test: int64 array of shape (10000,), digits 0 .. 9.

    Raises:
        MNISTFileMissing: a file is missing.
        MNISTError: a file fails its checksum, is corrupt or truncated, has the
            wrong magic number or dimensions, the numbers of images and labels
            differ, or a label is above 9.
    """
    directory = DEFAULT_MNIST_DIR if directory is None else Path(directory)
    checksums = MNIST_SHA256 if checksums is None else dict(checksums)
    if not cache:
        cache_dir = None
    elif cache_dir is None:
        cache_dir = _default_mnist_cache()
    else:
        cache_dir = Path(cache_dir)

    out = []
    for split in ("train", "test"):
        images_name = MNIST_FILES[f"{split}_images"]
        labels_name = MNIST_FILES[f"{split}_labels"]
        images = _read_mnist_file(
            directory, images_name, checksums, cache_dir, IDX_IMAGES_MAGIC, (None, 28, 28)
        )
        labels = _read_mnist_file(
            directory, labels_name, checksums, cache_dir, IDX_LABELS_MAGIC, (None,)
        )
        if labels.shape[0] != images.shape[0]:
            raise MNISTError(
                f"{directory / labels_name} holds {labels.shape[0]} labels but "
                f"{directory / images_name} holds {images.shape[0]} images; expected one label per image"
            )
        if labels.size and labels.max() > 9:
            bad = np.unique(labels[labels > 9])[:3].tolist()
            raise MNISTError(
                f"{directory / labels_name} holds labels above 9 (values such as {bad}); "
                f"expected digits 0 to 9"
            )
        X = images.reshape(images.shape[0], 28 * 28).astype(np.float32)
        X /= 255.0  # a Python float keeps the array float32
        out += [X, labels.astype(np.int64)]
    return out[0], out[1], out[2], out[3]
