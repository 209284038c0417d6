"""WCAG 2.1 A and AA on every page of the built book, measured by axe-core.

axe-core (pinned in tools/package-lock.json, installed from the npm registry
by tools/widget_js.sh into tools/node_modules; never served by the book) is
injected into every page of _toc.yml in Debian's headless Chromium, after the
widgets have rendered and the book's panel script (tools/widgets_a11y.js) has
run, and runs the rules tagged wcag2a, wcag2aa, wcag21a and wcag21aa, once in
the light and once in the dark colour mode (the reader's system setting, which
the theme follows). The pages come from a local HTTP server (the fixtures in
conftest.py; ``NNX_BOOK_HTML=/path/to/html`` tests a book built before). Any
violation fails, except the known exceptions listed in KNOWN_EXCEPTIONS, each
with its rule, its element and the reason only an upstream release can fix
it; an exception that no longer occurs fails too, so the list stays true.

Besides axe, every image of every page must have an alt text that says
something: not empty (unless marked decorative), not a file name or hash
(``image_alt_problems``): the pictures of the explore panels, which the panel
script describes, and every other figure, which the chapters show with
``nnlib.book.plots.with_alt_text`` (tests/book/test_figure_alt.py checks the
stored notebooks for it without a build). The panels are also driven with
the keyboard alone: Tab reaches each slider, dropdown and the live section's
header, the arrow keys move them, and the polite live region then says the
new setting and result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_book import panels_of, toc_pages

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "tools" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MODES = ["light", "dark"]


@dataclass(frozen=True)
class KnownException:
    """A violation only an upstream release can fix: axe's rule, a regex that
    matches the element's CSS selector (as axe reports it), the pages
    (regex on the document name) and why it stays."""

    rule: str
    target: str
    pages: str
    reason: str

    def covers(self, docname: str, violation: dict) -> bool:
        return (violation["rule"] == self.rule and re.search(self.pages, docname) is not None
                and re.search(self.target, violation["target"]) is not None)


#: None today: every violation axe found is fixed in the book (see the
#: docstring of tools/sphinx_a11y.py and tools/widgets_a11y.js).
KNOWN_EXCEPTIONS: list[KnownException] = []


# ---------------------------------------------------------------------------
# alt texts

IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|svg|webp|bmp)(\?.*)?$", re.I)
HASH = re.compile(r"^[0-9a-f]{16,}$", re.I)


def image_alt_problems(images: list[dict]) -> list[str]:
    """What is wrong with the alt text of each image, one line per bad image.

    Args:
        images: dicts with "alt" (None when the attribute is missing), "src",
            and optionally "role", "aria_hidden" and "name" (a label for the
            message, e.g. its class).

    An image is fine when its alt says something in words. It is wrong when
    the alt is missing, empty (unless the image is marked decorative with
    role="presentation"/"none" or aria-hidden="true"), a file name or path
    (e.g. "../_images/646a48...png", which a screen reader spells out), a bare
    hash, or the image's own file name.
    """
    problems = []
    for image in images:
        alt = image.get("alt")
        src = image.get("src") or ""
        name = image.get("name") or src[:80]
        decorative = image.get("role") in ("presentation", "none") or image.get("aria_hidden") == "true"
        if alt is None:
            problems.append(f"{name}: no alt attribute")
            continue
        text = alt.strip()
        if not text:
            if not decorative:
                problems.append(f"{name}: empty alt text, and the image is not marked decorative")
            continue
        basename = src.split("?")[0].rsplit("/", 1)[-1]
        if IMAGE_FILE.search(text) or HASH.match(text) or (basename and text == basename):
            problems.append(f"{name}: the alt text is a file name ({text[:80]!r})")
    return problems


def test_contrast_style_sheet_is_linked_with_a_digest(built_html):
    """tools/sphinx_a11y.py's style sheet carries ?v=<digest>, like the theme's, so a change reaches cached readers."""
    links = {}
    for path in built_html.rglob("*.html"):
        found = re.findall(r'href="[^"]*nnx-a11y\.css(\?v=[0-9a-f]{8})?"', path.read_text(encoding="utf-8"))
        if found:
            links[path.relative_to(built_html)] = found[0]
    assert len(links) > 10, f"only {len(links)} pages link nnx-a11y.css"
    missing = sorted(str(p) for p, digest in links.items() if not digest)
    assert not missing, f"linked without a digest in {missing[:3]}"
    assert len(set(links.values())) == 1, "pages disagree on the style sheet's digest"


def test_alt_check_finds_what_a_screen_reader_would_spell_out():
    """The check can fail: each planted image is caught, the good ones pass."""
    bad = [
        {"alt": None, "src": "a.png", "name": "missing"},
        {"alt": "", "src": "b.png", "name": "empty"},
        {"alt": "  ", "src": "b.png", "name": "blank"},
        {"alt": "../_images/646a48c1d2e3f4a5b6c7d8e9f0a1b2c3.png", "src": "x", "name": "path"},
        {"alt": "646a48c1d2e3f4a5b6c7d8e9", "src": "x", "name": "hash"},
        {"alt": "figure_3", "src": "../_images/figure_3", "name": "own file name"},
    ]
    good = [
        {"alt": "learning rate 5, tanh activation: learned XOR, loss 0.003.", "src": "blob:x"},
        {"alt": "", "src": "line.png", "role": "presentation"},
        {"alt": "", "src": "line.png", "aria_hidden": "true"},
    ]
    problems = image_alt_problems(bad + good)
    assert len(problems) == len(bad)
    for image, problem in zip(bad, problems):
        assert problem.startswith(image["name"] + ":")


# ---------------------------------------------------------------------------
# the browser


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        import shutil
        import subprocess

        if shutil.which("npm") is None:
            pytest.skip("npm is not installed, so axe-core cannot be installed (tools/widget_js.sh)")
        subprocess.run(["bash", str(ROOT / "tools" / "widget_js.sh")], cwd=ROOT, check=True)
    return AXE_JS.read_text()


def open_page(chromium, server, docname: str, mode: str):
    """(context, page) with ``docname`` loaded in colour ``mode``, its panels rendered and described, its math typeset."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server) else r.abort())
    page.goto(f"{server}/{docname}.html", wait_until="load")
    if page.locator(".nnx-explore").count():
        page.locator(".nnx-explore img").first.wait_for(state="visible", timeout=30_000)
        # the panel script has given every picture its alt text and every panel its live region
        page.wait_for_function(
            """() => [...document.querySelectorAll('.nnx-explore')].every(p =>
                   p.querySelector('.nnx-live') &&
                   [...p.querySelectorAll('img[class*="nnx-point-"]')].every(i => i.hasAttribute('alt')))""",
            timeout=30_000,
        )
    page.wait_for_function("() => document.documentElement.dataset.theme", timeout=10_000)
    # every formula typeset (the rest of the page's math follows the panels:
    # tools/sphinx_math_first_screen.py), so axe checks MathJax's output too
    page.wait_for_function("() => document.documentElement.dataset.nnxMath", timeout=30_000)
    return context, page


