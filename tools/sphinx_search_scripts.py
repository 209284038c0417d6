"""Sphinx extension: load Sphinx's search scripts only on the search page, so
that a reader who follows a search result sees the words found highlighted,
and every other page loads 180 KB less before it shows anything.

Why: pydata-sphinx-theme (0.17, under sphinx-book-theme) writes
``searchtools.js``, ``language_data.js`` and the whole ``searchindex.js``
(153 KB for this book) into the head of *every* page, as blocking scripts,
for its "search as you type" box. The book has that box off (the theme's
``search_as_you_type`` is false: the search field opens ``search.html``), so
on other pages the scripts do nothing useful, and one harmful thing: Sphinx's
``sphinx_highlight.js`` highlights the searched words on the page a result
links to (``page.html?highlight=sigmoid``) only when ``Search`` is not
defined, which it always was. Measured in headless Chromium: with the theme's
scripts, ``02_xor.html?highlight=sigmoid`` highlighted nothing; without
them, all 44 "sigmoid"s of the page. The time from page load to a panel's
answer did not measurably change (``benchmarks/panel_response.py
--against``: 0.93 to 1.03 of the theme's way, page by page, within the
machine's noise).

What this does, after the build (``build-finished``): in every written page
but ``search.html`` (which the theme gives its own copy of the scripts), it
removes the three ``<script src=...>`` tags exactly as the theme writes them,
at whatever depth the page is. If ``search_as_you_type`` is turned on in
``html_theme_options``, it leaves every page alone. Tested by
tests/book/test_search_scripts.py: the tags that go, the page that keeps
them, and in Chromium, a search that finds a word and the page it links to
highlighting it.

Our own few lines; no third-party code.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

from built_pages import rewrite_built_pages

#: The theme's three search scripts, as its layout.html writes them (paths relative to the page).
SEARCH_SCRIPTS = re.compile(
    r'[ \t]*<script src="(?:\.\./)*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)">'
    r'</script>\n?')


def drop_search_scripts(page: str) -> str:
    """``page`` without the theme's search scripts (idempotent)."""
    return SEARCH_SCRIPTS.sub("", page)


def _drop_from_pages(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    options = app.config.html_theme_options or {}
    if str(options.get("search_as_you_type", False)).lower() == "true":
        return
    outdir = Path(app.outdir)
    rewrite_built_pages(outdir, drop_search_scripts, skip=(outdir / "search.html",))


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", _drop_from_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
