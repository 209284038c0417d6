"""Execute notebooks in place so that their stored outputs are current.

    python tools/execute_notebooks.py book            # every notebook under book/
    python tools/execute_notebooks.py book/02_xor.ipynb

nbval compares these stored outputs with a fresh run, so run this after
editing a notebook or the library. Widget state is not stored in the
notebooks (the book build executes them again and saves it in the pages).

The numbers in the prose are MyST inline expressions, ``{eval}`expr```. The
cells run in order, and after the code cells above a markdown cell have run,
each expression of that markdown cell is evaluated in the kernel, as the book
build (MyST-NB's inline execution) and JupyterLab (jupyterlab-myst) evaluate
it. Each result is stored in the markdown cell's metadata under
``user_expressions``, in jupyterlab-myst's format::

    [{"expression": "f'{loss:.3f}'",
      "result": {"status": "ok", "data": {"text/plain": "'0.123'"}, "metadata": {}}}]

So a learner who opens a chapter in JupyterLab sees the numbers before
running anything, and the book build checks that the numbers it computes are
the stored ones (tools/sphinx_eval_stored.py), which is how a stale stored
notebook (and the sentences around its numbers) is caught.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# {eval}`expression` in a markdown cell (MyST's inline-expression role)
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def expressions(markdown: str) -> list[str]:
    """The expressions of the ``{eval}`...``` roles of a markdown cell, in order, each once."""
    return list(dict.fromkeys(EVAL_ROLE.findall(markdown)))


def evaluate(client: NotebookClient, exprs: list[str]) -> list[dict]:
    """Evaluate ``exprs`` in the client's kernel; jupyterlab-myst's ``user_expressions`` list.

    The kernel protocol's ``user_expressions`` field of an execute request
    evaluates expressions without running code or touching the history, and
    answers with one mime bundle per expression (``status`` "ok" or "error").
    """
    msg_id = client.kc.execute("", silent=True, store_history=False,
                               user_expressions={str(i): e for i, e in enumerate(exprs)})
    reply = client.wait_for_reply(msg_id)
    results = reply["content"]["user_expressions"]
    stored = []
    for i, expr in enumerate(exprs):
        result = results[str(i)]
        if result["status"] != "ok":
            raise RuntimeError(f"{{eval}}`{expr}` failed: {result.get('ename')}: {result.get('evalue')}")
        stored.append({"expression": expr, "result": {"status": "ok", "data": dict(result["data"]),
                                                      "metadata": dict(result.get("metadata", {}))}})
    return stored


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
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
            elif cell.cell_type == "markdown":
                exprs = expressions(cell.source)
                if exprs:
                    cell.metadata["user_expressions"] = evaluate(client, exprs)
                else:
                    cell.metadata.pop("user_expressions", None)
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
