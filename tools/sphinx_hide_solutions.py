"""Sphinx extension: a students' build of the book, with no solution in it.

Why: sphinx-exercise (1.2.1) has a switch ``hide_solutions``, but it only
drops a plain ``{solution}`` directive. A *gated* solution, the form the
chapters use so that a solution can hold executed code cells::

    ```{solution-start} some-exercise      <- markdown cell
    ```
    ... prose, code cells and their outputs ...
    ```{solution-end}                      <- a later markdown cell
    ```

loses only its opening: the cells in between stay on the page (the
solution's code and output are shown to the students), and the left-over
``solution_end_node`` has no HTML writer, so the build warns "unknown node
type: <solution_end_node: >".

What this extension does, only when ``hide_solutions`` is true:

- ``solution-start`` leaves a marker node where the solution began (it still
  does sphinx-exercise's bookkeeping, so a missing ``solution-end`` is still
  reported by sphinx-exercise).
- A transform, run while each page is read, deletes the marker and every
  following node of the same parent up to and including the
  ``solution_end_node``. myst-nb puts the blocks of a markdown cell and the
  ``container`` node of each code cell (with its outputs) side by side in the
  enclosing section, so this removes the prose, the code and the outputs.
- The pages' source files are not copied into the site (``_sources/``, which
  the theme's download button links to, would hand out the notebooks with
  their solutions), and the download button, which would point there, is
  left out.

The environment variable ``NNX_HIDE_SOLUTIONS`` overrides the value of
``hide_solutions`` in ``_config.yml``: ``1`` builds without the solutions,
``0`` with them, so a students' copy needs no second configuration file::

    NNX_HIDE_SOLUTIONS=1 jupyter-book build . --path-output _build/students

With ``hide_solutions`` false the extension changes nothing. The rest of
what makes the students' copy fit to publish (no teachers' page, no launch
or repository buttons) is in tools/sphinx_students.py.
"""

from __future__ import annotations

import os

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx_exercise.directive import SolutionStartDirective
from sphinx_exercise.nodes import solution_end_node

logger = logging.getLogger(__name__)

ENV_VAR = "NNX_HIDE_SOLUTIONS"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def hide_solutions_from_environment(value: str | None) -> bool | None:
    """Read the value of NNX_HIDE_SOLUTIONS.

    Args:
        value: the variable's text, or None when it is not set.

    Returns:
        True (hide the solutions), False (show them), or None when the
        variable is unset or empty (keep the value of the configuration).
    """
    if value is None or not value.strip():
        return None
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(
        f"{ENV_VAR} must be 1 (build without the solutions) or 0 (with "
        f"them); it is {value!r}"
    )


class hidden_solution(nodes.Element):
    """Where a gated solution began, in a build without the solutions.

    It never reaches a writer: RemoveHiddenSolutions deletes it, with the
    solution after it, while the page is read.
    """


class HidingSolutionStartDirective(SolutionStartDirective):
    """sphinx-exercise's ``solution-start``, leaving a marker when hiding."""

    def run(self) -> list[nodes.Node]:
        # The parent records the start for sphinx-exercise's check of the
        # start/end pairs; with hide_solutions it returns no node at all.
        result = super().run()
        if not self.config.hide_solutions:
            return result
        marker = hidden_solution()
        self.set_source_info(marker)
        return [marker]


class RemoveHiddenSolutions(SphinxTransform):
    """Delete each gated solution from its marker to its solution-end."""

    # After sphinx-exercise's CheckGatedDirectives (1), which stops the build
    # on unpaired or nested start/end directives; before its
    # MergeGatedSolutions (10), which has nothing left to merge.
    default_priority = 5

    def apply(self, **kwargs) -> None:
        for marker in list(self.document.findall(hidden_solution)):
            parent = marker.parent
            start = parent.index(marker)
            end = next(
                (
                    i
                    for i in range(start + 1, len(parent))
                    if isinstance(parent[i], solution_end_node)
                ),
                None,
            )
            if end is not None:
                del parent[start : end + 1]
                continue
            # A heading between solution-start and solution-end puts the end
            # into another section. Say so (the solution stays on the page),
            # and drop the end marker, which no writer could render.
            logger.warning(
                "solution-start has no solution-end in the same section, so "
                "this solution is NOT left out of the students' build; keep "
                "each solution within one section (no heading inside it)",
                location=marker,
            )
            stray_end = next(
                iter(marker.findall(solution_end_node, include_self=False, ascend=True)),
                None,
            )
            if stray_end is not None:
                stray_end.parent.remove(stray_end)
            parent.remove(marker)


def _configure(app: Sphinx, config: Config) -> None:
    hide = hide_solutions_from_environment(os.environ.get(ENV_VAR))
    if hide is not None:
        config.hide_solutions = hide
    if not config.hide_solutions:
        return
    config.html_copy_source = False
    config.html_theme_options = {
        **(config.html_theme_options or {}),
        "use_download_button": False,
    }


def setup(app: Sphinx) -> dict:
    # sphinx-exercise first: its solution-start is replaced here, and its
    # hide_solutions setting is read here.
    app.setup_extension("sphinx_exercise")
    app.add_directive("solution-start", HidingSolutionStartDirective, override=True)
    app.add_node(hidden_solution)
    app.add_transform(RemoveHiddenSolutions)
    app.connect("config-inited", _configure)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
