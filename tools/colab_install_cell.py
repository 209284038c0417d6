"""Give every chapter a first code cell that installs nnlib when it runs in Colab.

    python tools/colab_install_cell.py          # write or update the cell in book/*.ipynb
    python tools/colab_install_cell.py --check  # exit 1 if a chapter's cell is missing or stale

A chapter opened in Google Colab (the launch button of the book, or the
teachers' link) runs in a machine that has NumPy, Matplotlib and ipywidgets,
but not nnlib. The first code cell of each chapter installs it from the
repository when, and only when, it runs in Colab::

    # In Google Colab, install nnlib first; anywhere else this cell does nothing.
    import sys

    if "google.colab" in sys.modules:
        %pip install --quiet "nnlib @ git+https://github.com/..."

The repository address has one home, ``repository: url:`` in ``_config.yml``
(the book's launch and repository buttons read it too); this script writes
it into the cells, and ``make test`` (tests/book/test_wheel.py) fails
when a cell no longer matches it. The cell carries the tag ``remove-cell``:
it is in the notebook a learner opens, not on the book's page.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "book"
TAG = "colab-install"
FIRST_LINE = "# In Google Colab, install nnlib first; anywhere else this cell does nothing."


def repository_url(config_path: Path = ROOT / "_config.yml") -> str:
    """The ``repository: url:`` of ``_config.yml`` (read as text: no YAML library needed)."""
    text = config_path.read_text(encoding="utf-8")
    match = re.search(r"^repository:\s*\n(?:[ \t]+.*\n)*?[ \t]+url:\s*(\S+)", text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"{config_path}: no `repository: url:` entry")
    return match.group(1).strip("'\"")


def install_cell_source(url: str) -> str:
    return (
        f"{FIRST_LINE}\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "nnlib @ git+{url}"'
    )


def chapters() -> list[Path]:
    return sorted(p for p in CHAPTERS.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def first_code_index(nb) -> int:
    return next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")


def update(path: Path, url: str) -> bool:
    """Write the install cell into one chapter; True if the file changed."""
    nb = nbformat.read(path, as_version=4)
    source = install_cell_source(url)
    index = first_code_index(nb)
    cell = nb.cells[index]
    if TAG in cell.metadata.get("tags", []):
        if cell.source == source:
            return False
        cell.source = source
    else:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = [TAG, "remove-cell"]
        nb.cells.insert(index, cell)
    nbformat.write(nb, path)
    return True


def stale(path: Path, url: str) -> str | None:
    """Why the chapter's install cell is missing or out of date, or None when it is current."""
    nb = nbformat.read(path, as_version=4)
    cell = nb.cells[first_code_index(nb)]
    if TAG not in cell.metadata.get("tags", []):
        return f"{path.name}: the first code cell is not the Colab install cell"
    if cell.source != install_cell_source(url):
        return f"{path.name}: the Colab install cell differs from the one for {url}"
    return None


def main(args: list[str]) -> int:
    url = repository_url()
    if "--check" in args:
        problems = [p for p in (stale(path, url) for path in chapters()) if p]
        for problem in problems:
            print(problem)
        if problems:
            print("run: python tools/colab_install_cell.py")
        return 1 if problems else 0
    for path in chapters():
        if update(path, url):
            print(f"{path.relative_to(ROOT)}: install cell written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
