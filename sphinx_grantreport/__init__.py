"""Sphinx extension for reports whose numbers are computed from data at build time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.fileutil import copy_asset_file

from .builder import KpisBuilder
from .cards import (
    KpiCardDirective,
    PrintCardShape,
    depart_card_latex,
    kpi_card,
    visit_card_latex,
)
from .config import CONFIG_VALUES, apply_latex_report
from .figures import (
    KpiFigureDirective,
    depart_data_html,
    depart_nothing,
    kpi_chart,
    kpi_data,
    kpi_download,
    skip,
    visit_chart_body,
    visit_chart_html,
    visit_chart_latex,
    visit_chart_text,
    visit_data_html,
    visit_data_latex,
    visit_download_html,
)
from .indicators import (
    kpi_progress,
    kpi_sparkline,
    skip_node,
    visit_progress_html,
    visit_progress_latex,
    visit_progress_text,
    visit_sparkline_html,
    visit_sparkline_latex,
    visit_sparkline_text,
)
from .roles import KpiRole
from .shared import (
    LatexPlaceholders,
    ProseClaims,
    close_session,
    depart_kpi_value_html,
    init_settings,
    kpi_value,
    merge_values,
    pack_values,
    purge_values,
    read_settings_before_reading,
    visit_kpi_value_html,
)
from .sources import KpiSourcesDirective

__version__ = "0.1.0"

STATIC_DIR = Path(__file__).parent / "static"
CSS_FILE = "grantreport.css"
LATEX_PACKAGE = Path(__file__).parent / "latex" / "sphinxgrantreport.sty"


def _add_assets(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.add_css_file(CSS_FILE)
    elif app.builder.format == "latex":
        copy_asset_file(LATEX_PACKAGE, Path(app.outdir), force=True)


def _copy_css(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        copy_asset_file(STATIC_DIR / CSS_FILE, Path(app.outdir) / "_static", force=True)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the config values, directives, role and CSS."""
    app.setup_extension("sphinx_design")
    for name, (default, rebuild, types, description) in CONFIG_VALUES.items():
        app.add_config_value(name, default, rebuild, types, description=description)
    app.add_node(kpi_value, html=(visit_kpi_value_html, depart_kpi_value_html))
    app.add_node(kpi_card, latex=(visit_card_latex, depart_card_latex))
    app.add_node(
        kpi_progress,
        html=(visit_progress_html, None),
        latex=(visit_progress_latex, None),
        text=(visit_progress_text, None),
        man=(skip_node, None),
        texinfo=(skip_node, None),
    )
    app.add_node(
        kpi_sparkline,
        html=(visit_sparkline_html, None),
        latex=(visit_sparkline_latex, None),
        text=(visit_sparkline_text, None),
        man=(skip_node, None),
        texinfo=(skip_node, None),
    )
    app.add_post_transform(PrintCardShape)
    app.add_post_transform(LatexPlaceholders)
    app.add_latex_package("sphinxgrantreport")
    app.add_node(
        kpi_chart,
        html=(visit_chart_html, None),
        latex=(visit_chart_latex, None),
        text=(visit_chart_text, None),
        man=(visit_chart_body, None),
        texinfo=(visit_chart_body, None),
    )
    app.add_node(
        kpi_download,
        html=(visit_download_html, None),
        latex=(skip, None),
        text=(skip, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    app.add_node(
        kpi_data,
        html=(visit_data_html, depart_data_html),
        latex=(visit_data_latex, depart_nothing),
    )
    app.add_directive("kpi-card", KpiCardDirective)
    app.add_directive("kpi-figure", KpiFigureDirective)
    app.add_directive("kpi-sources", KpiSourcesDirective)
    app.add_role("kpi", KpiRole())
    app.add_transform(ProseClaims)
    app.add_builder(KpisBuilder)
    app.connect("env-purge-doc", purge_values)
    app.connect("env-merge-info", merge_values)
    app.connect("env-updated", pack_values)
    app.connect("config-inited", apply_latex_report)
    app.connect("builder-inited", init_settings)
    app.connect("env-before-read-docs", read_settings_before_reading)
    app.connect("builder-inited", _add_assets)
    app.connect("build-finished", _copy_css)
    app.connect("build-finished", close_session)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
