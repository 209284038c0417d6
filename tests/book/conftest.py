"""Fixtures shared by the tests of the built book and of JupyterLab.

``book_build``, ``built_html``, ``server``: the book is built once per test
session (``jupyter-book build . --all --builder html -W -n --keep-going``
into ``_build/html``, which executes every notebook, so it takes minutes) and
served over a local HTTP server, for the build and browser tests
(test_book.py) and the accessibility test (test_accessibility.py). Set
``NNX_BOOK_HTML=/path/to/_build/html`` to test a book that was just built
instead (the build test then skips).

``chromium``: Debian's Chromium (/usr/bin/chromium, installed by
tools/browser_deps.sh from Debian's archive), driven headless through
Playwright; ``playwright install`` (a browser download) is never used. Where
Chromium cannot be installed, the browser tests skip and say why.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright Python package is not installed (pip install -r requirements.txt)")
    if not CHROMIUM.exists():
        # The test's own set-up: install Debian's Chromium (needs root + apt-get).
        subprocess.run(["bash", str(ROOT / "tools" / "browser_deps.sh")], cwd=ROOT)
    if not CHROMIUM.exists():
        pytest.skip(f"no browser: {CHROMIUM} is missing and tools/browser_deps.sh could not install it "
                    "(it needs root and apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def book_build():
    """Build the book once per session; return (html folder, exit code, output) (output None if prebuilt)."""
    prebuilt = os.environ.get("NNX_BOOK_HTML")
    if prebuilt:
        html_dir = Path(prebuilt)
        assert (html_dir / "index.html").is_file(), f"NNX_BOOK_HTML={prebuilt} holds no built book"
        return html_dir, 0, None
    if shutil.which("npm") is None and not (ROOT / "_vendor_js" / "embed-amd.js").is_file():
        pytest.skip("npm is not installed, so the widget JavaScript cannot be installed (tools/widget_js.sh)")
    subprocess.run(["bash", str(ROOT / "tools" / "widget_js.sh")], cwd=ROOT, check=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        # --all: read every page again, so warnings of unchanged pages are reported too.
        [str(jb), "build", ".", "--all", "--builder", "html", "-W", "-n", "--keep-going"],
        cwd=ROOT, capture_output=True, text=True,
    )
    return ROOT / "_build" / "html", proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def built_html(book_build):
    """The built HTML; with --keep-going it exists even when the build warned
    (test_book_builds_without_warnings reports that), so the pages are still tested."""
    html_dir, code, output = book_build
    if not (html_dir / "index.html").is_file():
        pytest.fail(f"the book build produced no {html_dir / 'index.html'} (exit {code})")
    return html_dir


@pytest.fixture(scope="session")
def server(built_html):
    """Serve the built book on a local port (how readers get it: over HTTP)."""
    handler = functools.partial(QuietHandler, directory=str(built_html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass
