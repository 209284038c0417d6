"""The graded course (tools/course_assignments.py, course/, nbgrader): the teacher's whole cycle.

In a temporary folder, offline: the source assignments are written from the
chapters (``--exercises-only``, so that each submission runs in seconds), then
nbgrader generates the students' versions, releases them into an exchange
folder, the students fetch, fill in and submit, the teacher collects,
autogrades, generates and releases the feedback, and the students fetch it.
nbgrader runs in this process through its Python API (``NbGraderAPI``, the code
behind the ``nbgrader`` commands; each command would start a new Python).

The reference student answers every coding exercise of every chapter with the
chapter's own solution and must score every point. Each other student makes
one typical mistake (or calls nnlib's answer, or leaves the starter as it
is), scores less on exactly the items concerned, and gets feedback that names
the mistake. The faster tests check that every coding exercise has a hidden
test (and that a missing one stops the tool) and that the released notebooks
hold no solution and no hidden test.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install -r requirements.txt)")

from nbgrader.api import Gradebook  # noqa: E402
from nbgrader.apps import NbGraderAPI  # noqa: E402
from nbgrader.auth import Authenticator  # noqa: E402
from nbgrader.coursedir import CourseDirectory  # noqa: E402
from traitlets.config import Config  # noqa: E402
from traitlets.config.loader import PyFileConfigLoader  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "course_assignments.py"
sys.path.insert(0, str(ROOT / "tools"))
import course_assignments as course_tool  # noqa: E402  (a script in tools/, not a package)
from student_notebooks import strip_solutions  # noqa: E402

CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


def _exercises() -> dict[str, list]:
    """{assignment id: its coding exercises}, for the chapters that have some."""
    found = {}
    for chapter in CHAPTERS:
        exercises = course_tool.coding_exercises(nbformat.read(chapter, as_version=4), str(chapter))
        if exercises:
            found[chapter.stem] = exercises
    return found


EXERCISES = _exercises()


# One student per typical mistake: (assignment, function, body of the function
# or None for the untouched starter, grade cells expected to score 0 (the
# others of that exercise score full marks), words the feedback must show).
WRONG_STUDENTS = {
    "sign_error": ("01_neuron", "my_sigmoid_derivative",
                   "s = sigmoid(z)\nreturn s * (1 + s)",
                   ("public", "hidden"), "1 + sigma(z)"),
    "missing_transpose": ("03_vectorizing", "my_dense_backward",
                          "return dz @ W, x.T @ dz, dz.sum(axis=0)",
                          ("public", "hidden"), "transpose"),
    "wrong_axis": ("04_losses", "my_softmax_cross_entropy",
                   "n = z.shape[0]\n"
                   "p = np.exp(z - z.max(axis=0, keepdims=True))\n"
                   "p = p / p.sum(axis=0, keepdims=True)\n"
                   "loss = -np.log(p[np.arange(n), y]).mean()\n"
                   "p[np.arange(n), y] -= 1\n"
                   "return float(loss), p / n",
                   ("public", "hidden"), "wrong axis"),
    "no_bias_correction": ("05_optimizers", "my_adam_step",
                           "m = beta1 * m + (1 - beta1) * g\n"
                           "s = beta2 * s + (1 - beta2) * g**2\n"
                           "return p - lr * m / (np.sqrt(s) + eps), m, s",
                           ("public", "hidden"), "no bias correction"),
    "calls_nnlib": ("01_neuron", "my_sigmoid_derivative",
                    "return sigmoid_derivative(z)",
                    ("hidden",), "calls nnlib's own answer, nnlib.model.activations.sigmoid_derivative"),
    "calls_nnlib_inside": ("06_initialization", "my_relu_derivative",
                           "from nnlib.model import activations\nreturn activations.relu_derivative(z)",
                           ("hidden",), "calls nnlib's own answer, nnlib.model.activations.relu_derivative"),
    "unanswered": ("06_initialization", "my_relu_derivative", None,
                   ("public", "hidden"), "NotImplementedError"),
}


def _with_body(exercise, body: str) -> str:
    """The exercise's answer cell with the function's body replaced by ``body``."""
    reference = course_tool.answer_source(exercise).split("\n")
    start = next(i for i, line in enumerate(reference) if line.strip() == "### BEGIN SOLUTION")
    end = next(i for i, line in enumerate(reference) if line.strip() == "### END SOLUTION")
    indent = reference[start][: len(reference[start]) - len(reference[start].lstrip())]
    return "\n".join(reference[:start] + [indent + line for line in body.split("\n")] + reference[end + 1:])


def _exercise(assignment: str, function: str):
    return next(e for e in EXERCISES[assignment] if e.function == function)


def _config(root: Path, exchange: Path, teacher: bool = True) -> Config:
    """The teacher's configuration (the course's nbgrader_config.py) or a student's."""
    if teacher:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    else:
        config = Config()
        config.CourseDirectory.course_id = "nnx"
    config.CourseDirectory.root = str(root)
    config.Exchange.root = str(exchange)
    config.Exchange.assignment_dir = str(root)  # where a student's fetch puts the notebooks
    # each person's own record of submissions (nbgrader's default is in the home folder)
    config.Exchange.cache = str(root / ".nbgrader_cache")
    return config


