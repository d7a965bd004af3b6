"""The ``kpi-sources`` directive: the report's data appendix.

One row per table: its file, rows, columns, the span of its dates and a short
sha256, so a reader can check which version of the data the report shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from .datafiles import shown_path
from .doctree import table_node
from .errors import ReportError
from .report_warnings import warn
from .session import get_session

HEADER = ("Table", "File", "Rows", "Columns", "Dates", "SHA-256")


class KpiSourcesDirective(SphinxDirective):
    """A table of the report's data files (all of them, or those named)."""

    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "tables": directives.unchanged_required,
    }
    option_help: ClassVar[dict[str, str]] = {
        "tables": "Comma-separated table names to list (default: every table).",
    }

    def run(self) -> list[nodes.Node]:
        session = get_session(self.env)
        definitions = session.definitions
        numbers = definitions.numbers
        location = (self.env.docname, self.lineno)
        names = [
            n.strip() for n in self.options.get("tables", "").split(",") if n.strip()
        ]
        rows: list[tuple[str, ...]] = []
        for name in names or sorted(definitions.tables):
            if name not in definitions.tables:
                warn(
                    ReportError("table", f"unknown table {name!r} in :tables:"),
                    location,
                )
                continue
            path = definitions.tables[name]
            session.note(self.env, [path, *definitions.files])
            if clash := definitions.data.clashes.get(name):
                warn(ReportError("data", clash), location)
            shown = shown_path(path, definitions.srcdir)
            try:
                facts = session.engine.facts(name)
            except ReportError as error:
                session.warn_once(error, location)
                rows.append((name, shown, "⚠ unreadable", "", "", ""))
                continue
            dates = ""
            if facts.dates:
                first, last = (numbers.format(day) for day in facts.dates)
                dates = f"{first} \N{EN DASH} {last}"
            rows.append(
                (
                    name,
                    shown,
                    numbers.format(facts.rows, "integer"),
                    ", ".join(facts.columns),
                    dates,
                    facts.sha256[:12],
                )
            )
        return [table_node(HEADER, rows, ["kpi-sources"], max_width=40)]


def setup_sources(app: Sphinx) -> None:
    app.add_directive("kpi-sources", KpiSourcesDirective)
