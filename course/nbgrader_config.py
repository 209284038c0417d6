# nbgrader's configuration of the course, copied into the course folder by
# tools/course_assignments.py (see book/teachers.md, section "A graded course").
c = get_config()  # noqa: F821  (nbgrader provides get_config)

# The course's name in nbgrader's exchange (release, fetch, submit, collect).
c.CourseDirectory.course_id = "nnx"
# The exchange: a folder every learner can write to (nbgrader's default is
# /srv/nbgrader/exchange). Uncomment and set it on your JupyterHub:
# c.Exchange.root = "/srv/nbgrader/exchange"

# What a learner gets in place of the solution's code in an answer cell.
c.ClearSolutions.code_stub = {"python": 'raise NotImplementedError("your code here")'}

# A learner's function that never returns is stopped after this many seconds
# per cell, and the notebook graded as it stands.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120

# The feedback shows each test cell without its hidden part (nbgrader shows
# the hidden tests in the feedback otherwise); their outputs, the reasons a
# test failed, stay.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
