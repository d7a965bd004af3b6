"""Drawing charts with matplotlib: plot data and options in, SVG/PDF/PNG bytes out.

Only imported when a chart must really be drawn (a cached chart is copied,
not drawn), so that a build with nothing to draw never loads matplotlib. What
the chart shows is decided beforehand, by :mod:`.chart_spec`.
"""

from __future__ import annotations

import datetime
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .chart_spec import ChartSpec, PlotData, Table, category_label
from .chart_style import ValueTicks, saved, shared_texts, style_context, two_tones
from .chart_style import save as save
from .errors import ReportError
from .formatting import NumberStyle, parse_format

#: Steps between date ticks, in months; and how many ticks a date axis gets.
DATE_TICK_MONTHS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200)
MAX_DATE_TICKS = 12


def draw(
    data: PlotData,
    spec: ChartSpec,
    numbers: NumberStyle,
    styles: Sequence[str | Path] = (),
    dark: bool = False,
) -> Figure:
    """Draw the chart on a new Figure, inside a style context of its own."""
    with style_context(styles, dark, literal=True):
        figure = Figure(figsize=spec.figsize, layout="constrained")
        paint(Canvas(figure, figure.add_subplot(), data, spec, numbers))
    return figure


def draw_light_and_dark(
    data: PlotData, spec: ChartSpec, numbers: NumberStyle
) -> tuple[bytes, bytes] | None:
    """The chart's light and dark SVG from one drawing, in our styles alone
    (half the cost of drawing both); None when it cannot be (see
    :func:`.chart_style.two_tones`): then draw each."""
    tones = two_tones(literal=True, taken=spec.colors)
    if tones is None:
        return None
    with style_context((), literal=True), mpl.rc_context(tones.stand_ins):
        figure = Figure(figsize=spec.figsize, layout="constrained")
        paint(Canvas(figure, figure.add_subplot(), data, spec, numbers))
        svg = saved(figure, "svg")
    if not tones.only_as_colours(svg):
        return None
    return tones.recolour(svg, dark=False), tones.recolour(svg, dark=True)


def draw_with(
    function: Callable[..., Any],
    table: Table | None,
    styles: Sequence[str | Path] = (),
    dark: bool = False,
) -> Figure:
    """Call a user's ``:plot:`` function in the report style, for a Figure."""
    with style_context(styles, dark):
        try:
            figure = function(table) if table is not None else function()
        except ReportError:
            raise
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


@dataclass
class Canvas:
    """One chart being drawn: where, what, and the colours and number format
    that every painter of it shares."""

    figure: Figure
    axes: Axes
    data: PlotData
    spec: ChartSpec
    style: NumberStyle
    palette: list[str] = field(init=False)
    ink: str = field(init=False)  # labels follow the light/dark style
    paper: str = field(init=False)
    _numbers: dict[float, str] = field(init=False, default_factory=dict)
    _together: dict[tuple[float, ...], list[str]] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        cycle = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
        self.palette = list(self.spec.colors) or cycle
        self.ink = mpl.rcParams["text.color"]
        self.paper = mpl.rcParams["axes.facecolor"]

    def number(self, value: float) -> str:
        """A value as the chart's format shows it; remembered, since matplotlib
        asks for each tick label at every layout pass and draw."""
        if value not in self._numbers:
            number = int(value) if float(value).is_integer() else value
            self._numbers[value] = self.style.format(number, self.spec.yformat)
        return self._numbers[value]

    def numbers(self, values: Sequence[float]) -> list[str]:
        """Values shown together (the labels, or the ticks) in one precision."""
        key = tuple(values)
        if key not in self._together:
            self._together[key] = shared_texts(key, self.spec.yformat, self.style)
        return self._together[key]

    def labels(self) -> list[str]:
        """The categories as they read on the axis."""
        return [
            category_label(v, self.spec.xformat, self.style.locale)
            for v in self.data.categories
        ]

    def color(self, index: int) -> str:
        """The colour of the index-th series or group, cycling the palette."""
        return str(self.palette[index % len(self.palette)])


