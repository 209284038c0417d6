"""The chapters read well in JupyterLab, set up as Binder sets it up.

A learner on Binder, on a JupyterHub or on their own machine opens a chapter
in JupyterLab, not in the built book. There the prose must render as in the
book: math, exercises with folded solutions, links, and the numbers, which
are MyST inline expressions (``{eval}`f"{loss:.3f}"```) that jupyterlab-myst
evaluates in the kernel.

What this test does, as repo2docker would:

* a fresh venv gets ``binder/requirements.txt``, then ``binder/postBuild``
  runs from a copy of the repository (what ``pip install .`` reads, and
  ``binder/``): nnlib is installed as a package, not edited in place;
* chapter 02 (the heart of the book: derivations, exercises, a panel) is
  copied to a folder outside the repository, and that venv's JupyterLab
  serves it;
* headless Chromium opens it, reads every rendered markdown cell (with
  JupyterLab's windowing off, the test's only setting of its own, so that
  every cell is in the page), runs all cells from the Run menu, reads them
  again and saves the notebook.

It checks that no raw MyST is visible (``{glue``, ``{doc}``, ``{exercise}``,
``{eval}``, ...), that the numbers the repository's notebook stores show up in
their sentences before anything runs, that after the run the numbers
jupyterlab-myst saved are the ones ``tools/execute_notebooks.py`` stored
(measured times aside), that every cell ran without an error, that the panel's
widgets render, and that the solutions' code cells are folded. Screenshots
land in ``test-artifacts/`` (git-ignored). It takes about two minutes, most of
it the install (pip's cache makes later runs quicker).

What it cannot test here is Binder itself (mybinder.org and its image build
need the internet); book/teachers.md says so.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from sphinx_eval_stored import shown_text, stored_results, used_names, volatile_names  # noqa: E402
from test_wheel import copy_of_repository, learner_environment, run, venv_python  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "02_xor.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
# What repo2docker needs from the repository: binder/ and what `pip install .` reads.
REPO_FILES = ["binder", "pyproject.toml", "README.md", "nnlib"]
# MyST that shows as written when a renderer does not know it
RAW_MYST = ["{glue", "{doc}", "{exercise}", "{solution", "{eval}", "{term}", "{ref}", "{cite", "{math}"]
TIMEOUT = 240  # seconds for the whole chapter to run in JupyterLab
# Planted in the copy as the stored result of one expression: shown before the
# run (the stored results are what a learner sees first), gone after it (the
# run recomputes them).
STALE = "NNX_STALE"


@pytest.fixture(scope="module")
def binder_venv(tmp_path_factory):
    """A venv set up from binder/ as repo2docker does it: (work folder, venv, timings)."""
    work = tmp_path_factory.mktemp("binder")
    timings: dict = {}
    env = learner_environment(work)
    repo = copy_of_repository(work / "repo", REPO_FILES)
    venv = work / "venv"
    run([sys.executable, "-m", "venv", venv], timings, "create the venv", cwd=work, env=env)
    python = venv_python(venv)
    run([python, "-m", "pip", "install", "--quiet", "-r", repo / "binder" / "requirements.txt"], timings,
        "pip install -r binder/requirements.txt", cwd=repo, env=env)
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    run(["bash", repo / "binder" / "postBuild"], timings, "binder/postBuild", cwd=repo, env=env)
    # The test's own setting, not Binder's: JupyterLab normally keeps only the
    # cells near the screen in the page ("windowing"), which makes reading a
    # whole chapter from the page unreliable; with it off every cell is in the
    # page. Rendering is the same either way.
    settings = venv / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(
        {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}))
    print(f"\nBinder set-up, seconds: {timings}")
    return work, venv, env


def test_postbuild_installs_nnlib_as_a_package(binder_venv):
    work, venv, env = binder_venv
    proc = subprocess.run([venv_python(venv), "-c", "import nnlib, nnlib.data; print(nnlib.__file__); "
                           "print(nnlib.data.DEFAULT_MNIST_DIR.is_dir())"],
                          capture_output=True, text=True, cwd=work, env=env, check=True)
    location, mnist = proc.stdout.split()
    assert "site-packages" in Path(location).parts, location
    assert mnist == "True"
    assert not (work / "repo" / "build").exists(), "postBuild left build/ behind"


def test_binder_pins_are_the_books():
    """binder/requirements.txt pins what requirements.txt pins (Python >= 3.11 lines)."""

    def pins(path: Path) -> dict:
        found = {}
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if "==" in line and ("python_version" not in line or ">=" in line.split(";")[1]):
                name, version = line.split(";")[0].split("==")
                found[name.strip().lower().replace("_", "-")] = version.strip()
        return found

    binder, book = pins(ROOT / "binder" / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert binder, "binder/requirements.txt pins nothing"
    assert {name: version for name, version in binder.items() if book.get(name) != version} == {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(binder_venv):
    """That venv's JupyterLab, serving a copy of the chapter: (base URL, its folder)."""
    work, venv, env = binder_venv
    notebooks = work / "notebooks"
    notebooks.mkdir()
    copy = stored_chapter()
    cell, item = planted_cell(copy)
    item["result"]["data"]["text/plain"] = repr(STALE)
    (notebooks / CHAPTER).write_text(json.dumps(copy, indent=1), encoding="utf-8")
    port = free_port()
    cmd = [venv / "bin" / "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={notebooks}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(work / "jupyterlab.log", "w")
    server = subprocess.Popen([str(c) for c in cmd], cwd=notebooks, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start:\n{(work / 'jupyterlab.log').read_text()[-3000:]}",
                            pytrace=False)
            time.sleep(0.5)
    yield base, notebooks
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


# ---------------------------------------------------------------------------
# reading the notebook in the page

READ_VISIBLE = """() => {
  const cells = {};
  for (const cell of document.querySelectorAll('.jp-Notebook .jp-Cell')) {
    const index = Number(cell.dataset.windowedListIndex);
    const markdown = cell.classList.contains('jp-MarkdownCell');
    const myst = cell.querySelector('.myst');
    cells[index] = {
      markdown,
      rendered: markdown ? (myst ? myst.textContent : null) : null,
      prompt: markdown ? null : (cell.querySelector('.jp-InputPrompt') || {}).textContent || '',
      folded: cell.querySelector('.jp-InputPlaceholder') !== null,
      widgets: cell.querySelectorAll('.jp-OutputArea .jupyter-widgets').length,
    };
  }
  return cells;
}"""


def read_notebook(page) -> dict[int, dict]:
    """Every cell JupyterLab shows, by index: scroll from top to bottom, reading what is in the page."""
    scroller = ".jp-WindowedPanel-outer"
    page.eval_on_selector(scroller, "el => { el.scrollTop = 0; }")
    cells: dict[int, dict] = {}
    for _ in range(400):
        page.wait_for_timeout(150)
        for index, cell in page.evaluate(READ_VISIBLE).items():
            cells[int(index)] = cell
        at_end = page.eval_on_selector(
            scroller, "el => { const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;"
                      " el.scrollTop += el.clientHeight * 0.7; return end; }")
        if at_end:
            break
    page.eval_on_selector(scroller, "el => { el.scrollTop = 0; }")
    return cells


def wait_until_idle(page, seconds: float) -> None:
    """Wait until the kernel has been idle for two seconds in a row (after being busy)."""
    status = page.locator(".jp-Notebook-ExecutionIndicator")
    deadline = time.monotonic() + seconds
    idle_since = None
    while time.monotonic() < deadline:
        busy = status.count() and status.first.get_attribute("data-status") == "busy"
        if busy:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > 2:
            return
        page.wait_for_timeout(250)
    pytest.fail(f"the chapter still ran after {seconds} s", pytrace=False)


@pytest.fixture(scope="module")
def lab_run(chromium, lab):
    """Open the chapter, read it, run all cells, read it again, save it."""
    base, notebooks = lab
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/lab/tree/{CHAPTER}?reset")
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell .myst", state="attached", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached",
                           timeout=90_000)
    page.wait_for_timeout(1000)
    no_news = page.get_by_role("button", name="No", exact=True)  # "notified about official Jupyter news?"
    if no_news.count() and no_news.first.is_visible():
        no_news.first.click()
    before = read_notebook(page)

    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    start = time.monotonic()
    page.wait_for_timeout(2000)
    wait_until_idle(page, TIMEOUT)
    seconds = time.monotonic() - start
    after = read_notebook(page)
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-02_xor-top.png"))
    panel = next((i for i, cell in sorted(after.items()) if cell["widgets"]), None)
    if panel is not None:
        page.evaluate(f"() => document.querySelector('[data-windowed-list-index=\"{panel}\"]')"
                      "?.scrollIntoView()")
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-02_xor-panel.png"))
    page.keyboard.press("Control+s")
    page.wait_for_timeout(2000)
    page.close()
    print(f"\n{CHAPTER} ran in JupyterLab in {seconds:.0f} s")
    return before, after, errors, notebooks / CHAPTER


