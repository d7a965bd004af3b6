"""What a chart shows, without drawing it: a table and options in, plot data out.

Everything here is pure (no matplotlib, no Sphinx), so a page's chart options
are checked and its alt text written while the page is read, and a build that
draws nothing never imports matplotlib. :mod:`.chart_drawing` does the drawing.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates

from .errors import ReportError
from .figure_options import MAX_CATEGORIES
from .formatting import NumberStyle, format_value, is_number, parse_format
from .spreadsheet import csv_text
from .version import package_version

KINDS = ("bar", "barh", "line", "area", "step", "scatter", "pie")
SORTS = ("descending", "ascending")
XFORMATS = ("year", "quarter", "month")
LABELS = ("values", "total")
LEGEND_PLACES = (
    "best",
    "upper right",
    "upper left",
    "lower left",
    "lower right",
    "right",
    "center left",
    "center right",
    "lower center",
    "upper center",
    "center",
    "outside",
    "none",
)
#: How the alt text names each kind.
KIND_NAMES = {
    "bar": "Bar chart",
    "barh": "Horizontal bar chart",
    "line": "Line chart",
    "area": "Area chart",
    "step": "Step chart",
    "scatter": "Scatter plot",
    "pie": "Pie chart",
}

#: The style every chart starts from; ``grantreport_mpl_style`` goes on top.
#: Here, not in the drawing module, because the cache digest of every chart
#: reads it while the page is read, when matplotlib must not be imported.
STYLE_FILE = Path(__file__).parent / "styles" / "grantreport.mplstyle"
#: What turns a chart into its dark variant, before the user's style.
DARK_STYLE_FILE = Path(__file__).parent / "styles" / "grantreport-dark.mplstyle"
#: Applied last to declarative charts, after the user's style: their text
#: (from data and page options) is drawn as written, never as mathtext or TeX.
LITERAL_STYLE_FILE = Path(__file__).parent / "styles" / "grantreport-literal.mplstyle"
#: The code that draws declarative charts: a chart's cache digest reads it,
#: so that a changed way of drawing redraws the charts, even at one version.
DRAWING_FILES = tuple(
    Path(__file__).with_name(name)
    for name in ("chart_spec.py", "chart_drawing.py", "chart_style.py")
)

#: What chart text cannot carry: the controls below 0x20 that XML 1.0 forbids
#: (one makes an SVG that no browser shows), DEL and the C1 controls (no glyph),
#: lone surrogates (no UTF-8 for them) and U+FFFE/U+FFFF (not XML characters).
_UNDRAWABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
)


def clean_text(text: str) -> str:
    """Data text as a chart and its alt text can carry it: line breaks stay (a
    carriage return is one), a tab is a space (fonts have no glyph for it) and
    other control characters become U+FFFD."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNDRAWABLE.sub("\N{REPLACEMENT CHARACTER}", text)


