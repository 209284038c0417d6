"""The chapters run where a learner opens them: nnlib installed from a wheel,
outside the repository, with only what nnlib declares.

This is what a learner does in Colab or a fresh virtual environment, and what
``pip install <repository>`` does: build nnlib's wheel, install it with its
declared dependencies (no extras: ``nnlib[book]`` is only for building the
book) plus a kernel to run notebooks (``nbclient``, ``ipykernel``), copy a
chapter to a folder outside the repository and run it. Nothing of the
repository is importable there and myst_nb (a part of the book build) is not
installed, so a missing dependency, a ``from myst_nb import ...`` in a chapter,
or MNIST files missing from the wheel all fail here.

* The wheel is built with ``python -m build --wheel`` (pinned in
  requirements.txt) from a copy of what setuptools reads (pyproject.toml,
  README.md, nnlib/), in a temporary folder: setuptools writes ``build/`` and
  ``nnlib.egg-info`` next to the sources, and none of that lands in the
  repository.
* The venv gets the wheel, ``nbclient`` and ``ipykernel`` from the package
  index, constrained by requirements.txt (``-c``), so the versions are the
  ones the book is made with. This needs the package index (as ``make test``'s
  set-up does); pip's cache makes later runs quick.
* Colab, up to the step that needs the internet: nnlib is uninstalled again
  (its dependencies stay, as Colab has NumPy, Matplotlib and ipywidgets), and
  chapter 01 runs with ``google.colab`` in ``sys.modules``, as in Colab's
  kernel, and its first cell's address (``git+<repository>``, which needs
  GitHub) replaced by the wheel: the chapter's own install cell installs nnlib,
  and the rest of the chapter imports it. Chapter 08 then runs on that install.
* Chapters 01 (the first) and 08 (MNIST, threadpoolctl) run with
  nbclient. One cell appended to each copy reports where nnlib, its MNIST
  folder and the kernel's Python are, and whether myst_nb is importable; the
  MNIST cache goes to a fresh ``NNLIB_CACHE_DIR``, so chapter 08 really parses
  the packaged files.

This takes about a minute and a half (the install about 20 s, chapter 08
about 45 s). The quick tests at the end check, on the stored notebooks, that
every chapter imports only the standard library, nnlib and nnlib's declared
dependencies.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ["01_neuron.ipynb", "08_mnist.ipynb"]
# What setuptools reads to build the wheel (pyproject.toml: readme, packages, package-data).
BUILD_INPUTS = ["pyproject.toml", "README.md", "nnlib"]
CHECK_MARK = "NNX_WHEEL_CHECK "
COLAB_MARK = "NNX_COLAB nnlib importable before the install cell: "
# Put before chapter 01's install cell: Colab's kernel has imported google.colab.
FAKE_COLAB_CELL = f"""\
import importlib.util, sys, types
sys.modules["google.colab"] = types.ModuleType("google.colab")
print({COLAB_MARK!r} + str(importlib.util.find_spec("nnlib") is not None))
"""
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")

# Appended to each copied chapter: where things come from in the learner's kernel.
CHECK_CELL = f"""\
import importlib.util, json, os, sys
import nnlib, nnlib.data
print({CHECK_MARK!r} + json.dumps({{
    "executable": sys.executable,
    "nnlib": nnlib.__file__,
    "mnist_dir": str(nnlib.data.DEFAULT_MNIST_DIR),
    "myst_nb": importlib.util.find_spec("myst_nb") is not None,
    "sys_path": sys.path,
    "cwd": os.getcwd(),
}}))
"""

# Run by the venv's Python: execute each chapter in its folder, save it executed.
RUNNER = f"""\
import json, sys, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

folder = Path(sys.argv[1])
seconds, failures = {{}}, {{}}
for name in sys.argv[2:]:
    nb = nbformat.read(folder / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell({CHECK_CELL!r}))
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=1200, kernel_name="python3",
                       resources={{"metadata": {{"path": str(folder)}}}}).execute()
    except CellExecutionError as exc:  # reported by the chapter's test
        failures[name] = str(exc)
    nbformat.write(nb, folder / ("executed-" + name))
    seconds[name] = round(time.perf_counter() - start, 1)
