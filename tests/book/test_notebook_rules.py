"""Rules every chapter notebook keeps, checked on the stored notebooks.

These guards read the ``.ipynb`` JSON only: no kernel, no execution, no book
build, so they take well under a second. They hold the promise of the book's
introduction, "every number on this page is printed by a cell on this page",
and keep the warnings-as-errors build from failing on the cheapest mistakes:

a. **A cell that draws a figure stores it.** A code cell that creates a
   figure at its top level (outside a ``def`` or ``lambda``) must have an
   image among its stored outputs. "Creates a figure" means: it calls
   ``plt.show()``, ``plt.figure``/``plt.subplots``, ``Figure(...)``, or a
   plotting function named ``plot_*`` (nnlib.book.plots). A figure made by a
   ``plot_*`` function is a plain ``matplotlib.figure.Figure`` that pyplot
   does not track, so ``plt.show()`` shows nothing and a cell that does not
   end with the figure shows nothing (and without ``%matplotlib inline``
   no figure is stored at all): the page would then describe a picture that
   is not there. Cells that only *define* a drawing function (for an
   ``explore`` panel, say) create nothing at their top level and are not
   flagged; neither are cells that draw nothing.

b. **No solution's code sits in a fenced block.** A solution that computes
   something is a code cell that runs when the book is built (between
   ``{solution-start}`` and ``{solution-end}`` markdown cells), so its output
   is current. A fenced ```python (or ```py, ```ipython) block inside a
   ``{solution}`` directive, or in a markdown cell between ``solution-start``
   and ``solution-end``, is code the build never runs.

c. **Numbers that come from a run are computed, not typed.** In the markdown
   prose, with math (``$...$``, ``$$...$$``), inline code and roles
   (``{eval}`...```, ``{term}`...``` and the like), fenced blocks,
   directive options and link targets removed, a *result-like* number is

   - a decimal with at least two significant digits, leading and trailing
     zeros not counted (``0.45``, ``98.25``, ``0.0352``; not ``0.5``,
     ``1.0``, ``0.05``), or
   - a percentage (``97%``, ``97.5 %``).

   Such a number is a *typed result* when a text output of the same
   notebook (printed text, a repr, an ``{eval}`` result) shows a number that
   rounds to it at the precision it is written with (``0.45`` matches an
   output ``0.4512``; ``97.5%`` matches ``97.53%`` or ``0.9753``), and it is
   not a *setting*: a decimal whose value also appears as a numeric literal
   in the notebook's code (a learning rate ``0.01`` typed in a code cell and
   named in the prose is an input, not a result), or a percentage whose
   fraction, strictly between 0 and 1, is a float literal of the code
   (``20%`` with ``dropout=0.2``; ``100%`` is never excused by a ``1``). A
   typed result fails the test, naming
   the notebook, the number and its sentence: compute it instead
   (``{eval}`f"{x:.2f}"``` for a variable ``x`` of a code cell above).

   Integers are not checked (epoch counts, layer sizes and sample counts are
   almost always settings, and a rule for them would flag every "28 by 28");
   neither are numbers inside math, where the book writes formulas and
   worked examples. So this is a floor, not the whole rule: the prose review
   of each chapter still checks "after N epochs" and "about N times".

d. **Every ``{eval}`` can be evaluated where it stands, and was.** The book
   build runs each chapter inline (the notebook's metadata sets MyST-NB's
   ``execution_mode: inline``) and evaluates an ``{eval}`expr``` when it
   reaches its markdown cell, after the code cells above and before the ones
   below. So every name the expression reads must be assigned by a code cell
   above it (or be a builtin): a name assigned only further down fails, but
   only in the minutes-long build. Every expression also needs a stored result
   (``tools/execute_notebooks.py`` stores them in the markdown cell's
   ``user_expressions``, which JupyterLab shows), with status "ok" and a plain
   text: not ``np.float64(0.77)`` or ``array([...])``, which a page would show
   as written; format it (``f"{x:.2f}"``) or convert it (``float(x)``).

e. **Every term and citation exists.** Each ``{term}`...``` names an entry
   of book/glossary.md (compared in lower case, as Sphinx does) and each
   ``{cite}`...``` a key of book/references.bib; a misspelling would again
   only surface in the slow build.

The chapters are book/*.ipynb (the numbered chapters and common_mistakes).
Each check is a function of a notebook path, and the tests at the end of the
file plant one violation of each rule in a scratch notebook to show that each
check can fail.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


# ---------------------------------------------------------------------------
# reading notebooks


def load(path: Path) -> dict:
    """The notebook's JSON (read once per file version: every check reads every chapter)."""
    path = Path(path)
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _load(path: str, mtime_ns: int) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def text_outputs(cell: dict) -> list[str]:
    """The text a code cell shows: printed text, and the text/plain of results
    and displays (and, in older notebooks, of glued values, under a scrapbook prefix)."""
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append(_text(out.get("text", "")))
        for key, value in out.get("data", {}).items():
            if key.endswith("text/plain"):
                texts.append(_text(value))
    return texts


