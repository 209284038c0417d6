"""Every figure of a chapter is described in words (issue 17, point 1), checked
on the stored notebooks: no kernel, no book build, well under a second.

A chapter's figure is a stored image output of a code cell (``image/png`` and
the like). The book shows the output's ``text/html`` when it has one (myst-nb
ranks it first), so a figure has a real alt text in the built page exactly
when its output also holds a ``text/html`` ``<img>`` whose ``alt`` says
something: not missing, not empty, not a file name or hash. That is what
``nnlib.book.plots.with_alt_text`` stores; a cell that ends with a bare
Figure stores only ``image/png`` and ``text/plain``, and the page would fall
back to the file name (``alt="../_images/646a48...png"``), which a screen
reader spells out. The alt text itself is judged by ``image_alt_problems``,
the same function the browser test (test_accessibility.py) applies to every
image of the built pages.

Explore panels are excepted: their output is a widget view (its data holds
``application/vnd.jupyter.widget-view+json``), whose stored ``image/png`` is
only the fallback first picture; in the page every picture of a panel gets
its own alt text from the panel's texts (tools/widgets_a11y.js), checked by
test_accessibility.py.

The last tests plant undescribed figures in a scratch notebook to show that
the check fails on each.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_accessibility import image_alt_problems

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class _Images(HTMLParser):
    """The <img> tags of an HTML fragment, as image_alt_problems reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            a = dict(attrs)
            self.images.append({"alt": a.get("alt"), "src": a.get("src"), "role": a.get("role"),
                                "aria_hidden": a.get("aria-hidden")})


def html_images(fragment: str) -> list[dict]:
    parser = _Images()
    parser.feed(fragment)
    parser.close()
    return parser.images


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def is_image(mime: str) -> bool:
    return mime.startswith("image/") or "/image/" in mime


def undescribed_figures(path: Path) -> list[str]:
    """One message per stored image output of the notebook that has no real alt text."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = []
    for i, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        first = _text(cell.get("source", "")).strip().splitlines()[:1]
        where = f"{Path(path).name}, cell {i} ({(first[0] if first else '')[:50]!r})"
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if not any(is_image(mime) for mime in data) or WIDGET_VIEW in data:
                continue
            images = html_images(_text(data.get("text/html", "")))
            if not images:
                problems.append(f"{where}: a figure without an alt text (its output has no text/html <img>); "
                                "end the cell with with_alt_text(fig) or with_alt_text(fig, alt=...)")
                continue
            for problem in image_alt_problems([dict(image, name="<img>") for image in images]):
                problems.append(f"{where}: {problem}")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_figure_of_a_chapter_is_described_in_words(path):
    problems = undescribed_figures(path)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------
# the check can fail


def _cell(*outputs_data: dict) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": "fig",
            "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": data}
                        for data in outputs_data]}


def _scratch(tmp_path: Path, cells: list[dict]) -> Path:
    path = tmp_path / "scratch.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def _shown(alt: str) -> dict:
    """The output data of a tiny figure shown with ``with_alt_text(fig, alt=alt)``, as IPython stores it."""
    from matplotlib.figure import Figure

    from nnlib.book.plots import with_alt_text

    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    shown = with_alt_text(fig, alt=alt)
    return {"text/html": shown._repr_html_(), "image/png": "iVBORw0KGgo=", "text/plain": repr(shown)}


def test_the_check_catches_figures_without_a_real_alt_text(tmp_path):
    png = "iVBORw0KGgo="
    path = _scratch(tmp_path, [
        _cell({"image/png": png, "text/plain": "<Figure size 480x320 with 1 Axes>"}),     # 0: a bare Figure
        _cell(_shown("../_images/646a48c1d2e3f4a5b6c7.png")),                            # 1: a file name
        _cell({"text/html": '<img src="data:image/png;base64,AAAA">', "image/png": png}),  # 2: no alt
        _cell({"text/html": '<img src="x.png" alt="  ">', "image/png": png}),            # 3: blank
        _cell(_shown("646a48c1d2e3f4a5b6c7d8e9")),                                       # 4: a hash
        # fine: described figures, a panel's widget view, a text-only output
        _cell(_shown("The loss falls from 0.25 to 0.01 by epoch 243; the boundary separates the four points.")),
        _cell({WIDGET_VIEW: {"model_id": "abc"}, "image/png": png, "text/plain": "<explore panel: ...>"}),
        _cell({"text/plain": "0.5"}),
    ])
    problems = undescribed_figures(path)
    assert [p.split(",")[1].split("(")[0].strip() for p in problems] == [f"cell {i}" for i in range(5)], problems
    assert "no text/html" in problems[0] and "file name" in problems[1] and "no alt attribute" in problems[2]
    assert "empty alt" in problems[3] and "file name" in problems[4]


def test_the_html_with_alt_text_stores_is_read_as_the_page_reads_it():
    """with_alt_text's HTML gives back its alt text, escaped quotes and all."""
    alt = 'Left: "η = 5" & tanh: learned XOR, loss < 0.01.'
    images = html_images(_shown(alt)["text/html"])
    assert len(images) == 1 and images[0]["alt"] == alt
    assert images[0]["src"].startswith("data:image/png;base64,")
