"""The ``kpi-table`` directive: a real table computed from data.

The cells come from :mod:`.table_spec`; here they become a docutils table
(so Sphinx numbers it for ``{numref}`` and every builder writes it: HTML, a
longtable in LaTeX that breaks across pages with its header repeated, text,
man, Texinfo), in a region that scrolls sideways on a narrow screen, with
header cells that say their scope, bars drawn in HTML only, and the data as
CSV to download.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from .build_state import get_session
from .doctree import numbered_name, skip
from .errors import ReportError
from .myst_options import check_not_cut
from .output_files import ensure_copy
from .provenance import caption_label
from .report_warnings import warn
from .spreadsheet import csv_text

if TYPE_CHECKING:
    from .table_spec import Cell, ShownTable

TABLE_PLACEHOLDER = "⚠ table unavailable"
#: The table's text is this wide (in characters) or less: LaTeX gives each
#: column its natural width; wider, the columns wrap within the line.
NATURAL_WIDTH = 72
#: The widest a column is measured, for its share of the line in LaTeX.
MAX_COLUMN_WIDTH = 30
#: The narrowest a wrapping LaTeX column is, in characters.
MIN_SHARE = 8


class kpi_table_region(nodes.container):
    """The box around a table: in HTML a named, focusable region that
    scrolls sideways; elsewhere the container it is."""


class kpi_header_cell(nodes.entry):
    """A header cell, of its column (``scope="col"``) or of its row (the
    first column's cells); every builder but HTML writes it as an entry."""


class kpi_table_bar(nodes.Inline, nodes.Element):
    """The bar in a cell, beside its number (HTML only: print and text show
    the number alone)."""


class kpi_table_download(nodes.General, nodes.Element):
    """A link to the table's data as CSV, under the table (HTML only)."""


#: What each option does; the reference documentation lists them.
TABLE_OPTION_HELP: dict[str, str] = {
    "sql": "A query whose rows are the table's rows.",
    "data": "A table or named view, whole, instead of :sql:.",
    "metric": "A metric of the project file whose query gives the rows.",
    "columns": "Comma-separated COLUMN=Label entries: which columns, in which "
    "order, under which heading (a column without =Label keeps its name).",
    "formats": "Comma-separated COLUMN=FORMAT entries: any format a card takes.",
    "total": "Comma-separated numeric columns to sum in a Total row.",
    "sort": "COLUMN, COLUMN asc or COLUMN desc (empty values last).",
    "limit": "Show the first N rows (1 to 1,000), and the rest as one row.",
    "others": "The label of the row of the rest (default: All others).",
    "bar": "A numeric column whose cells get a bar (HTML).",
    "good": "Comma-separated COLUMN=up or COLUMN=down: change columns coloured "
    "good or bad, with their sign shown.",
    "download": "Add a link to the table's data as CSV (HTML).",
    "name": "A label for {numref} and {ref}.",
    "class": "Extra CSS classes for the table.",
}


class KpiTableDirective(SphinxDirective):
    """A table of a query's rows, with labels, formats, totals and bars."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True  # only to tell a query that MyST cut from its option
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "sql": directives.unchanged_required,
        "data": directives.unchanged_required,
        "metric": directives.unchanged_required,
        "columns": directives.unchanged,
        "formats": directives.unchanged,
        "total": directives.unchanged,
        "sort": directives.unchanged,
        "limit": directives.unchanged,
        "others": directives.unchanged,
        "bar": directives.unchanged,
        "good": directives.unchanged,
        "download": directives.flag,
        "name": directives.unchanged,
        "class": directives.class_option,
    }
    option_help: ClassVar[dict[str, str]] = TABLE_OPTION_HELP

    def run(self) -> list[nodes.Node]:
        location = (self.env.docname, self.lineno)
        try:
            return self._table(location)
        except ReportError as error:
            warn(error, location)
            classes = ["kpi-unavailable", "kpi-table-unavailable"]
            placeholder = nodes.paragraph(
                TABLE_PLACEHOLDER, TABLE_PLACEHOLDER, classes=classes
            )
            self.set_source_info(placeholder)
            return [placeholder]

    def _query(self) -> str:
        """The query of :sql:, :data: or :metric: (exactly one of them)."""
        given = [key for key in ("sql", "data", "metric") if key in self.options]
        if len(given) != 1:
            which = " and ".join(f":{key}:" for key in given) or "none"
            raise ReportError(
                "option",
                f"kpi-table takes one of :sql:, :data: or :metric:, not {which}",
            )
        check_not_cut("sql", self.options.get("sql"), self.content)
        if self.content:
            raise ReportError(
                "option", "kpi-table takes no content: its caption is its argument"
            )
        if "sql" in self.options:
            return str(self.options["sql"])
        if "data" in self.options:
            name = str(self.options["data"]).strip().replace('"', '""')
            return f'SELECT * FROM "{name}"'
        name = str(self.options["metric"]).strip()
        definition = get_session(self.env).definitions.metrics.get(name)
        if definition is None:
            raise ReportError("metric", f"unknown metric {name!r} in :metric:")
        if definition.sql is None:
            raise ReportError(
                "option",
                f"metric {name!r} is computed by a function, not a query: "
                "a table needs a metric with sql",
            )
        return definition.sql

    def _table(self, location: tuple[str, int]) -> list[nodes.Node]:
        from . import table_spec
        from .presentation import sources

        session = get_session(self.env)
        sql = self._query()
        options = table_spec.parse_options(self.options)  # before any query runs
        result = session.query(self.env, location, sql)
        label = caption_label(self.arguments, self.options.get("name"))
        session.record_data(self.env, location, result, "table", label)
        shown = table_spec.shape(
            result.columns, result.rows, options, session.definitions.numbers
        )
        table = self._table_node(shown)
        facts = sources(session.engine, result.tables)
        region = kpi_table_region(
            "",
            classes=["kpi-table-region"],
            sources="; ".join(fact.shown() for fact in facts),
            query=" ".join(sql.split()),
        )
        region += addnodes.tabular_col_spec(spec=latex_columns(shown))
        region += table
        found: list[nodes.Node] = [region]
        if "download" in self.options:
            caption = table.next_node(nodes.title)
            found.append(
                kpi_table_download(
                    "",
                    header=list(shown.csv_header),
                    rows=[list(row) for row in shown.csv_rows],
                    table_ids=list(table["ids"]),
                    caption=" ".join(caption.astext().split()) if caption else "",
                )
            )
        return found

    def _table_node(self, shown: ShownTable) -> nodes.table:
        classes = ["kpi-table", "longtable", "colwidths-auto"]
        table = nodes.table("", classes=[*classes, *self.options.get("class", [])])
        self.set_source_info(table)
        if self.arguments:
            text = self.arguments[0]
            inline, messages = self.state.inline_text(text, self.lineno)
            title = nodes.title(text, "", *inline)
            self.set_source_info(title)
            table += title
            table += messages
        self.add_name(table)
        # the cells are data, shown as written: no smart quotes ("a" -- b)
        group = nodes.tgroup(cols=len(shown.header), support_smartquotes=False)
        for index, width in enumerate(column_widths(shown)):
            group += nodes.colspec(colwidth=width, stub=int(index == 0))
        group += nodes.thead("", _row(shown.header, shown.numeric, scope="col"))
        body = nodes.tbody()
        body.extend(_row(cells, shown.numeric) for cells in shown.body)
        for cells, kind in ((shown.others, "others"), (shown.total, "total")):
            if cells is not None:
                body += _row(cells, shown.numeric, classes=[f"kpi-table-{kind}"])
        group += body
        table += group
        return table


def _row(
    cells: Sequence[Cell | str],
    numeric: Sequence[bool],
    scope: str = "row",
    classes: Sequence[str] = (),
) -> nodes.row:
    """A row; its first cell (every cell of a header row) a header cell."""
    row = nodes.row("", classes=list(classes))
    for index, cell in enumerate(cells):
        text = cell if isinstance(cell, str) else cell.text
        paragraph = nodes.paragraph(text, "")
        names = ["kpi-table-number"] if numeric[index] and index else []
        if not isinstance(cell, str):
            if cell.bar is not None:
                paragraph += kpi_table_bar("", width=round(cell.bar * 100, 1))
                names.append("kpi-table-bar-cell")
            if cell.change is not None:
                names.append(f"kpi-delta-{cell.change}")
        paragraph += nodes.Text(text)
        if scope == "col" or index == 0:
            entry: nodes.entry = kpi_header_cell("", paragraph, scope=scope)
        else:
            entry = nodes.entry("", paragraph)
        entry["classes"] = names
        row += entry
    return row


def column_widths(shown: ShownTable) -> list[int]:
    """Each column's width in characters, as text output and LaTeX size it:
    its longest cell, capped (a longer one wraps)."""
    rows = [shown.header, *(tuple(c.text for c in row) for row in _rows(shown))]
    return [
        max(3, min(MAX_COLUMN_WIDTH, max(len(row[k]) for row in rows)))
        for k in range(len(shown.header))
    ]


def _rows(shown: ShownTable) -> list[tuple[Cell, ...]]:
    extra = [cells for cells in (shown.others, shown.total) if cells is not None]
    return [*shown.body, *extra]


def latex_columns(shown: ShownTable) -> str:
    """The LaTeX column spec: natural widths when the table fits the line,
    else shares of the line that wrap; numbers flush right either way."""
    widths = column_widths(shown)
    natural = sum(widths) + 2 * len(widths) <= NATURAL_WIDTH
    widths = [max(width, MIN_SHARE) for width in widths]  # "+25%" stays whole
    specs = []
    for width, numeric in zip(widths, shown.numeric, strict=True):
        if natural:
            specs.append("r" if numeric else "l")
        else:
            share = rf"\X{{{width}}}{{{sum(widths)}}}"
            specs.append(
                rf">{{\raggedleft\arraybackslash}}{share}" if numeric else share
            )
    specs[0] = "l" if natural else rf"\X{{{widths[0]}}}{{{sum(widths)}}}"
    return "".join(specs)


def visit_region_html(self: Any, node: kpi_table_region) -> None:
    """A focusable region named by the table's caption, which it scrolls
    sideways on a narrow screen, with where the data came from."""
    serial = getattr(self, "_kpi_table_serial", 0) + 1
    self._kpi_table_serial = serial
    table = node.next_node(nodes.table)
    title = table.next_node(nodes.title) if table is not None else None
    attributes = {"role": "region", "tabindex": "0"}
    if title is not None:
        base = table["ids"][0] if table["ids"] else f"kpi-table-{serial}"
        title["ids"].append(f"{base}-caption")
        attributes["aria-labelledby"] = f"{base}-caption"
    else:
        attributes["aria-label"] = "Table"
    if node.get("sources"):
        attributes["data-kpi-sources"] = node["sources"]
    if node.get("query"):
        attributes["data-kpi-query"] = node["query"]
    self.body.append(self.starttag(node, "div", **attributes))


def depart_region_html(self: Any, node: kpi_table_region) -> None:
    self.body.append("</div>\n")


def visit_header_cell_html(self: Any, node: kpi_header_cell) -> None:
    """A <th> with its scope, which docutils does not write."""
    self.visit_entry(node)
    start = self.body[-1]
    assert start.startswith("<th"), start
    self.body[-1] = f'<th scope="{node["scope"]}"{start[3:]}'


def depart_header_cell_html(self: Any, node: kpi_header_cell) -> None:
    self.depart_entry(node)


def visit_bar_html(self: Any, node: kpi_table_bar) -> None:
    self.body.append(
        '<span class="kpi-table-bar" aria-hidden="true">'
        f'<span style="width: {node["width"]}%"></span></span>'
    )
    raise nodes.SkipNode


def table_name(self: Any, node: kpi_table_download) -> str:
    """How the page names the table, as HTML: "Table 2", else its caption in
    quotes, else "the table above"."""
    name = numbered_name(self, "table", node["table_ids"], node["caption"] or "")
    return name or "the table above"


def visit_download_html(self: Any, node: kpi_table_download) -> None:
    if not self.builder.name.startswith("epub"):  # no downloads from an e-book
        content = csv_text(node["header"], node["rows"]).encode("utf-8")
        name = f"kpi-table-{hashlib.sha256(content).hexdigest()[:24]}.csv"
        ensure_copy(
            Path(self.builder.outdir) / "_downloads" / "grantreport" / name, content
        )
        href = html.escape(f"{self.builder.dlpath}/grantreport/{name}")
        self.body.append(
            f'<p class="kpi-table-download"><a href="{href}" download>'
            f"Download the data of {table_name(self, node)} (CSV)</a></p>\n"
        )
    raise nodes.SkipNode


def setup_tables(app: Sphinx) -> None:
    app.add_node(kpi_table_region, html=(visit_region_html, depart_region_html))
    app.add_node(
        kpi_header_cell, html=(visit_header_cell_html, depart_header_cell_html)
    )
    for node, visit in (
        (kpi_table_bar, visit_bar_html),
        (kpi_table_download, visit_download_html),
    ):
        app.add_node(
            node,
            html=(visit, None),
            latex=(skip, None),
            text=(skip, None),
            man=(skip, None),
            texinfo=(skip, None),
        )
    app.add_directive("kpi-table", KpiTableDirective)
