"""How soon does a page's panel answer? Seconds from page load to a panel's
answer, for every page of the built book that has a panel (issue 16's budget:
2.5 s on a local server).

    make bench-pages                                   # builds the book first
    python benchmarks/panel_response.py                # _build/html, 7 loads, 1 and 2 CPUs
    python benchmarks/panel_response.py --loads 11 --cpus 2 --html /tmp/x/_build/html
    python benchmarks/panel_response.py --cpus 2 --html /tmp/new/_build/html --against /tmp/old/_build/html

Each page is opened offline in Debian's headless Chromium from a local HTTP
server and timed by tools/page_timing.py (a fresh context per load: cold
cache; the time from navigation start until the first panel shows another
picture after its first control is moved). Two versions of every page
alternate load by load (who goes first alternates too), so that the noise of
a shared machine falls on both alike:

* ``book``: the page as built;
* ``mathjax``: the same page as MathJax typesets it by default, all the math
  at start-up: the script of tools/sphinx_math_first_screen.py is removed and
  MathJax's ``startup.typeset`` is left on. The book was built like this
  before that script.

With ``--against OTHER``, the second version is instead the same page of
another build (say, of the commit before a change), served from a second
local server: the way to measure a change that the ``mathjax`` version does
not take out.

Chromium (and the server) run pinned to 1 CPU, then to 2 CPUs (the machine's
two cores), as the MNIST benchmark pins its BLAS threads. Printed per page:
the page's weight (HTML and the images it references), the median and range
of each version, the ratio of the medians, and whether the book's median is
within the budget. Then the machine's speed during those loads: the time of
a fixed piece of browser work (REFERENCE_JS), run before each round of
loads. The machine's speed drifts by 30-40% within an hour and the pages'
times with it, so two runs made at different times compare only alongside
that number (or run both builds in one run, with ``--against``).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from page_timing import response_seconds  # noqa: E402

BUDGET_S = 2.5
CHROMIUM = Path("/usr/bin/chromium")
MARK = "Written by tools/sphinx_math_first_screen.py"


def mathjax_default(page: str) -> str:
    """The page as MathJax typesets it by default: our script out, typesetting at start-up on.

    Raises:
        ValueError: the page lacks the script or the setting (a book built
            another way): both versions would be the same page.
    """
    without, scripts = re.subn(r"<script>(?:(?!</script>).)*" + re.escape(MARK) + r".*?</script>", "", page,
                               flags=re.S)
    setting = '"startup": {"typeset": false}, '
    if scripts != 1 or setting not in without:
        raise ValueError(f"the page holds {scripts} scripts of tools/sphinx_math_first_screen.py (expected 1) "
                         f"and {'' if setting in without else 'not '}MathJax's setting {setting.strip(', ')}: "
                         "was it built with that extension (_config.yml)?")
    return without.replace(setting, "")


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the built book; ``?mathjax=default`` serves a page as mathjax_default makes it."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.query != "mathjax=default":
            return super().do_GET()
        body = mathjax_default(Path(self.translate_path(unquote(url.path))).read_text(encoding="utf-8")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def toc_pages() -> list[str]:
    return re.findall(r"^\s*(?:-\s*file|root):\s*(\S+)", (ROOT / "_toc.yml").read_text(), re.M)


def page_weight(html_dir: Path, docname: str) -> int:
    """Bytes of the page's HTML and of the image files it references."""
    path = html_dir / (docname + ".html")
    text = path.read_text(encoding="utf-8")
    total = path.stat().st_size
    for src in set(re.findall(r'<img[^>]*\ssrc="([^"]+)"', text)):
        if not src.startswith("data:"):
            image = (path.parent / src.split("?")[0]).resolve()
            if image.is_file():
                total += image.stat().st_size
    return total


#: A fixed piece of browser work (script, DOM, layout), timed between the
#: loads: the machine's speed during the run. This machine's speed drifts by
#: 30-40% within an hour, and every page's time drifts with it, so runs made
#: at different times compare only alongside this number.
REFERENCE_JS = """() => {
  const t0 = performance.now();
  let s = 0;
  for (let i = 0; i < 2e7; i++) s += Math.sqrt(i) % 3;
  const box = document.createElement('div');
  for (let i = 0; i < 3000; i++) { const p = document.createElement('p'); p.textContent = 'row ' + i + s; box.appendChild(p); }
  document.body.appendChild(box);
  document.body.getBoundingClientRect();
  return performance.now() - t0;
}"""


def reference_ms(browser) -> float:
    """Milliseconds the REFERENCE_JS work takes in a blank page of ``browser``."""
    page = browser.new_page()
    try:
        return page.evaluate(REFERENCE_JS)
    finally:
        page.close()


#: The CPUs this process may use when it starts (pinning narrows it).
ALL_CPUS = sorted(os.sched_getaffinity(0))