def stored_chapter() -> dict:
    return json.loads((ROOT / "book" / CHAPTER).read_text(encoding="utf-8"))


def planted_cell(nb: dict) -> tuple[int, dict]:
    """(index, stored result) of the first {eval} that is not a measured time: where STALE goes."""
    volatile = volatile_names(nb)
    return next((i, item) for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "markdown"
                for item in cell["metadata"].get("user_expressions", [])
                if not used_names(item["expression"]) & volatile)


def markdown_indices(nb: dict) -> list[int]:
    return [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "markdown"]


@pytest.mark.parametrize("moment", ["before running", "after running"])
def test_every_markdown_cell_renders_with_no_raw_myst(lab_run, moment):
    before, after, _, _ = lab_run
    cells = before if moment == "before running" else after
    nb = stored_chapter()
    assert len(cells) == len(nb["cells"]), f"read {len(cells)} cells of {len(nb['cells'])}"
    unrendered = [i for i in markdown_indices(nb) if cells[i]["rendered"] is None]
    assert unrendered == [], f"markdown cells not rendered by jupyterlab-myst: {unrendered}"
    raw = [(i, pattern) for i in markdown_indices(nb) for pattern in RAW_MYST if pattern in cells[i]["rendered"]]
    assert raw == [], f"raw MyST visible in JupyterLab (cell, text): {raw}"


