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
2. An inline script of ours, in every page, typesets the formulas on the
   first screen as soon as MathJax is ready (``MathJax.typesetPromise`` on
   those elements: what the reader sees first looks as before), then waits
   for the ``load`` event and for every widget view of the page to be
   displayed (at most 10 s), then typesets the other formulas, 12 at a time,
   each batch when the browser is idle (``requestIdleCallback``), so the page
   keeps answering a reader who moves a slider meanwhile (the whole of
   chapter 02 in one go blocked it for about 0.5 s).
3. When that is done, the page is marked ``<html data-nnx-math="typeset">``
   (``"none"`` on a page without math, where Sphinx loads no MathJax), which
   the tests wait for.

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

#: The inline script of points 2 and 3 (ES5, like the rest of the pages' scripts).
TYPESET_FIRST_SCREEN_FIRST = """\
(function () {
  "use strict";
  // Written by tools/sphinx_math_first_screen.py (see its docstring).
  function mark(value) {
    document.documentElement.setAttribute("data-nnx-math", value);
  }
  function onFirstScreen(element) {
    var box = element.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  }
  function panelsPending() {
    var views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    for (var i = 0; i < views.length; i++) {
      var area = views[i].previousElementSibling;
      if (!area || !area.classList.contains("widget-subarea") || !area.firstElementChild) return true;
    }
    return false;
  }
  var firstScreen = null;
  function typesetFirstScreen() {
    var mj = window.MathJax;
    if (!mj || !mj.startup || !mj.startup.promise) return;
    firstScreen = mj.startup.promise.then(function () {
      var maths = document.querySelectorAll("span.math, div.math");
      var shown = [];
      for (var i = 0; i < maths.length; i++) if (onFirstScreen(maths[i])) shown.push(maths[i]);
      return shown.length ? mj.typesetPromise(shown) : null;
    });
  }
  // The rest goes a few formulas at a time, each batch when the browser is
  // idle, so a reader who moves a panel's slider meanwhile is answered at
  // once (the whole of chapter 02 in one go blocked the page for about 0.5 s).
  var BATCH = 12;
  function idle(callback) {
    if (window.requestIdleCallback) window.requestIdleCallback(callback, { timeout: 500 });
    else window.setTimeout(callback, 20);
  }
  function typesetTheRest() {
    var mj = window.MathJax;
    if (!firstScreen) {  // a page with no math loads no MathJax
      mark("none");
      return;
    }
    firstScreen.then(function () {
      var maths = document.querySelectorAll("span.math, div.math");
      var left = [];
      for (var i = 0; i < maths.length; i++) if (!maths[i].querySelector("mjx-container")) left.push(maths[i]);
      return new Promise(function (resolve, reject) {
        (function next() {
          if (!left.length) return resolve();
          var batch = left.splice(0, BATCH);
          idle(function () { mj.typesetPromise(batch).then(next, reject); });
        })();
      });
    }).then(function () {
      mark("typeset");
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
      idle(typesetTheRest);
    }
  }
  document.addEventListener("DOMContentLoaded", typesetFirstScreen);
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
