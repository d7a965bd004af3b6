"""The ``kpi-figure`` directive: a Sphinx figure whose chart is drawn from data.

As Sphinx's graphviz extension does, the directive stores the chart's data
and options in a node when the page is read, and each builder's visitor draws
the file it needs when the page is written: SVG for HTML, PDF for LaTeX, PNG
for epub (:mod:`.chart_files`). Files are named by a hash of everything that
shapes them and kept in a cache under the doctree directory, so an unchanged
chart is never redrawn.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective, SphinxTranslator

from .build_state import get_session
from .chart_files import chart_file
from .doctree import depart_nothing, numbered_name, skip, table_node
from .errors import ReportError
from .figure_options import CHART_OPTIONS, FIGURE_OPTION_HELP
from .myst_options import check_not_cut
from .output_files import ensure_copy, least_width
from .provenance import caption_label
from .report_warnings import warn

if TYPE_CHECKING:
    from .chart_spec import Table

FIGURE_PLACEHOLDER = "⚠ figure unavailable"
#: A chart's rows are kept in the doctree: more than this is a mistake (a
#: missing GROUP BY), not a chart.
MAX_CHART_ROWS = 10_000
PLACEHOLDER_CLASSES = "kpi-unavailable kpi-figure-unavailable"


class kpi_chart(nodes.General, nodes.Element):
    """The chart inside a kpi-figure: its data, options and alt text."""


class kpi_download(nodes.General, nodes.Element):
    """A link to the chart's data as CSV, under its caption (HTML only)."""


class kpi_data(nodes.container):
    """The plotted data as a table, folded away under the chart in HTML: under
    every chart drawn from data on a web page, and in print and text only
    where the figure asks for it with :table: (``explicit``)."""


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
    option_help: ClassVar[dict[str, str]] = FIGURE_OPTION_HELP

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
            if "table" in self.options or table is not None:
                extra.append(self._data_table(table, chart))
                extra[-1]["explicit"] = "table" in self.options
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
        from . import chart_spec  # here: a build with no chart to read loads none

        session = get_session(self.env)
        definitions = session.definitions
        location = (self.env.docname, self.lineno)
        sources = [key for key in ("sql", "data") if key in self.options]
        if len(sources) > 1:
            raise ReportError("option", "kpi-figure takes :sql: or :data:, not both")
        if not sources and "plot" not in self.options:
            raise ReportError("option", "kpi-figure needs :sql:, :data: or :plot:")
        check_not_cut("sql", self.options.get("sql"), self.content)
        table = None
        if sources:
            sql = self.options.get("sql") or f'SELECT * FROM "{self.options["data"]}"'
            result = session.query(self.env, location, sql)
            label = caption_label(self.content, self.options.get("name"))
            session.record_data(self.env, location, result, "figure", label)
            if len(result.rows) > MAX_CHART_ROWS:
                raise ReportError(
                    "result",
                    f"query returned {len(result.rows):,} rows, more than a chart "
                    f"can show ({MAX_CHART_ROWS:,}): aggregate them in SQL",
                )
            table = chart_spec.Table(result.columns, result.rows)
        options = {
            key: self.options[key] for key in CHART_OPTIONS if key in self.options
        }
        module_files: tuple[Path, ...] = ()
        if "plot" in self.options:
            _, module_files = session.evaluator.import_function(self.options["plot"])
            session.note(self.env, module_files)  # the plot module and its helpers
            alt = chart_spec.clean_text(self.options.get("alt", ""))
        else:
            if table is None:
                raise ReportError(
                    "option", ":plot: is the only way to draw without data"
                )
            spec = chart_spec.parse_spec(options)
            data = chart_spec.prepare(table, spec)
            alt = chart_spec.clean_text(
                self.options.get("alt")
                or chart_spec.describe(data, spec, definitions.numbers)
            )
        session.note(
            self.env, [s for s in definitions.chart_styles if isinstance(s, Path)]
        )
        digest = chart_spec.chart_digest(
            options,
            table,
            definitions.numbers,
            definitions.chart_styles,
            self.options.get("plot"),
            module_files,
        )
        chart = kpi_chart("", options=options, alt=alt, digest=digest)
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
        from . import chart_spec

        details = kpi_data("", classes=["kpi-figure-data"])
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


