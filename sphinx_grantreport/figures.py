"""The ``kpi-figure`` directive: a Sphinx figure whose chart is drawn from data.

As Sphinx's graphviz extension does, the directive stores the chart's data
and options in a node when the page is read, and each builder's visitor draws
the file it needs when the page is written: SVG for HTML, PDF for LaTeX, PNG
for epub. Files are named by a hash of everything that shapes them and kept in
a cache under the doctree directory, so an unchanged chart is never redrawn.
"""

from __future__ import annotations

import hashlib
import html
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.util.docutils import SphinxDirective, SphinxTranslator

from . import chart_spec
from .chart_spec import ChartSpec, Table
from .doctree import depart_nothing, skip, table_node
from .errors import ReportError
from .report_warnings import warn
from .session import get_session
from .version import package_version

#: Options that shape the chart (all strings, parsed by chart_spec.parse_spec).
CHART_OPTIONS = (
    "kind", "x", "y", "series", "stacked", "color", "sort", "title", "xlabel",
    "ylabel", "yformat", "xformat", "labels", "colors", "legend", "figsize",
)  # fmt: skip

FIGURE_PLACEHOLDER = "⚠ figure unavailable"
#: A chart's rows are kept in the doctree: more than this is a mistake (a
#: missing GROUP BY), not a chart.
MAX_CHART_ROWS = 10_000
PLACEHOLDER_CLASSES = "kpi-unavailable kpi-figure-unavailable"
CACHE_DIR = "grantreport-charts"


class kpi_chart(nodes.General, nodes.Element):
    """The chart inside a kpi-figure: its data, options and alt text."""


class kpi_download(nodes.General, nodes.Element):
    """A link to the chart's data as CSV, under its caption (HTML only)."""


class kpi_data(nodes.container):
    """The plotted data as a table, folded away under the chart in HTML."""


def _flag(argument: str | None) -> str:
    return directives.flag(argument) or ""


