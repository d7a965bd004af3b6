"""Report-wide LaTeX: the package of card and progress macros, a report's
title block instead of a manual's, and placeholders pdflatex can typeset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.fileutil import copy_asset_file

LATEX_PACKAGE = Path(__file__).parent / "latex" / "sphinxgrantreport.sty"


class LatexPlaceholders(SphinxPostTransform):
    """Placeholders without the warning sign, and changes without their arrow
    (the sign says it), as pdflatex has neither glyph."""

    default_priority = 200
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(nodes.Element)):
            if "kpi-delta-arrow" in node["classes"] and node.parent is not None:
                node.parent.remove(node)
            elif "kpi-unavailable" in node["classes"]:
                text = node.astext().replace("⚠", "").strip()
                node.children = []
                node += nodes.strong(text, f"[{text}]")


def apply_latex_report(app: Sphinx, config: Config) -> None:
    """``grantreport_latex_report``: the LaTeX settings of a report rather than
    a manual (``config-inited``, after the project file's settings are in).
    Keys the user set in ``latex_elements`` win."""
    if not config.grantreport_latex_report:
        return
    from sphinx.util.texescape import escape

    config.latex_theme = "howto"
    lines = [
        r"\begin{flushleft}",
        r"{\Huge\bfseries\csname @title\endcsname\par}\vspace{0.6em}",
        r"{\Large "
        + escape(config.grantreport_organisation or config.author)
        + r"\par}",
    ]
    if config.grantreport_period:
        lines.append(r"{\large " + escape(config.grantreport_period) + r"\par}")
    lines += [
        r"\vspace{0.3em}{\small\csname @date\endcsname\par}",
        r"\end{flushleft}",
        r"\noindent{\color{grantreportbar}\rule{\linewidth}{1.2pt}}\par\bigskip",
    ]
    elements = config.latex_elements
    elements.setdefault("maketitle", "\n".join(lines))
    elements.setdefault("fncychap", "")
    if not config.grantreport_latex_toc:
        elements.setdefault("tableofcontents", "")


def _copy_package(app: Sphinx) -> None:
    if app.builder.format == "latex":
        copy_asset_file(LATEX_PACKAGE, Path(app.outdir), force=True)


def setup_latex(app: Sphinx) -> None:
    app.add_latex_package("sphinxgrantreport")
    app.add_post_transform(LatexPlaceholders)
    # after the project file's settings are merged into the config
    app.connect("config-inited", apply_latex_report, priority=600)
    app.connect("builder-inited", _copy_package)
