"""The Sphinx extension: each module registers what users write with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from .build_state import setup_build_state
from .builder import setup_builder
from .card_grids import setup_card_grids
from .cards import setup_cards
from .config import setup_config
from .entity_pages import setup_entity_pages
from .figures import setup_figures
from .indicators import setup_indicators
from .latex import setup_latex
from .manpage import setup_manpage
from .mystmd_compat import setup_mystmd_compat
from .provenance import setup_provenance
from .roles import setup_roles
from .source_snapshots import setup_source_snapshots
from .sources import setup_sources
from .tables import setup_tables
from .values import setup_values
from .version import package_version

STATIC_DIR = Path(__file__).parent / "static"
CSS_FILE = "grantreport.css"

#: Bumped when what the extension keeps in the environment changes shape,
#: so that Sphinx rereads every page instead of loading stale records.
ENV_VERSION = 3


def _add_css(app: Sphinx) -> None:
    """The card CSS, served as a static path for HTML builders only (as
    sphinx-design does); the report's own _static files of the same name win."""
    if app.builder.format == "html":
        app.config.html_static_path.insert(0, str(STATIC_DIR))
        app.add_css_file(CSS_FILE)
        app.add_js_file("grantreport.js")


def setup_extension(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx_design")
    # the grantreport theme's own options are dropped under another theme
    app.setup_extension("sphinx_grantreport.theme")
    setup_config(app)
    setup_build_state(app)
    setup_provenance(app)
    setup_values(app)
    setup_indicators(app)
    setup_cards(app)
    setup_card_grids(app)
    setup_roles(app)
    setup_figures(app)
    setup_sources(app)
    setup_source_snapshots(app)
    setup_tables(app)
    setup_entity_pages(app)
    setup_latex(app)
    setup_manpage(app)
    setup_builder(app)
    setup_mystmd_compat(app)
    app.connect("builder-inited", _add_css)
    return {
        "version": package_version(),
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
