"""The training animations (``nnlib.book.explore(..., play="epoch")``) play in
the built book, in a real browser, with no kernel and no network.

For every page of _toc.yml whose saved widget state holds an animation (a
Play widget of class ``nnx-play-<name>``), Debian's headless Chromium opens
the page from a local HTTP server (the fixtures of conftest.py; set
``NNX_BOOK_HTML=/path/to/_build/html`` to test a book built before), presses
each animation's play button, and checks that the picture changes to later
precomputed frames (and the epoch slider with it), that the button is then
named "pause" for a screen reader, and that the page logged no JavaScript
error. Before the fix in tools/sphinx_fontawesome_nest.py, pressing play threw
"Cannot set properties of undefined (setting 'className')" and nothing moved;
test_play_check_catches_a_broken_play removes that fix from a page and shows
that the check then fails.

The chapters where training is the lesson must hold an animation
(TRAINING_CHAPTERS), and every chapter page stays within the weight budget
of issue 16: the HTML with the images it references at most 2 MB (MiB, the
unit of the issue's "0.35 to 0.88 MB"; figures inlined as data URIs are part
of the HTML). The time from page load until a panel answers a move (best of
three loads, tools/page_timing.py) is printed for every page with a panel, and
a page whose panel takes more than 10 s (``NNX_TIME_BUDGET_S`` changes it)
fails: its panel is broken, not slow. The issue's budget, 2.5 s on a local
server, is a speed, so it is measured by a benchmark, not by a timed test:
``make bench-pages`` (benchmarks/panel_response.py) loads every page many
times, alternating with the same page as MathJax would typeset it by default,
and reports medians, on 1 and on 2 CPUs.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest
from test_book import toc_pages, watch_errors, widget_state

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from page_timing import response_seconds  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TRAINING_CHAPTERS = ["book/01_neuron", "book/02_xor", "book/05_optimizers", "book/08_mnist"]
PAGE_BUDGET_BYTES = 2 * 1024 * 1024
RESPONSE_LIMIT_S = float(os.environ.get("NNX_TIME_BUDGET_S", "10"))


def animations_of(page_html: str) -> list[dict]:
    """Every animation of a page: {"name", "frames", "linked"} from the saved widget state.

    ``linked`` is True when a jslink (LinkModel) joins the Play's value to the
    index of the slider of the same name, as explore makes it.
    """
    state = widget_state(page_html)
    found = []
    for model_id, m in state.items():
        if m["model_name"] != "PlayModel":
            continue
        names = [c.removeprefix("nnx-play-") for c in m["state"].get("_dom_classes", []) if c.startswith("nnx-play-")]
        if not names:
            continue
        sliders = {mid for mid, s in state.items()
                   if f"nnx-control-{names[0]}" in s["state"].get("_dom_classes", [])}
        linked = any(
            s["model_name"] == "LinkModel"
            and s["state"]["source"] == [f"IPY_MODEL_{model_id}", "value"]
            and s["state"]["target"][1] == "index"
            and s["state"]["target"][0].removeprefix("IPY_MODEL_") in sliders
            for s in state.values()
        )
        found.append({"name": names[0], "frames": m["state"]["max"] - m["state"]["min"] + 1, "linked": linked})
    return found


def test_training_chapters_have_animations(built_html):
    for docname in TRAINING_CHAPTERS:
        page = built_html / (docname + ".html")
        assert page.is_file(), f"{docname} is not in the built book"
        animations = animations_of(page.read_text())
        assert animations, f"{docname}: no animation (explore(..., play=...)) in the page"
        for a in animations:
            assert a["linked"], f"{docname}: the Play of {a['name']} is not jslinked to its slider's index"
            assert a["frames"] >= 2


def page_weight(html_file: Path) -> int:
    """Bytes of a page: its HTML plus every local image it references (<img src>)."""
    text = html_file.read_text()
    total = len(text.encode())
    for src in set(re.findall(r'<img[^>]*\ssrc="([^"]+)"', text)):
        if "://" in src or src.startswith("data:"):
            continue
        image = (html_file.parent / src.split("?")[0]).resolve()
        if image.is_file():
            total += image.stat().st_size
    return total


def test_page_weight_budget(built_html):
    weights = {}
    for docname in toc_pages():
        page = built_html / (docname + ".html")
        if page.is_file():
            weights[docname] = page_weight(page)
    print("\npage weights (HTML + its images):")
    for docname, size in weights.items():
        print(f"  {docname:28s} {size / 2**20:.2f} MiB")
    heavy = {d: s for d, s in weights.items() if s > PAGE_BUDGET_BYTES}
    assert not heavy, f"pages over {PAGE_BUDGET_BYTES / 2**20:.0f} MiB: {heavy}"


def test_page_weight_counts_the_images(tmp_path):
    """The weight can fail: an image the page references is counted."""
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "big.png").write_bytes(b"x" * 3_000_000)
    page = tmp_path / "page.html"
    page.write_text('<p>hi</p><img alt="a" src="img/big.png?v=1"><img src="https://example.org/x.png">')
    assert page_weight(page) == len(page.read_text()) + 3_000_000
    assert page_weight(page) > PAGE_BUDGET_BYTES


# ---------------------------------------------------------------------------
# the browser


def open_page(chromium, server, docname: str, strip_fontawesome_fix: bool = False):
    """(context, page, errors) with ``docname`` loaded offline and its widgets rendered."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)

    def route(r):
        if not r.request.url.startswith(server):
            r.abort()  # offline: nothing may come from another host
        elif strip_fontawesome_fix and r.request.url.split("?")[0].endswith(docname + ".html"):
            body = r.fetch().text()
            body = re.sub(r"<script>window\.FontAwesomeConfig[^<]*</script>", "", body)
            r.fulfill(body=body, content_type="text/html")
        else:
            r.continue_()

    page.route("**/*", route)
    page.goto(f"{server}/{docname}.html", wait_until="load")
    page.locator(".nnx-explore img").first.wait_for(state="visible", timeout=30_000)
    return context, page, errors