def _fill_in(notebook: Path, answers: dict[str, str]) -> None:
    """Replace the answer cells (by nbgrader grade id, the exercise's label) as a student would."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    nbformat.write(nb, notebook)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """Run the whole cycle once; return (course folder, {student: {assignment: feedback text}})."""
    tmp = tmp_path_factory.mktemp("course")
    root, exchange = tmp / "course", tmp / "exchange"
    exchange.mkdir()
    # nbgrader runs the `alembic` command of its own environment when it creates the gradebook
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    made = subprocess.run([sys.executable, str(TOOL), "--out", str(root), "--exercises-only"],
                          capture_output=True, text=True, cwd=tmp)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (root / "source").iterdir()) == sorted(EXERCISES)

    config = _config(root, exchange)
    api = NbGraderAPI(config=config)
    for assignment in EXERCISES:
        for step in (api.generate_assignment, api.release_assignment):
            result = step(assignment)
            assert result["success"], f"{step.__name__} {assignment}:\n{result['log']}\n{result.get('error')}"

    submissions: dict[str, dict[str, dict[str, str]]] = {"reference": {
        assignment: {e.label: course_tool.reference_answer(e) for e in exercises}
        for assignment, exercises in EXERCISES.items()}}
    for student, (assignment, function, body, _, _) in WRONG_STUDENTS.items():
        exercise = _exercise(assignment, function)
        answers = {} if body is None else {exercise.label: _with_body(exercise, body)}
        submissions[student] = {assignment: answers}

    for student, assignments in submissions.items():
        home = tmp / "home" / student
        home.mkdir(parents=True)
        for assignment, answers in assignments.items():
            student_config = _config(home, exchange, teacher=False)
            student_config.CourseDirectory.assignment_id = assignment
            student_config.CourseDirectory.student_id = student
            coursedir = CourseDirectory(config=student_config)
            authenticator = Authenticator(config=student_config)
            api.exchange.FetchAssignment(coursedir=coursedir, authenticator=authenticator,
                                         config=student_config).start()
            _fill_in(home / assignment / f"{assignment}.ipynb", answers)
            api.exchange.Submit(coursedir=coursedir, authenticator=authenticator,
                                          config=student_config).start()

    feedback: dict[str, dict[str, str]] = {}
    for assignment in EXERCISES:
        result = api.collect(assignment)
        assert result["success"], result["log"]
        for student, assignments in submissions.items():
            if assignment not in assignments:
                continue
            for step in (api.autograde, api.generate_feedback, api.release_feedback):
                result = step(assignment, student)
                assert result["success"], f"{step.__name__} {assignment} {student}:\n{result['log']}"
            # the student fetches the feedback into their own folder
            student_config = _config(tmp / "home" / student, exchange, teacher=False)
            student_config.CourseDirectory.assignment_id = assignment
            student_config.CourseDirectory.student_id = student
            api.exchange.FetchFeedback(coursedir=CourseDirectory(config=student_config),
                                       authenticator=Authenticator(config=student_config),
                                       config=student_config).start()
            pages = list((tmp / "home" / student / assignment / "feedback").rglob(f"{assignment}.html"))
            assert len(pages) == 1, f"{student} did not get one feedback page for {assignment}: {pages}"
            feedback.setdefault(student, {})[assignment] = html.unescape(
                re.sub(r"<[^>]+>", "", pages[0].read_text()))
    return root, feedback


def _grades(root: Path, student: str, assignment: str) -> dict[str, tuple[float, float]]:
    """{grade cell id: (score, max score)} of one student's submission."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(assignment, assignment, student)
        return {grade.name: (grade.score, grade.max_score) for grade in submission.grades}


def test_reference_submission_scores_full_marks(cycle):
    root, feedback = cycle
    for assignment, exercises in EXERCISES.items():
        grades = _grades(root, "reference", assignment)
        expected_cells = {f"{e.label}-{kind}" for e in exercises for kind in ("public", "hidden")}
        assert set(grades) == expected_cells, assignment
        lost = {name: score for name, score in grades.items() if score[0] != score[1]}
        assert not lost, f"the chapters' own solutions lose points in {assignment}: {lost}\n{feedback['reference'][assignment]}"
        for exercise in exercises:
            assert grades[f"{exercise.label}-public"][1] == course_tool.PUBLIC_POINTS
            assert grades[f"{exercise.label}-hidden"][1] == course_tool.hidden_points(exercise.hidden_test)


