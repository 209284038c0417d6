"""The students' build (NNX_HIDE_SOLUTIONS=1) leaves out every solution,
and the students' site can be published.

A small scratch book, built with the book's own _config.yml (adapted so that
it needs no executed chapters, no bibliography and no widget JavaScript),
holds an exercise with a gated solution (prose, two code cells with stored
outputs, prose between them) in a notebook and an exercise with a plain
drop-down solution in a markdown page. It is built twice with -W: with the
solutions, where every marker must appear (so the checks below can fail),
and as the students' copy, where no marker may appear in any file of the
site, while the exercises and the text after the solutions stay.
The scratch book also has a teachers' page, linked from the other pages in
each way a page can link to another: the students' copy must have no such
page, no link to it, no launch or repository button, no source to download
and no relative link out of its own folder (so that, published beside the
full book, it never leads into it). The functions ``problems_*`` below find
each of those; each is shown to report the full build's, so that each can
fail.

The real book is built once per session as the students' site (its
notebooks executed, like ``make book-students``, a few minutes; set
``NNX_STUDENTS_HTML=/path/to/html`` to test a site that was just built) and
checked the same way, and for the code of every solution in the chapters.
See tools/sphinx_hide_solutions.py, tools/sphinx_students.py and
book/teachers.md.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
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
# Only the scratch book's teachers' page holds this word.
TEACHERS_MARKER = "zqteacherspage"
# A repository of students' notebooks, for students_repository_url.
STUDENTS_REPOSITORY = "https://github.com/example-teacher/nn-students"
# The sidebar's heading of the teachers' part of the table of contents.
TEACHERS_CAPTION = '<span class="caption-text">For teachers</span>'


def _code_cell(source: str, printed: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed + "\n")]
    return cell


def _write_book(root: Path, heading_in_solution: bool = False, students_repository: str = "") -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    # The notebook below carries its outputs; the full book's bibliography
    # and the widget JavaScript (made by tools/widget_js.sh) are not needed.
    config["execute"]["execute_notebooks"] = "off"
    config.pop("bibtex_bibfiles", None)
    sphinx_config = config["sphinx"]["config"]
    for key in ("html_static_path", "nb_ipywidgets_js", "mathjax_path"):
        sphinx_config.pop(key, None)
    assert sphinx_config["hide_solutions"] is False
    assert sphinx_config["students_leave_out"] == ["book/teachers"]
    sphinx_config["students_leave_out"] = ["teachers"]
    if students_repository:
        sphinx_config["students_repository_url"] = students_repository
    for extension in ("sphinx_hide_solutions", "sphinx_students"):
        assert extension in config["sphinx"]["local_extensions"], extension
    config["sphinx"]["local_extensions"] = {
        name: str(ROOT / path) for name, path in config["sphinx"]["local_extensions"].items()
    }
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n"
        "  - caption: Chapters\n    chapters:\n      - file: chapter\n      - file: page\n"
        "  - caption: For teachers\n    chapters:\n      - file: teachers\n"
    )
    # The ways a page links to another here: a Markdown link, the {doc}
    # role with and without its own text. (A link to a section of another
    # page, page.md#section, needs myst_heading_anchors, which the book does
    # not set.)
    (root / "intro.md").write_text(
        "# Scratch book\n\nA book to test the students' build.\n\n"
        "See [For teachers](teachers.md), "
        "{doc}`teachers` and {doc}`the teachers' page <teachers>`.\n"
    )
    (root / "teachers.md").write_text(
        "# For teachers\n\nThe solutions are in the notebooks zqteacherspage.\n\n"
        "## A section\n\nMore for teachers.\n"
    )

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
            "see {ref}`scratch-ex-gated`; [For teachers](teachers.md) says more."
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
def scratch_sites(tmp_path_factory) -> tuple[Path, Path]:
    """The scratch book's HTML folders: (full build, students' build)."""
    root = tmp_path_factory.mktemp("students_book")
    _write_book(root)
    return _build(root, "teachers", hide=None), _build(root, "students", hide="1")


@pytest.fixture(scope="module")
def builds(scratch_sites) -> tuple[dict[str, str], dict[str, str]]:
    teachers, students = scratch_sites
    return _site_text(teachers), _site_text(students)


def _files_with(texts: dict[str, str], word: str) -> list[str]:
    return sorted(name for name, text in texts.items() if word.lower() in text)


# ---------------------------------------------------------------------------
# What a published students' site must not have. Each function returns the
# problems it finds in a built site (an empty list when there are none).

LINK_RE = re.compile(r'\s(?:href|src)="([^"]*)"')
LAUNCH_HOSTS = ("mybinder.org", "colab.research.google.com")
SEARCH_DOCNAMES_RE = re.compile(r'"docnames":\s*\[([^\]]*)\]')


def _pages(html: Path) -> list[Path]:
    return sorted(html.rglob("*.html"))


def _links(html: Path) -> list[tuple[Path, str]]:
    """(page, address) for every href and src of every page."""
    return [(page, link) for page in _pages(html) for link in LINK_RE.findall(page.read_text())]


def _is_relative(link: str) -> bool:
    return not (link.startswith(("#", "/", "mailto:", "javascript:", "data:")) or "://" in link)


def _resolve(page: Path, link: str) -> Path:
    path = link.split("#", 1)[0].split("?", 1)[0]
    return (page.parent / html_lib.unescape(path)).resolve()


def problems_left_out_pages(html: Path, docnames: list[str]) -> list[str]:
    """A left-out page that was built, or that the search index names."""
    problems = [f"{name}.html exists" for name in docnames if (html / f"{name}.html").exists()]
    index = (html / "searchindex.js").read_text() if (html / "searchindex.js").exists() else ""
    listed = SEARCH_DOCNAMES_RE.search(index)
    for name in docnames:
        if listed and f'"{name}"' in listed.group(1):
            problems.append(f"the search index lists {name}")
    return problems


def problems_links_to_left_out_pages(html: Path, docnames: list[str]) -> list[str]:
    """A link, from any page, to a left-out page (wherever it would be)."""
    targets = {(html / f"{name}.html").resolve() for name in docnames}
    return [
        f"{page.relative_to(html)} links to {link}"
        for page, link in _links(html)
        if _is_relative(link) and link.split("#", 1)[0] and _resolve(page, link) in targets
    ]


def problems_launch_links(html: Path) -> list[str]:
    """A link that opens a notebook on Binder or Colab."""
    return [
        f"{page.relative_to(html)} links to {link}"
        for page, link in _links(html)
        if any(host in link for host in LAUNCH_HOSTS)
    ]


def problems_repository_links(html: Path, repository_url: str) -> list[str]:
    """A link into the repository (its notebooks hold the solutions)."""
    base = repository_url.rstrip("/")
    return [
        f"{page.relative_to(html)} links to {link}"
        for page, link in _links(html)
        if link == base or link.startswith(base + "/") or link.startswith(base + "?")
    ]


def problems_source_downloads(html: Path) -> list[str]:
    """A page source or notebook that can be downloaded, or a button for one."""
    problems = [f"{path.relative_to(html)} is in the site" for path in html.rglob("*.ipynb")]
    if (html / "_sources").exists():
        problems.append("_sources/ is in the site")
    for page, link in _links(html):
        path = link.split("#", 1)[0].split("?", 1)[0]
        if "_sources/" in path or path.endswith(".ipynb"):
            problems.append(f"{page.relative_to(html)} links to {link}")
    for page in _pages(html):
        for button in ("download-source-button", "download-notebook-button"):
            if button in page.read_text():
                problems.append(f"{page.relative_to(html)} has a {button}")
    return problems


def problems_links_out_of_the_site(html: Path) -> list[str]:
    """A relative link that leaves the site's folder (published beside the
    full book, it would lead into it)."""
    root = html.resolve()
    return [
        f"{page.relative_to(html)} links to {link}"
        for page, link in _links(html)
        if _is_relative(link) and not _resolve(page, link).is_relative_to(root)
    ]


def _page_text(page: Path) -> str:
    """The text of a page, tags removed (code shows as written)."""
    return html_lib.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


def problems_solution_titles(html: Path) -> list[str]:
    return [
        f"{page.relative_to(html)} has a '{SOLUTION_TITLE}' box"
        for page in _pages(html) if SOLUTION_TITLE in _page_text(page)
    ]


def problems_solution_code(html: Path, solution_lines: set[str]) -> list[str]:
    """A line of a solution's code, on any page."""
    problems = []
    for page in _pages(html):
        text = _page_text(page)
        problems += [f"{page.relative_to(html)} shows {line!r}" for line in sorted(solution_lines) if line in text]
    return problems