def _clean(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Table:
    """Rows of a query with their column names: what a ``:plot:`` function gets."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def column(self, name: str) -> list[Any]:
        """The values of one column, in row order."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def records(self) -> list[dict[str, Any]]:
        """The rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_csv(self) -> str:
        """The table as CSV text, for readers who want the numbers; text that
        a spreadsheet would evaluate is written as text."""
        return csv_text(self.columns, self.rows)


@dataclass(frozen=True)
class ChartSpec:
    """The declarative options of a chart, validated by :func:`parse_spec`."""

    kind: str = "bar"
    x: str | None = None
    y: tuple[str, ...] = ()
    series: str | None = None
    stacked: bool = False
    color: str | None = None
    sort: str | None = None
    title: str | None = None
    xlabel: str | None = None
    ylabel: str | None = None
    yformat: str | None = None
    xformat: str | None = None
    labels: str | None = None
    colors: tuple[str, ...] = ()
    legend: str | None = None
    figsize: tuple[float, float] | None = None


def _choice(name: str, value: str | None, choices: Sequence[str]) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value not in choices:
        raise ReportError(
            "option", f"unknown :{name}: {value!r}; use one of {', '.join(choices)}"
        )
    return value


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in (value or "").split(",") if name.strip())


def parse_spec(options: dict[str, Any]) -> ChartSpec:
    """A :class:`ChartSpec` from directive options (strings), or a clear error."""
    kind = options.get("kind", "bar").strip()
    if kind not in KINDS:
        raise ReportError(
            "kind", f"unknown chart kind {kind!r}; kinds: {', '.join(KINDS)}"
        )
    figsize = None
    if options.get("figsize"):
        try:
            width, height = (float(part) for part in options["figsize"].split(","))
        except ValueError:
            raise ReportError(
                "option",
                f"bad :figsize: {options['figsize']!r}; write WIDTH, HEIGHT in inches",
            ) from None
        if not (0 < width <= 30 and 0 < height <= 30):
            raise ReportError("option", ":figsize: must be between 0 and 30 inches")
        figsize = (width, height)
    if options.get("yformat"):
        parse_format(options["yformat"])
    colors = _names(options.get("colors"))  # checked by matplotlib when drawing
    return ChartSpec(
        kind=kind,
        x=(options.get("x") or "").strip() or None,
        y=_names(options.get("y")),
        series=(options.get("series") or "").strip() or None,
        stacked="stacked" in options,
        color=(options.get("color") or "").strip() or None,
        sort=_choice("sort", options.get("sort"), SORTS),
        title=_clean(options.get("title")),
        xlabel=_clean(options.get("xlabel")),
        ylabel=_clean(options.get("ylabel")),
        yformat=options.get("yformat"),
        xformat=_choice("xformat", options.get("xformat"), XFORMATS),
        labels=_choice("labels", options.get("labels"), LABELS),
        colors=colors,
        legend=_choice("legend", options.get("legend"), LEGEND_PLACES),
        figsize=figsize,
    )


@dataclass
class PlotData:
    """The table reshaped for drawing: categories on x, one list of y per series."""

    x_name: str
    categories: list[Any]
    series: list[tuple[str, list[float]]]
    groups: list[str] | None = None  # the :color: category of each x
    y_names: tuple[str, ...] = field(default_factory=tuple)
    #: the lowest and highest value as the data has them (exact for HUGEINT
    #: and DECIMAL(38), which floats round), where no series sums them
    extremes: tuple[Any, Any] | None = None

    @property
    def x_is_date(self) -> bool:
        """Dates get a date axis, with ticks chosen by ``:xformat:``."""
        return all(isinstance(value, datetime.date) for value in self.categories)

    @property
    def x_is_number(self) -> bool:
        """Numbers are placed by value on x; anything else is a category."""
        return all(is_number(value) for value in self.categories)


def _to_float(value: Any, column: str) -> float:
    if value is None:
        return math.nan
    if not is_number(value):
        raise ReportError(
            "type",
            f"column {column!r} must hold numbers to be plotted, but has {value!r} "
            f"({type(value).__name__})",
        )
    return float(value)


def prepare(table: Table, spec: ChartSpec) -> PlotData:
    """Check the columns the chart names and reshape the rows for drawing."""
    if not table.rows:
        raise ReportError("result", "query returned no rows; a chart needs data")
    available = ", ".join(table.columns)
    named = [spec.x, *spec.y, spec.series, spec.color]
    for name in named:
        if name is not None and name not in table.columns:
            raise ReportError(
                "column", f"unknown column {name!r}; the query returns {available}"
            )
    x_name = spec.x or table.columns[0]
    taken = {x_name, spec.series, spec.color}
    y_names = spec.y or tuple(
        name
        for index, name in enumerate(table.columns)
        if name not in taken and any(is_number(row[index]) for row in table.rows)
    )
    if not y_names:
        raise ReportError(
            "column",
            f"no numeric column to plot on y; name one with :y: (columns: {available})",
        )
    if spec.series and len(y_names) != 1:
        raise ReportError("option", ":series: splits one :y: column, not several")
    if spec.color and (spec.series or len(y_names) != 1):
        raise ReportError("option", ":color: colours the bars of a single :y: column")
    if spec.kind == "pie" and (spec.series or len(y_names) != 1):
        raise ReportError("option", "a pie chart shows a single :y: column")

    # Text from data is cleaned where it enters the chart: what is drawn, the
    # legend and the alt text all come from here.
    xs = [_clean(value) for value in table.column(x_name)]
    if spec.series:
        categories = list(dict.fromkeys(xs))
        position = {value: index for index, value in enumerate(categories)}
        wide: dict[str, list[float]] = {}
        for x, name, y in zip(
            xs, table.column(spec.series), table.column(y_names[0]), strict=True
        ):
            values = wide.setdefault(
                clean_text(str(name)), [math.nan] * len(categories)
            )
            number = _to_float(y, y_names[0])
            old = values[position[x]]
            values[position[x]] = number if math.isnan(old) else old + number
        series = list(wide.items())
    else:
        categories = xs
        series = [
            (clean_text(name), [_to_float(value, name) for value in table.column(name)])
            for name in y_names
        ]
    groups = None
    if spec.color:
        groups = [clean_text(str(value)) for value in table.column(spec.color)]
    data = PlotData(clean_text(x_name), categories, series, groups, y_names)
    if not spec.series:
        data.extremes = _extremes(table, y_names)
    _check_categories(data, spec)
    if spec.sort:
        _sort(data, descending=spec.sort == "descending")
    return data


def _check_categories(data: PlotData, spec: ChartSpec) -> None:
    """Refuse, while the page is read, a chart with more labels than it can
    show: bars and wedges label every x, other kinds only text on x."""
    count = len(data.categories)
    labelled = spec.kind in ("bar", "barh", "pie") or not (
        data.x_is_date or data.x_is_number
    )
    if labelled and count > MAX_CATEGORIES:
        raise ReportError(
            "result",
            f"a {spec.kind} chart of {count:,} categories is more than it can "
            f"label ({MAX_CATEGORIES:,}): aggregate them in SQL (GROUP BY a "
            "coarser column) or keep the largest (ORDER BY ... DESC LIMIT 20)",
        )


def _extremes(table: Table, y_names: Sequence[str]) -> tuple[Any, Any] | None:
    numbers = [
        value
        for name in y_names
        for value in table.column(name)
        if is_number(value)
        and (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value))
    ]
    return (min(numbers), max(numbers)) if numbers else None


def _sort(data: PlotData, descending: bool) -> None:
    totals = [
        sum(0.0 if math.isnan(values[i]) else values[i] for _, values in data.series)
        for i in range(len(data.categories))
    ]
    order = sorted(range(len(totals)), key=lambda i: totals[i], reverse=descending)
    data.categories = [data.categories[i] for i in order]
    data.series = [(name, [values[i] for i in order]) for name, values in data.series]
    if data.groups is not None:
        data.groups = [data.groups[i] for i in order]


def category_label(value: Any, xformat: str | None, locale: Locale) -> str:
    """How an x value reads under a bar: dates by ``:xformat:``, numbers by locale."""
    if isinstance(value, datetime.date):
        if xformat == "year":
            return str(value.year)
        if xformat == "quarter":
            return f"{value.year} Q{(value.month - 1) // 3 + 1}"
        if xformat == "month":
            return babel_dates.format_date(value, "MMM y", locale=locale)
        return babel_dates.format_date(value, "medium", locale=locale)
    if isinstance(value, int):  # years, ids: no grouping separators
        return str(value)
    if is_number(value):
        return format_value(value, None, locale)
    return str(value)


def cell_text(
    value: Any, yformat: str | None, xformat: str | None, numbers: NumberStyle
) -> str:
    """A value as the chart's data table shows it: numbers as on the y axis."""
    if value is None:
        return ""
    if is_number(value):
        return numbers.format(value, yformat)
    return clean_text(category_label(value, xformat, numbers.locale))


def describe(data: PlotData, spec: ChartSpec, numbers: NumberStyle) -> str:
    """Alt text that says what the chart shows: kind, axes, series and range,
    in the words of the axis labels when the page gives them (the values of
    a single series, and the categories), not the column names."""
    names = [name for name, _ in data.series]
    # a horizontal bar chart's values run along x, its categories along y
    value_label, category_label_ = (
        (spec.xlabel, spec.ylabel)
        if spec.kind == "barh"
        else (spec.ylabel, spec.xlabel)
    )
    if len(names) == 1 and value_label and value_label.strip():
        names = [" ".join(value_label.split())]
    what = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    text = f"{KIND_NAMES[spec.kind]}{' (stacked)' if spec.stacked else ''} of {what}"
    first = category_label(data.categories[0], spec.xformat, numbers.locale)
    last = category_label(data.categories[-1], spec.xformat, numbers.locale)
    count = len(data.categories)
    by = data.x_name
    if category_label_ and category_label_.strip():
        by = " ".join(category_label_.split())
    text += f" by {by}, {count} {'value' if count == 1 else 'values'}"
    text += f" from {first} to {last}" if count > 1 else f": {first}"
    values = [v for _, series in data.series for v in series if not math.isnan(v)]
    if values:
        low, high = data.extremes or (min(values), max(values))
        low_text = numbers.format(low, spec.yformat)
        high_text = numbers.format(high, spec.yformat)
        text += f"; values range from {low_text} to {high_text}"
    return text + "."


def chart_digest(
    options: Mapping[str, Any],
    table: Table | None,
    numbers: NumberStyle,
    styles: Sequence[str | Path] = (),
    plot: str | None = None,
    plot_files: Sequence[Path] = (),
) -> str:
    """The name of a chart's files: a hash of everything it is drawn from
    (the drawing code and its styles, the report's style files, the options,
    the data, the language), so an unchanged chart is never drawn again and a
    changed one never shown stale, under either engine."""
    digest = hashlib.sha256()
    for module_file in plot_files:  # a plot function's module and helpers
        digest.update(module_file.read_bytes())
    for style in styles:
        if isinstance(style, Path):
            digest.update(style.read_bytes())
    digest.update(
        repr(
            (
                package_version(),
                STYLE_FILE.read_bytes(),
                LITERAL_STYLE_FILE.read_bytes(),
                [path.read_bytes() for path in DRAWING_FILES],
                sorted(options.items()),
                plot,
                table,
                str(numbers.locale),
                numbers.currency,
                [str(style) for style in styles],
            )
        ).encode()
    )
    return digest.hexdigest()[:24]
