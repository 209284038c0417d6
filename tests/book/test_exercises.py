"""The exercises of every chapter: difficulty and time, the teachers' table, a
coding exercise for every self-check, and each chapter's objectives.

Static checks of the stored notebooks and of book/teachers.md (no kernel, no
build; well under a second):

a. **Every exercise states its difficulty and time.** The first line of the
   body of each ``{exercise}`` directive (after its options) is exactly
   ``*Difficulty: ★★☆ · about 20 minutes*``: one to three filled stars out
   of three, and a whole number of minutes.

b. **The teachers' table lists exactly the chapters' exercises.** The table
   under "Every exercise: kind, difficulty and time" in book/teachers.md has
   one row per exercise label of the chapters, no more and no fewer, each
   with its chapter, the same difficulty and time as the exercise's line, the
   kind "coding" exactly when a starter cell (tag ``exercise-starter``)
   follows the exercise (else "derivation" or "experiment"), and as
   self-check the check that starter cell calls (else a dash).

c. **Every self-check has an exercise.** Each ``check_*`` function exported
   by ``nnlib.book.checks`` is called by some starter cell.

d. **A coding exercise keeps the structure the tools rely on.** Its starter
   cell defines ``my_<name>`` with a body that only raises
   ``NotImplementedError`` and calls ``check_<name>(my_<name>)``; it sits
   right after the markdown cell that ends with the exercise, and right after
   it comes the ``{solution-start}`` of the same label, whose code cells call
   the same check.

e. **Every chapter opens with its objectives and prerequisites**: in its
   first markdown cell, a ``{admonition} Learning objectives and
   prerequisites`` with a list under **After this chapter you can** and one
   under **You need**; from chapter 02 on, the prerequisites link to an
   earlier chapter (a Markdown link to its notebook, which exists).

Each check is a function of the notebooks and the teachers' page and returns
a list of problems; the tests at the end plant one violation of each in a
copy to show that each can fail.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from nnlib.book import checks

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
TEACHERS = BOOK / "teachers.md"

DIFFICULTY_RE = re.compile(r"^\*Difficulty: (★{1,3}☆{0,2}) · about (\d+) minutes\*$")
EXERCISE_RE = re.compile(r"^(`{3,}|:{3,})\{exercise\}\s*$")
STARTER_TAG = "exercise-starter"
TABLE_HEADING = "### Every exercise: kind, difficulty and time"
TABLE_HEADER = "| Chapter | Exercise (label) | Kind | Difficulty | Time | Self-check |"
KINDS = {"coding", "derivation", "experiment"}
BOX_OPENING = "```{admonition} Learning objectives and prerequisites"


# ---------------------------------------------------------------------------
# reading


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


@dataclass
class Exercise:
    """One ``{exercise}`` directive of a chapter."""

    chapter: str        # the notebook's stem, e.g. "02_xor"
    label: str
    cell: int           # index of its markdown cell
    first_line: str     # the first line of its body
    last_in_cell: bool  # the directive closes the markdown cell (nothing after it)
    starter: int | None  # index of the starter cell right after, if any


def exercises(nb: dict, chapter: str) -> list[Exercise]:
    """Every exercise directive of a notebook, in order."""
    found = []
    cells = nb["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        lines = source(cell).splitlines()
        k = 0
        while k < len(lines):
            m = EXERCISE_RE.match(lines[k].strip())
            if not m:
                k += 1
                continue
            fence = m.group(1)
            end = next((j for j in range(k + 1, len(lines)) if lines[j].strip() == fence), len(lines))
            body = lines[k + 1:end]
            options = {}
            j = 0
            while j < len(body) and body[j].startswith(":"):
                key, _, value = body[j][1:].partition(":")
                options[key.strip()] = value.strip()
                j += 1
            first = next((line for line in body[j:] if line.strip()), "")
            last = not any(line.strip() for line in lines[end + 1:])
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            starter = i + 1 if (last and nxt is not None and nxt["cell_type"] == "code"
                                and STARTER_TAG in tags(nxt)) else None
            found.append(Exercise(chapter, options.get("label", ""), i, first.strip(), last, starter))
            k = end + 1
    return found


def called_checks(src: str) -> list[str]:
    """The names of the ``check_*`` functions a code cell calls."""
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return []
    return [node.func.id for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("check_")]


@dataclass
class Row:
    chapter: str
    label: str
    kind: str
    difficulty: str
    time: str
    check: str


def teachers_table(text: str) -> list[Row] | str:
    """The rows of the exercise table of the teachers' page, or what is wrong with finding it."""
    lines = text.splitlines()
    if TABLE_HEADING not in lines:
        return f"book/teachers.md has no heading {TABLE_HEADING!r}"
    start = lines.index(TABLE_HEADING)
    header = next((k for k in range(start, len(lines)) if lines[k].strip() == TABLE_HEADER), None)
    if header is None:
        return f"no table with the header {TABLE_HEADER!r} under {TABLE_HEADING!r}"
    rows = []
    for line in lines[header + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6:
            return f"a row of the table has {len(cells)} columns, not 6: {line!r}"
        chapter = re.fullmatch(r"\{doc\}`([\w-]+)`", cells[0])
        label = re.fullmatch(r"`([\w-]+)`", cells[1])
        check = re.fullmatch(r"`(check_\w+)`", cells[5])
        rows.append(Row(chapter.group(1) if chapter else cells[0], label.group(1) if label else cells[1],
                        cells[2], cells[3], cells[4], check.group(1) if check else cells[5]))
    return rows


# ---------------------------------------------------------------------------
# the checks


def missing_difficulty(notebooks: dict[str, dict]) -> list[str]:
    """a. Exercises whose body does not start with the difficulty line."""
    problems = []
    for chapter, nb in notebooks.items():
        for ex in exercises(nb, chapter):
            if not DIFFICULTY_RE.match(ex.first_line):
                problems.append(f"{chapter}, exercise {ex.label or '(no label)'} (cell {ex.cell}): its body "
                                f"starts with {ex.first_line[:60]!r}, not a line like "
                                "'*Difficulty: ★★☆ · about 20 minutes*'")
            elif len(DIFFICULTY_RE.match(ex.first_line).group(1)) != 3:
                problems.append(f"{chapter}, exercise {ex.label}: the difficulty needs three stars in all")
            if not ex.label:
                problems.append(f"{chapter}, cell {ex.cell}: an exercise without a :label:")
    return problems


def table_mismatches(notebooks: dict[str, dict], teachers_text: str) -> list[str]:
    """b. Differences between the teachers' table and the chapters' exercises."""
    rows = teachers_table(teachers_text)
    if isinstance(rows, str):
        return [rows]
    problems = []
    by_label: dict[str, Row] = {}
    for row in rows:
        if row.label in by_label:
            problems.append(f"the teachers' table lists {row.label} twice")
        by_label[row.label] = row
    labels = set()
    for chapter, nb in notebooks.items():
        for ex in exercises(nb, chapter):
            labels.add(ex.label)
            row = by_label.get(ex.label)
            if row is None:
                problems.append(f"the teachers' table does not list {ex.label} ({chapter})")
                continue
            if row.chapter != chapter:
                problems.append(f"the teachers' table puts {ex.label} in {row.chapter}; it is in {chapter}")
            m = DIFFICULTY_RE.match(ex.first_line)
            if m and (row.difficulty, row.time) != (m.group(1), f"{m.group(2)} min"):
                problems.append(f"the teachers' table gives {ex.label} {row.difficulty}, {row.time}; the "
                                f"exercise says {m.group(1)}, {m.group(2)} min")
            if row.kind not in KINDS:
                problems.append(f"the teachers' table gives {ex.label} the kind {row.kind!r}, not one of "
                                f"{sorted(KINDS)}")
            coding = ex.starter is not None
            if coding != (row.kind == "coding"):
                problems.append(f"the teachers' table calls {ex.label} {row.kind!r}, but it "
                                f"{'has' if coding else 'has no'} starter cell")
            called = called_checks(source(nb["cells"][ex.starter])) if coding else []
            expected = called[0] if called else "—"
            if row.check != expected:
                problems.append(f"the teachers' table gives {ex.label} the self-check {row.check!r}; "
                                f"its starter cell calls {expected!r}")
    for label in sorted(set(by_label) - labels):
        problems.append(f"the teachers' table lists {label}, which no chapter has")
    return problems


def checks_without_exercise(notebooks: dict[str, dict], names: list[str]) -> list[str]:
    """c. Self-checks that no starter cell calls."""
    called = set()
    for nb in notebooks.values():
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and STARTER_TAG in tags(cell):
                called.update(called_checks(source(cell)))
    return [f"nnlib.book.checks.{name} has no exercise: no starter cell (tag {STARTER_TAG}) calls it"
            for name in names if name not in called]


def broken_coding_exercises(notebooks: dict[str, dict]) -> list[str]:
    """d. Starter cells and gated solutions not in the form the tools find them."""
    problems = []
    for chapter, nb in notebooks.items():
        cells = nb["cells"]
        starters = {ex.starter: ex for ex in exercises(nb, chapter) if ex.starter is not None}
        for i, cell in enumerate(cells):
            if cell["cell_type"] != "code" or STARTER_TAG not in tags(cell):
                continue
            ex = starters.get(i)
            if ex is None:
                problems.append(f"{chapter}, cell {i}: a starter cell that does not follow the markdown cell "
                                "ending with its exercise")
                continue
            tree = ast.parse(source(cell))
            defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("my_")]
            if len(defs) != 1:
                problems.append(f"{chapter}, {ex.label}: the starter cell should define one my_<name> function")
                continue
            fn = defs[0]
            name = fn.name[len("my_"):]
            body = [n for n in fn.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
            raises = (len(body) == 1 and isinstance(body[0], ast.Raise) and isinstance(body[0].exc, ast.Call)
                      and getattr(body[0].exc.func, "id", "") == "NotImplementedError")
            if not raises:
                problems.append(f"{chapter}, {ex.label}: the body of my_{name} should only raise "
                                "NotImplementedError(...)")
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == f"check_{name}"
                     and len(n.args) == 1 and getattr(n.args[0], "id", "") == f"my_{name}"]
            if not calls:
                problems.append(f"{chapter}, {ex.label}: the starter cell should call check_{name}(my_{name})")
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            opening = f"```{{solution-start}} {ex.label}"
            if nxt is None or nxt["cell_type"] != "markdown" or not source(nxt).startswith(opening):
                problems.append(f"{chapter}, {ex.label}: the starter cell should be followed by a markdown cell "
                                f"starting with {opening}")
                continue
            solution_calls = []
            for later in cells[i + 2:]:
                if later["cell_type"] == "markdown" and "{solution-end}" in source(later):
                    break
                if later["cell_type"] == "code":
                    solution_calls += called_checks(source(later))
            if f"check_{name}" not in solution_calls:
                problems.append(f"{chapter}, {ex.label}: no code cell of its solution calls check_{name}")
    return problems