def solution_code_lines(notebooks: list[Path], pages: list[Path]) -> set[str]:
    """Lines of the code cells of the gated solutions that no other cell of
    any notebook and no page of the book has (so they can only have come
    from a solution), at least 20 characters long."""
    in_solutions: set[str] = set()
    elsewhere: list[str] = [page.read_text() for page in pages]
    for path in notebooks:
        inside = False
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown" and "```{solution-start}" in cell.source:
                inside = True
            if inside and cell.cell_type == "code":
                in_solutions |= {line.strip() for line in cell.source.splitlines() if len(line.strip()) >= 20}
            else:
                elsewhere.append(cell.source)
            if cell.cell_type == "markdown" and "```{solution-end}" in cell.source:
                inside = False
    return {line for line in in_solutions if not any(line in text for text in elsewhere)}


def site_problems(html: Path, left_out: list[str], repository_url: str) -> dict[str, list[str]]:
    """Every check but the solutions' code, by name."""
    return {
        "left-out pages": problems_left_out_pages(html, left_out),
        "links to left-out pages": problems_links_to_left_out_pages(html, left_out),
        "launch links": problems_launch_links(html),
        "repository links": problems_repository_links(html, repository_url),
        "source downloads": problems_source_downloads(html),
        "links out of the site": problems_links_out_of_the_site(html),
        "solution boxes": problems_solution_titles(html),
    }