def axe_violations(page, axe_source: str) -> list[dict]:
    """Every node axe finds in violation of the WCAG 2.0/2.1 A and AA rules."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.flatMap(v => v.nodes.map(n => ({
                rule: v.id, target: n.target.join(' '), html: n.html.slice(0, 200),
                summary: n.failureSummary})));
        }""",
        AXE_TAGS,
    )
    return results


def panel_images(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.nnx-explore img')].map(i => ({
            alt: i.getAttribute('alt'), src: i.getAttribute('src'), role: i.getAttribute('role'),
            aria_hidden: i.getAttribute('aria-hidden'), name: i.className}))"""
    )


def other_images(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('img')].filter(i => !i.closest('.nnx-explore')).map(i => ({
            alt: i.getAttribute('alt'), src: i.getAttribute('src'), role: i.getAttribute('role'),
            aria_hidden: i.getAttribute('aria-hidden')}))"""
    )


def describe(violations: list[dict]) -> str:
    return "\n".join(f"- {v['rule']} at {v['target']}: {v['html']}\n  {v['summary']}" for v in violations)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("docname", toc_pages())
def test_page_meets_wcag_21_aa(docname, mode, built_html, chromium, server, axe_source):
    if not (built_html / (docname + ".html")).is_file():
        pytest.skip(f"{docname} is not in the built book")
    context, page = open_page(chromium, server, docname, mode)
    try:
        assert page.evaluate("() => document.documentElement.dataset.theme") == mode
        violations = axe_violations(page, axe_source)
        unexpected = [v for v in violations if not any(e.covers(docname, v) for e in KNOWN_EXCEPTIONS)]
        assert not unexpected, f"{docname} ({mode} mode): WCAG 2.1 A/AA violations:\n{describe(unexpected)}"
        problems = image_alt_problems(panel_images(page))
        assert not problems, f"{docname}: panel pictures without a real alt text:\n" + "\n".join(problems)
        problems = image_alt_problems(other_images(page))
        assert not problems, f"{docname}: images without a real alt text:\n" + "\n".join(problems)
    finally:
        context.close()


