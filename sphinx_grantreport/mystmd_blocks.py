"""The block directives under mystmd: ``kpi-figure`` (the same chart code
as the Sphinx build, as SVG), ``kpi-table`` and ``kpi-sources``. No Sphinx
here."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .datafiles import shown_path
from .errors import ReportError
from .figure_options import CHART_OPTIONS
from .mystmd_nodes import (
    BODY,
    CHART_DIR,
    FIGURE_PLACEHOLDER,
    VALUE_PLACEHOLDER,
    Answer,
    Node,
    paragraph,
    row,
    text,
)
from .output_files import check_svg, write_atomically
from .spreadsheet import csv_text

if TYPE_CHECKING:
    from .chart_spec import Table
    from .mystmd_engine import MystReport

#: The kpi-sources appendix's columns (as in the Sphinx build).
SOURCES_HEADER = ("Table", "File", "Rows", "Columns", "Dates", "SHA-256")


def figure(report: MystReport, item: Mapping[str, Any], answer: Answer) -> None:
    options = dict(item.get("options") or {})
    figure: Node = {"type": "container", "kind": "figure", "children": []}
    if name := options.get("name"):
        figure["label"] = name
        figure["identifier"] = name.lower()
    after: list[Node] = []
    try:
        image, data = chart(report, options)
    except ReportError as error:
        answer.warn(error)
        figure["children"].append(paragraph(text(FIGURE_PLACEHOLDER)))
    else:
        figure["children"].append(image)
        after = _data(report, options, data)
    figure["children"].append({"type": "caption", "children": [BODY]})
    answer.nodes = [figure, *after]


def _data(report: MystReport, options: Mapping[str, Any], data: Table) -> list[Node]:
    """What :download: and :table: add after a figure: a link to its data as
    CSV, and a folded table of it (as the Sphinx build does)."""
    from . import chart_spec

    nodes: list[Node] = []
    if "download" in options:
        nodes.append(_download(report, data.to_csv()))
    if "table" in options:
        numbers = report.definitions.numbers
        yformat, xformat = options.get("yformat"), options.get("xformat")
        rows = [row(data.columns, [False] * len(data.columns), header=True)]
        for values in data.rows:
            cells = [chart_spec.cell_text(v, yformat, xformat, numbers) for v in values]
            rows.append(row(cells, [False] * len(cells)))
        nodes.append(
            {
                "type": "admonition",
                "class": "dropdown",
                "children": [
                    {
                        "type": "admonitionTitle",
                        "children": [text("Data of the chart")],
                    },
                    {"type": "table", "children": rows},
                ],
            }
        )
    return nodes


def _download(report: MystReport, csv: str) -> Node:
    """A link to data as a CSV file, named by its content (mystmd copies a
    linked file into the site)."""
    content = csv.encode("utf-8")
    name = f"data-{hashlib.sha256(content).hexdigest()[:24]}.csv"
    path = report.root / CHART_DIR / name
    if not path.is_file():
        write_atomically(path, content)
    link = {
        "type": "link",
        "url": f"/{(CHART_DIR / name).as_posix()}",
        "children": [text("Download the data (CSV)")],
    }
    return paragraph(link)


def chart(report: MystReport, options: Mapping[str, Any]) -> tuple[Node, Table]:
    """The chart drawn as SVG into the project's _build/grantreport, once
    for each content: a file named by the hash of all it is drawn from."""
    from . import chart_spec

    sources = [key for key in ("sql", "data") if key in options]
    if len(sources) != 1:
        raise ReportError("option", "kpi-figure needs :sql: or :data: (one)")
    sql = options.get("sql") or f'SELECT * FROM "{options["data"]}"'
    result = report.engine.query(sql)
    table = chart_spec.Table(result.columns, result.rows)
    chart_options = {key: options[key] for key in CHART_OPTIONS if key in options}
    spec = chart_spec.parse_spec(chart_options)
    data = chart_spec.prepare(table, spec)
    numbers = report.definitions.numbers
    alt = chart_spec.clean_text(
        options.get("alt") or chart_spec.describe(data, spec, numbers)
    )
    styles = report.definitions.chart_styles
    digest = chart_spec.chart_digest(chart_options, table, numbers, styles)
    name = f"chart-{digest}.svg"
    path = report.root / CHART_DIR / name
    if not path.is_file():
        from . import chart_drawing

        drawn = chart_drawing.draw(data, spec, numbers, styles)
        content = chart_drawing.save(drawn, "svg", styles, literal=True)
        check_svg(content)
        write_atomically(path, content)
    url = f"/{(CHART_DIR / name).as_posix()}"
    return {"type": "image", "url": url, "alt": alt}, table


def table(report: MystReport, item: Mapping[str, Any], answer: Answer) -> None:
    """A kpi-table: the rows of its query, shaped by the same code as in
    the Sphinx build (columns, formats, sort, limit, others, total)."""
    from . import table_spec

    options = dict(item.get("options") or {})
    container: Node = {"type": "container", "kind": "table", "children": []}
    if name := options.get("name"):
        container["label"] = name
        container["identifier"] = name.lower()
    if item.get("arg"):
        container["children"].append(
            {"type": "caption", "children": [paragraph(text(str(item["arg"])))]}
        )
    try:
        parsed = table_spec.parse_options(options)
        if ("sql" in options) == ("data" in options):
            raise ReportError("option", "kpi-table needs :sql: or :data: (one)")
        sql = options.get("sql") or f'SELECT * FROM "{options["data"]}"'
        result = report.engine.query(sql)
        shown = table_spec.shape(
            result.columns, result.rows, parsed, report.definitions.numbers
        )
    except ReportError as error:
        answer.warn(error)
        container["children"].append(paragraph(text(VALUE_PLACEHOLDER)))
        answer.nodes = [container]
        return
    rows = [row(shown.header, shown.numeric, header=True)]
    for cells in [*shown.body, *filter(None, (shown.others, shown.total))]:
        rows.append(row([cell.text for cell in cells], shown.numeric))
    container["children"].append({"type": "table", "children": rows})
    answer.nodes = [container]
    if "download" in options:
        answer.nodes.append(
            _download(report, csv_text(shown.csv_header, shown.csv_rows))
        )


def sources(report: MystReport, item: Mapping[str, Any], answer: Answer) -> None:
    """The data appendix: each table's file (or source), rows, columns,
    dates and sha256."""
    options = dict(item.get("options") or {})
    numbers = report.definitions.numbers
    asked = [n.strip() for n in options.get("tables", "").split(",") if n.strip()]
    rows = [row(SOURCES_HEADER, (False, False, True, False, False, False), True)]
    for name in asked or sorted(report.definitions.tables):
        if name not in report.definitions.tables:
            answer.warn(ReportError("table", f"unknown table {name!r} in :tables:"))
            continue
        try:
            facts = report.engine.facts(name)
        except ReportError as error:
            answer.warn(error)
            continue
        file = shown_path(facts.path, report.root)
        if facts.origin is not None:
            day = numbers.format(facts.origin.fetched_time.date())
            first = facts.origin.fetched.splitlines()[0]
            file = f"{file} from {first}, fetched {day}"
        dates = ""
        if facts.dates:
            first_day, last_day = (numbers.format(day) for day in facts.dates)
            dates = f"{first_day} \N{EN DASH} {last_day}"
        count = numbers.format(facts.rows, "integer")
        columns = ", ".join(facts.columns)
        cells = (name, file, count, columns, dates, facts.sha256[:12])
        rows.append(row(cells, (False, False, True, False, False, False)))
    answer.nodes = [{"type": "table", "children": rows}]
