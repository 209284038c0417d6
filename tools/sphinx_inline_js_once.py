"""Sphinx extension: include every inline <script> of a page once, not twice.

Why: with Sphinx 7.4 (the version jupyter-book 1.x uses), an inline script
registered by an extension after the HTML builder started, i.e.
``app.add_js_file(None, body=...)`` in a ``builder-inited`` or
``env-before-read-docs`` handler, ends up in every page twice:
``app.add_js_file`` stores it in the builder as ``_JavaScript(None, ...)``,
and ``StandaloneHTMLBuilder.prepare_writing`` adds every registered script
again as ``_JavaScript('', ...)``; the builder's duplicate check compares the
file names, and ``None != ''``. sphinx-thebe (always loaded by jupyter-book)
adds ``const THEBE_JS_URL = ...`` this way, so every page declared the
constant twice and the browser logged "SyntaxError: Identifier
'THEBE_JS_URL' has already been declared" (sphinx-togglebutton's
``var togglebuttonSelector`` is doubled the same way, harmlessly).

Fix: just before the pages are written (``env-updated``), store those
scripts under the name ``''`` that ``prepare_writing`` uses, and drop exact
duplicates, so ``prepare_writing`` finds them already there. Nothing else
changes. Remove this extension when the book moves to a Sphinx without the
bug.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _normalise_inline_scripts(app: Sphinx, env) -> None:
    builder = app.builder
    scripts = getattr(builder, "_js_files", None)
    if scripts is None:  # not an HTML builder
        return
    unique = []
    for script in scripts:
        if script.filename is None:
            script = type(script)("", priority=script.priority, **script.attributes)
        if script not in unique:
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx) -> dict:
    # Late priority: after every extension has added its scripts.
    app.connect("env-updated", _normalise_inline_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
