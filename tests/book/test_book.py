"""The book builds without warnings, and its interactive panels work in a real
browser with no kernel and no network.

The build (``jupyter-book build . --builder html -W -n --keep-going`` into
``_build/html``) runs once per test session and executes every notebook, so it
takes minutes. Set ``NNX_BOOK_HTML=/path/to/_build/html`` to test a book that
was just built instead (the build tests then skip). The fixtures that build
and serve the book (``book_build``, ``built_html``, ``server``) live in
conftest.py, shared with test_accessibility.py.

The browser test drives Debian's Chromium (/usr/bin/chromium, installed by
tools/browser_deps.sh, which the set-up runs when the browser is missing) with
Playwright; ``playwright install`` (a browser download) is never used. The
pages are served from a local HTTP server and every request to another host
is blocked, so the test proves the panels need no CDN. A screenshot of one
chapter page is kept in test-artifacts/ (git-ignored) for reviewers.
"""

from __future__ import annotations

import base64
import html as html_lib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
STATE_RE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
VIEW_RE = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
# The only line of the build output that says WARNING without being a Sphinx
# warning: ipykernel's notice that the kernel talks over local TCP.
KERNEL_TCP_NOTICE = "Kernel is running over TCP without encryption"


def toc_pages() -> list[str]:
    """Document names listed in _toc.yml (e.g. "book/01_neuron"), read without a YAML parser."""
    text = (ROOT / "_toc.yml").read_text()
    return re.findall(r"^\s*(?:-\s*file|root):\s*(\S+)", text, re.M)


# ---------------------------------------------------------------------------
# the build


def test_book_builds_without_warnings(book_build):
    html_dir, code, output = book_build
    if output is None:
        pytest.skip("NNX_BOOK_HTML is set: testing a prebuilt book, the build is not run here")
    warnings = [
        line for line in output.splitlines()
        if re.search(r"WARNING|ERROR", line) and KERNEL_TCP_NOTICE not in line
    ]
    assert code == 0, f"jupyter-book build exited with {code}:\n" + "\n".join(output.splitlines()[-40:])
    assert not warnings, "the build printed warnings:\n" + "\n".join(warnings)


def page_files(html_dir: Path) -> list[Path]:
    return [html_dir / (name + ".html") for name in toc_pages() if (html_dir / (name + ".html")).is_file()]


def test_every_inline_script_once(built_html):
    """sphinx-thebe's `const THEBE_JS_URL` is declared once (twice is a SyntaxError in the browser)."""
    for page in page_files(built_html):
        text = page.read_text()
        assert text.count("const THEBE_JS_URL") <= 1, f"{page.name}: THEBE_JS_URL declared twice"


def test_widget_javascript_is_served_by_the_book(built_html):
    pages = [p for p in page_files(built_html) if STATE_RE.search(p.read_text())]
    if not pages:
        pytest.skip("no page of the book holds widgets yet")
    for page in pages:
        srcs = re.findall(r'<script[^>]*\ssrc="([^"]+)"', page.read_text())
        external = [s for s in srcs if "://" in s]
        assert not external, f"{page.name} loads scripts from the network: {external}"
        names = [s.split("?")[0].rsplit("/", 1)[-1] for s in srcs]
        assert names.count("require.js") == 1 and names.count("embed-amd.js") == 1, (page.name, names)
        assert (built_html / "_static" / "embed-amd.js").is_file()


def test_neuron_chapter_has_a_panel(built_html):
    page = built_html / "book" / "01_neuron.html"
    if not page.is_file():
        pytest.skip("book/01_neuron is not written yet")
    assert panels_of(page.read_text()), "the neuron chapter shows no nnlib.book.explore panel"


# ---------------------------------------------------------------------------
# reading the saved widget state


def widget_state(page_html: str) -> dict:
    m = STATE_RE.search(page_html)
    return json.loads(html_lib.unescape(m.group(1)))["state"] if m else {}


def panels_of(page_html: str) -> list[dict]:
    """Every explore panel of a page, in page order.

    Each is {"controls": [(name, kind, n_values)], "png": {class name: bytes}}, read
    from the widget state the build saved in the page (what the browser gets).
    """
    state = widget_state(page_html)
    views = [json.loads(html_lib.unescape(v))["model_id"] for v in VIEW_RE.findall(page_html)]

    def model(ref):
        return state[ref.removeprefix("IPY_MODEL_")]

    def walk(ref):
        m = model(ref)
        yield m
        for child in m["state"].get("children", []):
            yield from walk(child)

    panels = []
    for model_id in views:
        if model_id not in state or "nnx-explore" not in state[model_id]["state"].get("_dom_classes", []):
            continue
        controls, png = [], {}
        for m in walk(model_id):
            classes = m["state"].get("_dom_classes", [])
            for c in classes:
                if c.startswith("nnx-control-"):
                    kind = "dropdown" if m["model_name"] == "DropdownModel" else "slider"
                    controls.append((c.removeprefix("nnx-control-"), kind, len(m["state"]["_options_labels"])))
                if c.startswith("nnx-point-"):
                    png[c] = image_bytes(m)
        panels.append({"controls": controls, "png": png})
    return panels


