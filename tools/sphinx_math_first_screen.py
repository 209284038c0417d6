"""Sphinx extension: typeset the math of the first screen first, the rest once
the page's panels are up, so a panel answers within issue 16's budget (2.5 s
from page load on a local server) and every formula is still typeset for a
screen reader, find-in-page and printing.

Why: measured in headless Chromium on the built chapter 02 (the heaviest
page), MathJax 3.2.2 typesetting the whole page at start-up took about 0.7 s
of the 2.8 s from navigation to a visible panel. The panels' widgets render
only after the page's ``load`` event (@jupyter-widgets/html-manager waits for
it), and the web fonts MathJax asks for while it typesets delay that event.

What this does:

1. MathJax starts without typesetting the page (``mathjax3_config``:
   ``startup.typeset = false``).
2. An inline script of ours, in every page, typesets the formulas near the
   screen as soon as MathJax is ready: an ``IntersectionObserver`` (half a
   screen of margin above and below) hands every formula that comes near
   the screen to ``MathJax.typesetPromise``, so the first screen looks as
   before, and so does the place a link jumped to or the reader scrolls to.
3. Once the ``load`` event has fired, every widget view of the page is
   displayed (at most 10 s) and one more second has passed, it typesets the
   other formulas, 4 at a time, each batch when the browser is idle
   (``requestIdleCallback``), so the page keeps answering a reader who
   moves a slider meanwhile. Measured on chapter 02 (in one run, loads
   alternating, the time from navigation to a panel answering a move):
   typesetting the rest 12 at a time as soon as the panels were up made
   that time about 20% longer than not typesetting the rest at all; 4 at a
   time after that second, no longer. All typesetting goes through one
   promise chain, one call at a time.
4. When that is done, the page is marked ``<html data-nnx-math="typeset">``
   (``"none"`` on a page without math, where Sphinx loads no MathJax;
   ``"failed"`` if MathJax failed), which the tests wait for.

MathJax's own lazy-typesetting extension (``ui/lazy``) was measured first: as
fast, but asked to typeset the rest (``lazyTypesetAll``) it left 13 of the
133 formulas of book/glossary as empty placeholders inside their
screen-reader MathML, and not the same ones from run to run.

tests/book/test_math.py checks the result in every page of the built book and
that the check fails on a page without this script. Our own few lines; no
third-party code.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config

#: The inline script of points 2 to 4.
TYPESET_FIRST_SCREEN_FIRST = """\
(function () {
  "use strict";
  // Written by tools/sphinx_math_first_screen.py (see its docstring).
  var NEAR = "50% 0px";  // "near the screen": within half a screen above or below it
  var QUIET_MS = 1000;   // after the panels are up, before the rest is typeset
  var BATCH = 4;         // formulas per idle moment (each batch measures the page once)
  function mark(value) {
    document.documentElement.setAttribute("data-nnx-math", value);
  }
  function maths() {
    return Array.prototype.slice.call(document.querySelectorAll("span.math, div.math"));
  }
  function untypeset(elements) {
    return elements.filter(function (element) { return !element.querySelector("mjx-container"); });
  }
  function idle(callback) {
    if (window.requestIdleCallback) window.requestIdleCallback(callback, { timeout: 500 });
    else window.setTimeout(callback, 20);
  }
  function panelsPending() {
    var views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    for (var i = 0; i < views.length; i++) {
      var area = views[i].previousElementSibling;
      if (!area || !area.classList.contains("widget-subarea") || !area.firstElementChild) return true;
    }
    return false;
  }
  var mj = null;
  var queue = null;  // one typesetting at a time: each call waits for the one before
  var near = null;   // the IntersectionObserver of formulas not yet typeset
  function typeset(elements) {
    queue = queue.then(function () {
      var todo = untypeset(elements);
      return todo.length ? mj.typesetPromise(todo) : null;
    });
    return queue;
  }
  // 2. Formulas near the screen, as soon as MathJax is ready: the first
  //    screen, the place a link jumped to, wherever the reader scrolls.
  function watchTheScreen() {
    mj = window.MathJax;
    if (!mj || !mj.startup || !mj.startup.promise) return;  // a page with no math loads no MathJax
    queue = mj.startup.promise;
    if (!window.IntersectionObserver) {
      typeset(maths());
      return;
    }
    near = new IntersectionObserver(function (entries) {
      var shown = [];
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          shown.push(entry.target);
          near.unobserve(entry.target);
        }
      });
      if (shown.length) typeset(shown);
    }, { rootMargin: NEAR });
    maths().forEach(function (element) { near.observe(element); });
  }
  // 3. The rest, a few formulas at a time, each batch when the browser is
  //    idle, so that a reader who moves a panel's slider meanwhile is
  //    answered at once.
  function typesetTheRest() {
    if (!queue) {
      mark("none");
      return;
    }
    var left = untypeset(maths());
    new Promise(function (resolve, reject) {
      (function next() {
        left = untypeset(left);
        if (!left.length) return resolve();
        var batch = left.splice(0, BATCH);
        idle(function () { typeset(batch).then(next, reject); });
      })();
    }).then(function () {
      if (near) near.disconnect();
      mark("typeset");  // 4.
    }, function (error) {
      mark("failed");
      throw error;
    });
  }
  var waited = 0;
  function whenPanelsAreUp() {
    if (panelsPending() && waited < 10000) {
      waited += 200;
      window.setTimeout(whenPanelsAreUp, 200);
    } else {
      window.setTimeout(function () { idle(typesetTheRest); }, QUIET_MS);
    }
  }
  document.addEventListener("DOMContentLoaded", watchTheScreen);  // MathJax is deferred: there by now
  window.addEventListener("load", whenPanelsAreUp);
})();
"""


def _configure_mathjax(app: Sphinx, config: Config) -> None:
    """MathJax starts without typesetting; keep whatever else is configured."""
    mathjax = dict(config.mathjax3_config or {})
    startup = dict(mathjax.get("startup", {}))
    startup["typeset"] = False
    mathjax["startup"] = startup
    config.mathjax3_config = mathjax


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure_mathjax)
    app.add_js_file(None, body=TYPESET_FIRST_SCREEN_FIRST, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
