"""Sphinx extension: drop the syntax-highlighting spans that change nothing,
so a page has fewer elements to style and lay out and a panel answers within
issue 16's budget (2.5 s from page load on a local server).

Why: Pygments wraps every token of a code cell in its own
``<span class="...">``. In the book's code style (sphinx-book-theme's
a11y-high-contrast light and dark styles, written to
``_static/pygments.css``) names (``n``), punctuation (``p``) and whitespace
(``w``) have exactly the colour of the code block itself, in both colour
modes, and nothing else: their spans look the same as bare text. They were
3,693 of the 8,635 elements of chapter 02, and the browser styles and lays
out every one at page load and again when the widget bundle adds its style
sheets. Measured in headless Chromium (one run, loads alternating): without
them, the time from navigation to chapter 02's panel answering a move was
about 10% shorter.

What this does, after the build (``build-finished``, after the theme has
written its colour modes into ``_static/pygments.css``): it reads that file,
takes as *plain* every token class whose rule in each colour mode sets only
``color`` to that mode's colour of ``.highlight``, and in every written page
replaces ``<span class="C">text</span>`` by ``text`` inside
``<div class="highlight"><pre>...</pre>``, for plain classes C only. The
code's text (what a reader sees, copies, or a screen reader reads) is
unchanged, character for character; tests/book/test_plain_code_spans.py
checks that, the choice of classes, and that the built pages have no plain
span left. If a style change gives a class its own colour, the class is no
longer plain and keeps its spans.

Our own few lines; no third-party code.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

from built_pages import rewrite_built_pages

#: One rule of pygments.css: (theme, selector after ".highlight", declarations).
_RULE = re.compile(r'html\[data-theme="(\w+)"\] \.highlight((?: \.[\w-]+)?) \{([^}]*)\}')
#: A code block's contents, as Pygments writes them.
_CODE = re.compile(r'(<div class="highlight"><pre>)(.*?)(</pre>)', re.S)


def _declarations(text: str) -> dict[str, str]:
    """'color: #080808; font-weight: bold' -> {'color': '#080808', 'font-weight': 'bold'}."""
    pairs = (d.split(":", 1) for d in text.split(";") if ":" in d)
    return {name.strip(): value.strip().lower() for name, value in pairs}


def plain_classes(pygments_css: str) -> set[str]:
    """Token classes that look like bare text in every colour mode of ``pygments_css``.

    A class is plain when, in each theme (``html[data-theme=...]``) that has
    a ``.highlight`` rule, the class's own rule sets ``color`` to that
    rule's colour and nothing else. A class without a rule in some theme is
    not plain (it is left alone: no guess about inheritance).
    """
    base: dict[str, str] = {}
    rules: dict[str, dict[str, dict[str, str]]] = {}
    for theme, selector, body in _RULE.findall(pygments_css):
        declarations = _declarations(body)
        if not selector:
            if "color" in declarations:
                base[theme] = declarations["color"]
        else:
            rules.setdefault(selector.strip().lstrip("."), {})[theme] = declarations
    if not base:
        return set()
    return {name for name, by_theme in rules.items()
            if all(by_theme.get(theme) == {"color": color} for theme, color in base.items())}


def unwrap_plain_spans(page: str, plain: set[str]) -> str:
    """``page`` with the spans of ``plain`` classes in its code blocks replaced by their text (idempotent)."""
    if not plain:
        return page
    span = re.compile(r'<span class="(?:' + "|".join(re.escape(c) for c in sorted(plain)) + r')">([^<]*)</span>')
    return _CODE.sub(lambda m: m.group(1) + span.sub(r"\1", m.group(2)) + m.group(3), page)


def _unwrap_pages(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    css = outdir / "_static" / "pygments.css"
    if not css.is_file():
        return
    plain = plain_classes(css.read_text(encoding="utf-8"))
    rewrite_built_pages(outdir, lambda page: unwrap_plain_spans(page, plain))


def setup(app: Sphinx) -> dict:
    # After the theme's own build-finished handler (priority 500), which
    # writes the light and dark rules of pygments.css that plain_classes reads.
    app.connect("build-finished", _unwrap_pages, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