def has_image(cell: dict) -> bool:
    """True if the cell stores an image: shown, or glued for {glue:figure} (under a scrapbook prefix)."""
    return any(
        key.startswith("image/") or "/image/" in key
        for out in cell.get("outputs", [])
        for key in out.get("data", {})
    )


def parse_code(src: str) -> ast.Module | None:
    """The cell's code as an AST; IPython magics and shell lines become ``pass``. None if it does not parse."""
    lines = [line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
             for line in src.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def label(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------
# a. a cell that draws a figure stores it

FIGURE_MAKERS = {"Figure", "figure", "subplots", "subplot_mosaic", "show"}


def _called_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def _top_level_calls(node: ast.AST):
    """Every call in ``node`` that is not inside a def, lambda or class body."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(child, ast.Call):
            yield child
        yield from _top_level_calls(child)


def figure_calls(src: str) -> list[str]:
    """The figure-making calls a cell makes at its top level (names, in order)."""
    tree = parse_code(src)
    if tree is None:
        return []
    names = []
    for call in _top_level_calls(tree):
        name = _called_name(call)
        if name is None:
            continue
        if name.startswith("plot_") or name in FIGURE_MAKERS:
            if name == "show" and not (isinstance(call.func, ast.Attribute)
                                       and isinstance(call.func.value, ast.Name)
                                       and call.func.value.id == "plt"):
                continue
            names.append(name)
    return names


def figures_not_stored(path: Path) -> list[str]:
    """One message per code cell that draws a figure but stores no image."""
    problems = []
    for i, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        calls = figure_calls(source(cell))
        if calls and not has_image(cell):
            first = source(cell).strip().splitlines()[0]
            problems.append(
                f"{label(path)}, cell {i} ({first[:60]!r}): calls {', '.join(sorted(set(calls)))} "
                "but stores no image; end the cell with the Figure (plt.show() does not show an nnlib "
                "figure), turn on inline figures with %matplotlib inline, and re-execute"
            )
    return problems


# ---------------------------------------------------------------------------
# b. no solution's code in a fenced block

DIRECTIVE_RE = re.compile(r"^\s*(`{3,}|:{3,})\s*\{([\w-]+)\}")
CODE_FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})\s*\{?(python3?|py|ipython3?)\}?\s*$", re.I)


def fenced_solution_code(path: Path) -> list[str]:
    """One message per fenced Python block inside a solution."""
    problems = []
    in_gated = False  # between {solution-start} and {solution-end}, across cells
    for i, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        solution_fence = None  # the fence that closes an open {solution} directive
        for line in source(cell).splitlines():
            m = DIRECTIVE_RE.match(line)
            if m and m.group(2) == "solution-start":
                in_gated = True
                continue
            if m and m.group(2) == "solution-end":
                in_gated = False
                continue
            if m and m.group(2) == "solution":
                solution_fence = m.group(1)
                continue
            if solution_fence is not None and line.strip() == solution_fence:
                solution_fence = None
                continue
            if (in_gated or solution_fence is not None) and CODE_FENCE_RE.match(line):
                problems.append(
                    f"{label(path)}, cell {i}: a solution holds a fenced {line.strip()} block; "
                    "make it a code cell between {solution-start} and {solution-end}"
                )
    return problems


# ---------------------------------------------------------------------------
# c. numbers from a run are glued, not typed

NUMBER_RE = re.compile(r"(?<![\w.])[-−]?(\d+(?:\.\d+)?)(?:\s?(%))?(?![\w])(?!\.\d)")
OUTPUT_NUMBER_RE = re.compile(r"(?<![\w.])[-−]?(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(\s?%)?")


def prose(md: str) -> str:
    """Markdown with everything that is not running text blanked out (lengths kept)."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
    md = re.sub(r"<!--.*?-->", blank, md, flags=re.S)
    # fenced code blocks (not directives such as ````{exercise}, whose body is prose)
    md = re.sub(r"^([ \t]*)(`{3,}(?!`)|~{3,}(?!~))(?![ \t]*\{).*?^[ \t]*\2[ \t]*$", blank, md, flags=re.S | re.M)
    md = re.sub(r"\$\$.*?\$\$", blank, md, flags=re.S)
    md = re.sub(r"\\\[.*?\\\]", blank, md, flags=re.S)
    md = re.sub(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", blank, md, flags=re.S)
    md = re.sub(r"(?<![\\$])\$(?!\$)(?:[^$\n]|\n(?!\s*\n))*?(?<!\\)\$", blank, md)  # inline math, may wrap
    md = re.sub(r"^[ \t]*(`{3,}|:{3,}).*$", blank, md, flags=re.M)  # directive fences
    md = re.sub(r"(?<!`)(`+)(?!`)(?:[^`\n]|\n(?![ \t]*\n))*?(?<!`)\1(?!`)", blank, md)  # inline code, roles
    md = re.sub(r"^[ \t]*:[\w-]+:.*$", blank, md, flags=re.M)  # directive options
    md = re.sub(r"\]\([^)]*\)", blank, md)  # link targets
    md = re.sub(r"<[^>\n]+>", blank, md)  # HTML tags and autolinks
    return md


def _sig_digits(digits: str) -> int:
    return len(digits.replace(".", "").strip("0"))


def prose_numbers(md: str) -> list[tuple[str, float, int, bool, int]]:
    """Result-like numbers in running text: (as written, value, decimals, is a percentage, offset)."""
    text = prose(md)
    found = []
    for m in NUMBER_RE.finditer(text):
        digits, percent = m.group(1), bool(m.group(2))
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        if percent or (decimals > 0 and _sig_digits(digits) >= 2):
            found.append((m.group(0).strip(), float(digits), decimals, percent, m.start()))
    return found


def output_numbers(texts: list[str]) -> list[tuple[float, int, bool]]:
    """Numbers shown in outputs: (value, decimals written, is a percentage)."""
    found = []
    for text in texts:
        for m in OUTPUT_NUMBER_RE.finditer(text):
            digits = m.group(1)
            try:
                value = float(digits)
            except ValueError:
                continue
            mantissa = re.split(r"[eE]", digits)[0]
            decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
            if "e" in digits.lower():  # 1.75e+304: its precision is relative; compare by value
                decimals = 99
            found.append((value, decimals, bool(m.group(2))))
    return found


def code_literals(cells: list[dict]) -> tuple[set[float], set[float]]:
    """The numeric literals in the notebook's code (the settings): (all of them, the float literals)."""
    values: set[float] = set()
    floats: set[float] = set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        tree = parse_code(source(cell))
        if tree is None:
            for x in re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", source(cell)):
                values.add(float(x))
                if not x.isdigit():
                    floats.add(float(x))
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                values.add(float(node.value))
                if isinstance(node.value, float):
                    floats.add(node.value)
    return values, floats


def _rounds_to(value: float, shown: float, decimals: int) -> bool:
    return abs(value - shown) <= 0.5 * 10.0 ** -decimals * (1 + 1e-9)


def _matches(number: tuple, outputs: list[tuple[float, int, bool]]) -> bool:
    _, value, decimals, percent, _ = number
    for out_value, out_decimals, _out_percent in outputs:
        if out_decimals >= decimals and _rounds_to(out_value, value, decimals):
            return True
        if percent and out_decimals >= decimals + 2 and _rounds_to(100 * out_value, value, decimals):
            return True  # 97.5% typed from an output 0.9753
    return False


def _is_setting(number: tuple, settings: tuple[set[float], set[float]]) -> bool:
    """A decimal is a setting if its value is a literal of the code. A
    percentage is one if its fraction, strictly between 0 and 1, is a float
    literal of the code (dropout=0.2 for "20%"): 0 and 1 are everywhere in
    code and would excuse every "100%"."""
    _, value, _, percent, _ = number
    literals, float_literals = settings
    if not percent:
        return any(math.isclose(value, s, rel_tol=1e-9, abs_tol=1e-15) for s in literals)
    fraction = value / 100
    return 0 < fraction < 1 and any(math.isclose(fraction, s, rel_tol=1e-9) for s in float_literals)


SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=\S)|\n\s*\n|\n\s*(?:[-*+]|\d+\.|\|)\s")


def _sentence(text: str, offset: int) -> str:
    """The sentence (or list item, or table row) of ``text`` around ``offset``, on one line."""
    start, end = 0, len(text)
    for m in SENTENCE_END_RE.finditer(text):
        if m.end() <= offset:
            start = m.end()
        elif m.start() >= offset:
            end = m.start()
            break
    sentence = " ".join(text[start:end].split())
    return sentence if len(sentence) <= 200 else sentence[:197] + "..."


def typed_results(path: Path) -> list[str]:
    """One message per result-like number typed in the prose that an output shows."""
    cells = load(path)["cells"]
    outputs = output_numbers([t for c in cells if c["cell_type"] == "code" for t in text_outputs(c)]
                             + [value for c in cells for value in eval_results(c).values()])
    settings = code_literals(cells)
    problems = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        md = source(cell)
        for number in prose_numbers(md):
            if _matches(number, outputs) and not _is_setting(number, settings):
                problems.append(
                    f"{label(path)}, cell {i}: {number[0]!r} is typed but printed by a cell; compute it with {{eval}}. "
                    f"Sentence: {_sentence(md, number[4])!r}"
                )
    return problems


# ---------------------------------------------------------------------------
# d. every {eval} can be evaluated where it stands, and was

EVAL_ROLE_RE = re.compile(r"\{eval\}`([^`]+)`")
NOT_PLAIN_RE = re.compile(r"^(np\.\w+\(|array\(|<)|\n")


def eval_results(cell: dict) -> dict[str, str]:
    """The stored text/plain result of each {eval} expression of a markdown cell (status ok only)."""
    return {item["expression"]: _text(item["result"]["data"].get("text/plain", ""))
            for item in cell.get("metadata", {}).get("user_expressions", [])
            if item.get("result", {}).get("status") == "ok"}


def assigned_names(code: str) -> set[str] | None:
    """The names a code cell binds (assignments, imports, defs, loop targets), or None if it does not parse."""
    tree = parse_code(code)
    if tree is None:
        return None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def read_names(expression: str) -> set[str] | None:
    """The names an expression reads, builtins left out; None if it is not a Python expression."""
    import builtins

    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return None
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(dir(builtins))


def unevaluable_expressions(path: Path) -> list[str]:
    """One message per {eval} that reads a name no code cell above assigns, or has no plain stored result."""
    nb = load(path)
    problems = []
    uses_eval = False
    known: set[str] = set()
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            known |= assigned_names(source(cell)) or set()
            continue
        if cell["cell_type"] != "markdown":
            continue
        stored = eval_results(cell)
        for expr in dict.fromkeys(EVAL_ROLE_RE.findall(source(cell))):
            uses_eval = True
            names = read_names(expr)
            if names is None:
                problems.append(f"{label(path)}, cell {i}: {{eval}}`{expr}` is not a Python expression")
                continue
            if names - known:
                problems.append(f"{label(path)}, cell {i}: {{eval}}`{expr}` reads {sorted(names - known)}, "
                                "which no code cell above assigns (the inline build would fail)")
            if expr not in stored:
                problems.append(f"{label(path)}, cell {i}: {{eval}}`{expr}` has no stored result: "
                                "run `make execute`")
            elif NOT_PLAIN_RE.search(stored[expr]):
                problems.append(f"{label(path)}, cell {i}: {{eval}}`{expr}` shows {stored[expr][:40]!r}; "
                                "format it (f\"{x:.3f}\") or convert it (float(x), int(n))")
    mode = nb.get("metadata", {}).get("mystnb", {}).get("execution_mode")
    if uses_eval and mode != "inline":
        problems.append(f"{label(path)}: uses {{eval}} but its metadata does not set "
                        '"mystnb": {"execution_mode": "inline"}')
    return problems


# ---------------------------------------------------------------------------
# e. every term and citation exists

TERM_RE = re.compile(r"\{term\}`([^`]+)`")
CITE_RE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")


def glossary_terms(glossary: Path = ROOT / "book" / "glossary.md") -> set[str]:
    """The terms defined in the glossary directive (lines that start a definition), in lower case."""
    text = glossary.read_text(encoding="utf-8")
    block = text[text.index("{glossary}"):].split("\n", 1)[1]
    return {line.strip().lower() for line in block.splitlines()
            if line.strip() and not line[0].isspace() and not line.startswith(("```", ":"))}


def bibliography_keys(bib: Path = ROOT / "book" / "references.bib") -> set[str]:
    return set(re.findall(r"^@\w+\{([^,\s]+),", bib.read_text(encoding="utf-8"), re.M))


def unknown_references(path: Path, terms: set[str] | None = None, keys: set[str] | None = None) -> list[str]:
    """One message per {term} that the glossary lacks and per {cite} key that references.bib lacks."""
    terms = glossary_terms() if terms is None else terms
    keys = bibliography_keys() if keys is None else keys
    problems = []
    for i, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        md = source(cell)
        for m in TERM_RE.finditer(md):
            target = re.sub(r"^.*<(.+)>\s*$", r"\1", m.group(1)).strip()
            if target.lower() not in terms:
                problems.append(f"{label(path)}, cell {i}: {m.group(0)}: no such term in book/glossary.md")
        for m in CITE_RE.finditer(md):
            for key in (k.strip() for k in m.group(1).split(",")):
                if key not in keys:
                    problems.append(f"{label(path)}, cell {i}: {m.group(0)}: no key {key!r} in book/references.bib")
    return problems


# ---------------------------------------------------------------------------
# the tests on the chapters


def _ids(paths):
    return [p.stem for p in paths]


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_every_figure_is_stored(path):
    problems = figures_not_stored(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_no_solution_code_in_fenced_blocks(path):
    problems = fenced_solution_code(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_numbers_from_a_run_are_computed(path):
    problems = typed_results(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_every_eval_can_be_evaluated_and_was(path):
    problems = unevaluable_expressions(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_terms_and_citations_exist(path):
    problems = unknown_references(path)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------
# each check can fail: one planted violation per rule, in a scratch notebook


def _notebook(tmp_path: Path, cells: list[dict]) -> Path:
    path = tmp_path / "scratch.ipynb"
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


def _md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str, printed: str = "", image: bool = False) -> dict:
    outputs = []
    if printed:
        outputs.append({"output_type": "stream", "name": "stdout", "text": printed})
    if image:
        outputs.append({"output_type": "execute_result", "execution_count": 1, "metadata": {},
                        "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 480x320 with 1 Axes>"}})
    return {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": text, "outputs": outputs}


def test_check_a_catches_a_figure_that_is_not_stored(tmp_path):
    shown = "fig = plot_histories(histories, metric='loss')\nplt.show()"
    helper = "def run(lr):\n    fig = Figure()\n    plot_history(fit(lr), axes=[fig.subplots()])\n    return fig"
    glued_figure = _code("glue('ch00_fig', plot_history(h), display=False)")
    glued_figure["outputs"] = [{"output_type": "display_data", "metadata": {"scrapbook": {"name": "ch00_fig"}},
                                "data": {"application/papermill.record/image/png": "iVBORw0KGgo="}}]
    path = _notebook(tmp_path, [
        _code(shown),                                 # the violation
        _code("fig = plot_history(h)\nfig", image=True),  # stored: fine
        _code(helper),                                # only defines a drawing function: fine
        _code("print(1 + 1)", printed="2\n"),         # draws nothing: fine
        glued_figure,                                 # glued for {glue:figure}: stored, fine
    ])
    problems = figures_not_stored(path)
    assert len(problems) == 1 and "cell 0" in problems[0], problems


def test_check_b_catches_fenced_solution_code(tmp_path):
    path = _notebook(tmp_path, [
        _md("```{exercise}\n:label: ex-a\n\nDo it.\n```\n\n"
            "````{solution} ex-a\n:class: dropdown\n\n```python\nprint(1)\n```\n````\n"),
        _md("```{solution-start} ex-b\n:class: dropdown\n```\n\nText."),
        _md("```py\nx = 1\n```"),
        _md("```{solution-end}\n```\n\nAfter the solution:\n\n```python\nx = 2  # not in a solution: fine\n```"),
    ])
    problems = fenced_solution_code(path)
    assert [p.split(",")[1].split(":")[0].strip() for p in problems] == ["cell 0", "cell 2"], problems


def test_check_c_catches_a_typed_result(tmp_path):
    path = _notebook(tmp_path, [
        _code("net = train(lr=0.01, dropout=0.2)\nprint(f'accuracy {acc:.4f}, loss {loss:.3f}, lr {lr}, dropout {p:.2f}')",
              printed="accuracy 0.9753, loss 0.412, lr 0.01, dropout 0.20\n"),
        _md("With a learning rate of 0.01 and 20% dropout (settings) the network reaches 97.5% accuracy "
            "and a loss of 0.41; the formula $0.412 = x$ and `0.412` do not count."),
        _md("Computed: {eval}`f\"{loss:.3f}\"`; a constant 0.577 that no cell prints is fine."),
        _eval_md("The gap is 0.25 (typed, but an {eval} shows it).", {"gap": "0.2500"}),
    ])
    problems = typed_results(path)
    assert len(problems) == 3, problems
    assert "'97.5%'" in problems[0] and "'0.41'" in problems[1] and "'0.25'" in problems[2], problems


def _eval_md(text: str, results: dict[str, str]) -> dict:
    """A markdown cell with stored {eval} results (expression -> text/plain)."""
    cell = _md(text)
    cell["metadata"]["user_expressions"] = [
        {"expression": e, "result": {"status": "ok", "data": {"text/plain": r}, "metadata": {}}}
        for e, r in results.items()]
    return cell


def test_check_d_catches_unevaluable_expressions(tmp_path):
    cells = [
        _code("loss = float(l)\nimport numpy as np\nfor k in range(3):\n    pass"),
        _eval_md('Fine: {eval}`f"{loss:.3f}"`, {eval}`k`, {eval}`len(np.arange(2))`.',
                 {'f"{loss:.3f}"': "'0.123'", "k": "2", "len(np.arange(2))": "2"}),
        _eval_md("Broken: {eval}`later` and {eval}`loss`, {eval}`f'{loss'`.",
                 {"later": "1", "loss": "np.float64(0.1234)"}),
        _eval_md("Not stored: {eval}`loss * 2`.", {}),
        _code("later = 1"),
    ]
    path = _notebook(tmp_path, cells)
    problems = unevaluable_expressions(path)
    assert len(problems) == 5, problems
    assert "later" in problems[0] and "np.float64" in problems[1] and "not a Python expression" in problems[2]
    assert "no stored result" in problems[3] and "execution_mode" in problems[4], problems
    nb = json.loads(path.read_text())
    nb["metadata"]["mystnb"] = {"execution_mode": "inline"}
    path.write_text(json.dumps(nb))
    _load.cache_clear()
    assert len(unevaluable_expressions(path)) == 4


def test_check_e_catches_unknown_terms_and_keys(tmp_path):
    path = _notebook(tmp_path, [
        _md("Fine: {term}`ReLU`, {term}`dead units <dead ReLU>`, {cite}`he2015`, {cite:t}`glorot2010,he2015`."),
        _md("Broken: {term}`dead relus`, {cite}`he2016`."),
    ])
    problems = unknown_references(path, terms={"relu", "dead relu"}, keys={"he2015", "glorot2010"})
    assert len(problems) == 2 and all("cell 1" in p for p in problems), problems


def test_the_glossary_and_bibliography_are_read():
    """The parsers of check e find the entries other engineers link to (so an empty parse cannot pass)."""
    assert {"momentum", "weight decay", "dead relu", "minibatch", "gradient checking"} <= glossary_terms()
    assert {"loshchilov2019", "minsky1969", "prechelt1998", "kingma2015"} <= bibliography_keys()
