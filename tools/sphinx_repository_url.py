"""Sphinx extension: the repository's address as a MyST substitution, ``{{ repository_url }}``.

The address has one home, ``repository: url:`` in ``_config.yml``, which
jupyter-book hands to the theme (``html_theme_options["repository_url"]``)
for the launch and repository buttons. The teachers' page names it too, so
this extension copies it into ``myst_substitutions`` under
``repository_url``; ``tools/colab_install_cell.py`` writes it into the
chapters' install cells. Nothing else spells it out.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError


def _add_substitution(app: Sphinx, config: Config) -> None:
    url = (config.html_theme_options or {}).get("repository_url")
    if not url:
        raise ConfigError("_config.yml has no `repository: url:`, which the teachers' page and "
                          "the launch buttons need")
    config.myst_substitutions = {**(config.myst_substitutions or {}), "repository_url": url}


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _add_substitution)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
