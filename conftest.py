"""Marks every test by where it lives, so that ``pytest -m unit`` (or
``make unit``) runs the fast unit tests alone.

The markers are registered in pyproject.toml ([tool.pytest.ini_options],
with --strict-markers):

- ``unit``:  tests/unit/** (nnlib/model, nnlib/book, the data sets);
- ``book``:  tests/book/** (the Jupyter Book build, the browser test, the
  students' build, the learner's install from a wheel) and the nbval items
  of the chapters in book/*.ipynb;
- ``bench``: tests/benchmarks/** (the benchmark smoke test).

This file sits at the root of the repository, not in tests/, because the
notebooks in book/ are outside tests/: ``pytest --nbval book`` alone never
loads tests/conftest.py, while this conftest is loaded for any path of the
repository. The fixtures shared by the unit tests stay in tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# First match wins; paths are relative to the repository root.
_MARKS_BY_FOLDER = (
    (("tests", "unit"), "unit"),
    (("tests", "book"), "book"),
    (("tests", "benchmarks"), "bench"),
    (("book",), "book"),  # nbval items of the chapters (book/*.ipynb)
)


def _mark_for(path: Path, root: Path) -> str | None:
    try:
        parts = path.resolve().relative_to(root).parts
    except ValueError:  # outside the repository
        return None
    for folder, mark in _MARKS_BY_FOLDER:
        if parts[: len(folder)] == folder:
            if folder == ("book",) and path.suffix != ".ipynb":
                continue
            return mark
    return None


# tryfirst: the marks must be on the items before pytest's own
# pytest_collection_modifyitems applies -m and deselects.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath.resolve()
    for item in items:
        mark = _mark_for(Path(item.path), root)
        if mark is not None:
            item.add_marker(mark)