def shown_frame(panel) -> tuple[str, str]:
    """(nnx-point class, src) of the picture the panel shows now."""
    return tuple(panel.evaluate(
        """p => { const i = [...p.querySelectorAll('img[class*="nnx-point-"]')].find(i => i.offsetParent !== null);
                  return i ? [[...i.classList].find(c => c.startsWith('nnx-point-')), i.src] : ['', '']; }"""
    ))


def play_problems(page, panel, name: str) -> list[str]:
    """Press play on the animation of ``panel``; what went wrong (empty: it played)."""
    problems = []
    panel.scroll_into_view_if_needed()
    button = panel.locator(f".nnx-play-{name} button").first
    readout = panel.locator(f".nnx-control-{name} .widget-readout")
    first_frame, first_value = shown_frame(panel), readout.text_content().strip()
    seen = {first_frame}
    # what the live region says while the animation plays (it should wait)
    panel.evaluate("""p => { const live = p.querySelector('.nnx-live'); p.nnxSaid = [];
        new MutationObserver(() => p.nnxSaid.push(live.textContent)).observe(
            live, {childList: true, characterData: true, subtree: true}); }""")
    button.click()
    deadline = time.monotonic() + 8.0
    named_pause = False
    while time.monotonic() < deadline and len(seen) < 3:
        page.wait_for_timeout(100)
        seen.add(shown_frame(panel))
        named_pause = named_pause or button.get_attribute("aria-label") == "pause"
    classes = sorted(c for c, _ in seen)
    if len(seen) < 3:
        problems.append(f"after pressing play the panel showed {classes}; expected at least 3 frames")
    if len({src for _, src in seen}) < len(seen):
        problems.append("the frame changed but its picture did not")
    if readout.text_content().strip() == first_value and len(seen) > 1:
        problems.append(f"the {name} slider still reads {first_value} while the picture moved")
    if len(seen) > 1 and not named_pause:
        problems.append(f"while playing, the play button was not named 'pause' for a screen reader "
                        f"({button.get_attribute('aria-label')!r})")
    if button.locator("i").count() != 1:
        problems.append("the play button lost its <i> icon (Font Awesome replaced it)")
    said_while_playing = panel.evaluate("p => p.nnxSaid.slice()")
    if len(seen) > 1 and said_while_playing:
        problems.append(f"the live region said {len(said_while_playing)} frames while the animation played, "
                        f"e.g. {said_while_playing[:2]}: a screen reader would queue every frame")
    button.click()  # pause, so no timer keeps running
    return problems


