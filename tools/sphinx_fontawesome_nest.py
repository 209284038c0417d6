"""Sphinx extension: tell the theme's Font Awesome to nest its icons, so the
animations' Play widgets work in the built book.

Why: the theme (pydata-sphinx-theme, under sphinx-book-theme) loads Font
Awesome's JavaScript (``_static/scripts/fontawesome.js``, with ``defer``),
which by default *replaces* every ``<i class="fa ...">`` in the page with an
inline ``<svg>``, including the icons of the widgets. The ``ipywidgets.Play``
of an animation (``nnlib.book.explore(..., play="epoch")``) keeps its play
button's icon as an ``<i>`` and swaps its class between ``fa-play`` and
``fa-pause`` on every press (``playPauseButton.getElementsByTagName("i")[0]``
in @jupyter-widgets/html-manager 1.0.15); once Font Awesome has replaced that
``<i>``, pressing play throws "Cannot set properties of undefined (setting
'className')" and nothing moves.

Fix: Font Awesome reads ``window.FontAwesomeConfig`` when it starts;
``autoReplaceSvg: 'nest'`` makes it put each ``<svg>`` *inside* its ``<i>``
instead of replacing it (and follow later class changes), so the theme's
icons look the same and the Play view finds its ``<i>``. This extension adds
that setting as a small inline script to every page. The script is not
deferred, so it runs while the page is parsed, before any deferred script
(Font Awesome among them). Verified in headless Chromium with the Play
widgets of the book (tests/book/test_animations.py).

Second setting, ``observeMutations: false``: Font Awesome converts the
theme's icons once, when the page is ready, and does not watch the page
afterwards. Watching it, it re-scanned every widget as the panels rendered
(after the ``load`` event), about 0.3 s of a 2.5 s budget on chapter 02
(issue 16: a panel answers within 2.5 s of page load). The widgets need none
of it: the widget bundle brings Font Awesome's style sheet and web font, so
their ``<i class="fa ...">`` icons show as font glyphs, and the Play view's
class swaps work on them as they are. The theme's icons are all in the page
when Font Awesome starts, so they are converted as before.

Our own few lines; no third-party code.
"""

from __future__ import annotations

from sphinx.application import Sphinx

#: The inline script: Font Awesome's configuration, read when Font Awesome starts.
FONTAWESOME_CONFIG = ("window.FontAwesomeConfig = Object.assign(window.FontAwesomeConfig || {}, "
                      "{autoReplaceSvg: 'nest', observeMutations: false});")


def setup(app: Sphinx) -> dict:
    # Registered at set-up, so it is in every page (and written once).
    app.add_js_file(None, body=FONTAWESOME_CONFIG, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
