"""One helper for the Sphinx extensions of tools/ that edit the written
pages at ``build-finished`` (sphinx_a11y, sphinx_plain_code_spans,
sphinx_search_scripts). Our own few lines; no third-party code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable


def rewrite_built_pages(outdir: Path, transform: Callable[[str], str], skip: tuple[Path, ...] = ()) -> None:
    """Apply ``transform`` to every HTML page under ``outdir`` but ``skip``;
    write back only the pages it changed."""
    for path in Path(outdir).rglob("*.html"):
        if path in skip:
            continue
        text = path.read_text(encoding="utf-8")
        changed = transform(text)
        if changed != text:
            path.write_text(changed, encoding="utf-8")