def _repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


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


# ---------------------------------------------------------------------------
# The scratch book: the students' site can be published.

SCRATCH_LEFT_OUT = ["teachers"]
SCRATCH_SOLUTION_LINES = {'zqgatedsource = "zqgated" + "output"', 'print("zqgatedsecond")'}


def test_the_checks_report_what_the_full_build_has(scratch_sites):
    full, _ = scratch_sites
    problems = site_problems(full, SCRATCH_LEFT_OUT, _repository_url())
    # A relative link out of the site is planted in the next test: the full
    # build has none either.
    assert problems.pop("links out of the site") == []
    for check, found in problems.items():
        assert found, f"the check for {check} finds nothing in the full build"
    assert problems_solution_code(full, SCRATCH_SOLUTION_LINES)
    assert TEACHERS_CAPTION in (full / "chapter.html").read_text()
    # Every way of linking to the teachers' page is there to be removed: in
    # the introduction, the sidebar's link and the three in the text.
    links = problems_links_to_left_out_pages(full, SCRATCH_LEFT_OUT)
    assert len([p for p in links if p.startswith("intro.html")]) == 4, links
    assert [p for p in links if p.startswith("chapter.html")], links


def test_a_link_out_of_the_site_is_reported(scratch_sites, tmp_path):
    _, students = scratch_sites
    site = tmp_path / "students"
    shutil.copytree(students, site)
    assert problems_links_out_of_the_site(site) == []
    page = site / "chapter.html"
    page.write_text(page.read_text().replace("<body", '<body><a href="../solutions.html">x</a>', 1))
    assert problems_links_out_of_the_site(site) == ['chapter.html links to ../solutions.html']


def test_the_students_scratch_site_is_fit_to_publish(scratch_sites, builds):
    _, students = scratch_sites
    _, students_text = builds
    problems = site_problems(students, SCRATCH_LEFT_OUT, _repository_url())
    assert problems == {check: [] for check in problems}
    assert problems_solution_code(students, SCRATCH_SOLUTION_LINES) == []
    assert not _files_with(students_text, TEACHERS_MARKER), _files_with(students_text, TEACHERS_MARKER)
    # The links to the teachers' page became their text, and the text around
    # them stays.
    intro = _page_text(students / "intro.html")
    assert "See For teachers, teachers and the teachers’ page." in intro.replace("'", "’"), intro
    assert "For teachers says more" in _page_text(students / "chapter.html")
    # The table of contents has no empty "For teachers" part.
    assert TEACHERS_CAPTION not in (students / "chapter.html").read_text()
    assert '<span class="caption-text">Chapters</span>' in (students / "chapter.html").read_text()