def missing_objectives(notebooks: dict[str, dict]) -> list[str]:
    """e. Chapters whose first markdown cell lacks the objectives and prerequisites."""
    problems = []
    for chapter, nb in notebooks.items():
        first = next((c for c in nb["cells"] if c["cell_type"] == "markdown"), None)
        text = source(first) if first else ""
        if BOX_OPENING not in text:
            problems.append(f"{chapter}: its first markdown cell has no {BOX_OPENING!r}")
            continue
        box = text[text.index(BOX_OPENING):]
        box = box[:box.find("\n```", len(BOX_OPENING))]
        parts = re.split(r"^\*\*(After this chapter you can|You need)\*\*$", box, flags=re.M)
        lists = dict(zip(parts[1::2], parts[2::2]))
        for heading in ("After this chapter you can", "You need"):
            items = re.findall(r"^- \S.*$", lists.get(heading, ""), flags=re.M)
            if len(items) < (2 if heading.startswith("After") else 1):
                problems.append(f"{chapter}: the box has no list under **{heading}** "
                                f"({len(items)} item{'s' if len(items) != 1 else ''})")
        links = re.findall(r"\]\((\d\d_\w+)\.ipynb\)", lists.get("You need", ""))
        number = chapter[:2]
        if number.isdigit() and int(number) > 1:
            if not any(link[:2] < number for link in links):
                problems.append(f"{chapter}: its prerequisites link to no earlier chapter")
        for link in links:
            if not (BOOK / f"{link}.ipynb").exists():
                problems.append(f"{chapter}: its prerequisites link to {link}.ipynb, which does not exist")
    return problems