@pytest.mark.parametrize("student", sorted(WRONG_STUDENTS))
def test_typical_mistake_scores_less_with_feedback_naming_it(cycle, student):
    root, feedback = cycle
    assignment, function, _, failing, words = WRONG_STUDENTS[student]
    exercise = _exercise(assignment, function)
    grades = _grades(root, student, assignment)
    for kind in ("public", "hidden"):
        score, max_score = grades[f"{exercise.label}-{kind}"]
        expected = 0 if kind in failing else max_score
        assert score == expected, f"{student}: {kind} test of {exercise.label} scored {score} of {max_score}"
    reference_total = sum(s[1] for s in _grades(root, "reference", assignment).values())
    assert sum(s[0] for s in grades.values()) < reference_total
    assert words in feedback[student][assignment], feedback[student][assignment][-3000:]


@pytest.mark.parametrize("student", ["reference", *sorted(WRONG_STUDENTS)])
def test_feedback_shows_no_hidden_code(cycle, student):
    root, feedback = cycle
    hidden_code = [line.strip() for path in sorted(course_tool.HIDDEN_TESTS.glob("*.py"))
                   for line in path.read_text().split("\n") if len(line.strip()) > 12]
    hidden_code += [line.strip() for line in (ROOT / "course" / "grading.py").read_text().split("\n")
                    if len(line.strip()) > 12 and not line.strip().startswith(('"""', "#"))]
    for assignment, text in feedback[student].items():
        shown = {line.strip() for line in text.split("\n")}
        # lines that the notebook has outside the hidden tests (`import numpy as np`, the
        # reference's `return dx, dW, db`) prove nothing
        source = (root / "source" / assignment / f"{assignment}.ipynb").read_text()
        visible = _lines(re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", source, flags=re.S))
        leaked = [line for line in hidden_code if line in shown and line not in visible]
        assert not leaked, f"the feedback of {student} on {assignment} shows hidden code: {leaked[:5]}"


def _lines(notebook_json: str) -> set[str]:
    """Every line of every cell of a notebook, stripped."""
    return {line.strip() for cell in nbformat.reads(notebook_json, as_version=4).cells
            for line in cell.source.split("\n")}


def test_released_notebooks_hold_no_solution_and_no_hidden_test(cycle):
    root, _ = cycle
    for assignment, exercises in EXERCISES.items():
        released = (root / "release" / assignment / f"{assignment}.ipynb").read_text()
        source = (root / "source" / assignment / f"{assignment}.ipynb").read_text()
        for marker in ("BEGIN HIDDEN TESTS", "grade_hidden", "def run_hidden_test", "BEGIN SOLUTION"):
            assert marker in source  # so that the check below can fail
            assert marker not in released, f"{marker!r} is in the released {assignment}"
        released_lines, source_lines = _lines(released), _lines(source)
        for exercise in exercises:
            solution_lines = {line.strip() for line in course_tool.solution_body(exercise).split("\n")}
            for line in solution_lines - {line.strip() for line in exercise.starter.split("\n")} - {""}:
                assert line in source_lines, line  # so that the check can fail
                assert line not in released_lines, f"solution line {line!r} of {exercise.label} is released"


def test_every_coding_exercise_has_a_hidden_test():
    labels = [e.label for exercises in EXERCISES.values() for e in exercises]
    assert labels, "no coding exercise found in book/*.ipynb"
    missing = [label for label in labels if not (course_tool.HIDDEN_TESTS / f"{label}.py").exists()]
    assert not missing, f"coding exercises without a hidden test in course/hidden_tests/: {missing}"


def test_an_exercise_without_hidden_test_stops_the_tool(tmp_path):
    hidden = tmp_path / "hidden_tests"
    shutil.copytree(course_tool.HIDDEN_TESTS, hidden)
    chapter = ROOT / "book" / f"{next(iter(EXERCISES))}.ipynb"
    dropped = EXERCISES[chapter.stem][0]
    (hidden / f"{dropped.label}.py").unlink()
    with pytest.raises(course_tool.CourseError, match=f"{dropped.label}.*has no hidden test"):
        course_tool.write_course(tmp_path / "out", [chapter], hidden_tests=hidden)


def test_full_assignment_is_the_students_notebook_plus_graded_cells(tmp_path):
    """Without --exercises-only, an assignment keeps every cell of the students' notebook."""
    for assignment, exercises in EXERCISES.items():
        chapter = ROOT / "book" / f"{assignment}.ipynb"
        students = strip_solutions(nbformat.read(chapter, as_version=4))
        graded = course_tool.assignment(chapter)
        kept = [c.source for c in graded.cells if "nbgrader" not in c.metadata]
        expected = [c.source for c in students.cells if "exercise-starter" not in c.metadata.get("tags", [])]
        assert kept == expected, assignment
        grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in graded.cells if "nbgrader" in c.metadata]
        assert grade_ids == [f"{e.label}{suffix}" for e in exercises for suffix in ("", "-public", "-hidden")]