@pytest.mark.parametrize("docname", toc_pages())
def test_every_animation_plays(docname, built_html, chromium, server):
    path = built_html / (docname + ".html")
    if not path.is_file():
        pytest.skip(f"{docname} is not in the built book")
    animations = animations_of(path.read_text())
    if not animations:
        pytest.skip(f"{docname} has no animation")
    context, page, errors = open_page(chromium, server, docname)
    try:
        players = page.locator('.nnx-explore:has([class*="nnx-play-"])')
        assert players.count() == len(animations), "every animation in the widget state is rendered"
        for k in range(players.count()):
            panel = players.nth(k)
            name = panel.evaluate("""p => [...p.querySelector('[class*="nnx-play-"]').classList]
                                          .find(c => c.startsWith('nnx-play-')).slice(9)""")
            button = panel.locator(f".nnx-play-{name} button").first
            assert button.get_attribute("aria-label") == "play"
            problems = play_problems(page, panel, name)
            assert not problems, f"{docname}, animation {k} ({name}): " + "; ".join(problems)
            # paused, the live region says the frame it stopped at, naming its epoch
            page.wait_for_function("p => p.nnxSaid.length > 0", arg=panel.element_handle(), timeout=5_000)
            live = panel.evaluate("p => p.querySelector('.nnx-live').textContent")
            assert re.search(rf"\b{name} \d+", live), live
            img_alt = panel.evaluate("""p => [...p.querySelectorAll('img[class*="nnx-point-"]')]
                                             .find(i => i.offsetParent !== null).alt""")
            assert live == img_alt, "the live region says the frame the panel stopped at"
            assert panel.evaluate("p => p.nnxSaid.length") == 1, "it says that frame once"
        assert not errors, f"{docname}: the page logged JavaScript errors:\n" + "\n".join(errors)
    finally:
        context.close()


def test_play_check_catches_a_broken_play(built_html, chromium, server):
    """Without the Font Awesome setting, play throws and nothing moves: the check says so."""
    docname = next((d for d in TRAINING_CHAPTERS if (built_html / (d + ".html")).is_file()), None)
    if docname is None:
        pytest.skip("no training chapter in the built book")
    name = animations_of((built_html / (docname + ".html")).read_text())[0]["name"]
    context, page, errors = open_page(chromium, server, docname, strip_fontawesome_fix=True)
    try:
        assert page.evaluate("() => (window.FontAwesomeConfig || {}).autoReplaceSvg !== 'nest'"), \
            "the fix was not removed"
        panel = page.locator('.nnx-explore:has([class*="nnx-play-"])').first
        problems = play_problems(page, panel, name)
        assert problems, "play 'worked' without the fix: the check cannot fail"
        assert any("className" in e for e in errors), errors
    finally:
        context.close()


def test_panels_respond_within_budget(built_html, chromium, server):
    pages = [d for d in toc_pages() if (built_html / (d + ".html")).is_file()
             and "nnx-explore" in (built_html / (d + ".html")).read_text()]
    if not pages:
        pytest.skip("no page with a panel")
    # the best of three loads: the first load of a page also pays for the cold cache
    times = {d: min(response_seconds(chromium, f"{server}/{d}.html", server) for _ in range(3)) for d in pages}
    print("\nseconds from page load to a panel answering a move (best of 3):")
    for docname, seconds in times.items():
        print(f"  {docname:28s} {seconds:.2f} s")
    slow = {d: round(s, 2) for d, s in times.items() if s > RESPONSE_LIMIT_S}
    assert not slow, f"panels slower than {RESPONSE_LIMIT_S} s after page load: {slow}"
