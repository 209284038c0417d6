"""A graded course from the chapters: nbgrader's source assignments.

    python tools/course_assignments.py                          # every chapter -> _build/course
    python tools/course_assignments.py --out DIR --exercises-only book/01_neuron.ipynb

(``make course`` runs the first line.) For each chapter with coding
exercises, this writes ``DIR/source/<chapter>/<chapter>.ipynb``, the
instructor's version of an nbgrader assignment, and copies
``course/nbgrader_config.py`` to ``DIR``. The teacher then runs nbgrader in
``DIR`` (``nbgrader generate_assignment 01_neuron``, ``release_assignment``,
``collect``, ``autograde``, ``generate_feedback``; see book/teachers.md,
section "A graded course").

The assignment is the students' notebook of the chapter (tools/student_notebooks.py:
no solution in it) with, for each coding exercise, graded cells in place of
its starter cell:

- the **answer cell** (nbgrader: autograded answer), the starter cell with the
  line ``raise NotImplementedError(...)`` replaced by the body of the function
  from the chapter's own solution, between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``; nbgrader hands it out with that region replaced by
  ``raise NotImplementedError()``;
- a **public test** (``PUBLIC_POINTS`` points), the book's self-check: it passes
  when ``bool(check_<name>(my_<name>))`` is true and otherwise fails with the
  check's report, hints included;
- a **hidden test** (the points set in its file), the file
  ``course/hidden_tests/<exercise label>.py`` after ``course/grading.py``,
  between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``: students
  see an empty test cell, and nbgrader puts the hidden code back when it
  grades. It compares the learner's function with a reference written in
  that file, with nnlib's own answer withheld.

A coding exercise is found by its structure, as the developers' guide
defines it: a code cell tagged ``exercise-starter`` that defines
``my_<name>`` (whose body is ``raise NotImplementedError(...)``) and calls
``check_<name>(my_<name>)``, followed by a gated solution
(``solution-start <label>``) whose code cells define ``my_<name>`` again.
An exercise without its hidden test file stops the tool with an error.

With ``--exercises-only`` the assignment holds only the coding exercises, the
chapter's first code cell (its imports) and the code cells they need (found by
the names they use), not the whole chapter: it runs in seconds instead of the chapter's minute, which is
what the end-to-end test of the course uses.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import symtable
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

sys.path.insert(0, str(Path(__file__).resolve().parent))
from student_notebooks import (  # noqa: E402  (a sibling script, not a package)
    STARTER_TAG,
    chapters,
    directives,
    strip_solutions,
)

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
HIDDEN_TESTS = COURSE / "hidden_tests"
DEFAULT_OUT = ROOT / "_build" / "course"
PUBLIC_POINTS = 1
NBGRADER_SCHEMA = 3


class CourseError(ValueError):
    """A chapter's coding exercise that the course cannot be made from."""


@dataclass
class CodingExercise:
    """One coding exercise of a chapter, as found in the full notebook."""

    label: str           # the exercise's label, e.g. "neuron-ex-sigmoid-derivative"
    function: str        # the learner's function, e.g. "my_sigmoid_derivative"
    check: str           # its self-check, e.g. "check_sigmoid_derivative"
    starter: str         # the starter cell's source
    solution: list[str]  # the sources of the solution's code cells
    statement: str       # the markdown of the ```{exercise}``` directive

    @property
    def hidden_test(self) -> Path:
        return HIDDEN_TESTS / f"{self.label}.py"


def _python(source: str) -> ast.Module:
    """Parse a code cell, IPython magics (``%matplotlib``) turned into Python."""
    return ast.parse(TransformerManager().transform_cell(source))


def _starter_parts(source: str, where: str) -> tuple[str, str]:
    """The learner's function and the self-check that the starter cell calls."""
    tree = _python(source)
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                 and node.name.startswith("my_") and isinstance(node.body[-1], ast.Raise)]
    checks = [(node.func.id, node.args[0].id) for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id.startswith("check_") and node.args
              and isinstance(node.args[0], ast.Name) and node.args[0].id.startswith("my_")]
    if len(functions) != 1 or [fn for _, fn in checks] != functions:
        raise CourseError(
            f"{where}: expected a starter cell defining one function my_<name> whose body raises "
            f"NotImplementedError and calling check_<name>(my_<name>); found functions {functions} "
            f"and checks {checks}")
    return functions[0], checks[0][0]


