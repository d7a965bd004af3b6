"""The ``grantreport`` HTML theme: a readable single-column layout for reports.

Registered through the ``sphinx.html_themes`` entry point, so
``html_theme = "grantreport"`` is all a project needs; Sphinx then loads this
module as an extension. Adding ``"sphinx_grantreport.theme"`` to
``extensions`` works too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def setup(app: Any) -> dict[str, bool]:
    app.add_html_theme("grantreport", str(Path(__file__).parent / "grantreport"))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
