"""How long a built page takes until its first panel answers a move: the
measurement behind issue 16's budget (2.5 s from page load on a local server).

Used by ``benchmarks/panel_response.py`` (``make bench-pages``: medians of
many loads, alternating with a variant) and by tests/book/test_animations.py
(a generous ceiling, so that a panel that never answers fails).

One measurement: a fresh browser context (cold cache, no cookies) opens the
page offline (every request to another host is aborted), waits for the first
panel's picture, moves the panel's first control (the next option of a
dropdown, or the slider's handle one step right with the arrow key, as a
keyboard user would) and waits until another picture is shown. The result is
``performance.now()`` then: seconds since the navigation started.
"""

from __future__ import annotations

#: The nnx-point class of the picture a panel shows now ('' if none).
SHOWN_POINT_JS = """p => { const i = [...p.querySelectorAll('img[class*="nnx-point-"]')].find(i => i.offsetParent !== null);
                          return i ? [...i.classList].find(c => c.startsWith('nnx-point-')) : ''; }"""


def response_seconds(browser, url: str, server: str, timeout_ms: int = 30_000, slowdown: float = 1.0) -> float:
    """Seconds from navigation start until the first panel of ``url`` answers a move.

    Args:
        browser: a Playwright Browser (Chromium).
        url: the page's address on the local server.
        server: the server's origin (``http://127.0.0.1:PORT``); requests
            elsewhere are aborted, as the book must work offline.
        timeout_ms: how long to wait for the panel, then for its answer.
        slowdown: above 1, Chromium's CPU throttling slows the page's main
            thread by that factor (DevTools' ``Emulation.setCPUThrottlingRate``),
            as on a slower machine.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if slowdown != 1.0:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server) else r.abort())
    try:
        page.goto(url, wait_until="commit")
        panel = page.locator(".nnx-explore").first
        panel.locator("img").first.wait_for(state="visible", timeout=timeout_ms)
        before = panel.evaluate(SHOWN_POINT_JS)
        control = panel.locator('[class*="nnx-control-"]').first
        if control.locator("select").count():
            control.locator("select").select_option(index=1)
        else:
            control.locator(".noUi-handle").press("ArrowRight")
        page.wait_for_function(
            "([p, before]) => { const now = (" + SHOWN_POINT_JS + ")(p); return now && now !== before; }",
            arg=[panel.element_handle(), before], timeout=timeout_ms)
        return page.evaluate("() => performance.now()") / 1000
    finally:
        context.close()
