"""Fixtures shared by the tests of the built book and of JupyterLab.

``chromium``: Debian's Chromium (/usr/bin/chromium, installed by
tools/browser_deps.sh from Debian's archive), driven headless through
Playwright; ``playwright install`` (a browser download) is never used. Where
Chromium cannot be installed, the browser tests skip and say why.
"""

from __future__ import annotations

import subprocess
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
