"""The students' build (NNX_HIDE_SOLUTIONS=1) leaves out every solution.

A small scratch book, built with the book's own _config.yml (adapted so that
it needs no executed chapters, no bibliography and no widget JavaScript),
holds an exercise with a gated solution (prose, two code cells with stored
outputs, prose between them) in a notebook and an exercise with a plain
drop-down solution in a markdown page. It is built twice with -W: with the
solutions, where every marker must appear (so the checks below can fail),
and as the students' copy, where no marker may appear in any file of the
site, while the exercises and the text after the solutions stay.
See tools/sphinx_hide_solutions.py and book/teachers.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"

# Words that only a solution contains (lower case: the search index stores
# words in lower case).
SOLUTION_MARKERS = {
    "gated prose": "zqgatedprose",
    "gated code source": "zqgatedsource",
    "gated code output": "zqgatedoutput",
    "prose between the code cells": "zqgatedmiddle",
    "second code cell": "zqgatedsecond",
    "plain solution": "zqplainsolution",
}
# Words that both builds must show.
KEPT_MARKERS = {
    "gated exercise": "zqexercisegated",
    "plain exercise": "zqexerciseplain",
    "text after the gated solution": "zqafterprose",
    "code cell after the gated solution": "zqafteroutput",
    "text after the plain solution": "zqafterplain",
}
SOLUTION_TITLE = "Solution to"


def _code_cell(source: str, printed: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed + "\n")]
    return cell


def _write_book(root: Path, heading_in_solution: bool = False) -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    # The notebook below carries its outputs; the full book's bibliography
    # and the widget JavaScript (made by tools/widget_js.sh) are not needed.
    config["execute"]["execute_notebooks"] = "off"
    config.pop("bibtex_bibfiles", None)
    sphinx_config = config["sphinx"]["config"]
    for key in ("html_static_path", "nb_ipywidgets_js", "mathjax_path"):
        sphinx_config.pop(key, None)
    assert sphinx_config["hide_solutions"] is False
    assert "sphinx_hide_solutions" in config["sphinx"]["local_extensions"]
    config["sphinx"]["local_extensions"] = {
        name: str(ROOT / path) for name, path in config["sphinx"]["local_extensions"].items()
    }
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapter\n  - file: page\n"
    )
    (root / "intro.md").write_text("# Scratch book\n\nA book to test the students' build.\n")

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Chapter\n\n## Exercises\n\n"
            "```{exercise}\n:label: scratch-ex-gated\n\nThe gated exercise zqexercisegated.\n```\n\n"
            "```{solution-start} scratch-ex-gated\n:class: dropdown\n```\n\n"
            "The solution's prose zqgatedprose."
        ),
        _code_cell('zqgatedsource = "zqgated" + "output"\nprint(zqgatedsource)', "zqgatedoutput"),
        nbformat.v4.new_markdown_cell(
            ("## A heading\n\n" if heading_in_solution else "")
            + "Between the code cells zqgatedmiddle."
        ),
        _code_cell('print("zqgatedsecond")', "zqgatedsecond"),
        nbformat.v4.new_markdown_cell(
            "```{solution-end}\n```\n\nAfter the solution zqafterprose, "
            "see {ref}`scratch-ex-gated`."
        ),
        _code_cell('print("zqafter" + "output")', "zqafteroutput"),
    ]
    nbformat.write(nb, root / "chapter.ipynb")

    (root / "page.md").write_text(
        "# Page\n\n"
        "```{exercise}\n:label: scratch-ex-plain\n\nThe plain exercise zqexerciseplain.\n```\n\n"
        "```{solution} scratch-ex-plain\n:class: dropdown\n\nThe plain solution zqplainsolution.\n```\n\n"
        "After the plain solution zqafterplain.\n"
    )


def _run_build(root: Path, output: str, hide: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NNX_HIDE_SOLUTIONS"}
    if hide is not None:
        env["NNX_HIDE_SOLUTIONS"] = hide
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(root), "--builder", "html", "-W", "-n",
         "--keep-going", "--path-output", str(root / output)],
        env=env, capture_output=True, text=True, timeout=120,
    )


def _build(root: Path, output: str, hide: str | None) -> Path:
    result = _run_build(root, output, hide)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "WARNING" not in log, log
    return root / output / "_build" / "html"


def _site_text(html: Path) -> dict[str, str]:
    """Every text file of the built site (pages, search index, sources)."""
    texts = {}
    for path in html.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".js", ".txt", ".ipynb", ".md", ".json"}:
            texts[str(path.relative_to(html))] = path.read_text(errors="replace").lower()
    return texts


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[dict[str, str], dict[str, str]]:
    root = tmp_path_factory.mktemp("students_book")
    _write_book(root)
    teachers = _site_text(_build(root, "teachers", hide=None))
    students = _site_text(_build(root, "students", hide="1"))
    return teachers, students


def _files_with(texts: dict[str, str], word: str) -> list[str]:
    return sorted(name for name, text in texts.items() if word.lower() in text)


def test_the_normal_build_shows_the_solutions(builds):
    teachers, _ = builds
    pages = {"chapter.html", "page.html"}
    for what, word in {**SOLUTION_MARKERS, **KEPT_MARKERS}.items():
        assert pages & set(_files_with(teachers, word)), f"{what} ({word}) missing from the normal build's pages"
    for page in pages:
        assert SOLUTION_TITLE.lower() in teachers[page], page
        assert "download-source-button" in teachers[page], page
    assert "_sources/chapter.ipynb" in teachers


def test_the_students_build_has_no_solution_anywhere(builds):
    _, students = builds
    for what, word in SOLUTION_MARKERS.items():
        assert not _files_with(students, word), f"{what} ({word}) leaked into {_files_with(students, word)}"
    for page in ("chapter.html", "page.html"):
        assert SOLUTION_TITLE.lower() not in students[page], page
        assert "download-source-button" not in students[page], page
    assert not any(name.startswith("_sources") for name in students)


def test_the_students_build_keeps_the_exercises_and_the_rest(builds):
    _, students = builds
    for what, word in KEPT_MARKERS.items():
        assert _files_with(students, word), f"{what} ({word}) missing from the students' build"
    # The exercises keep their numbered titles and their labels.
    assert 'id="scratch-ex-gated"' in students["chapter.html"]
    assert 'id="scratch-ex-plain"' in students["page.html"]
    assert "exercise 1" in students["chapter.html"]


def test_a_solution_split_by_a_heading_is_reported(tmp_path):
    # The students' build cannot remove such a solution; with -W the
    # warning must stop the build instead of publishing the solution.
    _write_book(tmp_path, heading_in_solution=True)
    result = _run_build(tmp_path, "students", hide="1")
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "solution-start has no solution-end in the same section" in log, log
    assert "unknown node type" not in log, log


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_switch_value_is_refused_clearly(value):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from sphinx_hide_solutions import hide_solutions_from_environment
    finally:
        sys.path.remove(str(ROOT / "tools"))
    from sphinx.errors import ConfigError

    assert hide_solutions_from_environment(None) is None
    assert hide_solutions_from_environment(" ") is None
    assert hide_solutions_from_environment("1") is True
    assert hide_solutions_from_environment("0") is False
    with pytest.raises(ConfigError, match=r"NNX_HIDE_SOLUTIONS must be 1 .* it is '"):
        hide_solutions_from_environment(value)
