"""The page benchmark (``make bench-pages``) compares what it says it compares.

Speed itself is measured by running the benchmark, never by a timed test;
this checks, without a browser, that its second version of a page really is
the page as MathJax typesets it by default, and that it refuses bad input;
and, with one, that its measure of the machine's speed runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tools"))
import panel_response  # noqa: E402
from sphinx_math_first_screen import TYPESET_FIRST_SCREEN_FIRST  # noqa: E402

#: The head of a built page as Sphinx writes it (the MathJax configuration
#: JSON, then the inline script of tools/sphinx_math_first_screen.py).
PAGE = ('<head><script>window.MathJax = {"startup": {"typeset": false}, "options": {"processHtmlClass": '
        '"tex2jax_process|mathjax_process|math|output_area"}}</script>\n'
        f"<script>{TYPESET_FIRST_SCREEN_FIRST}</script>\n"
        '<script defer="defer" src="../_static/mathjax/tex-mml-chtml.js"></script></head>')


def test_the_default_version_has_no_script_and_typesets_at_start_up():
    default = panel_response.mathjax_default(PAGE)
    assert "sphinx_math_first_screen" not in default and "typesetPromise" not in default
    assert '"typeset": false' not in default
    assert 'window.MathJax = {"options": {"processHtmlClass"' in default
    assert default.count("<script") == PAGE.count("<script") - 1


def test_a_page_built_without_the_extension_is_refused():
    with pytest.raises(ValueError, match="expected 1"):
        panel_response.mathjax_default(PAGE.replace(TYPESET_FIRST_SCREEN_FIRST, "var x = 1;"))
    with pytest.raises(ValueError, match="not MathJax's setting"):
        panel_response.mathjax_default(PAGE.replace('"startup": {"typeset": false}, ', ""))


def test_the_script_matches_what_the_build_writes():
    """The mark the benchmark looks for is in the script the extension adds."""
    assert panel_response.MARK in TYPESET_FIRST_SCREEN_FIRST


@pytest.mark.parametrize("args, message", [
    (["--html", "/nonexistent"], "no built book in /nonexistent: run `make book` first"),
    (["--loads", "2"], "--loads must be at least 3 for a median; got 2"),
    (["--cpus", "1,x"], "--cpus must list CPU counts between 1 and"),
    (["--cpus", "99"], "such as 1,2; got '99'"),
    (["--against", "/nonexistent"], "no built book in /nonexistent (--against)"),
    (["--slowdown", "0.5"], "--slowdown must be between 1 (none) and 10; got 0.5"),
])
def test_bad_arguments_get_a_clear_error(args, message, tmp_path):
    if "--html" not in args:  # past the first check: a folder that looks like a build
        (tmp_path / "index.html").write_text("<html></html>")
        args = [*args, "--html", str(tmp_path)]
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "panel_response.py"), *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr


def test_the_machine_speed_reference_runs_in_the_browser():
    """The fixed piece of browser work printed beside each run's times runs and takes measurable time."""
    pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    if not panel_response.CHROMIUM.exists():
        pytest.skip(f"no browser at {panel_response.CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(panel_response.CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            times = [panel_response.reference_ms(browser) for _ in range(2)]
        finally:
            browser.close()
    assert all(5 < t < 60_000 for t in times), times