# ---------------------------------------------------------------------------
# the tests


@pytest.fixture(scope="module")
def notebooks() -> dict[str, dict]:
    return {path.stem: load(path) for path in CHAPTERS}


@pytest.fixture(scope="module")
def teachers_text() -> str:
    return TEACHERS.read_text(encoding="utf-8")


CHECK_NAMES = [name for name in checks.__all__ if name.startswith("check_")]


def test_the_chapters_and_checks_are_found(notebooks, teachers_text):
    """The parsers find what the other tests count on (so that an empty parse cannot pass)."""
    assert len(notebooks) >= 9 and "common_mistakes" in notebooks
    labels = [ex.label for chapter, nb in notebooks.items() for ex in exercises(nb, chapter)]
    assert len(labels) >= 30 and "xor-ex-gradients" in labels and "loss-ex-mse-gradient" in labels
    assert sum(ex.starter is not None for chapter, nb in notebooks.items() for ex in exercises(nb, chapter)) >= 8
    rows = teachers_table(teachers_text)
    assert not isinstance(rows, str) and len(rows) == len(labels), rows
    assert {"check_mse_gradient", "check_xor_gradients", "check_xor_gradients_tanh"} <= set(CHECK_NAMES)


def test_every_exercise_states_its_difficulty_and_time(notebooks):
    problems = missing_difficulty(notebooks)
    assert not problems, "\n".join(problems)


