"""The ``grantreport`` HTML theme: a readable single-column layout for reports.

Registered through the ``sphinx.html_themes`` entry point, so
``html_theme = "grantreport"`` is all a project needs; Sphinx then loads this
module as an extension. Adding ``"sphinx_grantreport.theme"`` to
``extensions`` works too, and then a project can switch to another theme
(furo, alabaster, ...) with the grantreport options still in
``html_theme_options``: those the other theme does not know are dropped, not
warned about.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

THEME_DIR = Path(__file__).parent / "grantreport"


@cache
def theme_options() -> dict[str, str]:
    """The options of the grantreport theme (theme.toml) and their defaults."""
    with open(THEME_DIR / "theme.toml", "rb") as stream:
        return dict(tomllib.load(stream).get("options", {}))


def _report_context(
    app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """The report's organisation and period for the header, where the theme's
    options leave them out (the extension's settings, if it is loaded)."""
    for name in ("organisation", "period"):
        context[f"grantreport_{name}"] = getattr(
            app.config, f"grantreport_{name}", None
        )


def _drop_foreign_options(app: Any) -> None:
    """With another theme active, leave out the grantreport options it does
    not support (``builder-inited``, before the HTML builder checks them when
    it starts writing), so that ``html_theme_options`` written for the
    grantreport theme builds warning-free under furo or alabaster. Options
    that are not grantreport's still warn, as Sphinx does."""
    theme = getattr(app.builder, "theme", None)
    given = getattr(app.builder, "theme_options", None)
    if theme is None or not given or theme.name == "grantreport":
        return
    supported = theme.get_options({})
    ours = theme_options()
    app.builder.theme_options = {
        name: value
        for name, value in given.items()
        if name in supported or name not in ours
    }


class FootnoteSeparators(SphinxPostTransform):
    """The theme shows footnote references as bare superscript numbers, so two
    side by side would read as footnote "12": a superscript comma goes between
    them."""

    default_priority = 590
    formats = ("html",)

    def is_supported(self) -> bool:
        return super().is_supported() and self.config.html_theme == "grantreport"

    def run(self, **kwargs: Any) -> None:
        from ..doctree import separate_footnote_marks

        separate_footnote_marks(
            self.document, lambda: nodes.inline("", ",", classes=["gr-fn-sep"])
        )


def setup(app: Any) -> dict[str, bool]:
    app.add_html_theme("grantreport", str(THEME_DIR))
    app.connect("html-page-context", _report_context)
    app.connect("builder-inited", _drop_foreign_options)
    app.add_post_transform(FootnoteSeparators)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