class KpiFigureDirective(SphinxDirective):
    """A chart computed from a query, a table or a plot function, as a figure."""

    has_content = True
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "sql": directives.unchanged_required,
        "data": directives.unchanged_required,
        "plot": directives.unchanged_required,
        **dict.fromkeys(CHART_OPTIONS, directives.unchanged_required),
        "stacked": _flag,
        "download": directives.flag,
        "table": directives.flag,
        "name": directives.unchanged,
        "class": directives.class_option,
        "align": lambda arg: directives.choice(arg, ("left", "center", "right")),
        "alt": directives.unchanged,
        "width": directives.length_or_percentage_or_unitless,
    }

    #: What each option does; the reference documentation is built from it.
    option_help: ClassVar[dict[str, str]] = {
        "sql": "A query whose rows are the chart's data.",
        "data": "A whole table as the chart's data, instead of :sql:.",
        "plot": "module:function in the source dir, given the data (a Table) "
        "and returning a matplotlib Figure, instead of a declarative chart.",
        "kind": "bar (default), barh, line, area, step, scatter or pie.",
        "x": "The column on the x axis (default: the first).",
        "y": "One or more comma-separated columns to plot (default: the numeric ones).",
        "series": "A long-format column whose values become the series.",
        "stacked": "Stack the series instead of grouping them side by side.",
        "color": "A category column: each bar takes its category's colour, "
        "with a legend.",
        "sort": "descending or ascending: order the x values by their total.",
        "title": "A title above the chart.",
        "xlabel": "The x axis label.",
        "ylabel": "The y axis label.",
        "yformat": "The format of the values: a card format name such as "
        "compact, currency-compact or percent.",
        "xformat": "year, quarter (2021 Q1) or month, for dates on the x axis.",
        "labels": "values (on each bar) or total (on top of each stack).",
        "colors": "Comma-separated colours, replacing the palette.",
        "legend": "A matplotlib position, outside (right of the chart) or none.",
        "figsize": "WIDTH, HEIGHT in inches (default 6.4, 3.6).",
        "download": "Add a link to the plotted data as CSV (HTML).",
        "table": "Add a folded table of the plotted data after the figure.",
        "name": "A label for {numref} and {ref}.",
        "class": "Extra CSS classes for the figure.",
        "align": "left, center or right.",
        "alt": "The chart's alt text (default: generated from the chart).",
        "width": "The chart's width, such as 80% or 400px.",
    }

    def run(self) -> list[nodes.Node]:
        figure = nodes.figure(
            "", classes=["kpi-figure", *self.options.get("class", [])]
        )
        self.set_source_info(figure)
        if "align" in self.options:
            figure["align"] = self.options["align"]
        self.add_name(figure)
        extra: list[nodes.Node] = []
        try:
            chart, table = self._chart()
            figure += chart
            if "table" in self.options:
                extra.append(self._data_table(table, chart))
                if figure["ids"]:  # so print can say whose data it is
                    extra[-1]["figure_id"] = figure["ids"][0]
        except ReportError as error:
            warn(error, (self.env.docname, self.lineno))
            figure += nodes.paragraph(
                FIGURE_PLACEHOLDER,
                FIGURE_PLACEHOLDER,
                classes=PLACEHOLDER_CLASSES.split(),
            )
        figure.extend(self._caption())
        if "download" in self.options and figure.next_node(kpi_chart) is not None:
            figure += kpi_download()
        return [figure, *extra]

    def _chart(self) -> tuple[kpi_chart, Table | None]:
        session = get_session(self.env)
        definitions = session.definitions
        location = (self.env.docname, self.lineno)
        sources = [key for key in ("sql", "data") if key in self.options]
        if len(sources) > 1:
            raise ReportError("option", "kpi-figure takes :sql: or :data:, not both")
        if not sources and "plot" not in self.options:
            raise ReportError("option", "kpi-figure needs :sql:, :data: or :plot:")
        table = None
        if sources:
            sql = self.options.get("sql") or f'SELECT * FROM "{self.options["data"]}"'
            result = session.query(self.env, location, sql)
            if len(result.rows) > MAX_CHART_ROWS:
                raise ReportError(
                    "result",
                    f"query returned {len(result.rows):,} rows, more than a chart "
                    f"can show ({MAX_CHART_ROWS:,}): aggregate them in SQL",
                )
            table = Table(result.columns, result.rows)
        options = {
            key: self.options[key] for key in CHART_OPTIONS if key in self.options
        }
        digest = hashlib.sha256()
        if "plot" in self.options:
            _, module_files = session.evaluator.import_function(self.options["plot"])
            session.note(self.env, module_files)  # the plot module and its helpers
            for module_file in module_files:
                digest.update(module_file.read_bytes())
            alt = self.options.get("alt", "")
        else:
            if table is None:
                raise ReportError(
                    "option", ":plot: is the only way to draw without data"
                )
            spec = chart_spec.parse_spec(options)
            data = chart_spec.prepare(table, spec)
            alt = self.options.get("alt") or chart_spec.describe(
                data, spec, definitions.numbers
            )
        for style in definitions.chart_styles:
            if isinstance(style, Path):
                session.note(self.env, [style])
                digest.update(style.read_bytes())

        digest.update(
            repr(
                (
                    package_version(),
                    chart_spec.STYLE_FILE.read_bytes(),
                    sorted(options.items()),
                    self.options.get("plot"),
                    table,
                    str(definitions.numbers.locale),
                    definitions.numbers.currency,
                    [str(style) for style in definitions.chart_styles],
                )
            ).encode()
        )
        chart = kpi_chart("", options=options, alt=alt, digest=digest.hexdigest()[:24])
        if table is not None:
            chart["columns"], chart["rows"] = list(table.columns), list(table.rows)
        for key in ("plot", "width"):
            if key in self.options:
                chart[key] = self.options[key]
        self.set_source_info(chart)
        return chart, table

    def _caption(self) -> list[nodes.Node]:
        """Content as Sphinx's figure reads it: a caption paragraph, then a legend."""
        if not self.content:
            return []
        holder = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, holder)
        children = list(holder.children)
        if not children or not isinstance(children[0], nodes.paragraph):
            return children
        first = children[0]
        caption = nodes.caption(first.rawsource, "", *first.children)
        caption.source, caption.line = first.source, first.line
        result: list[nodes.Node] = [caption]
        if children[1:]:
            result.append(nodes.legend("", *children[1:]))
        return result

    def _data_table(self, table: Table | None, chart: kpi_chart) -> kpi_data:
        details = kpi_data(
            "", classes=["kpi-figure-data"], summary="Data for this chart"
        )
        if table is None:
            return details
        numbers = get_session(self.env).definitions.numbers
        yformat = chart["options"].get("yformat")
        xformat = chart["options"].get("xformat")
        texts = [
            [chart_spec.cell_text(value, yformat, xformat, numbers) for value in values]
            for values in table.rows
        ]
        details += table_node(table.columns, texts, ["kpi-figure-data-table"])
        return details


def chart_file(builder: Builder, node: kpi_chart, fmt: str, dark: bool = False) -> str:
    """The chart's file in the builder's output, drawn only if not cached."""
    name = f"kpi-chart-{node['digest']}{'-dark' if dark else ''}.{fmt}"
    cache = Path(builder.env.doctreedir) / CACHE_DIR / name
    if not cache.exists():
        _write_atomically(cache, render(builder, node, fmt, dark))
    target = Path(builder.outdir) / builder.imagedir / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache, target)
    return name


def render(builder: Builder, node: kpi_chart, fmt: str, dark: bool = False) -> bytes:
    """Draw the chart of a node as SVG, PDF or PNG bytes, light or dark."""
    from . import chart_drawing  # here: only a chart really drawn loads matplotlib

    session = get_session(builder.env)
    styles = session.definitions.chart_styles
    table = Table(tuple(node["columns"]), node["rows"]) if "columns" in node else None
    if "plot" in node:
        function, _ = session.evaluator.import_function(node["plot"])
        figure = chart_drawing.draw_with(function, table, styles, dark)
    else:
        assert table is not None
        spec: ChartSpec = chart_spec.parse_spec(node["options"])
        data = chart_spec.prepare(table, spec)
        figure = chart_drawing.draw(
            data, spec, session.definitions.numbers, styles, dark
        )
    return chart_drawing.save(figure, fmt, styles, dark)


