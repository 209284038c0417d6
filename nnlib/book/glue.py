"""``glue``: hand a value computed in a chapter to the prose around it.

The chapters write their results into the text with MyST-NB's ``glue``: a cell
calls ``glue("ch05_loss", loss, display=False)`` and the page says
``{glue:text}`ch05_loss:.3f```. That ``glue`` comes from ``myst_nb``, a part
of the book build that a learner who opens a chapter in JupyterLab or Colab
does not have (and does not need). So the chapters import this one instead::

    from nnlib.book.glue import glue

It calls ``myst_nb.glue`` when ``myst_nb`` can be imported, so the book build
and the stored notebooks get exactly what MyST-NB stores. Without ``myst_nb``
there is nothing to paste the value into, so it only shows what MyST-NB would
show: the value itself when ``display=True``, and nothing when
``display=False``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]


def _myst_nb_glue():
    """MyST-NB's ``glue``, or None when ``myst_nb`` is not installed."""
    try:
        from myst_nb import glue as myst_nb_glue
    except ImportError:
        return None
    return myst_nb_glue


def glue(name: str, value: Any, display: bool = True) -> None:
    """Store ``value`` under ``name`` for the book's ``{glue}`` roles, and show it if asked.

    Args:
        name: the key the prose pastes, e.g. ``"ch05_loss"``.
        value: the value; the book pastes its text (for a number, glue a
            plain ``float`` or ``int``) or its figure.
        display: show the value in the notebook too (as MyST-NB does).

    With ``myst_nb`` installed (the book build) this is ``myst_nb.glue(name,
    value, display=display)``. Without it (a learner's JupyterLab or Colab),
    ``display=True`` shows the value as the last line of a cell would, and
    ``display=False`` does nothing.
    """
    myst_nb_glue = _myst_nb_glue()
    if myst_nb_glue is not None:
        myst_nb_glue(name, value, display=display)
        return
    if display:
        from IPython.display import display as show

        show(value)
