"""Charts: a table and chart options in, a matplotlib Figure out. No Sphinx.

Preparing the data (columns, series, sorting, types) is separate from drawing,
so that a bad option is reported while the page is read, and matplotlib is
imported only when a figure really has to be drawn.
"""

from __future__ import annotations

import datetime
import io
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale
from babel import dates as babel_dates

from .errors import ReportError
from .formatting import format_value, is_number, parse_format

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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

#: The style every chart starts from; ``grantreport_mpl_style`` goes on top.
STYLE_FILE = Path(__file__).parent / "styles" / "grantreport.mplstyle"
#: What turns a chart into its dark variant, before the user's style.
DARK_STYLE_FILE = Path(__file__).parent / "styles" / "grantreport-dark.mplstyle"


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
        """The table as CSV text, for readers who want the numbers."""
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buffer.getvalue()


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
        title=options.get("title"),
        xlabel=options.get("xlabel"),
        ylabel=options.get("ylabel"),
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

    @property
    def x_is_date(self) -> bool:
        return all(isinstance(value, datetime.date) for value in self.categories)

    @property
    def x_is_number(self) -> bool:
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

    xs = table.column(x_name)
    if spec.series:
        categories = list(dict.fromkeys(xs))
        position = {value: index for index, value in enumerate(categories)}
        wide: dict[str, list[float]] = {}
        for x, name, y in zip(
            xs, table.column(spec.series), table.column(y_names[0]), strict=True
        ):
            values = wide.setdefault(str(name), [math.nan] * len(categories))
            number = _to_float(y, y_names[0])
            old = values[position[x]]
            values[position[x]] = number if math.isnan(old) else old + number
        series = list(wide.items())
    else:
        categories = xs
        series = [
            (name, [_to_float(value, name) for value in table.column(name)])
            for name in y_names
        ]
    groups = [str(value) for value in table.column(spec.color)] if spec.color else None
    data = PlotData(x_name, categories, series, groups, y_names)
    if spec.sort:
        _sort(data, descending=spec.sort == "descending")
    return data


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
    value: Any, yformat: str | None, xformat: str | None, locale: Locale, currency: str
) -> str:
    """A value as the chart's data table shows it: numbers as on the y axis."""
    if value is None:
        return ""
    if is_number(value):
        return format_value(value, yformat, locale, currency)
    return category_label(value, xformat, locale)


def describe(data: PlotData, spec: ChartSpec, locale: Locale, currency: str) -> str:
    """Alt text that says what the chart shows: kind, axes, series and range."""
    kind_names = {
        "bar": "Bar chart",
        "barh": "Horizontal bar chart",
        "line": "Line chart",
        "area": "Area chart",
        "step": "Step chart",
        "scatter": "Scatter plot",
        "pie": "Pie chart",
    }
    names = [name for name, _ in data.series]
    what = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    text = f"{kind_names[spec.kind]}{' (stacked)' if spec.stacked else ''} of {what}"
    first = category_label(data.categories[0], spec.xformat, locale)
    last = category_label(data.categories[-1], spec.xformat, locale)
    count = len(data.categories)
    text += f" by {data.x_name}, {count} {'value' if count == 1 else 'values'}"
    text += f" from {first} to {last}" if count > 1 else f": {first}"
    values = [v for _, series in data.series for v in series if not math.isnan(v)]
    if values:
        low, high = min(values), max(values)
        low_text = format_value(low, spec.yformat, locale, currency)
        high_text = format_value(high, spec.yformat, locale, currency)
        text += f"; values range from {low_text} to {high_text}"
    return text + "."


def _number(value: float) -> float | int | Decimal:
    return int(value) if float(value).is_integer() else value


#: Steps between date ticks, in months; and how many ticks a date axis gets.
DATE_TICK_MONTHS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200)
MAX_DATE_TICKS = 12


def draw(
    data: PlotData,
    spec: ChartSpec,
    locale: Locale,
    currency: str,
    styles: Sequence[str | Path] = (),
    dark: bool = False,
) -> Figure:
    """Draw the chart on a new Figure, inside a style context of its own."""
    from matplotlib.figure import Figure

    with _style(styles, dark):
        figure = Figure(figsize=spec.figsize, layout="constrained")
        _Painter(figure, figure.add_subplot(), data, spec, locale, currency).paint()
    return figure


