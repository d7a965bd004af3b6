"""The ``kpi-sources`` directive: the report's data appendix.

One row per table: its file (for a source's snapshot, also where it was
fetched from and when), rows, columns, the span of its dates and a short
sha256, so a reader can check which version of the data the report shows.
The table sits in a region of its own: in HTML a labelled, focusable box that
scrolls sideways on a narrow screen; in LaTeX a smaller type with column
widths that fit the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from .build_state import get_session
from .doctree import Cell, table_node
from .errors import ReportError
from .report_warnings import warn

HEADER = ("Table", "File", "Rows", "Columns", "Dates", "SHA-256")

#: The LaTeX widths of the columns, in fiftieths of the line: names and paths
#: wrap (at / . , and _), the dates take two lines, the 12-digit sha one.
LATEX_COLUMNS = r"\X{8}{50}\X{10}{50}\X{5}{50}\X{11}{50}\X{8}{50}\X{8}{50}"

#: A class of each column's cells, for the theme's CSS (dates do not wrap).
CELL_CLASSES = (
    "kpi-sources-table",
    "kpi-sources-file",
    "kpi-sources-rows",
    "kpi-sources-columns",
    "kpi-sources-dates",
    "kpi-sources-sha",
)

#: The cells shown as inline literals.
CODE_CELLS = {"kpi-sources-table", "kpi-sources-file", "kpi-sources-sha"}

#: The accessible name of the table's region in HTML.
REGION_LABEL = "Data sources"


class kpi_sources_region(nodes.container):
    """The box around the table. Builders without a visitor of their own
    (LaTeX, text, man) treat it as the container it is."""


def visit_region_html(self: Any, node: kpi_sources_region) -> None:
    self.body.append(
        self.starttag(
            node,
            "div",
            role="region",
            tabindex="0",
            **{"aria-label": node.get("label", REGION_LABEL)},
        )
    )


def depart_region_html(self: Any, node: kpi_sources_region) -> None:
    self.body.append("</div>\n")


class SourcesMarkup(SphinxPostTransform):
    """Names, paths and checksums in monospace for HTML and LaTeX (inline
    literals: LaTeX breaks them after / . , and, in the table, _ and -; the
    CSS lets HTML wrap them). Plain text and man pages keep the plain cells,
    which their column widths were measured by."""

    default_priority = 400
    formats = ("html", "latex")

    def run(self, **kwargs: Any) -> None:
        for region in list(self.document.findall(kpi_sources_region)):
            for body in region.findall(nodes.tbody):
                for entry in body.findall(nodes.entry):
                    classes = set(entry["classes"])
                    if classes & CODE_CELLS:
                        for paragraph in entry.findall(nodes.paragraph):
                            if any(True for _ in paragraph.findall(nodes.literal)):
                                continue  # a source's cell: marked up already
                            text = paragraph.astext()
                            paragraph[:] = [nodes.literal(text, text)]


def _cell_classes(table: nodes.table) -> None:
    for row in table.findall(nodes.row):
        for entry, name in zip(row.children, CELL_CLASSES, strict=False):
            entry["classes"].append(name)


class KpiSourcesDirective(SphinxDirective):
    """A table of the report's data files (all of them, or those named)."""

    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "tables": directives.unchanged_required,
    }
    option_help: ClassVar[dict[str, str]] = {
        "tables": "Comma-separated table names to list (default: every table).",
    }

    def run(self) -> list[nodes.Node]:
        from .datafiles import shown_path

        session = get_session(self.env)
        definitions = session.definitions
        numbers = definitions.numbers
        location = (self.env.docname, self.lineno)
        names = [
            n.strip() for n in self.options.get("tables", "").split(",") if n.strip()
        ]
        rows: list[tuple[Cell, ...]] = []
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
            file: Cell = shown
            if (origin := facts.origin) is not None:  # a source's snapshot
                day = numbers.format(origin.fetched_time.date())
                file = _origin(shown, origin.fetched, day)
            dates: Cell = ""
            if facts.dates:
                first, last = (numbers.format(day) for day in facts.dates)
                dates = _span(f"{first} \N{EN DASH}", last)
            rows.append(
                (
                    name,
                    file,
                    numbers.format(facts.rows, "integer"),
                    ", ".join(facts.columns),
                    dates,
                    facts.sha256[:12],
                )
            )
        table = table_node(HEADER, rows, ["kpi-sources"], max_width=40)
        _cell_classes(table)
        region = kpi_sources_region(
            "", classes=["kpi-sources-region"], label=REGION_LABEL
        )
        region += addnodes.tabular_col_spec(spec=LATEX_COLUMNS)
        region += table
        return [region]


def _origin(shown: str, fetched: str, day: str) -> nodes.inline:
    """A snapshot's file, what it was fetched from (its first line: a
    database source's query is in the lock file) and the day, in the
    report's language (the time is in the lock file)."""
    first = fetched.splitlines()[0]
    cell = nodes.inline()
    cell += nodes.literal(shown, shown)
    cell += nodes.Text(" from ")
    cell += nodes.literal(first, first)
    cell += nodes.Text(", fetched ")
    cell += nodes.inline(day, day, classes=["kpi-sources-day"])
    return cell


def _span(first: str, last: str) -> nodes.inline:
    """The first and last date, each kept on one line (in HTML), so a narrow
    column breaks the span after its dash and nowhere else."""
    span = nodes.inline()
    span += nodes.inline(first, first, classes=["kpi-sources-day"])
    span += nodes.Text(" ")
    span += nodes.inline(last, last, classes=["kpi-sources-day"])
    return span


def setup_sources(app: Sphinx) -> None:
    app.add_node(kpi_sources_region, html=(visit_region_html, depart_region_html))
    app.add_post_transform(SourcesMarkup)
    app.add_directive("kpi-sources", KpiSourcesDirective)
