"""Report-wide LaTeX: the package of card and progress macros, a report's
title block instead of a manual's, and placeholders pdflatex can typeset."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.fileutil import copy_asset_file
from sphinx.util.i18n import format_date

from .doctree import separate_footnote_marks

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


class FootnoteSeparators(SphinxPostTransform):
    """Footnote references side by side read "1,2", not footnote "12": a
    superscript comma between them (before Sphinx turns them into LaTeX)."""

    default_priority = 590
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        separate_footnote_marks(
            self.document,
            lambda: nodes.raw("", r"\grantreportfootnotesep{}", format="latex"),
        )


def report_date(config: Config) -> str | None:
    """The date of the PDF's title block: ``grantreport_date`` (a date is
    written with ``today_fmt``, by default "December 31, 2023"), else Sphinx's
    ``today`` or ``today_fmt`` when the project sets one, else none: never
    silently the day of the build."""
    value = config.grantreport_date
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        moment = datetime.datetime(value.year, value.month, value.day)
        fmt = config.today_fmt or "%B %d, %Y"
        return format_date(fmt, date=moment, language=config.language)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if config.today:
        return str(config.today)
    if config.today_fmt:
        return format_date(config.today_fmt, language=config.language)
    return None


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
    date = report_date(config)
    if date:
        lines.append(r"\vspace{0.3em}{\small " + escape(date) + r"\par}")
    lines += [
        r"\end{flushleft}",
        r"\noindent{\color{grantreportbar}\rule{\linewidth}{1.2pt}}\par\bigskip",
    ]
    elements = config.latex_elements
    elements.setdefault("maketitle", "\n".join(lines))
    elements.setdefault("fncychap", "")
    # a figure stays where the sentence that introduces it is
    elements.setdefault("figure_align", "H")
    if not config.grantreport_latex_toc:
        elements.setdefault("tableofcontents", "")


def match_html_numbers(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """With ``grantreport_latex_report``, number figures, tables and code
    blocks as the HTML does (``env-updated``, once the numbers are known):
    "Fig. 5" through the report unless a numbered toctree gives the HTML
    section numbers too ("Fig. 3.2"), which LaTeX then keeps."""
    if app.builder.format != "latex" or not app.config.grantreport_latex_report:
        return []
    sectioned = any(
        len(number) > 1
        for kinds in env.toc_fignumbers.values()
        for numbers in kinds.values()
        for number in numbers.values()
    )
    context = getattr(app.builder, "context", None)
    if not sectioned and isinstance(context, dict):
        preamble = context.get("preamble", "")
        if r"\grantreportcontinuousnumbers" not in preamble:
            context["preamble"] = preamble + "\n\\grantreportcontinuousnumbers\n"
    return []


def _copy_package(app: Sphinx) -> None:
    if app.builder.format == "latex":
        copy_asset_file(LATEX_PACKAGE, Path(app.outdir), force=True)


def setup_latex(app: Sphinx) -> None:
    app.add_latex_package("sphinxgrantreport")
    app.add_post_transform(LatexPlaceholders)
    app.add_post_transform(FootnoteSeparators)
    # after the project file's settings are merged into the config
    app.connect("config-inited", apply_latex_report, priority=600)
    app.connect("builder-inited", _copy_package)
    app.connect("env-updated", match_html_numbers)