def test_the_teachers_table_lists_exactly_the_chapters_exercises(notebooks, teachers_text):
    problems = table_mismatches(notebooks, teachers_text)
    assert not problems, "\n".join(problems)


def test_every_self_check_has_an_exercise(notebooks):
    problems = checks_without_exercise(notebooks, CHECK_NAMES)
    assert not problems, "\n".join(problems)


def test_coding_exercises_keep_their_structure(notebooks):
    problems = broken_coding_exercises(notebooks)
    assert not problems, "\n".join(problems)


def test_every_chapter_opens_with_objectives_and_prerequisites(notebooks):
    problems = missing_objectives(notebooks)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------
# each check can fail: a planted violation in a copy


def _exercise_cell(nb: dict, label: str) -> dict:
    return next(c for c in nb["cells"] if c["cell_type"] == "markdown" and f":label: {label}\n" in source(c))


def _set_source(cell: dict, text: str) -> None:
    cell["source"] = text


def test_check_a_catches_a_missing_or_malformed_difficulty_line(notebooks):
    planted = copy.deepcopy(notebooks)
    cell = _exercise_cell(planted["03_vectorizing"], "vec-ex-sum")
    _set_source(cell, re.sub(r"\*Difficulty: [^\n]*\n\n", "", source(cell), count=1))
    cell = _exercise_cell(planted["05_optimizers"], "opt-ex-limit")
    _set_source(cell, source(cell).replace("· about 15 minutes*", "· 15 min*", 1))
    cell = _exercise_cell(planted["07_regularization"], "reg-ex-decay")
    _set_source(cell, source(cell).replace("*Difficulty: ★★☆", "*Difficulty: ★★", 1))
    problems = missing_difficulty(planted)
    assert len(problems) == 3, problems
    assert "vec-ex-sum" in problems[0] and "opt-ex-limit" in problems[1] and "three stars" in problems[2]