print(json.dumps({{"seconds": seconds, "failures": failures}}))
"""


def run(cmd: list, timings: dict, phase: str, **kwargs) -> subprocess.CompletedProcess:
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    timings[phase] = round(time.perf_counter() - start, 1)
    if proc.returncode != 0:
        plain = lambda text: ANSI_RE.sub("", text)  # tracebacks from the kernel come in colour
        pytest.fail(
            f"{phase} failed (exit {proc.returncode}): {' '.join(map(str, cmd))}\n"
            f"--- stdout (end) ---\n{plain(proc.stdout)[-4000:]}\n"
            f"--- stderr (end) ---\n{plain(proc.stderr)[-6000:]}",
            pytrace=False,
        )
    return proc


def copy_of_repository(folder: Path, names: list[str]) -> Path:
    """Copy these files and folders of the repository into ``folder`` (no caches); return it."""
    folder.mkdir()
    for name in names:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, folder / name)
    return folder


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def learner_environment(work: Path) -> dict:
    """The environment of a learner's kernel: nothing from the repository or the
    user's Jupyter, IPython and matplotlib settings; a fresh nnlib cache."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH", "NNX_HIDE_SOLUTIONS"}}
    for name, folder in [("NNLIB_CACHE_DIR", "cache"), ("JUPYTER_DATA_DIR", "jupyter"),
                         ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")]:
        (work / folder).mkdir(exist_ok=True)
        env[name] = str(work / folder)
    return env


@pytest.fixture(scope="module")
def learner_run(tmp_path_factory):
    """Build the wheel, install it in a fresh venv, run the chapters there.

    Returns (work folder, venv, executed notebooks by name, the error of each
    chapter that stopped on one)."""
    work = tmp_path_factory.mktemp("learner")
    assert ROOT not in work.resolve().parents, "the learner's folder must be outside the repository"
    timings: dict = {}
    env = learner_environment(work)

    src = copy_of_repository(work / "src", BUILD_INPUTS)
    run([sys.executable, "-m", "build", "--wheel", "--outdir", work / "dist", src], timings, "build the wheel",
        cwd=work, env=env)
    wheels = sorted((work / "dist").glob("nnlib-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"

    venv = work / "venv"
    run([sys.executable, "-m", "venv", venv], timings, "create the venv", cwd=work, env=env)
    python = venv_python(venv)
    run([python, "-m", "pip", "install", "--quiet", "-c", ROOT / "requirements.txt",
         wheels[0], "nbclient", "ipykernel"], timings, "pip install the wheel, nbclient, ipykernel",
        cwd=work, env=env)
    # Colab: the dependencies are there, nnlib is not; chapter 01's first cell installs it.
    run([python, "-m", "pip", "uninstall", "--quiet", "--yes", "nnlib"], timings, "pip uninstall nnlib",
        cwd=work, env=env)

    chapters = work / "chapters"
    chapters.mkdir()
    for name in CHAPTERS:
        shutil.copy2(ROOT / "book" / name, chapters / name)
    as_in_colab(chapters / CHAPTERS[0], wheels[0])
    (work / "run_chapters.py").write_text(RUNNER)
    proc = run([python, work / "run_chapters.py", chapters, *CHAPTERS], timings, "run the chapters",
               cwd=chapters, env=env)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    timings["chapters"] = result["seconds"]
    print(f"\nlearner's install and run, seconds: {timings}")

    import nbformat

    executed = {name: nbformat.read(chapters / f"executed-{name}", as_version=4) for name in CHAPTERS}
    return work, venv, executed, result["failures"]


def as_in_colab(path: Path, wheel: Path) -> None:
    """Make a copied chapter run as in Colab: google.colab imported, the install cell's
    ``git+<repository>`` (GitHub, out of reach here) replaced by the wheel."""
    import nbformat

    sys.path.insert(0, str(ROOT / "tools"))
    from colab_install_cell import TAG, repository_url

    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", []))
    cell = nb.cells[index]
    address = f"git+{repository_url()}"
    assert address in cell.source, f"{path.name}: the install cell does not install {address}"
    cell.source = cell.source.replace(address, wheel.resolve().as_uri())
    nb.cells.insert(index, nbformat.v4.new_code_cell(FAKE_COLAB_CELL))
    nbformat.write(nb, path)


def texts(nb) -> list[str]:
    """The printed text of every code cell."""
    return ["".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "stream"]


def check_report(nb) -> dict:
    found = [t for text in texts(nb) for t in text.splitlines() if t.startswith(CHECK_MARK)]
    assert len(found) == 1, "the appended check cell printed no report"
    return json.loads(found[0][len(CHECK_MARK):])


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_runs_from_the_installed_wheel(learner_run, name):
    work, venv, executed, failures = learner_run
    if name in failures:
        pytest.fail(f"{name} stopped on an error in the learner's install:\n"
                    f"{ANSI_RE.sub('', failures[name])[-6000:]}", pytrace=False)
    nb = executed[name]
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, f"{name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    report = check_report(nb)

    # the learner's kernel: the venv's Python, nnlib from its site-packages, no repository
    assert Path(report["executable"]).parent.parent.resolve() == venv.resolve(), report["executable"]
    site = Path(report["nnlib"]).resolve()
    assert venv.resolve() in site.parents and "site-packages" in site.parts, report["nnlib"]
    for entry in report["sys_path"]:
        resolved = Path(entry or report["cwd"]).resolve()
        assert resolved != ROOT and ROOT not in resolved.parents, f"the repository is on sys.path: {entry}"
    assert ROOT not in Path(report["cwd"]).resolve().parents
    # no myst_nb: nothing of the book build is needed to run a chapter
    assert report["myst_nb"] is False


def test_colab_install_cell_installs_nnlib(learner_run):
    """In chapter 01, run as in Colab, nnlib was missing and its first cell installed it."""
    work, venv, executed, failures = learner_run
    assert "01_neuron.ipynb" not in failures, "01 stopped on an error (see its test above)"
    lines = [t for text in texts(executed["01_neuron.ipynb"]) for t in text.splitlines()
             if t.startswith(COLAB_MARK)]
    assert lines == [COLAB_MARK + "False"], lines
    assert "site-packages" in Path(check_report(executed["01_neuron.ipynb"])["nnlib"]).parts


def test_colab_install_cells_are_current():
    """Every chapter's first code cell installs nnlib from the repository of _config.yml."""
    proc = subprocess.run([sys.executable, ROOT / "tools" / "colab_install_cell.py", "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_install_cell_check_can_fail(tmp_path, monkeypatch):
    import nbformat

    sys.path.insert(0, str(ROOT / "tools"))
    import colab_install_cell as tool

    path = tmp_path / "00_scratch.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(nb, path)
    assert "not the Colab install cell" in tool.stale(path, "https://example.org/r")
    tool.update(path, "https://example.org/r")
    assert tool.stale(path, "https://example.org/r") is None
    assert "differs" in tool.stale(path, "https://example.org/other")
    cell = nbformat.read(path, as_version=4).cells[1]
    assert cell.metadata["tags"] == [tool.TAG, "remove-cell"]
    assert 'git+https://example.org/r"' in cell.source


def test_mnist_loads_from_the_installed_package(learner_run):
    work, venv, executed, failures = learner_run
    assert "08_mnist.ipynb" not in failures, "08 stopped on an error (see its test above)"
    report = check_report(executed["08_mnist.ipynb"])
    mnist_dir = Path(report["mnist_dir"])
    assert mnist_dir == Path(report["nnlib"]).parent / "datasets" / "mnist"
    assert venv.resolve() in mnist_dir.resolve().parents
    printed = "\n".join(texts(executed["08_mnist.ipynb"]))
    assert "training images: (60000, 784) float32" in printed
    assert "test images:     (10000, 784) float32" in printed
    # parsed from the packaged files, whose SHA-256 names each cache entry
    from nnlib.data import MNIST_SHA256

    cached = sorted(p.name for p in (work / "cache" / "mnist").glob("*.npy"))
    assert cached == sorted(f"{name}.{sha}.npy" for name, sha in MNIST_SHA256.items())


# ---------------------------------------------------------------------------
# the quick check: every chapter imports only what nnlib declares


def declared_dependencies() -> set[str]:
    """nnlib's run-time dependencies (no extras), as normalized distribution names."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: the installed (editable) nnlib's metadata
        requirements = [r for r in importlib.metadata.requires("nnlib") or [] if "extra ==" not in r]
    else:
        requirements = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return {normalize(re.match(r"[A-Za-z0-9._-]+", r).group(0)) for r in requirements}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_modules(source: str) -> set[str]:
    """The top-level modules a code cell imports (IPython magics turned into Python first)."""
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@functools.lru_cache(maxsize=1)
def _packages_distributions() -> dict:
    """Which installed distributions provide each top-level module (of this environment)."""
    return importlib.metadata.packages_distributions()


def undeclared_imports(path: Path, declared: set[str]) -> list[str]:
    """One message per module a notebook imports that is neither the standard
    library, nnlib, nor provided by a declared dependency."""
    distributions = _packages_distributions()
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    problems = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for module in sorted(imported_modules(src)):
            if module in sys.stdlib_module_names or module == "nnlib":
                continue
            provided_by = {normalize(d) for d in distributions.get(module, [])}
            if not provided_by & declared:
                problems.append(
                    f"{path.name}, cell {i}: imports {module} (from {sorted(provided_by) or 'nowhere'}), "
                    f"which is not among nnlib's dependencies in pyproject.toml {sorted(declared)}"
                )
    return problems


@pytest.mark.parametrize("path", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.name)
def test_chapter_imports_only_declared_dependencies(path):
    assert undeclared_imports(path, declared_dependencies()) == []


def test_undeclared_import_check_can_fail(tmp_path):
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": "%matplotlib inline\nimport numpy as np\nfrom myst_nb import glue\nimport json\n"
                        "from nnlib.book.plots import plot_history\n"}]
    path = tmp_path / "00_scratch.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    problems = undeclared_imports(path, declared_dependencies())
    assert len(problems) == 1 and "imports myst_nb" in problems[0]
    assert len(undeclared_imports(path, declared_dependencies() | {"myst-nb"})) == 0