def _statement(nb: nbformat.NotebookNode, label: str) -> str:
    """The markdown of the ```{exercise}``` directive labelled ``label``."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")
        for directive in directives(cell.source):
            block = lines[directive.start:directive.end]
            if directive.name == "exercise" and any(line.strip() == f":label: {label}" for line in block):
                return "\n".join(block)
    return ""


def coding_exercises(nb: nbformat.NotebookNode, name: str = "notebook") -> list[CodingExercise]:
    """The coding exercises of a chapter (the full notebook, solutions included), in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        if STARTER_TAG not in cell.metadata.get("tags", []):
            continue
        where = f"{name}, cell {index}"
        function, check = _starter_parts(cell.source, where)
        following = nb.cells[index + 1] if index + 1 < len(nb.cells) else None
        starts = [d for d in directives(following.source)] if following and following.cell_type == "markdown" else []
        if not starts or starts[0].name != "solution-start":
            raise CourseError(f"{where}: the starter cell of {function} is not followed by a markdown cell "
                              "that opens its gated solution (solution-start)")
        label = starts[0].argument
        solution = []
        for later in nb.cells[index + 2:]:
            if later.cell_type == "code":
                solution.append(later.source)
            elif any(d.name == "solution-end" for d in directives(later.source)):
                break
        found.append(CodingExercise(label, function, check, cell.source, solution, _statement(nb, label)))
    return found


def solution_body(exercise: CodingExercise) -> str:
    """The body of the solution's own definition of the learner's function, dedented.

    Only the body is used: code the solution cell runs besides the function
    (the call of the check, a comparison) stays in the chapter.
    """
    for source in reversed(exercise.solution):
        tree = _python(source)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == exercise.function:
                lines = source.split("\n")
                return textwrap.dedent("\n".join(lines[node.body[0].lineno - 1:node.end_lineno]))
    raise CourseError(f"{exercise.label}: no code cell of the solution defines {exercise.function}")


def answer_source(exercise: CodingExercise) -> str:
    """The instructor's answer cell: the starter with the solution's body in a solution region."""
    tree = _python(exercise.starter)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == exercise.function)
    raise_node = function.body[-1]
    lines = exercise.starter.split("\n")
    indent = lines[raise_node.lineno - 1][: raise_node.col_offset]
    region = ([f"{indent}### BEGIN SOLUTION"]
              + textwrap.indent(solution_body(exercise), indent).split("\n")
              + [f"{indent}### END SOLUTION"])
    return "\n".join(lines[: raise_node.lineno - 1] + region + lines[raise_node.end_lineno:])