def test_check_b_catches_a_table_that_differs_from_the_chapters(notebooks, teachers_text):
    # a row dropped, a label that no chapter has, another difficulty, a wrong kind and self-check
    text = teachers_text.replace("| {doc}`02_xor` | `xor-ex-zeros` |", "| {doc}`02_xor` | `xor-ex-nothing` |")
    text = re.sub(r"^\| \{doc\}`06_initialization` \| `init-ex-zeros-tanh` \|.*\n", "", text, flags=re.M)
    text = text.replace("| `vec-ex-sum` | derivation | ★☆☆ |", "| `vec-ex-sum` | derivation | ★★★ |")
    text = text.replace("| `opt-ex-adam-step` | coding | ★★☆ | 25 min | `check_adam_step` |",
                        "| `opt-ex-adam-step` | experiment | ★★☆ | 25 min | — |")
    problems = table_mismatches(notebooks, text)
    joined = "\n".join(problems)
    assert "does not list xor-ex-zeros" in joined and "lists xor-ex-nothing, which no chapter has" in joined
    assert "does not list init-ex-zeros-tanh" in joined
    assert "vec-ex-sum ★★★" in joined
    assert "calls opt-ex-adam-step 'experiment', but it has starter cell" in joined
    assert "self-check '—'; its starter cell calls 'check_adam_step'" in joined
    assert len(problems) == 6, problems
    # a planted exercise in a chapter that the table lacks
    planted = copy.deepcopy(notebooks)
    cell = planted["common_mistakes"]["cells"][-1]
    _set_source(cell, source(cell) + "\n\n```{exercise}\n:label: mistakes-ex-new\n\n"
                "*Difficulty: ★☆☆ · about 5 minutes*\n\nA new exercise.\n```\n")
    assert table_mismatches(planted, teachers_text) == [
        "the teachers' table does not list mistakes-ex-new (common_mistakes)"]
    assert table_mismatches(notebooks, "# For teachers\n")[0].startswith("book/teachers.md has no heading")


def test_check_c_catches_a_self_check_without_an_exercise(notebooks):
    assert checks_without_exercise(notebooks, CHECK_NAMES + ["check_batchnorm"]) == [
        "nnlib.book.checks.check_batchnorm has no exercise: no starter cell (tag exercise-starter) calls it"]
    planted = copy.deepcopy(notebooks)
    for cell in planted["04_losses"]["cells"]:
        if STARTER_TAG in tags(cell) and "check_mse_gradient" in source(cell):
            cell["metadata"]["tags"] = []  # the starter cell no longer counts
    assert checks_without_exercise(planted, CHECK_NAMES) == [
        "nnlib.book.checks.check_mse_gradient has no exercise: no starter cell (tag exercise-starter) calls it"]


def test_check_d_catches_a_starter_or_solution_out_of_form(notebooks):
    planted = copy.deepcopy(notebooks)
    cells = planted["02_xor"]["cells"]
    i = next(k for k, c in enumerate(cells) if STARTER_TAG in tags(c) and "my_xor_gradients(" in source(c))
    _set_source(cells[i], source(cells[i]).replace('raise NotImplementedError("write the nine derivatives here")',
                                                   "return {}"))
    j = next(k for k, c in enumerate(cells) if STARTER_TAG in tags(c) and "my_xor_gradients_tanh(" in source(c))
    cells[j + 1], cells[j + 2] = cells[j + 2], cells[j + 1]  # the solution's code before its start
    problems = broken_coding_exercises(planted)
    assert len(problems) == 2, problems
    assert "only raise NotImplementedError" in problems[0] and "xor-ex-gradients:" in problems[0]
    assert "xor-ex-gradients-tanh" in problems[1] and "solution-start" in problems[1]


def test_check_e_catches_missing_objectives_or_prerequisites(notebooks):
    planted = copy.deepcopy(notebooks)
    first = planted["05_optimizers"]["cells"][0]
    _set_source(first, source(first).replace(BOX_OPENING, "```{note}"))
    first = planted["06_initialization"]["cells"][0]
    _set_source(first, re.sub(r"\]\(\d\d_\w+\.ipynb\)", "](notation.md)", source(first)))
    first = planted["03_vectorizing"]["cells"][0]
    _set_source(first, source(first).replace("**You need**", "**Before**"))
    problems = missing_objectives(planted)
    assert len(problems) == 4, problems
    assert "03_vectorizing: the box has no list under **You need**" in problems[0]
    assert "03_vectorizing: its prerequisites link to no earlier chapter" in problems[1]
    assert "05_optimizers: its first markdown cell has no" in problems[2]
    assert "06_initialization: its prerequisites link to no earlier chapter" in problems[3]
