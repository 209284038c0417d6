"""The students' notebooks (tools/student_notebooks.py) hold no solution and still run.

Compared with the full chapters: no line of any solution's code or prose
survives (every cell of a gated solution and every plain ``{solution}``
directive), every other cell is kept with its text, and the stored {eval}
results stay for the expressions still in the prose. Each students' notebook
then runs top to bottom with nbclient: no error, every starter cell reports
that its function is not written yet, and every {eval} expression left in the
prose evaluates (a name that only a solution defined would fail here). A
planted solution split over several cells, a plain solution directive, and
unpaired start/end directives show that the checks can fail.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import execute_notebooks  # noqa: E402  (scripts in tools/, not a package)
import student_notebooks as tool  # noqa: E402

CHAPTERS = tool.chapters(ROOT)
NOT_YET = "not yet"


def _solution_parts(nb: nbformat.NotebookNode) -> tuple[list[str], set[int], dict[int, str]]:
    """(the text of every solution, the cells wholly inside a gated solution, the text left of the others).

    Read independently of the tool: line by line, between the directive lines
    (a gated solution runs from its ``solution-start`` line to the
    ``solution-end`` directive's closing fence; a plain solution from its
    ``{solution}`` line to its closing fence).
    """
    texts, inside_cells, left = [], set(), {}
    gated: list[str] | None = None
    for index, cell in enumerate(nb.cells):
        if gated is not None and "{solution-end}" not in cell.source:
            inside_cells.add(index)
            gated += cell.source.split("\n")
            continue
        kept = []
        lines = iter(cell.source.split("\n"))
        for line in lines:
            if gated is not None:
                if line.lstrip().startswith("```{solution-end}"):
                    texts.append("\n".join(gated))
                    gated = None
                    next(lines, None)  # the end directive's closing fence
                else:
                    gated.append(line)
            elif line.lstrip().startswith("```{solution-start}"):
                gated = [line]
            elif line.lstrip().startswith(("```{solution}", "````{solution}", ":::{solution}")):
                fence = re.match(r"[`:]+", line.lstrip()).group()
                plain = [line]
                for next_line in lines:
                    plain.append(next_line)
                    if next_line.strip() == fence:
                        break
                texts.append("\n".join(plain))
            else:
                kept.append(line)
        left[index] = "\n".join(kept)
    return texts, inside_cells, left


def _distinct_lines(text: str) -> list[str]:
    """The lines of a solution worth searching for: not blank, not a fence or option alone."""
    return [line.strip() for line in text.split("\n")
            if len(line.strip()) > 3 and not line.strip().startswith(("```", ":class:", ":::"))]


def _all_lines(nb: nbformat.NotebookNode) -> set[str]:
    return {line.strip() for cell in nb.cells for line in cell.source.split("\n")}


def _leaks(full: nbformat.NotebookNode, students: nbformat.NotebookNode) -> list[str]:
    """The solution lines that are in the students' notebook but nowhere outside a solution."""
    texts, inside, _ = _solution_parts(full)
    solution_lines = {line for text in texts for line in _distinct_lines(text)}
    solution_lines |= {line.strip() for i in inside for line in full.cells[i].source.split("\n") if line.strip()}
    # a line that the chapter also has outside its solutions (e.g. ``fig``) proves nothing
    outside = "\n".join(cell.source for i, cell in enumerate(full.cells) if i not in inside)
    for text in texts:
        outside = outside.replace(text, "")
    outside_lines = {line.strip() for line in outside.split("\n")}
    return sorted((solution_lines - outside_lines) & _all_lines(students))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_solution_survives_and_every_other_cell_stays(chapter):
    full = nbformat.read(chapter, as_version=4)
    students = tool.strip_solutions(full, str(chapter))
    texts, inside, left = _solution_parts(full)
    assert not _leaks(full, students), f"solution text in the students' {chapter.name}: {_leaks(full, students)}"
    # every cell outside the solutions is there, in order: whole, or (cut at solution
    # directives) what is left of it
    expected = []
    for i, cell in enumerate(full.cells):
        if i in inside:
            continue
        rest = left[i]
        if rest != cell.source:
            rest = tool._tidy(rest.split("\n"))
        if rest:
            expected.append(rest)
    assert [c.source for c in students.cells] == expected
    starters = [c for c in full.cells if tool.STARTER_TAG in c.metadata.get("tags", [])]
    assert [c for c in students.cells if tool.STARTER_TAG in c.metadata.get("tags", [])] == starters
    for cell in students.cells:
        if cell.cell_type == "markdown":
            for entry in cell.metadata.get("user_expressions", []):
                assert entry["expression"] in execute_notebooks.expressions(cell.source)
    # the chapter's own solutions are found, so that the checks above can fail
    if any("solution-start" in c.source for c in full.cells):
        assert texts and any(line in _all_lines(full) for text in texts for line in _distinct_lines(text))