def test_known_exceptions_still_occur(built_html, chromium, server, axe_source):
    """An exception no longer needed is removed from the list (or the test fails)."""
    if not KNOWN_EXCEPTIONS:
        pytest.skip("no known exceptions")
    for exception in KNOWN_EXCEPTIONS:
        docs = [d for d in toc_pages() if re.search(exception.pages, d)]
        found = False
        for docname in docs:
            context, page = open_page(chromium, server, docname, "light")
            try:
                found = any(exception.covers(docname, v) for v in axe_violations(page, axe_source))
            finally:
                context.close()
            if found:
                break
        assert found, f"known exception no longer occurs, remove it: {exception}"


def first_panel_page(built_html) -> str:
    for docname in toc_pages():
        path = built_html / (docname + ".html")
        if path.is_file() and panels_of(path.read_text()):
            return docname
    pytest.skip("no page of the book holds an explore panel")


def test_axe_and_the_alt_check_catch_planted_violations(built_html, chromium, server, axe_source):
    """The harness can fail: a nameless slider, pictures without alt text and a figure
    described by its file name are reported."""
    docname = first_panel_page(built_html)
    context, page = open_page(chromium, server, docname, "light")
    try:
        page.evaluate(
            """() => {
                const div = document.createElement('div');
                div.innerHTML = '<div role="slider" tabindex="0" aria-valuenow="1" class="planted-slider"></div>' +
                                '<img src="../_images/0123456789abcdef0123.png" class="planted-img">' +
                                // a figure described by its file name, as myst-nb writes a bare Figure
                                '<img src="../_images/fedcba9876543210fedc.png" alt="../_images/fedcba9876543210fedc.png">';
                document.querySelector('main').appendChild(div);
                // a grid point described by a file name: the panel script copies it into the alt
                document.querySelector('.nnx-explore [class*="nnx-text-"]').textContent = '../_images/646a48c1d2e3.png';
            }"""
        )
        page.wait_for_function("""() => [...document.querySelectorAll('.nnx-explore img')]
                                  .some(i => i.getAttribute('alt') === '../_images/646a48c1d2e3.png')""")
        found = {(v["rule"], v["target"]) for v in axe_violations(page, axe_source)}
        assert ("aria-input-field-name", ".planted-slider") in found
        assert ("image-alt", ".planted-img") in found
        assert any("file name" in p for p in image_alt_problems(panel_images(page)))
        # the check of every other image catches both planted figures
        others = image_alt_problems(other_images(page))
        assert any(p.startswith("../_images/fedcba") and "file name" in p for p in others), others
        assert any(p.startswith("../_images/012345") and "no alt attribute" in p for p in others), others
    finally:
        context.close()


def spoken_name(name: str) -> str:
    from nnlib.book.explore import SPOKEN_LABELS, _label

    return SPOKEN_LABELS.get(name, _label(name))