def draw_with(
    function: Callable[..., Any],
    table: Table | None,
    styles: Sequence[str | Path] = (),
    dark: bool = False,
) -> Figure:
    """Call a user's ``:plot:`` function in the report style, for a Figure."""
    from matplotlib.figure import Figure

    with _style(styles, dark):
        try:
            figure = function(table) if table is not None else function()
        except Exception as exc:
            raise ReportError(
                "plot", f"plot function raised {type(exc).__name__}: {exc}"
            ) from None
    if not isinstance(figure, Figure):
        raise ReportError(
            "plot",
            f"plot function returned {type(figure).__name__}, not a matplotlib Figure",
        )
    return figure


def _style(styles: Sequence[str | Path], dark: bool = False) -> Any:
    """Our style (and its dark variant) then the user's, on a clean slate,
    undone on exit: the user's global rcParams are never changed."""
    from matplotlib import style

    ours = [STYLE_FILE, DARK_STYLE_FILE] if dark else [STYLE_FILE]
    return style.context([*map(str, ours), *map(str, styles)], after_reset=True)


def save(
    figure: Figure, fmt: str, styles: Sequence[str | Path] = (), dark: bool = False
) -> bytes:
    """The figure as SVG, PDF or PNG bytes, free of timestamps."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)  # render with Agg, whatever the user's backend
    metadata: dict[str, dict[str, Any]] = {
        "svg": {"Date": None, "Creator": "sphinx-grantreport"},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": "sphinx-grantreport"},
        "png": {"Software": "sphinx-grantreport"},
    }
    buffer = io.BytesIO()
    with _style(styles, dark):
        figure.savefig(
            buffer,
            format=fmt,
            dpi=200 if fmt == "png" else None,
            metadata=metadata[fmt],
        )
    return buffer.getvalue()


class _Painter:
    """Draws one chart kind on one Axes."""

    def __init__(
        self,
        figure: Figure,
        axes: Any,
        data: PlotData,
        spec: ChartSpec,
        locale: Locale,
        currency: str,
    ) -> None:
        self.figure, self.axes, self.data, self.spec = figure, axes, data, spec
        self.locale, self.currency = locale, currency
        import matplotlib as mpl

        cycle = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
        self.palette = list(spec.colors) or cycle
        self.ink = mpl.rcParams["text.color"]  # labels follow the light/dark style
        self.paper = mpl.rcParams["axes.facecolor"]
        self._numbers: dict[float, str] = {}

    def number(self, value: float) -> str:
        """A value as the chart's format shows it; remembered, since matplotlib
        asks for each tick label at every layout pass and draw."""
        if value not in self._numbers:
            self._numbers[value] = format_value(
                _number(value), self.spec.yformat, self.locale, self.currency
            )
        return self._numbers[value]

    def labels(self) -> list[str]:
        return [
            category_label(v, self.spec.xformat, self.locale)
            for v in self.data.categories
        ]

    def paint(self) -> None:
        painter: Callable[[], None] = getattr(self, f"paint_{self.spec.kind}")
        painter()
        spec, axes = self.spec, self.axes
        if spec.title:
            axes.set_title(spec.title)
        if spec.kind != "pie":
            axes.set_xlabel(spec.xlabel if spec.xlabel is not None else "")
            axes.set_ylabel(spec.ylabel if spec.ylabel is not None else "")
            self._value_axis_format()
        self._legend()

    # -- bars ---------------------------------------------------------------

    def paint_bar(self) -> None:
        self._bars(horizontal=False)

    def paint_barh(self) -> None:
        self._bars(horizontal=True)

    def _bars(self, horizontal: bool) -> None:
        axes, data, spec = self.axes, self.data, self.spec
        count = len(data.categories)
        positions = list(range(count))
        groups = len(data.series)
        width = 0.8 if spec.stacked or groups == 1 else 0.8 / groups
        bottoms = [0.0] * count
        containers = []
        for index, (name, values) in enumerate(data.series):
            heights = [0.0 if math.isnan(v) else v for v in values]
            offsets: list[float] = [float(p) for p in positions]
            if not spec.stacked and groups > 1:
                offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
            colors: Any = self.color(index)
            if data.groups is not None:
                order = list(dict.fromkeys(data.groups))
                colors = [self.color(order.index(g)) for g in data.groups]
            draw = axes.barh if horizontal else axes.bar
            extent = {"height" if horizontal else "width": width}
            base = {"left" if horizontal else "bottom": bottoms if spec.stacked else 0}
            container = draw(
                offsets, heights, label=name, color=colors, **extent, **base
            )
            containers.append(container)
            if spec.stacked:
                bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        labels = self.labels()
        if horizontal:
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()  # first category on top, as it reads
            axes.grid(axis="y", visible=False)
            axes.grid(axis="x", visible=True)
        else:
            axes.set_xticks(positions, labels)
            self._rotate_if_crowded(labels)
        self._bar_labels(containers, bottoms, horizontal)

    def _bar_labels(
        self, containers: list[Any], totals: list[float], horizontal: bool
    ) -> None:
        spec, axes = self.spec, self.axes
        if spec.labels == "values":
            for container in containers:
                axes.bar_label(
                    container,
                    labels=[self.number(v) if v else "" for v in container.datavalues],
                    label_type="center" if spec.stacked else "edge",
                    padding=0 if spec.stacked else 3,
                    fontsize=8.5,
                    color="white" if spec.stacked else self.ink,
                )
        elif spec.labels == "total":
            last = containers[-1]
            axes.bar_label(
                last,
                labels=[self.number(total) for total in totals]
                if spec.stacked
                else [self.number(v) for v in last.datavalues],
                padding=3,
                fontsize=9,
                fontweight="bold",
                color=self.ink,
            )
        if spec.labels:
            axes.margins(**{"x" if horizontal else "y": 0.12})

    # -- lines --------------------------------------------------------------

    def _x_values(self) -> list[Any]:
        if self.data.x_is_date or self.data.x_is_number:
            return self.data.categories
        labels = self.labels()
        self.axes.set_xticks(range(len(labels)), labels)
        self._rotate_if_crowded(labels)
        return list(range(len(labels)))

    def color(self, index: int) -> str:
        return str(self.palette[index % len(self.palette)])

    def _each_series(self, draw: Callable[..., Any], **style: Any) -> None:
        """Draw every series against x with one Axes method (plot, step, scatter)."""
        xs = self._x_values()
        for index, (name, values) in enumerate(self.data.series):
            draw(xs, values, label=name, color=self.color(index), **style)
        self._date_axis()

    def paint_line(self) -> None:
        few_points = len(self.data.categories) <= 12
        self._each_series(self.axes.plot, marker="o" if few_points else None)

    def paint_step(self) -> None:
        self._each_series(self.axes.step, where="post")

    def paint_scatter(self) -> None:
        self._each_series(self.axes.scatter, s=28)
        self.axes.grid(axis="x", visible=True)

    def paint_area(self) -> None:
        xs = self._x_values()
        colors = [self.color(i) for i in range(len(self.data.series))]
        values = [[0.0 if math.isnan(v) else v for v in s] for _, s in self.data.series]
        names = [name for name, _ in self.data.series]
        if self.spec.stacked:
            self.axes.stackplot(xs, values, labels=names, colors=colors, alpha=0.9)
        else:
            for name, series, color in zip(names, values, colors, strict=True):
                self.axes.fill_between(xs, series, label=name, color=color, alpha=0.35)
                self.axes.plot(xs, series, color=color)
        self.axes.set_ylim(bottom=0)
        self._date_axis()

    def paint_pie(self) -> None:
        ((_, values),) = self.data.series
        labels = self.labels()
        total = sum(v for v in values if not math.isnan(v))
        self.axes.pie(
            [0.0 if math.isnan(v) else v for v in values],
            labels=labels,
            colors=[self.color(i) for i in range(len(values))],
            autopct=lambda share: (
                format_value(share / 100, "percent", self.locale) if total else ""
            ),
            startangle=90,
            counterclock=False,
            wedgeprops={"linewidth": 1.5, "edgecolor": self.paper},
            pctdistance=0.72,
            textprops={"fontsize": 9.5},
        )
        for text in self.axes.texts[len(values) :]:  # the percentages, on the wedges
            text.set_color("white")
            text.set_fontweight("bold")
        self.axes.set_aspect("equal")
        self.axes.grid(visible=False)

    # -- axes, legend -------------------------------------------------------

    def _value_axis_format(self) -> None:
        from matplotlib.ticker import FuncFormatter

        axis = self.axes.xaxis if self.spec.kind == "barh" else self.axes.yaxis
        axis.set_major_formatter(FuncFormatter(lambda value, _: self.number(value)))

    def _date_axis(self) -> None:
        if not self.data.x_is_date:
            return
        from matplotlib import dates as mdates

        xformat = self.spec.xformat
        if xformat not in ("year", "quarter", "month"):
            auto = mdates.AutoDateLocator()
            self.axes.xaxis.set_major_locator(auto)
            self.axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(auto))
            return
        # Fixed ticks inside the data, at most MAX_DATE_TICKS of them (every
        # month, quarter, half year, year, ...), so labels stay readable.
        first, last = (
            datetime.datetime.combine(day, datetime.time())
            for day in (min(self.data.categories), max(self.data.categories))
        )
        span = (last.year - first.year) * 12 + last.month - first.month + 1
        smallest = {"year": 12, "quarter": 3, "month": 1}[xformat]
        step = next(
            (
                m
                for m in DATE_TICK_MONTHS
                if m >= smallest and span / m <= MAX_DATE_TICKS
            ),
            DATE_TICK_MONTHS[-1],
        )
        locator: mdates.DateLocator
        if step < 12:
            locator = mdates.MonthLocator(bymonth=range(1, 13, step))
        else:
            locator = mdates.YearLocator(base=step // 12)
        low, high = mdates.date2num(first), mdates.date2num(last)
        ticks = [t for t in locator.tick_values(first, last) if low <= t <= high]
        labels = [
            category_label(mdates.num2date(t).date(), xformat, self.locale)
            for t in ticks
        ]
        self.axes.set_xticks(ticks, labels)
        self._rotate_if_crowded(labels)

    def _rotate_if_crowded(self, labels: list[str]) -> None:
        """Keep category labels from running into each other: wrap a few long
        ones onto two lines, or turn many of them."""
        characters_per_inch = 11  # at the style's tick label size
        legend_width = 1.4 if self.spec.legend == "outside" else 0.0
        plot_width = self.figure.get_figwidth() - 0.8 - legend_width
        width = int(plot_width / max(len(labels), 1) * characters_per_inch) - 1
        if max((len(label) for label in labels), default=0) <= width:
            return
        wrapped = [
            textwrap.wrap(label, max(width, 4), break_long_words=False)
            for label in labels
        ]
        if all(len(lines) <= 2 and max(map(len, lines)) <= width for lines in wrapped):
            self.axes.set_xticks(
                self.axes.get_xticks(), ["\n".join(w) for w in wrapped]
            )
            return
        self._turn_labels()

    def _turn_labels(self) -> None:
        self.axes.tick_params(axis="x", labelrotation=35)
        for tick in self.axes.get_xticklabels():
            tick.set_horizontalalignment("right")
            tick.set_rotation_mode("anchor")

    def _legend(self) -> None:
        place = self.spec.legend
        several = len(self.data.series) > 1 or self.data.groups is not None
        if (
            place == "none"
            or (place is None and not several)
            or self.spec.kind == "pie"
        ):
            return
        if self.data.groups is not None:
            from matplotlib.patches import Patch

            order = list(dict.fromkeys(self.data.groups))
            handles = [
                Patch(color=self.color(i), label=group) for i, group in enumerate(order)
            ]
        else:
            handles, _ = self.axes.get_legend_handles_labels()
        if place == "outside":  # a figure legend, so the layout makes room for it
            self.figure.legend(handles=handles, loc="outside right center")
        else:
            self.axes.legend(handles=handles, loc=place or "best")
