"""Sphinx extension: fixes of the theme's and the bibliography's markup for
WCAG 2.1 AA, each found by axe-core 4.14 (tests/book/test_accessibility.py).

Every fix rewrites the written HTML pages after the build
(``build-finished``), in place and idempotently (a page already fixed is left
as it is), and each one is checked by the test, which fails again if an
upgrade changes the markup so that a fix no longer applies. Remove a fix when
the upstream release that makes it unnecessary is in requirements.txt.

1. Rule ``label-content-name-mismatch`` (WCAG 2.5.3, label in name), on the
   search buttons of pydata-sphinx-theme 0.17.1 (the header's and the primary
   sidebar's ``button.search-button-field``). The button shows "Search
   Ctrl+K" but its ``aria-label="Search"`` replaces that, so a speech-input
   user who says what they see is not understood. Fix: drop the aria-label;
   the name is then the visible text.
2. The same rule on the colour-mode button (``button.theme-switch-button``).
   Font Awesome turns the shown icon's ``title`` ("Light", "Dark", "System
   Settings") into an SVG ``<title>``, which is visible text, while the
   button's ``aria-label="Color mode"`` does not contain it. Fix: drop the
   aria-label and start the button with a visually hidden "Color mode: ", so
   the name is "Color mode: Light" (the mode shown), and it contains what is
   shown.
3. Rules ``aria-deprecated-role`` and ``aria-required-children`` (WCAG 4.1.2)
   on the bibliography of book/references.md: docutils 0.21 writes each
   citation as ``<div class="citation" role="doc-biblioentry">`` inside
   ``<div role="list" class="citation-list">``. DPUB-ARIA 1.1 deprecated
   ``doc-biblioentry``, and a list whose children are not list items leaves
   the back-reference links (``role="doc-backlink"``) as children a list may
   not own. Fix: ``role="listitem"`` on each citation, so the list has the
   children it requires.
4. Colour contrast (rule ``color-contrast``, WCAG 1.4.3), with a style sheet
   (``_static/nnx-a11y.css``, added to every page):

   - sphinx-book-theme 1.3.0 sets the light mode's link colour
     (``--pst-color-primary``) to #176de8, which has 4.29:1 against the
     pale blue of the exercise boxes (at least 4.5:1 needed); #1461d0 has
     5.2:1 there and 5.8:1 on white;
   - the header of an explore panel's live section ("Try other values ...",
     ``.jupyter-widget-Collapse-header``) is #777777 on #eeeeee in the widget
     style sheet (3.86:1); it gets #333333 (10.9:1), in both colour modes
     (the widget keeps its light background in the dark mode).
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

from built_pages import rewrite_built_pages

CSS_FILE = "nnx-a11y.css"

CSS = """\
/* Written by tools/sphinx_a11y.py (see its docstring): colour contrast for WCAG 2.1 AA. */
html[data-theme="light"] {
  --pst-color-primary: #1461d0;
}
.nnx-explore .jupyter-widget-Collapse-header,
.nnx-explore .jupyter-widget-Collapse-header span {
  color: #333333;
}
.nnx-explore .nnx-result {
  font-size: 0.9em;
  line-height: 1.4;
}
.nnx-explore .jupyter-widget-Collapse-header:focus-visible {
  outline: 2px solid #1461d0;
  outline-offset: 2px;
}
"""

_SEARCH_BUTTON = re.compile(r'(<button class="[^"]*\bsearch-button-field\b[^"]*"[^>]*?) aria-label="Search"')
_THEME_BUTTON = re.compile(r'(<button class="[^"]*\btheme-switch-button\b[^"]*"[^>]*?) aria-label="Color mode"([^>]*>)')
_BIBLIOENTRY = re.compile(r'(<div class="citation" id="[^"]*") role="doc-biblioentry"')
HIDDEN_NAME = '<span class="visually-hidden">Color mode: </span>'


def fix_page(page: str) -> str:
    """The page's HTML with fixes 1-3 of the module docstring applied (idempotent)."""
    page = _SEARCH_BUTTON.sub(r"\1", page)
    page = _THEME_BUTTON.sub(lambda m: m.group(1) + m.group(2) + HIDDEN_NAME, page)
    page = _BIBLIOENTRY.sub(r'\1 role="listitem"', page)
    return page


def _fix_pages(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    rewrite_built_pages(Path(app.outdir), fix_page)


def _write_css(app: Sphinx) -> None:
    # Before any page is written: Sphinx then links it with a digest of its
    # contents (nnx-a11y.css?v=...), so a browser that cached an older copy
    # fetches the new one after a change.
    if app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / CSS_FILE).write_text(CSS, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    # After the theme's style sheets, so the light mode's link colour wins.
    app.add_css_file(CSS_FILE, priority=900)
    app.connect("builder-inited", _write_css)
    app.connect("build-finished", _fix_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