#: Each series of a line, step, area or scatter chart has a marker shape and a
#: dash pattern of its own, so that no two differ by colour only.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DASHES = ("-", "--", ":", "-.")


def _marker(index: int) -> str:
    return MARKERS[index % len(MARKERS)]


def _dash(index: int) -> str:
    return DASHES[index % len(DASHES)]


def paint(canvas: Canvas) -> None:
    """Draw the chart's kind, then what every kind has: title, axes, legend."""
    PAINTERS[canvas.spec.kind](canvas)
    spec, axes = canvas.spec, canvas.axes
    if spec.title:
        axes.set_title(spec.title)
    if spec.kind != "pie":
        axes.set_xlabel(spec.xlabel if spec.xlabel is not None else "")
        axes.set_ylabel(spec.ylabel if spec.ylabel is not None else "")
        value_axis = axes.xaxis if spec.kind == "barh" else axes.yaxis
        value_axis.set_major_formatter(ValueTicks(canvas.number, canvas.numbers))
        values = [v for _, series in canvas.data.series for v in series]
        whole = all(math.isnan(v) or float(v).is_integer() for v in values)
        if whole and parse_format(spec.yformat or "number").name == "number":
            value_axis.set_major_locator(
                MaxNLocator("auto", steps=[1, 2, 5, 10], integer=True)
            )
    _legend(canvas)


def _gaps_as_zero(values: list[float]) -> list[float]:
    """Missing values (NaN) as zero, for what cannot leave a gap: bars, areas."""
    return [0.0 if math.isnan(v) else v for v in values]


def paint_bar(canvas: Canvas) -> None:
    """Vertical bars, grouped or stacked."""
    _bars(canvas, horizontal=False)


def paint_barh(canvas: Canvas) -> None:
    """Horizontal bars, the first category on top."""
    _bars(canvas, horizontal=True)


def _bars(canvas: Canvas, horizontal: bool) -> None:
    axes, data, spec = canvas.axes, canvas.data, canvas.spec
    count = len(data.categories)
    positions = list(range(count))
    groups = len(data.series)
    width = 0.8 if spec.stacked or groups == 1 else 0.8 / groups
    bottoms = [0.0] * count
    containers = []
    for index, (name, values) in enumerate(data.series):
        heights = _gaps_as_zero(values)
        offsets: list[float] = [float(p) for p in positions]
        if not spec.stacked and groups > 1:
            offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        colors: Any = canvas.color(index)
        if data.groups is not None:
            order = list(dict.fromkeys(data.groups))
            colors = [canvas.color(order.index(g)) for g in data.groups]
        draw = axes.barh if horizontal else axes.bar
        extent: dict[str, Any] = {"height" if horizontal else "width": width}
        base: dict[str, Any] = {
            "left" if horizontal else "bottom": bottoms if spec.stacked else 0
        }
        if groups > 1:  # touching bars and segments: an edge of paper between
            extent.update(edgecolor=canvas.paper, linewidth=1)
        container = draw(offsets, heights, label=name, color=colors, **extent, **base)
        containers.append(container)
        if spec.stacked:
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
            for patch in container:  # only zero holds the axis: the tallest
                edges = patch.sticky_edges.x if horizontal else patch.sticky_edges.y
                edges[:] = [edge for edge in edges if edge == 0]  # stack gets room
    labels = canvas.labels()
    if horizontal:
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()  # first category on top, as it reads
        axes.grid(axis="y", visible=False)
        axes.grid(axis="x", visible=True)
    else:
        axes.set_xticks(positions, labels)
        _rotate_if_crowded(canvas, labels)
    _bar_labels(canvas, containers, bottoms, horizontal)


