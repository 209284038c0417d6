"""Notebooks for students: the chapters without their solutions.

    python tools/student_notebooks.py                 # book/*.ipynb -> _build/student_notebooks/
    python tools/student_notebooks.py --out DIR book/01_neuron.ipynb

(``make student-notebooks`` runs the first line.) Each chapter is copied with
every solution removed, and nothing else changed:

- a *gated* solution, the form the chapters use for a solution that runs
  code: from the markdown directive ```` ```{solution-start} label ```` to the
  directive ```` ```{solution-end} ````, with every cell in between (code
  cells with their outputs, markdown cells). The directives often share a
  markdown cell with the text around them (the end of one solution, the next
  exercise and the start of its solution are one cell), so the markdown is
  cut at the directives' fences, not at cell borders;
- a plain ```` ```{solution} label ```` directive (or ``:::{solution}``)
  inside a markdown cell, a drop-down or not.

The exercises stay, and so do the starter cells (tag ``exercise-starter``)
with their stored report that the function is not written yet. A markdown
cell left empty is dropped. The numbers in the prose are MyST inline
expressions whose results are stored in the markdown cell's metadata
(``user_expressions``, see tools/execute_notebooks.py); a cell that lost part
of its text keeps the stored results of the expressions still in it, and
only those.

A solution-start without its solution-end, a solution-end without a start,
or a solution-start inside a solution stop the tool with an error naming the
notebook and the cell: a solution this tool cannot delimit is never handed
out half removed.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "_build" / "student_notebooks"
STARTER_TAG = "exercise-starter"

# An opening fence of a MyST directive: ``` or ~~~ or ::: (colon_fence),
# three or more, then {name} and the directive's argument.
_OPENING = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})\{(?P<name>[\w-]+)\}(?P<arg>.*)$")
# {eval}`expression` in a markdown cell (the same pattern as tools/execute_notebooks.py)
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


class SolutionStructureError(ValueError):
    """A solution whose start or end cannot be found."""


@dataclass
class Directive:
    """One MyST directive in a markdown cell: its name, argument and lines [start, end)."""

    name: str
    argument: str
    start: int
    end: int


def _closing_fence(lines: list[str], start: int, fence: str) -> int:
    """The index of the line that closes the directive opened at ``lines[start]``.

    A closing fence is the fence's character, repeated at least as often as in
    the opening, alone on its line. Returns ``len(lines)`` when it is missing
    (the directive then runs to the end of the cell, as in MyST).
    """
    char, count = fence[0], len(fence)
    closing = re.compile(rf"^ {{0,3}}{re.escape(char)}{{{count},}}\s*$")
    for i in range(start + 1, len(lines)):
        if closing.match(lines[i]):
            return i
    return len(lines)


def directives(text: str) -> list[Directive]:
    """The top-level MyST directives of a markdown text, in order.

    Directives nested inside another (with a longer fence) are part of their
    parent and not listed.
    """
    lines = text.split("\n")
    found = []
    i = 0
    while i < len(lines):
        match = _OPENING.match(lines[i])
        if match is None:
            i += 1
            continue
        end = _closing_fence(lines, i, match["fence"])
        found.append(Directive(match["name"], match["arg"].strip(), i, min(end + 1, len(lines))))
        i = end + 1
    return found


def _tidy(lines: list[str]) -> str:
    """Join lines, with at most one blank line in a row and none at either end."""
    kept: list[str] = []
    for line in lines:
        if not line.strip() and (not kept or not kept[-1].strip()):
            continue
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def _keep_expressions(cell: nbformat.NotebookNode) -> None:
    """Keep the stored results of only the {eval} expressions still in the cell's text."""
    stored = cell.metadata.get("user_expressions")
    if stored is None:
        return
    present = set(EVAL_ROLE.findall(cell.source))
    kept = [entry for entry in stored if entry.get("expression") in present]
    if kept:
        cell.metadata["user_expressions"] = kept
    else:
        del cell.metadata["user_expressions"]


def strip_solutions(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of a chapter with every solution removed.

    Args:
        nb: the chapter, as read by nbformat (version 4).
        name: how errors name the notebook (its path).

    Returns:
        a new notebook: the same metadata and the same cells in the same
        order, less the solutions (see the module's docstring).

    Raises:
        SolutionStructureError: a solution-start without a solution-end (or
            the other way round), or a solution-start inside a solution.
    """
    students = copy.deepcopy(nb)
    cells = []
    open_label: str | None = None  # the label of the gated solution we are inside
    opened_in = -1
    for index, cell in enumerate(students.cells):
        if cell.cell_type != "markdown":
            if open_label is None:
                cells.append(cell)
            continue
        found = directives(cell.source)
        if open_label is None and not any(d.name.startswith("solution") for d in found):
            cells.append(cell)  # no solution in it: kept exactly as it is
            continue
        lines = cell.source.split("\n")
        kept: list[str] = []
        position = 0  # the first line not yet handled
        for directive in found:
            if open_label is None:
                kept += lines[position:directive.start]
            if directive.name == "solution-start":
                if open_label is not None:
                    raise SolutionStructureError(
                        f"{name}, cell {index}: solution-start {directive.argument!r} inside the solution "
                        f"of {open_label!r} (opened in cell {opened_in}); expected its solution-end first")
                open_label, opened_in = directive.argument or "(no label)", index
            elif directive.name == "solution-end":
                if open_label is None:
                    raise SolutionStructureError(
                        f"{name}, cell {index}: solution-end without a solution-start before it")
                open_label = None
            elif directive.name == "solution":
                pass  # a plain solution: its lines are left out
            elif open_label is None:
                kept += lines[directive.start:directive.end]
            position = directive.end
        if open_label is None:
            kept += lines[position:]
        text = _tidy(kept)
        if text:
            cell.source = text
            _keep_expressions(cell)
            cells.append(cell)
    if open_label is not None:
        raise SolutionStructureError(
            f"{name}: solution-start {open_label!r} in cell {opened_in} has no solution-end after it")
    students.cells = cells
    return students


def write_student_notebooks(paths: list[Path], out: Path) -> list[Path]:
    """Write the students' copy of each notebook into ``out`` (same file names); return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        target = out / path.name
        nbformat.write(strip_solutions(nb, str(path)), target)
        written.append(target)
    return written


def chapters(root: Path = ROOT) -> list[Path]:
    """The book's notebooks: book/*.ipynb."""
    return sorted((root / "book").glob("*.ipynb"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the chapters without their solutions, for students.")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: book/*.ipynb)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    try:
        written = write_student_notebooks(args.notebooks or chapters(), args.out)
    except SolutionStructureError as error:
        sys.exit(f"student_notebooks: {error}")
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
