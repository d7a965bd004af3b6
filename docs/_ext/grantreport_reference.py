"""Reference tables generated from the code, so the documentation cannot drift.

``.. grantreport-reference:: kpi-card`` (or ``kpi-figure``, ``config``,
``formats``, ``warnings``) renders a two-column table from the tables that the
package itself uses: directive ``option_help``, the settings dataclass,
``NAMED_FORMATS`` and ``SUBTYPES``.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinx_grantreport.card_grids import KpiCardsDirective
from sphinx_grantreport.cards import KpiCardDirective
from sphinx_grantreport.doctree import table_node
from sphinx_grantreport.errors import SUBTYPES
from sphinx_grantreport.figures import KpiFigureDirective
from sphinx_grantreport.formatting import NAMED_FORMATS
from sphinx_grantreport.page_sets import PAGE_FIELD_HELP
from sphinx_grantreport.project_file import SECTIONS
from sphinx_grantreport.settings import PREFIX, default_of, setting_fields
from sphinx_grantreport.sources import KpiSourcesDirective
from sphinx_grantreport.tables import KpiTableDirective


def _rows(topic: str) -> tuple[tuple[str, str], list[tuple[str, str]]]:
    if topic == "kpi-card":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiCardDirective.option_help.items()
        ]
    if topic == "kpi-figure":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiFigureDirective.option_help.items()
        ]
    if topic == "kpi-table":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiTableDirective.option_help.items()
        ]
    if topic == "kpi-cards":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiCardsDirective.option_help.items()
        ]
    if topic == "kpi-sources":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiSourcesDirective.option_help.items()
        ]
    if topic == "config":
        return ("Setting (default)", "Meaning"), [
            (f"{PREFIX}{spec.name} = {default_of(spec)!r}", spec.metadata["help"])
            for spec in setting_fields()
        ]
    if topic == "project-file":
        return ("Section", "Holds"), [
            (f"[{name}]", meaning) for name, meaning in SECTIONS.items()
        ]
    if topic == "page-set":
        return ("Field", "Holds"), list(PAGE_FIELD_HELP.items())
    if topic == "formats":
        return ("Format", "Meaning"), list(NAMED_FORMATS.items())
    if topic == "warnings":
        return ("Warning type", "Cause"), [
            (f"grantreport.{name}", cause) for name, cause in SUBTYPES.items()
        ]
    raise ValueError(f"unknown reference topic {topic!r}")


class ReferenceTable(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        try:
            header, rows = _rows(self.arguments[0])
        except ValueError as exc:
            raise self.error(str(exc)) from None
        cells = [(nodes.literal(name, name), meaning) for name, meaning in rows]
        return [table_node(header, cells, ["grantreport-reference"], max_width=70)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("grantreport-reference", ReferenceTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
