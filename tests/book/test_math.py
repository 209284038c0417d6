"""The book's math is typeset in the built pages, offline, in a real browser:
the formulas on the first screen at once, every other one soon after.

MathJax starts without typesetting; our page script typesets the formulas
near the screen at once and the rest once the panels are up
(tools/sphinx_math_first_screen.py, which saves about 0.7 s of the time to a
working panel). For every page of _toc.yml, Debian's headless Chromium opens
the page from a local HTTP server (the fixtures of conftest.py;
``NNX_BOOK_HTML=/path/to/html`` tests a book built before), waits for the
script's mark, and checks that every formula the page holds (Sphinx's
``span.math`` and ``div.math``) became MathJax output with MathML for a
screen reader: no raw TeX left, no MathJax error.
test_math_check_catches_untypeset_formulas removes the script from a page and
shows that the check then fails; test_first_screen_comes_first shows that the
first screen's formulas are typeset before the others, and
test_formula_scrolled_to_is_typeset_at_once that a formula the reader
scrolls to does not wait for the rest.
"""

from __future__ import annotations

import re

import pytest
from test_book import toc_pages

#: Every formula of the page: (how many, problems). A formula is a Sphinx
#: math element; typeset means it holds an mjx-container whose MathML for
#: screen readers (mjx-assistive-mml) holds a <math> element, and no TeX
#: delimiter is left as text.
MATH_PROBLEMS_JS = r"""() => {
  const problems = [];
  const maths = [...document.querySelectorAll('span.math, div.math')];
  maths.forEach((m, k) => {
    const where = `formula ${k + 1} of ${maths.length} (${m.textContent.trim().slice(0, 40) || m.tagName})`;
    if (!m.querySelector('mjx-container')) problems.push(`${where}: not typeset`);
    else if (!m.querySelector('mjx-assistive-mml > math')) problems.push(`${where}: no MathML for a screen reader`);
    if ([...m.childNodes].some(n => n.nodeType === 3 && /\\[(\[]/.test(n.textContent)))
      problems.push(`${where}: raw TeX left as text`);
  });
  document.querySelectorAll('mjx-merror').forEach(e => problems.push(`MathJax error: ${e.textContent.slice(0, 80)}`));
  return [maths.length, problems];
}"""


def open_offline(chromium, server, docname: str, strip_script: bool = False):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))

    def route(r):
        if not r.request.url.startswith(server):
            r.abort()
        elif strip_script and r.request.url.split("?")[0].endswith(docname + ".html"):
            body = re.sub(r"<script>(?:(?!</script>).)*Written by tools/sphinx_math_first_screen\.py.*?</script>",
                          "", r.fetch().text(), flags=re.S)
            r.fulfill(body=body, content_type="text/html")
        else:
            r.continue_()

    page.route("**/*", route)
    page.goto(f"{server}/{docname}.html", wait_until="load")
    return context, page, errors


@pytest.mark.parametrize("docname", toc_pages())
def test_every_formula_is_typeset(docname, built_html, chromium, server):
    if not (built_html / (docname + ".html")).is_file():
        pytest.skip(f"{docname} is not in the built book")
    context, page, errors = open_offline(chromium, server, docname)
    try:
        page.wait_for_function("() => document.documentElement.dataset.nnxMath", timeout=30_000)
        mark = page.evaluate("() => document.documentElement.dataset.nnxMath")
        count, problems = page.evaluate(MATH_PROBLEMS_JS)
        if count == 0:
            assert mark == "none", f"{docname}: no math, but the page says {mark!r}"
            pytest.skip(f"{docname} has no math")
        assert mark == "typeset", f"{docname}: {count} formulas, but the page says {mark!r}"
        assert not problems, f"{docname}: " + "; ".join(problems[:10])
        assert not errors, errors
    finally:
        context.close()


def test_the_chapters_hold_math(built_html):
    """Not vacuous: the chapters' pages hold formulas for the test above to check."""
    for docname in ["book/01_neuron", "book/02_xor", "book/04_losses"]:
        html = (built_html / (docname + ".html")).read_text()
        assert html.count('class="math notranslate nohighlight"') >= 10, docname


def test_math_check_catches_untypeset_formulas(built_html, chromium, server):
    """Without our script MathJax typesets nothing (startup.typeset is off): the check says so."""
    docname = "book/02_xor"
    context, page, errors = open_offline(chromium, server, docname, strip_script=True)
    try:
        page.locator(".nnx-explore img").first.wait_for(state="visible", timeout=30_000)
        page.wait_for_timeout(3000)
        assert page.evaluate("() => document.documentElement.dataset.nnxMath") is None, "the script was not removed"
        count, problems = page.evaluate(MATH_PROBLEMS_JS)
        assert count > 0 and sum("not typeset" in p for p in problems) == count, problems[:5]
    finally:
        context.close()


def open_at_first_formula(chromium, server, docname: str):
    """The page opened offline, as soon as its first formula is typeset: (context, page)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server) else r.abort())
    try:
        page.goto(f"{server}/{docname}.html", wait_until="domcontentloaded")
        page.wait_for_function("""() => [...document.querySelectorAll('span.math, div.math')]
            .some(m => m.querySelector('mjx-container'))""", timeout=30_000)
    except Exception:
        context.close()
        raise
    return context, page


def test_first_screen_comes_first(built_html, chromium, server):
    """When the first screen's formulas are typeset, those below still wait (for the panels)."""
    docname = "book/03_vectorizing"  # formulas on its first screen, and panels
    context, page = open_at_first_formula(chromium, server, docname)
    try:
        state = page.evaluate("""() => {
            const maths = [...document.querySelectorAll('span.math, div.math')];
            const typeset = m => !!m.querySelector('mjx-container');
            return {done: document.documentElement.dataset.nnxMath || null,
                    typeset: maths.filter(typeset).length, all: maths.length};
        }""")
        assert state["done"] is None, f"everything was typeset before the check could look: {state}"
        assert 0 < state["typeset"] < state["all"] // 2, state
    finally:
        context.close()


def test_formula_scrolled_to_is_typeset_at_once(built_html, chromium, server):
    """A reader who scrolls to the end at once sees its formulas typeset before the rest is done."""
    docname = "book/02_xor"  # many formulas, the last far below the first screen
    context, page = open_at_first_formula(chromium, server, docname)
    try:
        last = page.locator("span.math, div.math").last
        assert last.locator("mjx-container").count() == 0, "the last formula was typeset before the scroll"
        last.evaluate("m => m.scrollIntoView()")
        last.locator("mjx-container").wait_for(state="attached", timeout=5_000)
        state = page.evaluate("""() => ({done: document.documentElement.dataset.nnxMath || null,
            left: [...document.querySelectorAll('span.math, div.math')].filter(m => !m.querySelector('mjx-container')).length})""")
        assert state["done"] is None and state["left"] > 0, f"the rest was already typeset: {state}"
    finally:
        context.close()
