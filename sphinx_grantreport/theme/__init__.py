"""The ``grantreport`` HTML theme: a readable single-column layout for reports.

Registered through the ``sphinx.html_themes`` entry point, so
``html_theme = "grantreport"`` is all a project needs; Sphinx then loads this
module as an extension. Adding ``"sphinx_grantreport.theme"`` to
``extensions`` works too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _report_context(
    app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """The report's organisation and period for the header, where the theme's
    options leave them out (the extension's settings, if it is loaded)."""
    for name in ("organisation", "period"):
        context[f"grantreport_{name}"] = getattr(
            app.config, f"grantreport_{name}", None
        )


def setup(app: Any) -> dict[str, bool]:
    app.add_html_theme("grantreport", str(Path(__file__).parent / "grantreport"))
    app.connect("html-page-context", _report_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
