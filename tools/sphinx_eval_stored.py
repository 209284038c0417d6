"""Sphinx extension: the numbers the build computes must be the stored ones.

The prose of the chapters gets its numbers from MyST inline expressions,
``{eval}`f"{loss:.3f}"```. The book build runs each chapter inline
(MyST-NB's ``execution_mode: inline``) and evaluates every expression in
the kernel as it reaches it, so the page always shows what the code computes.

The stored notebooks carry the same results: ``tools/execute_notebooks.py``
evaluates every expression and keeps the result in its markdown cell's
metadata (``user_expressions``, jupyterlab-myst's format), which is what a
learner sees in JupyterLab before running anything. nbval checks the stored
outputs of the code cells, but not those results. This extension does: it
replaces MyST-NB's ``eval`` role by the same role plus a comparison, and a
result that differs from the stored one is a warning (an error in the
book's ``-W`` build)::

    book/02_xor.ipynb:12: {eval}`f"{loss:.3f}"` is 0.124 in this build, but
    the stored notebook says 0.123: ...

A changed number means the stored notebook is out of date, and the sentence
around the number was written for the old one: re-execute the notebooks
(``make execute``) and re-read the sentences whose numbers moved.

Some results are measured times, different in every run. A code cell whose
outputs vary from run to run carries the tag ``nbval-ignore-output`` (so that
nbval does not compare them); an expression that uses a name assigned in
such a cell is shown as this build computes it, and not compared.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from pathlib import Path

from docutils import nodes
from myst_nb.ext.eval import EvalRoleAny
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

# {eval}`expression`, as in tools/execute_notebooks.py
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")
# a text/plain string result, quotes and all; MyST-NB and jupyterlab-myst show it without them
_QUOTED = re.compile(r"^([\"']).*\1$", re.DOTALL)
_QUEUE = "nnx_stored_eval_results"


def shown_text(text_plain: str) -> str:
    """What a page shows for a stored ``text/plain`` result: a string without its quotes."""
    return text_plain[1:-1] if _QUOTED.match(text_plain) else text_plain


def stored_results(notebook: dict) -> list[tuple[str, str | None]]:
    """(expression, shown text or None when not stored) for every ``{eval}`` role, in page order.

    The roles of each markdown cell in the order they appear; an expression
    that appears twice in a cell has one stored result, used for both.
    """
    results: list[tuple[str, str | None]] = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        stored = {
            item["expression"]: shown_text(item["result"]["data"]["text/plain"])
            for item in cell.get("metadata", {}).get("user_expressions", [])
            if item.get("result", {}).get("status") == "ok"
            and "text/plain" in item["result"].get("data", {})
        }
        results += [(expr, stored.get(expr)) for expr in EVAL_ROLE.findall(source)]
    return results


def assigned_names(code: str) -> set[str]:
    """The names a code cell assigns (IPython's ``%`` and ``!`` lines skipped)."""
    lines = [line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
             for line in code.splitlines()]
    names: set[str] = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def volatile_names(notebook: dict) -> set[str]:
    """The names assigned in the cells tagged ``nbval-ignore-output`` (their results vary by run)."""
    names: set[str] = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            names |= assigned_names("".join(source) if isinstance(source, list) else source)
    return names


def used_names(expression: str) -> set[str]:
    """The names an expression reads, builtins left out."""
    tree = ast.parse(expression, mode="eval")
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(dir(builtins))


class CheckedEvalRole(EvalRoleAny):
    """MyST-NB's ``{eval}`` role, and a warning when its result is not the stored one."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        result, messages = super().run()
        if messages:  # MyST-NB could not evaluate it, and says why
            return result, messages
        env = self.document.settings.env
        if _QUEUE not in env.temp_data:  # the first role of this page: read its stored notebook
            path = Path(env.doc2path(env.docname))
            notebook = json.loads(path.read_text(encoding="utf-8")) if path.suffix == ".ipynb" else {}
            env.temp_data[_QUEUE] = (stored_results(notebook), volatile_names(notebook))
        queue, volatile = env.temp_data[_QUEUE]
        computed = "".join(node.astext() for node in result)
        if used_names(self.text) & volatile:
            if queue:
                queue.pop(0)  # a measured time: shown as computed, not compared
            return result, messages
        if not queue:
            self.warn(f"{{eval}}`{self.text}` has no stored result: run `make execute` "
                      "(tools/execute_notebooks.py) to store the results of the notebook")
            return result, messages
        expr, expected = queue.pop(0)
        if expr != self.text:
            self.warn(f"{{eval}}`{self.text}` was evaluated where the stored notebook has "
                      f"{{eval}}`{expr}`: run `make execute` to store the results again")
        elif expected is None:
            self.warn(f"{{eval}}`{self.text}` has no stored result: run `make execute` "
                      "(tools/execute_notebooks.py) to store the results of the notebook")
        elif computed != expected:
            self.warn(f"{{eval}}`{self.text}` is {computed} in this build, but the stored notebook "
                      f"says {expected}: the stored notebook is out of date. Run `make execute`, "
                      "then re-read the sentences whose numbers moved")
        return result, messages

    def warn(self, message: str) -> None:
        logger.warning(message, location=(self.document.settings.env.docname, self.line),
                       type="nnx", subtype="eval")


def _register(app: Sphinx) -> None:
    # After MyST-NB has added its own eval role (in its setup), replace it.
    app.add_role("eval", CheckedEvalRole(), override=True)


def setup(app: Sphinx) -> dict:
    app.setup_extension("myst_nb")
    app.connect("builder-inited", _register)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
