"""Sphinx's search scripts are only on the search page
(tools/sphinx_search_scripts.py), and search works end to end: the search
page finds a word, and the page a result opens highlights it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from sphinx_search_scripts import drop_search_scripts  # noqa: E402

HEAD = """\
    <script src="../_static/sphinx_highlight.js?v=dc90522c"></script>
    <script src="../_static/searchtools.js"></script>
    <script src="../_static/language_data.js"></script>
    <script src="../searchindex.js"></script>
    <script src="../_static/my_searchtools.js"></script>
  <script defer src="../_static/scripts/bootstrap.js?digest=55c2"></script>
"""


def test_the_three_search_scripts_go_and_nothing_else():
    out = drop_search_scripts(HEAD)
    assert out == ('    <script src="../_static/sphinx_highlight.js?v=dc90522c"></script>\n'
                   '    <script src="../_static/my_searchtools.js"></script>\n'
                   '  <script defer src="../_static/scripts/bootstrap.js?digest=55c2"></script>\n')
    assert drop_search_scripts(out) == out
    # a page at the top of the book refers to them without "../"
    top = HEAD.replace("../", "")
    assert "search" not in drop_search_scripts(top).replace("my_searchtools", "")


def test_only_the_search_page_loads_the_search_scripts(built_html):
    pages = sorted(built_html.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        text = path.read_text(encoding="utf-8")
        has = [name for name in ("searchtools.js", "language_data.js", "searchindex.js") if name in text]
        if path == built_html / "search.html":
            assert len(has) == 3, f"search.html lost its search scripts: it has {has}"
        else:
            assert not has, f"{path.relative_to(built_html)} still loads {has}"


def test_a_search_result_opens_with_the_word_highlighted(chromium, server):
    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{server}/search.html?q=sigmoid", wait_until="load")
        results = page.locator("#search-results ul.search li a")
        results.first.wait_for(timeout=15_000)
        assert results.count() >= 3, "searching the book for 'sigmoid' found almost nothing"
        results.first.click()
        page.wait_for_load_state("load")
        assert "search.html" not in page.url
        page.locator("span.highlighted").first.wait_for(timeout=10_000)
        assert "sigmoid" in page.locator("span.highlighted").first.inner_text().lower()
        assert not errors, errors
    finally:
        page.close()
