"""Execute notebooks in place so that their stored outputs are current.

    python tools/execute_notebooks.py book            # every notebook under book/
    python tools/execute_notebooks.py book/02_xor.ipynb

nbval compares these stored outputs with a fresh run, so run this after
editing a notebook or the library. Widget state is not stored in the
notebooks (the book build executes them again and saves it in the pages).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
        record_timing=False,
    )
    client.execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nbformat.write(nb, path)
    return seconds


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) outputs into one.

    The kernel splits a cell's printed text into messages wherever it happens
    to flush, differently from run to run; joined, the stored notebook changes
    only when the text does."""
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and prev is not None
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] = prev["text"] + out["text"]
        else:
            merged.append(out)
    return merged


def main(args: list[str]) -> None:
    paths: list[Path] = []
    for arg in args or ["book"]:
        p = Path(arg)
        paths += sorted(p.rglob("*.ipynb")) if p.is_dir() else [p]
    for p in paths:
        if ".ipynb_checkpoints" in p.parts or "_build" in p.parts:
            continue
        print(f"{p}: executed in {execute(p):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