def test_a_students_repository_gets_the_launch_buttons(tmp_path):
    # students_repository_url: a teacher's repository of students' notebooks.
    _write_book(tmp_path, students_repository=STUDENTS_REPOSITORY)
    students = _build(tmp_path, "students", hide="1")
    launch = problems_launch_links(students)
    assert launch and all("example-teacher/nn-students" in p for p in launch), launch
    assert any("mybinder.org" in p for p in launch) and any("colab.research" in p for p in launch), launch
    assert problems_repository_links(students, STUDENTS_REPOSITORY)
    assert problems_repository_links(students, _repository_url()) == []
    assert problems_left_out_pages(students, SCRATCH_LEFT_OUT) == []


# ---------------------------------------------------------------------------
# The real book's students' site, built once.

KERNEL_TCP_NOTICE = "Kernel is running over TCP without encryption"


def _left_out() -> list[str]:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]["students_leave_out"]


@pytest.fixture(scope="module")
def students_site(tmp_path_factory) -> tuple[Path, int, str | None]:
    """Build the book's students' site (as `make book-students` does); return
    (html folder, exit code, output) (output None if prebuilt)."""
    prebuilt = os.environ.get("NNX_STUDENTS_HTML")
    if prebuilt:
        html = Path(prebuilt)
        assert (html / "index.html").is_file(), f"NNX_STUDENTS_HTML={prebuilt} holds no built book"
        return html, 0, None
    if shutil.which("npm") is None and not (ROOT / "_vendor_js" / "embed-amd.js").is_file():
        pytest.skip("npm is not installed, so the widget JavaScript cannot be installed (tools/widget_js.sh)")
    subprocess.run(["bash", str(ROOT / "tools" / "widget_js.sh")], cwd=ROOT, check=True)
    output = tmp_path_factory.mktemp("students_site")
    env = {**os.environ, "NNX_HIDE_SOLUTIONS": "1"}
    proc = subprocess.run(
        [str(JUPYTER_BOOK), "build", ".", "--builder", "html", "-W", "-n", "--keep-going",
         "--path-output", str(output)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    return output / "_build" / "html", proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def students_html(students_site) -> Path:
    html, code, _ = students_site
    if not (html / "index.html").is_file():
        pytest.fail(f"the students' build produced no {html / 'index.html'} (exit {code})")
    return html


def test_the_students_site_builds_without_warnings(students_site):
    _, code, output = students_site
    if output is None:
        pytest.skip("NNX_STUDENTS_HTML is set: testing a prebuilt site, the build is not run here")
    warnings = [
        line for line in output.splitlines()
        if re.search(r"WARNING|ERROR", line) and KERNEL_TCP_NOTICE not in line
    ]
    assert code == 0, f"the students' build exited with {code}:\n" + "\n".join(output.splitlines()[-40:])
    assert not warnings, "the students' build printed warnings:\n" + "\n".join(warnings)


def test_the_students_site_is_fit_to_publish(students_html):
    problems = site_problems(students_html, _left_out(), _repository_url())
    assert problems == {check: [] for check in problems}


def test_the_students_site_has_every_other_page(students_html):
    toc = re.findall(r"^\s*(?:-\s*file|root):\s*(\S+)", (ROOT / "_toc.yml").read_text(), re.M)
    kept = [name for name in toc if name not in _left_out()]
    assert kept and len(kept) < len(toc), (toc, _left_out())
    missing = [name for name in kept if not (students_html / f"{name}.html").is_file()]
    assert not missing, f"pages missing from the students' site: {missing}"


def _book_solution_lines() -> set[str]:
    book = ROOT / "book"
    return solution_code_lines(sorted(book.glob("*.ipynb")), sorted(book.glob("*.md")))


def test_the_solution_code_check_finds_a_planted_line(tmp_path):
    lines = _book_solution_lines()
    # Every chapter with a coding exercise has a solution with code.
    assert len(lines) >= 10, lines
    line = sorted(lines)[0]
    page = tmp_path / "page.html"
    page.write_text(f"<pre><span>{html_lib.escape(line)}</span></pre>")
    assert problems_solution_code(tmp_path, lines) == [f"page.html shows {line!r}"]


def test_the_students_site_shows_no_solution_code(students_html):
    assert problems_solution_code(students_html, _book_solution_lines()) == []