@pytest.mark.parametrize("docname", toc_pages())
def test_panels_work_with_a_keyboard_and_a_screen_reader(docname, built_html, chromium, server):
    """Tab reaches every control; the arrow keys move it; the live region says the new result."""
    path = built_html / (docname + ".html")
    if not path.is_file() or not panels_of(path.read_text()):
        pytest.skip(f"{docname} has no explore panel")
    expected = panels_of(path.read_text())
    context, page = open_page(chromium, server, docname, "light")
    try:
        focusable = [(c, kind) for panel in expected for c, kind, n in panel["controls"]]
        reached: list[str] = []
        page.locator("body").focus()
        for _ in range(600):  # Tab through the page until every control was focused
            page.keyboard.press("Tab")
            info = page.evaluate(
                """() => { const e = document.activeElement; const c = e && e.closest('[class*="nnx-control-"]');
                           const h = e && e.closest('.jupyter-widget-Collapse-header');
                           return {control: c ? [...c.classList].find(x => x.startsWith('nnx-control-')) : null,
                                   header: !!h, slider: e.getAttribute('role') === 'slider', tag: e.tagName}; }"""
            )
            if info["control"]:
                name = info["control"].removeprefix("nnx-control-")
                if info["slider"] or info["tag"] == "SELECT":
                    reached.append(name)
                    check_move(page, name, "slider" if info["slider"] else "dropdown")
            if info["header"]:
                reached.append("header")
                check_header(page)
            if len(reached) >= len(focusable) + len(expected):
                break
        assert sorted(reached) == sorted([c for c, _ in focusable] + ["header"] * len(expected)), reached
    finally:
        context.close()


def check_move(page, name: str, kind: str) -> None:
    """With ``name`` focused: its accessible name, then one move by keyboard and what the live region says."""
    focused = page.evaluate_handle("() => document.activeElement")
    panel = focused.evaluate_handle("e => e.closest('.nnx-explore')")
    if kind == "slider":
        assert focused.get_attribute("aria-label") == spoken_name(name)
        readout = focused.evaluate("e => e.closest('[class*=nnx-control-]').querySelector('.widget-readout').textContent")
        assert focused.get_attribute("aria-valuetext") == readout.strip()  # the option, not its index
    else:
        label = focused.evaluate("e => document.querySelector(`label[for='${e.id}']`)?.textContent")
        assert label and label.strip(), f"the dropdown {name} has no label"
    n = focused.evaluate("e => e.tagName === 'SELECT' ? e.options.length : +e.getAttribute('aria-valuemax') + 1")
    if n < 2:
        return
    before = shown_text(panel)
    key = "ArrowRight" if kind == "slider" else "ArrowDown"
    if focused.evaluate("e => e.tagName === 'SELECT' ? e.selectedIndex : +e.getAttribute('aria-valuenow')") == n - 1:
        key = "ArrowLeft" if kind == "slider" else "ArrowUp"
    page.keyboard.press(key)
    page.wait_for_function("([p, t]) => p.querySelector('.nnx-live').textContent.trim() !== '' && "
                           "p.querySelector('.nnx-live').textContent.trim() !== t", arg=[panel, before],
                           timeout=10_000)
    live_text = panel.evaluate("p => p.querySelector('.nnx-live').textContent.trim()")
    assert panel.evaluate("p => p.querySelector('.nnx-live').getAttribute('aria-live')") == "polite"
    assert live_text == shown_text(panel)
    alt = panel.evaluate("""p => [...p.querySelectorAll('img[class*="nnx-point-"]')]
                                 .find(i => i.offsetParent !== null).getAttribute('alt')""")
    assert alt == live_text, "the live region says what the shown picture's alt text says"
    # the new value is in what is said ("learning rate 0.5, ...", "tanh activation, ...")
    value = (focused.get_attribute("aria-valuetext") if kind == "slider"
             else focused.evaluate("e => e.options[e.selectedIndex].textContent"))
    value = " ".join((value or "").split())  # the bundle writes spaces in options as no-break spaces
    assert value and value in " ".join(live_text.split()), (value, live_text)


def shown_text(panel) -> str:
    return panel.evaluate("""p => ([...p.querySelectorAll('[class*="nnx-text-"]')]
                                   .find(t => t.offsetParent !== null) || {textContent: ''}).textContent.trim()""")


def check_header(page) -> None:
    """The live section's header is a button: Enter opens it (aria-expanded), Enter closes it."""
    header = page.evaluate_handle("() => document.activeElement")
    assert header.get_attribute("role") == "button"
    assert header.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    page.wait_for_function("h => h.getAttribute('aria-expanded') === 'true'", arg=header, timeout=5_000)
    page.keyboard.press("Enter")
    page.wait_for_function("h => h.getAttribute('aria-expanded') === 'false'", arg=header, timeout=5_000)