def _write_atomically(path: Path, content: bytes) -> None:
    """Write through a temporary file, so parallel writers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as stream:
        stream.write(content)
    os.replace(temporary, path)


def _draw_or_warn(
    translator: SphinxTranslator, node: kpi_chart, fmt: str, dark: bool = False
) -> str | None:
    try:
        return chart_file(translator.builder, node, fmt, dark)
    except ReportError as error:
        warn(error, node)
    except Exception as exc:  # a user's style or plot function broke matplotlib
        warn(
            ReportError("plot", f"cannot draw the chart: {type(exc).__name__}: {exc}"),
            node,
        )
    return None


def visit_chart_html(self: Any, node: kpi_chart) -> None:
    """An <img> of the chart; on web pages of a theme with a dark mode also
    its dark variant, which the extension's CSS shows when the page is dark."""
    ebook = self.builder.name.startswith("epub")
    fmt = "png" if ebook else "svg"
    settings = get_session(self.builder.env).definitions.settings
    dark = settings.wants_dark_charts(self.config.html_theme) and not ebook
    variants = [False, True] if dark else [False]
    names = []
    for dark in variants:  # a chart that fails warns once, not per variant
        names.append(_draw_or_warn(self, node, fmt, dark))
        if names[-1] is None:
            break
    if None in names:
        self.body.append(f'<p class="{PLACEHOLDER_CLASSES}">{FIGURE_PLACEHOLDER}</p>')
        raise nodes.SkipNode
    for name, dark in zip(names, variants, strict=True):
        attributes = {
            "src": f"{self.builder.imgpath}/{name}",
            "alt": node["alt"],
            "class": "kpi-chart" + (" kpi-chart-dark" if dark else " kpi-chart-light"),
        }
        if dark:
            attributes["loading"] = "lazy"  # not fetched while hidden
        if node.get("width"):
            attributes["style"] = f"width: {node['width']}"
        elif fmt == "png":  # drawn at 2x: show at half its pixel width, sharp
            png = Path(self.builder.outdir) / self.builder.imagedir / str(name)
            pixels = int.from_bytes(png.read_bytes()[16:20], "big")
            attributes["width"] = str(pixels // 2)
        text = " ".join(
            f'{key}="{html.escape(value)}"' for key, value in attributes.items()
        )
        self.body.append(f"<img {text} />\n")
    raise nodes.SkipNode


def visit_download_html(self: Any, node: kpi_download) -> None:
    chart = node.parent.next_node(kpi_chart)
    ebook = self.builder.name.startswith("epub")  # no downloads from an e-book
    if chart is not None and "columns" in chart and not ebook:
        name = f"kpi-data-{chart['digest']}.csv"
        target = Path(self.builder.outdir) / "_downloads" / "grantreport" / name
        if not target.exists():
            table = Table(tuple(chart["columns"]), chart["rows"])
            _write_atomically(target, table.to_csv().encode("utf-8"))
        href = html.escape(f"{self.builder.dlpath}/grantreport/{name}")
        self.body.append(
            f'<p class="kpi-figure-download"><a href="{href}" download>'
            "Download the data (CSV)</a></p>\n"
        )
    raise nodes.SkipNode


def visit_chart_latex(self: Any, node: kpi_chart) -> None:
    name = _draw_or_warn(self, node, "pdf")
    if name is None:
        self.body.append(r"\fbox{figure unavailable}")
        raise nodes.SkipNode
    width = node.get("width")
    options = f"[width={self.latex_image_length(width)}]" if width else ""
    base, ext = os.path.splitext(name)
    self.body.append(f"\\sphinxincludegraphics{options}{{{{{base}}}{ext}}}\n")
    raise nodes.SkipNode


def visit_chart_text(self: Any, node: kpi_chart) -> None:
    self.add_text(f"[chart: {node['alt']}]")
    raise nodes.SkipNode


def visit_chart_body(self: Any, node: kpi_chart) -> None:
    """Man pages and Texinfo: the alt text, as graphviz does."""
    self.body.append(f"[chart: {node['alt']}]")
    raise nodes.SkipNode


def visit_data_html(self: Any, node: kpi_data) -> None:
    summary = html.escape(node["summary"])
    self.body.append(f'<details class="kpi-figure-data"><summary>{summary}</summary>\n')


def visit_data_latex(self: Any, node: kpi_data) -> None:
    """In print the figure floats away: name it above its data."""
    if node.get("figure_id"):
        label = self.idescape(f"{self.curfilestack[-1]}:{node['figure_id']}")
        name = self.escape(self.config.numfig_format["figure"] % "")
        heading = f"Data of {name}\\ref{{{label}}}"
        self.body.append(f"\n\\par\\noindent{{\\small\\bfseries {heading}}}\\par\n")


def depart_data_html(self: Any, node: kpi_data) -> None:
    self.body.append("</details>\n")


def setup_figures(app: Sphinx) -> None:
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
    app.add_directive("kpi-figure", KpiFigureDirective)
