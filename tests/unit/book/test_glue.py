"""nnlib.book.glue: MyST-NB's glue where myst_nb is installed, a quiet stand-in where not."""

from __future__ import annotations

import sys
import types

import pytest

from nnlib.book.glue import glue


@pytest.fixture
def fake_myst_nb(monkeypatch):
    """A myst_nb module whose glue records its calls."""
    calls = []
    module = types.ModuleType("myst_nb")
    module.glue = lambda name, variable, display=True: calls.append((name, variable, display))
    monkeypatch.setitem(sys.modules, "myst_nb", module)
    return calls


@pytest.fixture
def no_myst_nb(monkeypatch):
    """myst_nb cannot be imported (None in sys.modules makes import raise ImportError)."""
    monkeypatch.setitem(sys.modules, "myst_nb", None)


def test_uses_myst_nb_when_installed(fake_myst_nb, capsys):
    value = object()
    glue("ch00_a", value)
    glue("ch00_b", 0.25, display=False)
    assert fake_myst_nb == [("ch00_a", value, True), ("ch00_b", 0.25, False)]
    assert capsys.readouterr().out == ""  # myst_nb does the showing, not the stand-in


def test_without_myst_nb_display_shows_the_value(no_myst_nb, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.append(objs))
    glue("ch00_a", 0.25)
    glue("ch00_b", "text", display=True)
    assert shown == [(0.25,), ("text",)]


def test_without_myst_nb_no_display_does_nothing(no_myst_nb, monkeypatch, capsys):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.append(objs))
    assert glue("ch00_a", 0.25, display=False) is None
    assert shown == [] and capsys.readouterr() == ("", "")


def test_without_myst_nb_outside_a_kernel_prints(no_myst_nb, capsys):
    # IPython's display prints the value when no IPython shell runs (a plain script)
    glue("ch00_a", 0.25)
    glue("ch00_b", 0.5, display=False)
    assert capsys.readouterr().out == "0.25\n"
