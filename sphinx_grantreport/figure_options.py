"""The options of ``kpi-figure``: which ones shape the chart, and what each
does (the reference documentation is built from :data:`FIGURE_OPTION_HELP`)."""

from __future__ import annotations

#: A chart that labels each x value (every bar, bar or pie chart; a line,
#: area, step or scatter chart over text) cannot show more labels than this
#: (10,000 bars took 92 s to draw, unreadable): the page is told to aggregate.
#: Here, with the options, so that registering kpi-figure loads no chart code.
MAX_CATEGORIES = 500

#: Options that shape the chart (all strings, parsed by chart_spec.parse_spec).
CHART_OPTIONS = (
    "kind", "x", "y", "series", "stacked", "color", "sort", "title", "xlabel",
    "ylabel", "yformat", "xformat", "labels", "colors", "legend", "figsize",
)  # fmt: skip

#: What each option of kpi-figure does.
FIGURE_OPTION_HELP: dict[str, str] = {
    "sql": "A query whose rows are the chart's data.",
    "data": "A whole table as the chart's data, instead of :sql:.",
    "plot": "module:function in the source dir, given the data (a Table) "
    "and returning a matplotlib Figure, instead of a declarative chart.",
    "kind": "bar (default), barh, line, area, step, scatter or pie.",
    "x": "The column on the x axis (default: the first). A chart that labels "
    "each x value (bar, barh and pie; other kinds over text) shows at most "
    f"{MAX_CATEGORIES:,} of them.",
    "y": "One or more comma-separated columns to plot (default: the numeric ones).",
    "series": "A long-format column whose values become the series.",
    "stacked": "Stack the series instead of grouping them side by side.",
    "color": "A category column: each bar takes its category's colour, with a legend.",
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
