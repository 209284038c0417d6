# Two commands do everything (see README.md):
#   make book   build the book into _build/html
#   make test   run every test: unit tests, nbval on every notebook, the
#               warnings-as-errors book build and the browser test
# Both create .venv and install requirements.txt on first use.
# While working on nnlib:
#   make unit   the unit tests alone (pytest -m unit), in seconds

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book book-students book-site test unit setup browser-deps widget-js execute bench bench-pages clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 10) else "Python 3.10 or newer is needed; $(PYTHON) is %d.%d. Run: make PYTHON=python3.11 ..." % v[:2])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# The widget JavaScript (require.js and the ipywidgets HTML manager) is
# installed from the npm registry at build time and served by the book itself,
# so that the widgets in the built pages work offline.
widget-js:
	bash tools/widget_js.sh

book: $(STAMP) widget-js
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going

# The students' site: the book without the solutions, the teachers' page,
# the launch and repository buttons (see book/teachers.md);
# into _build/students/_build/html.
book-students: $(STAMP) widget-js
	NNX_HIDE_SOLUTIONS=1 $(BIN)/jupyter-book build . --builder html -W -n --keep-going --path-output _build/students

# Both sites in one folder to publish, _build/site: the full book (for
# teachers) at its root and the students' site in students/ (see
# book/teachers.md). The students' site links to nothing outside its folder.
book-site: book book-students
	rm -rf _build/site
	cp -R _build/html _build/site
	cp -R _build/students/_build/html _build/site/students

# Debian's Chromium for the browser test (skipped, with the reason, where it
# cannot be installed).
browser-deps:
	-bash tools/browser_deps.sh

test: $(STAMP) widget-js browser-deps
	$(BIN)/python -m pytest --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg tests book

# The unit tests alone (tests/unit; markers in pyproject.toml, applied by
# folder in conftest.py): no notebooks, no book build, no browser.
unit: $(STAMP)
	$(BIN)/python -m pytest -m unit tests/unit

# Re-execute every notebook in place after editing it (outputs are stored
# so that nbval can compare them).
execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py book

bench: $(STAMP)
	$(BIN)/python benchmarks/mnist_epoch.py

# Seconds from page load to a panel's answer, for every page with a panel
# (issue 16's budget: 2.5 s), against the same pages with MathJax's default
# start-up; builds the book first (see benchmarks/README.md).
bench-pages: book browser-deps
	$(BIN)/python benchmarks/panel_response.py

# build/ and dist/: what `pip install .` and `python -m build` leave (git-ignored).
clean:
	rm -rf _build build dist

# The chapters without their solutions, as notebooks for learners, into
# _build/student_notebooks (see book/teachers.md).
.PHONY: student-notebooks course
student-notebooks: $(STAMP)
	$(BIN)/python tools/student_notebooks.py

# nbgrader's source assignments of a graded course, made from the chapters,
# into _build/course; then run nbgrader there (book/teachers.md, "A graded course").
course: $(STAMP)
	$(BIN)/python tools/course_assignments.py