def reference_answer(exercise: CodingExercise) -> str:
    """The answer cell filled in with the chapter's own solution (no solution markers)."""
    return "\n".join(line for line in answer_source(exercise).split("\n")
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def public_test_source(exercise: CodingExercise) -> str:
    return (f"# Public test ({PUBLIC_POINTS} point): the book's self-check must pass.\n"
            f"report = {exercise.check}({exercise.function})\n"
            f"assert bool(report), f\"{exercise.check} does not pass yet:\\n{{report}}\"\n"
            f"print(report)")


def hidden_points(path: Path) -> int:
    """The ``POINTS = n`` of a hidden test file."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["POINTS"]:
            return int(ast.literal_eval(node.value))
    raise CourseError(f"{path}: expected a line POINTS = <number of points>")


def hidden_test_source(exercise: CodingExercise, hidden_tests: Path) -> tuple[str, int]:
    """The instructor's hidden test cell and its points."""
    path = hidden_tests / f"{exercise.label}.py"
    if not path.exists():
        raise CourseError(f"the coding exercise {exercise.label} ({exercise.function}) has no hidden test: "
                          f"expected the file {path}")
    points = hidden_points(path)
    verdict = ("# The verdict, raised here so that the feedback's traceback\n"
               "# shows these lines only, and none of the hidden code above.\n"
               "#\n#\n"
               f"hidden_failure = grade_hidden({exercise.function}, NNLIB_ANSWERS, run_hidden_test)\n"
               "if hidden_failure:\n"
               "    raise AssertionError(hidden_failure)")
    code = "\n\n".join([(COURSE / "grading.py").read_text().strip(), path.read_text().strip(), verdict])
    return (f"# Hidden tests ({points} points): they run when your notebook is graded.\n"
            f"### BEGIN HIDDEN TESTS\n{code}\n### END HIDDEN TESTS"), points


def _graded_cell(source: str, grade_id: str, points: int | None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade_id": grade_id, "schema_version": NBGRADER_SCHEMA,
        "solution": points is None, "grade": points is not None, "locked": points is not None,
        **({"points": points} if points is not None else {}),
    }
    return cell


def graded_cells(exercise: CodingExercise, hidden_tests: Path = HIDDEN_TESTS) -> list[nbformat.NotebookNode]:
    """The answer cell, the public test and the hidden test of one exercise."""
    hidden, points = hidden_test_source(exercise, hidden_tests)
    return [_graded_cell(answer_source(exercise), exercise.label, None),
            _graded_cell(public_test_source(exercise), f"{exercise.label}-public", PUBLIC_POINTS),
            _graded_cell(hidden, f"{exercise.label}-hidden", points)]


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a code cell defines at its top level, names it uses from the notebook's namespace)."""
    code = TransformerManager().transform_cell(source)
    table = symtable.symtable(code, "cell", "exec")
    defined = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    used = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    pending = list(table.get_children())
    while pending:
        scope = pending.pop()
        used |= {s.get_name() for s in scope.get_symbols() if s.is_global() and s.is_referenced()}
        pending += scope.get_children()
    # a name the cell assigns itself is taken as its own (``fig = ...`` in many cells)
    return defined, used - defined


def _needed_cells(cells: list[nbformat.NotebookNode], sources: list[str]) -> list[int]:
    """The indices of the code cells the given sources need, through the names they use."""
    names = [_names(c.source) if c.cell_type == "code" else (set(), set()) for c in cells]
    needed: set[int] = set()
    wanted = [(len(cells), used) for used in (_names(s)[1] for s in sources)]
    while wanted:
        before, used = wanted.pop()
        for name in used:
            definer = next((i for i in range(before - 1, -1, -1) if name in names[i][0]), None)
            if definer is not None and definer not in needed:
                needed.add(definer)
                wanted.append((definer, names[definer][1]))
    return sorted(needed)


def assignment(chapter: Path, exercises_only: bool = False,
               hidden_tests: Path = HIDDEN_TESTS) -> nbformat.NotebookNode | None:
    """The instructor's assignment of a chapter, or None when it has no coding exercise."""
    full = nbformat.read(chapter, as_version=4)
    exercises = {e.function: e for e in coding_exercises(full, str(chapter))}
    if not exercises:
        return None
    students = strip_solutions(full, str(chapter))

    def starter_of(cell: nbformat.NotebookNode) -> CodingExercise | None:
        if cell.cell_type == "code" and STARTER_TAG in cell.metadata.get("tags", []):
            return exercises[_starter_parts(cell.source, str(chapter))[0]]
        return None

    if exercises_only:
        sources = [reference_answer(e) for e in exercises.values()]
        keep = set(_needed_cells(students.cells, sources))
        # the install cell for Colab, and the chapter's first code cell, its imports, which
        # a learner's function may use even where the book's solution does not
        colab = {i for i, c in enumerate(students.cells) if "colab-install" in c.metadata.get("tags", [])}
        first = next((i for i, c in enumerate(students.cells) if c.cell_type == "code" and i not in colab), None)
        keep |= colab | ({first} if first is not None else set())
        title = next((line for line in full.cells[0].source.split("\n") if line.startswith("# ")), "# Exercises")
        header = nbformat.v4.new_markdown_cell(
            f"{title}: graded exercises\n\nThe coding exercises of the chapter "
            f"[{chapter.stem}]({chapter.name}), with the chapter's code that they need. Write each function "
            "in its cell, run every cell from the top, and submit the notebook.")
        cells = [header]
        for i, cell in enumerate(students.cells):
            exercise = starter_of(cell)
            if exercise is not None:
                cells.append(nbformat.v4.new_markdown_cell(exercise.statement or f"Exercise {exercise.label}"))
            if i in keep or exercise is not None:
                cells.append(cell)
    else:
        cells = list(students.cells)
    graded = []
    for cell in cells:
        exercise = starter_of(cell)
        if exercise is None:
            graded.append(cell)
        else:
            graded += graded_cells(exercise, hidden_tests)
    for cell in graded:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    students.cells = graded
    return students


def write_course(out: Path, notebooks: list[Path], exercises_only: bool = False,
                 hidden_tests: Path = HIDDEN_TESTS) -> list[str]:
    """Write the source assignments and nbgrader's configuration into ``out``; return the assignment ids."""
    written = []
    for chapter in notebooks:
        nb = assignment(chapter, exercises_only, hidden_tests)
        if nb is None:
            continue
        folder = out / "source" / chapter.stem
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / chapter.name)
        written.append(chapter.stem)
    shutil.copy(COURSE / "nbgrader_config.py", out / "nbgrader_config.py")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write nbgrader's source assignments from the chapters.")
    parser.add_argument("notebooks", nargs="*", type=Path, help="chapters (default: book/*.ipynb)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"course folder (default: {DEFAULT_OUT})")
    parser.add_argument("--exercises-only", action="store_true",
                        help="only the coding exercises and the code they need, not the whole chapter")
    args = parser.parse_args(argv)
    try:
        ids = write_course(args.out, args.notebooks or chapters(), args.exercises_only)
    except (CourseError, ValueError) as error:
        sys.exit(f"course: {error}")
    for assignment_id in ids:
        print(args.out / "source" / assignment_id)


if __name__ == "__main__":
    main()