def _planted() -> nbformat.NotebookNode:
    """A chapter with a solution split over several cells and a plain solution directive."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md("## Exercises\n\n```{exercise}\n:label: ex-a\n\nzqexercise a\n```\n\n"
           "```{solution-start} ex-a\n:class: dropdown\n```\n\nzqsolution prose one"),
        code("zq_solution_value = 1\nprint('zqsolution output')"),
        md("zqsolution prose between {eval}`zq_solution_value`"),
        code("zq_more = 2"),
        md("zqsolution prose last\n\n```{solution-end}\n```\n\nzqkept after {eval}`zq_kept`\n\n"
           "```{exercise}\n:label: ex-b\n\nzqexercise b\n```\n\n"
           "````{solution} ex-b\n:class: dropdown\n\nzqplain solution\n\n```python\nzq_fenced = 3\n```\n````\n\nzqkept end"),
    ]
    nb.cells[2].metadata["user_expressions"] = [{"expression": "zq_solution_value", "result": {}}]
    nb.cells[4].metadata["user_expressions"] = [{"expression": "zq_kept", "result": {}}]
    return nb


def test_the_comparison_catches_a_planted_solution_the_stripper_misses():
    full = _planted()
    students = tool.strip_solutions(full)
    text = "\n".join(c.source for c in students.cells)
    assert "zqsolution" not in text and "zqplain" not in text and "zq_fenced" not in text
    assert all(word in text for word in ("zqexercise a", "zqexercise b", "zqkept after", "zqkept end"))
    assert [e["expression"] for c in students.cells for e in c.metadata.get("user_expressions", [])] == ["zq_kept"]
    assert not _leaks(full, students)
    # a stripper that missed the middle cells of the split solution would be caught
    leaky = tool.strip_solutions(full)
    leaky.cells.insert(1, full.cells[3])
    assert _leaks(full, leaky) == ["zq_more = 2"]


@pytest.mark.parametrize("cells, message", [
    (["```{solution-start} ex\n```\n\nno end"], "has no solution-end"),
    (["```{solution-end}\n```"], "without a solution-start"),
    (["```{solution-start} a\n```", "```{solution-start} b\n```"], "inside the solution of 'a'"),
])
def test_unpaired_solution_directives_stop_the_tool(cells, message):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(source) for source in cells]
    with pytest.raises(tool.SolutionStructureError, match=message):
        tool.strip_solutions(nb, "planted.ipynb")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("student_notebooks")
    return {path.name: path for path in tool.write_student_notebooks(CHAPTERS, out)}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_students_notebook_runs_top_to_bottom(chapter, written):
    nb = nbformat.read(written[chapter.name], as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(written[chapter.name].parent)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)  # raises CellExecutionError on any error
            else:
                exprs = execute_notebooks.expressions(cell.source)
                if exprs:  # raises when an expression names what only a solution defined
                    execute_notebooks.evaluate(client, exprs)
    for cell in nb.cells:
        if tool.STARTER_TAG in cell.metadata.get("tags", []):
            shown = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)
            assert NOT_YET in shown, f"a starter cell of {chapter.name} does not report '{NOT_YET}': {shown!r}"