def serve(html_dir: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A local server of ``html_dir`` on a free port, and its origin."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(html_dir)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def measure(html_dir: Path, pages: list[str], loads: int, cpus: int,
            against: Path | None = None,
            slowdown: float = 1.0) -> tuple[dict[tuple[str, str], list[float]], list[float]]:
    """Seconds per (page, version) over ``loads`` alternating loads; the second
    version is "mathjax" (mathjax_default) or, with ``against``, "against"
    (the same page of that build); and the milliseconds of REFERENCE_JS, once
    per round of loads."""
    from playwright.sync_api import sync_playwright

    os.sched_setaffinity(0, set(ALL_CPUS[:cpus]))  # Chromium, launched below, inherits it
    httpd, server = serve(html_dir)
    other_httpd, other_server = serve(against) if against else (httpd, server)
    second = "against" if against else "mathjax"
    times: dict[tuple[str, str], list[float]] = {}
    reference: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            for load in range(loads):
                reference.append(reference_ms(browser))
                for docname in pages:
                    versions = ["book", second] if load % 2 == 0 else [second, "book"]
                    for version in versions:
                        origin = other_server if version == "against" else server
                        url = f"{origin}/{docname}.html" + ("?mathjax=default" if version == "mathjax" else "")
                        times.setdefault((docname, version), []).append(
                            response_seconds(browser, url, origin, slowdown=slowdown))
                print(f"  {cpus} CPU{'s' if cpus > 1 else ''}: load {load + 1} of {loads} done", file=sys.stderr)
            browser.close()
    finally:
        httpd.shutdown()
        if against:
            other_httpd.shutdown()
    return times, reference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built book")
    parser.add_argument("--loads", type=int, default=7, help="loads of each page and version (median over them)")
    parser.add_argument("--cpus", default="1,2", help="CPU counts to pin Chromium to, e.g. 1,2")
    parser.add_argument("--against", type=Path, default=None,
                        help="another build to compare with, page by page (instead of the mathjax version)")
    parser.add_argument("--slowdown", type=float, default=1.0,
                        help="slow Chromium's main thread by this factor (CPU throttling), e.g. 1.4: "
                             "the budget on a slower machine")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").is_file():
        parser.error(f"no built book in {args.html}: run `make book` first (or pass --html)")
    if args.against is not None and not (args.against / "index.html").is_file():
        parser.error(f"no built book in {args.against} (--against)")
    if not 1.0 <= args.slowdown <= 10.0:
        parser.error(f"--slowdown must be between 1 (none) and 10; got {args.slowdown}")
    if args.loads < 3:
        parser.error(f"--loads must be at least 3 for a median; got {args.loads}")
    try:
        cpu_counts = [int(c) for c in args.cpus.split(",")]
    except ValueError:
        cpu_counts = [0]
    available = len(ALL_CPUS)
    if any(c < 1 or c > available for c in cpu_counts):
        parser.error(f"--cpus must list CPU counts between 1 and {available} (this machine), "
                     f"such as 1,2; got {args.cpus!r}")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium)")
    pages = [d for d in toc_pages() if (args.html / (d + ".html")).is_file()
             and "nnx-explore" in (args.html / (d + ".html")).read_text(encoding="utf-8")]
    if args.against is not None:
        pages = [d for d in pages if (args.against / (d + ".html")).is_file()]
        if not pages:
            parser.error(f"no page with a panel in {args.html} is in {args.against} (--against)")
    second = "against" if args.against else "mathjax"

    print(f"Seconds from page load to a panel answering a move, median of {args.loads} loads "
          f"(range); budget {BUDGET_S} s. book: as built; "
          + (f"against: the same page of {args.against}." if args.against
             else "mathjax: all math typeset at start-up.")
          + (f" Chromium's CPU throttled {args.slowdown:g}x (--slowdown)." if args.slowdown != 1.0 else ""))
    verdicts = []
    for cpus in cpu_counts:
        times, reference = measure(args.html, pages, args.loads, cpus, args.against, args.slowdown)
        print(f"\n{cpus} CPU{'s' if cpus > 1 else ''}:")
        print(f"  {'page':26s} {'weight':>9s}   {'book':>17s}   {second:>17s}   {'book/' + second:>12s}  budget")
        missed = 0
        for docname in pages:
            book, default = times[docname, "book"], times[docname, second]
            mb, md = statistics.median(book), statistics.median(default)
            met = mb <= BUDGET_S
            missed += not met
            print(f"  {docname:26s} {page_weight(args.html, docname) / 2**20:5.2f} MiB   "
                  f"{mb:5.2f} ({min(book):.2f}-{max(book):.2f})   {md:5.2f} ({min(default):.2f}-{max(default):.2f})   "
                  f"{mb / md:12.2f}  {'met' if met else 'MISSED'}")
        print(f"  machine speed: a fixed piece of browser work took {statistics.median(reference):.0f} ms "
              f"({min(reference):.0f}-{max(reference):.0f}) during these loads; compare runs made at "
              "different times only alongside it")
        cpu_words = f"{cpus} CPU{'s' if cpus > 1 else ''}"
        verdicts.append(f"met on every page at {cpu_words}" if not missed
                        else f"missed on {missed} of {len(pages)} pages at {cpu_words}")
    print(f"\nBudget of {BUDGET_S} s: " + "; ".join(verdicts) + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