def image_bytes(m: dict) -> bytes:
    for buf in m.get("buffers", []):
        if buf["path"] == ["value"]:
            return base64.b64decode(buf["data"])
    value = m["state"]["value"]
    return base64.b64decode(value) if isinstance(value, str) else bytes(value)


# ---------------------------------------------------------------------------
# the browser


def shown_point(panel) -> tuple[str, bytes]:
    """(nnx-point class, PNG bytes) of the one image the panel shows now."""
    imgs = panel.locator("img[class*='nnx-point-']")
    shown = [imgs.nth(i) for i in range(imgs.count()) if imgs.nth(i).is_visible()]
    assert len(shown) == 1, f"the panel shows {len(shown)} precomputed images; expected exactly 1"
    img = shown[0]
    cls = next(c for c in img.get_attribute("class").split() if c.startswith("nnx-point-"))
    data = img.evaluate(
        """async (el) => {
            const buf = await (await fetch(el.src)).arrayBuffer();
            let s = ''; for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
            return btoa(s);
        }"""
    )
    return cls, base64.b64decode(data)


def move(panel, name: str, kind: str, index: int) -> None:
    """Set control `name` to option `index` the way a reader does (keyboard or select)."""
    control = panel.locator(f".nnx-control-{name}")
    if kind == "dropdown":
        control.locator("select").select_option(index=index)
    else:
        handle = control.locator(".noUi-handle")
        handle.focus()
        handle.press("Home")
        for _ in range(index):
            handle.press("ArrowRight")


def watch_errors(page) -> list[str]:
    """The list that collects, from now on, the page's uncaught exceptions,
    console errors and HTTP responses of 400 or more."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return errors


@pytest.mark.parametrize("docname", toc_pages())
def test_page_in_browser(docname, built_html, chromium, server):
    page_file = built_html / (docname + ".html")
    if not page_file.is_file():
        pytest.skip(f"{docname} is not in the built book (chapter not written yet)")
    panels = panels_of(page_file.read_text())

    external: list[str] = []
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)

    def route(r):
        if r.request.url.startswith(server):
            r.continue_()
        else:  # offline: nothing may come from another host
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(f"{server}/{docname}.html", wait_until="load")
        dom_panels = page.locator(".nnx-explore")
        if panels:
            dom_panels.first.locator("img").first.wait_for(state="visible", timeout=30_000)
        assert dom_panels.count() == len(panels), "every panel in the widget state is rendered"
        for k, expected in enumerate(panels):
            panel = dom_panels.nth(k)
            panel.scroll_into_view_if_needed()
            index = [0] * len(expected["controls"])
            cls, data = shown_point(panel)
            assert cls == "nnx-point-" + "-".join(map(str, index))
            assert data == expected["png"][cls]
            # Move every control in turn to its last value, then the first one back to 0.
            moves = [(c, n - 1) for c, (_, _, n) in enumerate(expected["controls"]) if n > 1]
            moves += [(c, 0) for c, i in moves[:1]]
            for c, i in moves:
                name, kind, _ = expected["controls"][c]
                before = data
                move(panel, name, kind, i)
                index[c] = i
                want = "nnx-point-" + "-".join(map(str, index))
                page.wait_for_function(
                    "([el, cls]) => [...el.querySelectorAll('img.' + cls)].some(i => i.offsetParent !== null)",
                    arg=[panel.element_handle(), want], timeout=10_000,
                )
                cls, data = shown_point(panel)
                assert cls == want, f"after moving {name} to option {i} the panel shows {cls}, not {want}"
                assert data == expected["png"][want], f"{want}: the shown image is not the precomputed one"
                if expected["png"][want] != before:
                    assert data != before
        if panels:
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / (docname.replace("/", "_") + ".png")
            dom_panels.first.scroll_into_view_if_needed()
            page.screenshot(path=str(shot), full_page=False)
            print(f"\nscreenshot of {docname}: {shot}")
        assert not errors, f"{docname}: the page logged JavaScript errors:\n" + "\n".join(errors)
        assert not external, f"{docname}: the page asked for files from other hosts: {external}"
    finally:
        context.close()