def _bar_labels(
    canvas: Canvas, containers: list[Any], totals: list[float], horizontal: bool
) -> None:
    spec, axes = canvas.spec, canvas.axes
    if spec.labels == "total" and not spec.stacked:
        totals = list(containers[-1].datavalues)
    shown = [v for c in containers for v in c.datavalues if v]
    labelled = [float(v) for v in (totals if spec.labels == "total" else shown)]
    texts = dict(zip(labelled, canvas.numbers(labelled), strict=True))
    number = texts.__getitem__  # every label of the chart in one precision

    if spec.labels == "values":
        for container in containers:
            axes.bar_label(
                container,
                labels=[number(v) if v else "" for v in container.datavalues],
                label_type="center" if spec.stacked else "edge",
                padding=0 if spec.stacked else 3,
                fontsize=8.5,
                color="white" if spec.stacked else canvas.ink,
            )
    elif spec.labels == "total":
        last = containers[-1]
        axes.bar_label(
            last,
            labels=[number(total) for total in totals],
            padding=3,
            fontsize=9,
            fontweight="bold",
            color=canvas.ink,
        )
    if spec.labels:
        axes.margins(x=0.12) if horizontal else axes.margins(y=0.12)


def _x_values(canvas: Canvas) -> list[Any]:
    if canvas.data.x_is_date or canvas.data.x_is_number:
        return canvas.data.categories
    labels = canvas.labels()
    canvas.axes.set_xticks(range(len(labels)), labels)
    _rotate_if_crowded(canvas, labels)
    return list(range(len(labels)))


def _each_series(
    canvas: Canvas,
    draw: Callable[..., Any],
    styles: Callable[[int], dict[str, Any]],
    **style: Any,
) -> None:
    """Draw every series against x with one Axes method (plot, step, scatter),
    each in the style ``styles`` gives its index (its marker, its dashes)."""
    xs = _x_values(canvas)
    for index, (name, values) in enumerate(canvas.data.series):
        color = canvas.color(index)
        draw(xs, values, label=name, color=color, **style, **styles(index))
    _date_axis(canvas)


def paint_line(canvas: Canvas) -> None:
    """Lines, with a marker on each point while there are few of them; each
    series with a marker and dashes of its own."""
    few_points = len(canvas.data.categories) <= 12

    def styles(index: int) -> dict[str, Any]:
        return {
            "marker": _marker(index) if few_points else None,
            "linestyle": _dash(index),
        }

    _each_series(canvas, canvas.axes.plot, styles)


def paint_step(canvas: Canvas) -> None:
    """Steps: a value holds until the next x."""
    _each_series(
        canvas, canvas.axes.step, lambda i: {"linestyle": _dash(i)}, where="post"
    )


def paint_scatter(canvas: Canvas) -> None:
    """Points, with a grid both ways to read them against."""
    _each_series(canvas, canvas.axes.scatter, lambda i: {"marker": _marker(i)}, s=28)
    canvas.axes.grid(axis="x", visible=True)


def paint_area(canvas: Canvas) -> None:
    """Filled areas from zero: stacked, or overlapping and see-through."""
    axes, data = canvas.axes, canvas.data
    xs = _x_values(canvas)
    colors = [canvas.color(i) for i in range(len(data.series))]
    values = [_gaps_as_zero(series) for _, series in data.series]
    names = [name for name, _ in data.series]
    if canvas.spec.stacked:
        axes.stackplot(
            xs,
            values,
            labels=names,
            colors=colors,
            alpha=0.9,
            edgecolor=canvas.paper,  # an edge of paper between the layers
            linewidth=1,
        )
    else:
        for index, (name, series, color) in enumerate(
            zip(names, values, colors, strict=True)
        ):
            axes.fill_between(xs, series, label=name, color=color, alpha=0.35)
            axes.plot(xs, series, color=color, linestyle=_dash(index))
    axes.set_ylim(bottom=0)
    _date_axis(canvas)


