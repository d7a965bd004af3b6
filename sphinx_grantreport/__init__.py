"""Sphinx extension for reports whose numbers are computed from data at build time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.fileutil import copy_asset_file

from .cards import KpiCardDirective, kpi_card
from .config import CONFIG_VALUES
from .figures import (
    KpiFigureDirective,
    depart_data_html,
    kpi_chart,
    kpi_data,
    kpi_download,
    skip,
    visit_chart_body,
    visit_chart_html,
    visit_chart_latex,
    visit_chart_text,
    visit_data_html,
    visit_download_html,
)
from .roles import KpiRole
from .shared import (
    close_session,
    depart_kpi_value_html,
    init_settings,
    kpi_value,
    visit_kpi_value_html,
)

__version__ = "0.1.0"

STATIC_DIR = Path(__file__).parent / "static"
CSS_FILE = "grantreport.css"


def _add_css(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.add_css_file(CSS_FILE)


def _copy_css(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        copy_asset_file(STATIC_DIR / CSS_FILE, Path(app.outdir) / "_static", force=True)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the config values, directives, role and CSS."""
    app.setup_extension("sphinx_design")
    for name, (default, rebuild, types, description) in CONFIG_VALUES.items():
        app.add_config_value(name, default, rebuild, types, description=description)
    app.add_node(kpi_value, html=(visit_kpi_value_html, depart_kpi_value_html))
    app.add_node(kpi_card)
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
    app.add_node(kpi_data, html=(visit_data_html, depart_data_html))
    app.add_directive("kpi-card", KpiCardDirective)
    app.add_directive("kpi-figure", KpiFigureDirective)
    app.add_role("kpi", KpiRole())
    app.connect("builder-inited", init_settings)
    app.connect("builder-inited", _add_css)
    app.connect("build-finished", _copy_css)
    app.connect("build-finished", close_session)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