def _draw_or_warn(
    translator: SphinxTranslator,
    node: kpi_chart,
    fmt: str,
    dark: bool = False,
    with_dark: bool = False,
) -> str | None:
    try:
        return chart_file(translator.builder, node, fmt, dark, with_dark)
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
        names.append(_draw_or_warn(self, node, fmt, dark, with_dark=len(variants) > 1))
        if names[-1] is None:
            break
    if None in names:
        self.body.append(f'<p class="{PLACEHOLDER_CLASSES}">{FIGURE_PLACEHOLDER}</p>')
        raise nodes.SkipNode
    images = Path(self.builder.outdir) / self.builder.imagedir
    least = least_width(images / str(names[0])) if fmt == "svg" else None
    if least:  # on a narrow screen the chart scrolls sideways rather than shrink
        self.body.append(  # its text below reading size; see grantreport.css
            '<div class="kpi-chart-scroll" tabindex="0" role="group" '
            f'aria-label="Chart" style="--kpi-chart-least: {least}px">\n'
        )
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
    if least:
        self.body.append("</div>\n")
    raise nodes.SkipNode


def visit_download_html(self: Any, node: kpi_download) -> None:
    chart = node.parent.next_node(kpi_chart)
    ebook = self.builder.name.startswith("epub")  # no downloads from an e-book
    if chart is not None and "columns" in chart and not ebook:
        name = f"kpi-data-{chart['digest']}.csv"
        from .chart_spec import Table

        target = Path(self.builder.outdir) / "_downloads" / "grantreport" / name
        table = Table(tuple(chart["columns"]), chart["rows"])
        ensure_copy(target, table.to_csv().encode("utf-8"))  # whole, if it was cut
        href = html.escape(f"{self.builder.dlpath}/grantreport/{name}")
        self.body.append(
            f'<p class="kpi-figure-download"><a href="{href}" download>'
            f"Download the data of {figure_name(self, node.parent)} (CSV)</a></p>\n"
        )
    raise nodes.SkipNode


def figure_name(self: Any, figure: nodes.Element | None) -> str:
    """How the page names a figure, as HTML: "Fig. 3", else its caption in
    quotes, else "the chart above"."""
    if isinstance(figure, nodes.figure):
        caption = figure.next_node(nodes.caption)
        text = caption.astext() if caption is not None else ""
        if name := numbered_name(self, "figure", figure["ids"], text):
            return name
    return "the chart above"


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


class ChartsAsText(SphinxPostTransform):
    """Text, man and Texinfo show a chart as "[chart: ALT]" (as graphviz
    does), in a paragraph whose Text each writer escapes like any other: alt
    text made of data can never become a roff request or a Texinfo command."""

    default_priority = 200
    formats = ("text", "man", "texinfo")

    def run(self, **kwargs: Any) -> None:
        for chart in list(self.document.findall(kpi_chart)):
            text = f"[chart: {chart['alt']}]"
            chart.replace_self(nodes.paragraph(text, text, classes=["kpi-chart-text"]))


def visit_data_html(self: Any, node: kpi_data) -> None:
    """The table folded under its figure, named after it ("Data of Fig. 3"),
    in a focusable region named by that summary, which scrolls sideways when
    the table is wider than the page."""
    index = node.parent.index(node)
    figure = node.parent[index - 1] if index else None
    serial = getattr(self, "_kpi_data_serial", 0) + 1
    self._kpi_data_serial = serial
    summary_id = f"kpi-figure-data-{serial}"
    self.body.append(
        f'<details class="kpi-figure-data"><summary id="{summary_id}">'
        f"Data of {figure_name(self, figure)}</summary>\n"
        f'<div class="kpi-figure-data-region" role="region" tabindex="0" '
        f'aria-labelledby="{summary_id}">\n'
    )


def visit_data_latex(self: Any, node: kpi_data) -> None:
    """In print the figure floats away: name it above its data."""
    if node.get("figure_id"):
        label = self.idescape(f"{self.curfilestack[-1]}:{node['figure_id']}")
        name = self.escape(self.config.numfig_format["figure"] % "")
        heading = f"Data of {name}\\ref{{{label}}}"
        self.body.append(f"\n\\par\\noindent{{\\small\\bfseries {heading}}}\\par\n")


def depart_data_html(self: Any, node: kpi_data) -> None:
    self.body.append("</div></details>\n")


class DataTablesInPrint(SphinxPostTransform):
    """Print, text, man and Texinfo keep a figure's data table only where the
    figure asks for it (:table:); on a web page every chart has one."""

    default_priority = 199  # before ChartsAsText, whatever it changes
    formats = ("latex", "text", "man", "texinfo")

    def run(self, **kwargs: Any) -> None:
        for data in list(self.document.findall(kpi_data)):
            if not data.get("explicit", True):
                data.parent.remove(data)


def setup_figures(app: Sphinx) -> None:
    app.add_node(
        kpi_chart,
        html=(visit_chart_html, None),
        latex=(visit_chart_latex, None),
    )
    app.add_post_transform(ChartsAsText)
    app.add_post_transform(DataTablesInPrint)
    # the alt text above, and values in captions and titles, in man pages
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