def paint_pie(canvas: Canvas) -> None:
    """A pie with the share of each wedge written on it."""
    axes = canvas.axes
    ((_, values),) = canvas.data.series
    total = sum(v for v in values if not math.isnan(v))
    axes.pie(
        _gaps_as_zero(values),
        labels=canvas.labels(),
        colors=[canvas.color(i) for i in range(len(values))],
        autopct=lambda share: (
            canvas.style.format(share / 100, "percent") if total else ""
        ),
        startangle=90,
        counterclock=False,
        wedgeprops={"linewidth": 1.5, "edgecolor": canvas.paper},
        pctdistance=0.72,
        textprops={"fontsize": 9.5},
    )
    for text in axes.texts[len(values) :]:  # the percentages, on the wedges
        text.set_color("white")
        text.set_fontweight("bold")
    axes.set_aspect("equal")
    axes.grid(visible=False)


#: The painter of each chart kind (:data:`.chart_spec.KINDS`).
PAINTERS: dict[str, Callable[[Canvas], None]] = {
    "bar": paint_bar,
    "barh": paint_barh,
    "line": paint_line,
    "area": paint_area,
    "step": paint_step,
    "scatter": paint_scatter,
    "pie": paint_pie,
}


def _date_axis(canvas: Canvas) -> None:
    if not canvas.data.x_is_date:
        return
    axes, xformat = canvas.axes, canvas.spec.xformat
    if xformat not in ("year", "quarter", "month"):
        auto = mdates.AutoDateLocator()
        axes.xaxis.set_major_locator(auto)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(auto))
        return
    # Fixed ticks inside the data, at most MAX_DATE_TICKS of them (every
    # month, quarter, half year, year, ...), so labels stay readable.
    first, last = (
        datetime.datetime.combine(day, datetime.time())
        for day in (min(canvas.data.categories), max(canvas.data.categories))
    )
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    smallest = {"year": 12, "quarter": 3, "month": 1}[xformat]
    step = next(
        (m for m in DATE_TICK_MONTHS if m >= smallest and span / m <= MAX_DATE_TICKS),
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
        category_label(mdates.num2date(t).date(), xformat, canvas.style.locale)
        for t in ticks
    ]
    axes.set_xticks(ticks, labels)
    _rotate_if_crowded(canvas, labels)


def _rotate_if_crowded(canvas: Canvas, labels: list[str]) -> None:
    """Keep category labels from running into each other: wrap a few long
    ones onto two lines, or turn many of them."""
    axes = canvas.axes
    characters_per_inch = 11  # at the style's tick label size
    legend_width = 1.4 if canvas.spec.legend == "outside" else 0.0
    plot_width = canvas.figure.get_figwidth() - 0.8 - legend_width
    width = int(plot_width / max(len(labels), 1) * characters_per_inch) - 1
    if max((len(label) for label in labels), default=0) <= width:
        return
    wrapped = [
        textwrap.wrap(label, max(width, 4), break_long_words=False) for label in labels
    ]
    if all(len(lines) <= 2 and max(map(len, lines)) <= width for lines in wrapped):
        axes.set_xticks(axes.get_xticks(), ["\n".join(w) for w in wrapped])
        return
    axes.tick_params(axis="x", labelrotation=35)
    for tick in axes.get_xticklabels():
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")


def _legend(canvas: Canvas) -> None:
    data, place = canvas.data, canvas.spec.legend
    several = len(data.series) > 1 or data.groups is not None
    if place == "none" or (place is None and not several) or canvas.spec.kind == "pie":
        return
    handles: list[Any]
    if data.groups is not None:
        order = list(dict.fromkeys(data.groups))
        handles = [
            Patch(color=canvas.color(i), label=group) for i, group in enumerate(order)
        ]
    else:
        handles, _ = canvas.axes.get_legend_handles_labels()
    if place == "outside":  # a figure legend, so the layout makes room for it
        canvas.figure.legend(handles=handles, loc="outside right center")
    else:
        loc: Any = place or "best"  # checked against LEGEND_PLACES
        canvas.axes.legend(handles=handles, loc=loc)
