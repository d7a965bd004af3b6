"""The ``kpi-sources`` directive: the report's data appendix.

One row per table: its file, rows, columns, the span of its dates and a short
sha256, so a reader can check which version of the data the report shows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from .errors import ReportError, warn
from .formatting import format_value
from .shared import get_session

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
        settings = session.settings
        names = [
            n.strip() for n in self.options.get("tables", "").split(",") if n.strip()
        ]
        rows: list[tuple[str, ...]] = []
        for name in names or sorted(settings.tables):
            if name not in settings.tables:
                warn(
                    ReportError("table", f"unknown table {name!r} in :tables:"),
                    (self.env.docname, self.lineno),
                )
                continue
            path = settings.tables[name]
            self.env.note_dependency(str(path))
            shown = (
                path.relative_to(settings.srcdir)
                if path.is_relative_to(settings.srcdir)
                else Path(path.name)
            )
            try:
                facts = session.engine.facts(name)
            except ReportError as error:
                warn(error, (self.env.docname, self.lineno))
                rows.append((name, shown.as_posix(), "⚠ unreadable", "", "", ""))
                continue
            dates = ""
            if facts.dates:
                first, last = (
                    format_value(day, None, settings.locale) for day in facts.dates
                )
                dates = f"{first} \N{EN DASH} {last}"
            rows.append(
                (
                    name,
                    shown.as_posix(),
                    format_value(facts.rows, "integer", settings.locale),
                    ", ".join(facts.columns),
                    dates,
                    facts.sha256[:12],
                )
            )
        return [self._table(rows)]

    @staticmethod
    def _table(rows: list[tuple[str, ...]]) -> nodes.table:
        group = nodes.tgroup(cols=len(HEADER))
        for index, title in enumerate(HEADER):
            width = max([len(title), *(len(row[index]) for row in rows)])
            group += nodes.colspec(colwidth=min(width, 40))
        group += nodes.thead("", _row(HEADER))
        group += nodes.tbody("", *(_row(row) for row in rows))
        return nodes.table("", group, classes=["kpi-sources"])


def _row(cells: tuple[str, ...]) -> nodes.row:
    return nodes.row(
        "", *(nodes.entry("", nodes.paragraph(cell, cell)) for cell in cells)
    )
