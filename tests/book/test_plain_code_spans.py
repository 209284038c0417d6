"""The code blocks lose only the highlighting spans that change nothing
(tools/sphinx_plain_code_spans.py): the classes chosen are exactly those
styled like bare text, the code's text is kept character for character, and
the built pages have no such span left.
"""

from __future__ import annotations

import html as html_lib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from sphinx_plain_code_spans import _CODE, plain_classes, unwrap_plain_spans  # noqa: E402

#: pygments.css as Sphinx writes it for two colour modes (shortened).
CSS = """\
html[data-theme="light"] .highlight pre { line-height: 125%; }
html[data-theme="light"] .highlight .hll { background-color: #7971292e }
html[data-theme="light"] .highlight { background: #fefefe; color: #080808 }
html[data-theme="light"] .highlight .k { color: #6730C5 }
html[data-theme="light"] .highlight .n { color: #080808 }
html[data-theme="light"] .highlight .p { color: #080808 }
html[data-theme="light"] .highlight .w { color: #080808 }
html[data-theme="light"] .highlight .gs { font-weight: bold }
html[data-theme="light"] .highlight .x { color: #080808; font-style: italic }
html[data-theme="light"] .highlight .o { color: #080808 }
html[data-theme="dark"] .highlight { background: #2b2b2b; color: #F8F8F2 }
html[data-theme="dark"] .highlight .k { color: #DCC6E0 }
html[data-theme="dark"] .highlight .n { color: #F8F8F2 }
html[data-theme="dark"] .highlight .p { color: #f8f8f2 }
html[data-theme="dark"] .highlight .w { color: #F8F8F2 }
html[data-theme="dark"] .highlight .x { color: #F8F8F2 }
html[data-theme="dark"] .highlight .o { color: #ABE338 }
"""

PAGE = ('<p><span class="n">not code</span></p>\n'
        '<div class="highlight"><pre><span></span><span class="k">for</span><span class="w"> </span>'
        '<span class="n">x</span><span class="w"> </span><span class="ow">in</span> <span class="n">xs</span>'
        '<span class="p">:</span>\n    <span class="nb">print</span><span class="p">(</span>'
        '<span class="n">x</span> <span class="o">&lt;</span> <span class="mi">2</span><span class="p">)</span>\n'
        '</pre></div>')


def code_text(page: str) -> list[str]:
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", m.group(2))) for m in _CODE.finditer(page)]


def test_plain_means_the_code_blocks_colour_in_every_mode_and_nothing_else():
    # o: its own colour in the dark mode; x: italic too; k: coloured; gs: bold;
    # hll: a background; the case of a colour does not matter
    assert plain_classes(CSS) == {"n", "p", "w"}


def test_a_class_missing_from_a_mode_is_not_plain():
    assert plain_classes(CSS.replace('html[data-theme="dark"] .highlight .w { color: #F8F8F2 }\n', "")) == {"n", "p"}
    assert plain_classes("") == set()


def test_only_plain_spans_in_code_blocks_go_and_the_text_stays():
    out = unwrap_plain_spans(PAGE, plain_classes(CSS))
    assert code_text(out) == code_text(PAGE) == ["for x in xs:\n    print(x < 2)\n"]
    assert '<span class="n">' not in out.split("<div")[1] and '<span class="p">' not in out
    for kept in ('<span class="k">for</span>', '<span class="ow">in</span>', '<span class="nb">print</span>',
                 '<span class="o">&lt;</span>', '<span class="mi">2</span>', '<span></span>'):
        assert kept in out
    assert out.startswith('<p><span class="n">not code</span></p>'), "a span outside a code block was touched"
    assert unwrap_plain_spans(out, plain_classes(CSS)) == out
    assert unwrap_plain_spans(PAGE, set()) == PAGE


def test_the_built_pages_have_no_plain_span_left(built_html):
    plain = plain_classes((built_html / "_static" / "pygments.css").read_text(encoding="utf-8"))
    assert {"n", "p"} <= plain, f"the book's code style changed: plain classes are now {sorted(plain)}"
    spans = 0
    for path in sorted(built_html.rglob("*.html")):
        blocks = [m.group(2) for m in _CODE.finditer(path.read_text(encoding="utf-8"))]
        spans += sum(b.count("<span") for b in blocks)
        left = [c for b in blocks for c in re.findall(r'<span class="([^"]*)">', b) if c in plain]
        assert not left, f"{len(left)} plain spans left in {path.relative_to(built_html)}, e.g. {left[:5]}"
    assert spans > 5000, "hardly any highlighted code in the built book: nothing was checked"