def expected_numbers(nb: dict) -> dict[int, list[str]]:
    """The stored result of every {eval} of each markdown cell that is not a measured time."""
    volatile = volatile_names(nb)
    found: dict[int, list[str]] = {}
    for i in markdown_indices(nb):
        for item in nb["cells"][i]["metadata"].get("user_expressions", []):
            if not used_names(item["expression"]) & volatile:
                found.setdefault(i, []).append(shown_text(item["result"]["data"]["text/plain"]))
    return found


@pytest.mark.parametrize("moment", ["before running", "after running"])
def test_numbers_show_in_their_sentences(lab_run, moment):
    before, after, _, _ = lab_run
    cells = before if moment == "before running" else after
    nb = stored_chapter()
    expected = expected_numbers(nb)
    assert sum(map(len, expected.values())) >= 20, "the chapter should state its numbers with {eval}"
    planted, item = planted_cell(nb)
    if moment == "before running":  # the stored results show, even a wrong one
        assert STALE in cells[planted]["rendered"]
        expected[planted].remove(shown_text(item["result"]["data"]["text/plain"]))
    else:  # the run computed them all again
        assert not any(STALE in (cell["rendered"] or "") for cell in cells.values())
    missing = [(i, value) for i, values in expected.items() for value in values
               if value not in cells[i]["rendered"]]
    assert missing == [], f"numbers not shown in JupyterLab (cell, stored value): {missing}"


def test_jupyterlab_computes_the_stored_numbers(lab_run):
    """What jupyterlab-myst evaluated and saved is what tools/execute_notebooks.py stored."""
    *_, saved_path = lab_run
    saved = json.loads(saved_path.read_text(encoding="utf-8"))
    assert STALE not in saved_path.read_text(encoding="utf-8"), "the run did not replace the planted result"
    stored = stored_chapter()
    volatile = volatile_names(stored)
    mine = [(expr, value) for expr, value in stored_results(stored) if not used_names(expr) & volatile]
    theirs = [(expr, value) for expr, value in stored_results(saved) if not used_names(expr) & volatile]
    assert len(mine) >= 20
    assert theirs == mine


def test_every_cell_ran_without_an_error(lab_run):
    before, after, errors, saved_path = lab_run
    saved = json.loads(saved_path.read_text(encoding="utf-8"))
    code = [cell for cell in saved["cells"] if cell["cell_type"] == "code"]
    assert all(cell.get("execution_count") for cell in code), "some cells did not run"
    failed = [o.get("ename") + ": " + o.get("evalue", "") for cell in code for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert failed == []
    assert errors == [], f"JavaScript errors in JupyterLab: {errors[:3]}"


def test_the_panel_renders_after_running(lab_run):
    _, after, _, _ = lab_run
    assert any(cell["widgets"] for cell in after.values()), "no widget rendered in any output"


def test_solution_code_is_folded(lab_run):
    before, _, _, _ = lab_run
    nb = stored_chapter()
    hidden = [i for i, cell in enumerate(nb["cells"])
              if cell["cell_type"] == "code" and cell["metadata"].get("jupyter", {}).get("source_hidden")]
    assert hidden, "the chapter's solutions should have folded code cells"
    assert [i for i in hidden if not before[i]["folded"]] == []
