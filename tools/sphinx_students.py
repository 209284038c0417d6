"""Sphinx extension: the students' site, a copy of the book that can be published.

The students' build is the build without the solutions: ``hide_solutions``
true, or ``NNX_HIDE_SOLUTIONS=1`` as ``make book-students`` sets it (see
tools/sphinx_hide_solutions.py, which this extension loads and which removes
the solutions from the pages). Leaving out the solutions is not enough to
publish that copy: its pages would still lead to them. So in the students'
build this extension also

- leaves out the pages named in ``students_leave_out`` (``_config.yml``:
  the teachers' page, which says where the solutions are). They are taken out
  of the table of contents and out of the build, so the site has no such page
  and its navigation, search and previous/next links never name it.
- turns every link to such a page, from any other page, into its plain text:
  a Markdown link ``[For teachers](teachers.md)`` (with or without ``#id``)
  and a ``{doc}`` role alike, so the build stays free of warnings. A
  ``{ref}`` to a label on a left-out page is not handled: it fails the build
  (-W) with Sphinx's "undefined label" warning rather than pointing anywhere.
- turns off the buttons that open the repository, whose notebooks hold the
  solutions: the launch buttons (Binder, Colab, JupyterHub, Thebe) and the
  repository, issues, source and edit buttons. (The download button and the
  ``_sources/`` copies are turned off by sphinx_hide_solutions.)

``students_repository_url`` (default empty) is for a teacher who publishes
the students' notebooks in a repository of their own, laid out as this one
(the chapters in ``book/``, on the branch of ``repository: branch:``): set to
its address, the students' build keeps the launch and repository buttons and
points them there instead.

With ``hide_solutions`` false (the full book) this extension changes nothing.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import docname_join

# The theme's buttons that link to the repository (sphinx-book-theme 1.3;
# use_edit_page_button comes from the PyData theme).
REPOSITORY_BUTTONS = (
    "use_repository_button",
    "use_issues_button",
    "use_source_button",
    "use_edit_page_button",
)


def _strip_suffix(name: str, suffixes) -> str:
    for suffix in suffixes:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def left_out_docnames(config: Config) -> set[str]:
    """The document names of ``students_leave_out``, without file suffixes."""
    return {_strip_suffix(str(name), config.source_suffix) for name in config.students_leave_out}


def _turn_off_repository_links(config: Config) -> None:
    options = dict(config.html_theme_options or {})
    if config.students_repository_url:
        options["repository_url"] = config.students_repository_url
    else:
        options["launch_buttons"] = {}
        for button in REPOSITORY_BUTTONS:
            options[button] = False
    config.html_theme_options = options


def _leave_out_of_toc(config: Config, docnames: set[str]) -> None:
    """Take ``docnames`` out of sphinx-external-toc's site map and out of the build."""
    site_map = getattr(config, "external_site_map", None)
    if site_map is None:
        raise ConfigError(
            "students_leave_out needs the table of contents of sphinx-external-toc "
            "(jupyter-book's _toc.yml); this build has none"
        )
    in_map = {_strip_suffix(name, config.source_suffix): name for name in site_map}
    missing = sorted(docnames - in_map.keys())
    if missing:
        raise ConfigError(
            f"students_leave_out names pages that are not in the table of contents: "
            f"{missing}; expected document names such as 'book/teachers' (from _toc.yml)"
        )
    for docname in sorted(docnames):
        children = site_map[in_map[docname]].child_files()
        if children:
            raise ConfigError(
                f"students_leave_out: {docname!r} has pages under it in the table of "
                f"contents ({children}); name them in students_leave_out too, or move them"
            )
    for name in list(site_map):
        document = site_map[name]
        for toctree in document.subtrees:
            toctree.items = [
                item for item in toctree.items
                if _strip_suffix(str(item), config.source_suffix) not in docnames
            ]
        # A part (a caption) whose only pages were left out would be an empty heading.
        document.subtrees = [toctree for toctree in document.subtrees if toctree.items]
    for docname in docnames:
        del site_map[in_map[docname]]
    config.exclude_patterns = list(config.exclude_patterns) + [
        docname + suffix for docname in sorted(docnames) for suffix in config.source_suffix
    ]


def _configure(app: Sphinx, config: Config) -> None:
    if not config.hide_solutions:
        return
    _turn_off_repository_links(config)
    docnames = left_out_docnames(config)
    if docnames:
        _leave_out_of_toc(config, docnames)


def linked_docname(node: addnodes.pending_xref, suffixes) -> str | None:
    """The document a cross-reference points to, or None if it names no document.

    Handles MyST's Markdown links to a page (``[text](page.md)``, resolved by
    myst-parser to a document name, or left as a path when the file is not
    being built) and Sphinx's ``{doc}`` role (relative to the linking page).
    """
    target = node.get("reftarget") or ""
    refdoc = node.get("refdoc", "")
    if node.get("reftype") == "myst" and node.get("refdomain") == "doc":
        return target
    if node.get("reftype") == "doc":
        return docname_join(refdoc, target)
    if node.get("reftype") == "myst" and not node.get("refdomain"):
        path = target.split("#", 1)[0]
        if not path:
            return None
        return docname_join(refdoc, _strip_suffix(path, suffixes))
    return None


class UnlinkLeftOutPages(SphinxPostTransform):
    """Replace each link to a left-out page by its text (students' build only)."""

    # Before myst-parser's MystReferenceResolver (9) and Sphinx's
    # ReferencesResolver (10), which would warn about the missing page.
    default_priority = 5

    def run(self, **kwargs) -> None:
        if not self.config.hide_solutions:
            return
        left_out = left_out_docnames(self.config)
        if not left_out:
            return
        for node in list(self.document.findall(addnodes.pending_xref)):
            if linked_docname(node, self.config.source_suffix) not in left_out:
                continue
            text = node.astext() or node.get("reftarget", "")
            node.replace_self(nodes.inline(text, text))


def setup(app: Sphinx) -> dict:
    # The students' build is the one without the solutions: its switch
    # (hide_solutions, NNX_HIDE_SOLUTIONS) is read there.
    app.setup_extension("sphinx_hide_solutions")
    app.add_config_value("students_leave_out", [], "env", [list])
    app.add_config_value("students_repository_url", "", "env", [str])
    # After sphinx-external-toc has read _toc.yml (config-inited, priority 900)
    # and after sphinx_hide_solutions has read NNX_HIDE_SOLUTIONS (500).
    app.connect("config-inited", _configure, priority=950)
    app.add_post_transform(UnlinkLeftOutPages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
