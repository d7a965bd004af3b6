"""What do live numbers and charts cost, next to the same report typed by hand?

For each scenario (pages, rows of data, figures) this script writes the same
MyST report several ways and builds each in a fresh ``python -m sphinx``
process, so start-up and imports count:

live
    ``kpi-card``, ``{kpi}`` and ``kpi-figure`` computing every number and
    chart from ``data/usage.csv`` at build time, each card with a query of
    its own;
keyed
    the same, written as a report would be: one keyed metric per measure,
    ``key = "hub"``, whose one query gives every hub's value, each page
    picking its hub's with ``:key:`` on a card and ``{kpi}`name[hub7]```
    (only for scenarios without figures or tables, whose live pages it
    otherwise repeats);
typed
    the same cards (sphinx-design ``grid-item-card``) and sentences with the
    numbers typed in, and the charts as images drawn beforehand: the baseline;
plot
    typed numbers, and the charts drawn by matplotlib's ``plot`` directive
    from data prepared beforehand (only for scenarios with figures);
glue
    the numbers computed in a notebook per page and shown with myst-nb's
    ``glue`` (only when myst-nb is installed, and for at most 10 pages, since
    each page starts a Jupyter kernel).

An entity-page scenario (one page per hub, over data of as many hubs) builds
two other variants instead, against each other:

entity
    one ``[pages.hubs]`` set in grantreport.toml, whose query over a table of
    hubs makes a page per row from one template: 5 keyed cards with
    ``:key: $hub`` and a sentence of 5 ``{kpi}`name[$hub]``` values, titled
    ``{name}``, with an index page ``hubs/index``;
hand
    the same pages written out as files (``hubs/hub0.md`` ...), with the
    hub's key typed in (``:key: hub0``, ``{kpi}`users[hub0]```) and the same
    title and index: the baseline. Both use the same keyed metrics.

Each page has 10 cards and 5 ``{kpi}`` values about one of 100 hubs: cards
1-5 use named metrics of ``kpis.toml``, cards 6-10 inline SQL, and the
sentences repeat the named metrics, as a report's prose repeats its cards.
So a 100-page live report runs 1,000 different queries, the keyed one 10.
A scenario with tables adds to its pages ``kpi-table`` directives of 25 rows
(a hub's first 25 months), each its own query; typed, they are Markdown
tables with the numbers typed in.

A cold build starts from empty output and doctree directories; a no-op
rebuild follows it with nothing changed. Each build is checked (exit status,
no warnings, every page and image written) so a broken build is never timed.
The script prints medians, ratios to ``typed``, the peak memory of each
build, and the issue's targets with what was measured.

A database-source scenario (when GRANTREPORT_TEST_POSTGRES holds a
PostgreSQL URI, as ``.ci/start-postgres`` prints one; skipped otherwise)
makes a table of raw events in PostgreSQL with generate_series (10,000,000;
1,000,000 with ``--quick``), aggregated by a ``[sources.accounts]`` query in
the database into one row per account (1,000,000; 100,000), and measures,
each in a new process, the variants taking turns: ``sphinx-grantreport
fetch`` of it into a snapshot, psql's ``\\copy`` of the same query to a CSV
file (when psql is installed), DuckDB loading that CSV and the snapshot, and
a cold build of the same small report reading the snapshot or the CSV as
``data/accounts.csv`` (the same values, checked first). The table is dropped
at the end.

A MyST Document Engine scenario (when the myst CLI and Node are installed;
skipped otherwise) writes a mystmd project of 100 pages (20 with
``--quick``), each with 10 ``{kpi}`` values (5 keyed metrics of
grantreport.toml, for the page's hub and the next) and 2 ``kpi-card``
directives over 5,000 rows, with the plugin that ``sphinx-grantreport myst
init`` writes, and the same pages with the numbers typed in (mystmd's own
``card``); it checks both show the same text in
``_build/site/content/*.json``, then times cold ``myst build --site`` runs of
each, taking turns, and the plugin's Python server alone answering the same
requests.

Usage: python benchmarks/report.py [--repeat R] [--quick] [--markdown]
       [--database-only | --mystmd-only]
"""

from __future__ import annotations

import argparse
import compileall
import html.parser
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import duckdb

import sphinx_grantreport
from sphinx_grantreport.formatting import NumberStyle, parse_locale

HUBS = 100


@dataclass(frozen=True)
class Scenario:
    pages: int
    rows: int
    figures: int
    tables: int = 0
    #: The hubs of the data: an entity scenario has a page per hub, made by a
    #: ``[pages.hubs]`` set (variant ``entity``) or written by hand (``hand``).
    hubs: int = HUBS
    entity: bool = False
    #: Every page's 10 cards and 5 values drawn from the same 5 named metrics
    #: of the whole table, so DuckDB runs 5 queries in all: what a value
    #: costs, beyond its query.
    named: bool = False
    #: The HTML theme of every variant: a theme with a dark mode makes
    #: kpi-figure draw a dark variant of each chart too.
    theme: str = "alabaster"

    @property
    def label(self) -> str:
        rows = (
            f"{self.rows // 1000}k" if self.rows < 10**6 else f"{self.rows // 10**6}M"
        )
        pages = f"{self.pages} page{'s' if self.pages > 1 else ''}"
        if self.entity:
            return f"{self.pages} entity pages, {rows} rows, {self.hubs} hubs"
        if self.named:
            return f"{pages} x 15 values of 5 metrics, {rows} rows"
        tables = f", {self.tables} tables" if self.tables else ""
        theme = f", {self.theme}" if self.theme != "alabaster" else ""
        return f"{pages}, {rows} rows, {self.figures} figures{tables}{theme}"

    @property
    def written(self) -> str:
        """The pattern of the report's pages in the HTML output."""
        return "hubs/hub*.html" if self.entity else "hub*.html"


SCENARIOS = [
    Scenario(1, 1_000, 0),
    Scenario(10, 10_000, 0, named=True),
    Scenario(50, 10_000, 0, named=True),
    Scenario(10, 100_000, 0),
    Scenario(10, 100_000, 0, theme="furo"),
    Scenario(10, 100_000, 10, theme="furo"),
    Scenario(10, 100_000, 50, theme="furo"),
    Scenario(10, 100_000, 0, tables=50),
    Scenario(100, 100_000, 0),
    Scenario(100, 1_000_000, 0),
    Scenario(1000, 100_000, 0, hubs=1000, entity=True),
]
QUICK = [
    Scenario(1, 1_000, 0),
    Scenario(10, 10_000, 0, named=True),
    Scenario(50, 10_000, 0, named=True),
    Scenario(10, 100_000, 0),
    Scenario(10, 100_000, 0, theme="furo"),
    Scenario(10, 100_000, 10, theme="furo"),
    Scenario(10, 100_000, 0, tables=10),
    Scenario(50, 10_000, 0, hubs=50, entity=True),
]

#: Cards 1-5: named metrics (per hub), also cited in the page's sentences.
METRICS = {
    "users": ("Users", "sum(users)", "compact"),
    "peak": ("Peak daily users", "max(users)", "integer"),
    "days": ("Active days", "count(DISTINCT day)", "integer"),
    "cost": ("Cloud cost", "sum(cost)", "currency-compact"),
    "mean": ("Mean daily users", "avg(users)", "number:1"),
}
#: Cards 6-10: inline SQL.
INLINE = {
    "Users in 2023": "coalesce(sum(users) FILTER (WHERE year(day) = 2023), 0)",
    "Users in 2024": "coalesce(sum(users) FILTER (WHERE year(day) = 2024), 0)",
    "Cost per user": "sum(cost) / sum(users)",
    "Quiet days": "count(*) FILTER (WHERE users < 100)",
    "Busy days": "count(*) FILTER (WHERE users >= 900)",
}
#: The keyed metric of each measure: cards 1-5, then 6-10 (as ``inline0``...).
KEYED = {name: (title, e, fmt) for name, (title, e, fmt) in METRICS.items()} | {
    f"inline{i}": (title, e, "number:1") for i, (title, e) in enumerate(INLINE.items())
}
SENTENCE = (
    "This hub served {users} users, {peak} at its peak, across {days} days, "
    "for {cost} ({mean} a day on average).\n"
)
#: The second card of each named metric, on the pages of a ``named``
#: scenario: a report shows its few numbers again and again.
AGAIN = {
    "users": "Users so far",
    "peak": "Busiest day",
    "days": "Days with data",
    "cost": "Spent",
    "mean": "A typical day",
}
#: The numbers as the report shows them, in the typed variants too, so that
#: every variant shows the same text.
NUMBERS = NumberStyle(parse_locale("en"))


def hub(page: int) -> str:
    return f"hub{page % HUBS}"


def where(page: int) -> str:
    return f"FROM usage WHERE hub = '{hub(page)}'"


def chart_sql(figure: int) -> str:
    return (
        "SELECT date_trunc('month', day) AS month, sum(users) AS users "
        f"{where(figure)} GROUP BY month ORDER BY month"
    )


#: The rows of each table: a hub's first months.
TABLE_ROWS = 25


def table_sql(table: int) -> str:
    return (
        "SELECT strftime(day, '%Y-%m') AS month, sum(users) AS users, "
        f"sum(cost) AS cost {where(table)} GROUP BY month ORDER BY month "
        f"LIMIT {TABLE_ROWS}"
    )


def write_data(path: Path, rows: int, hubs: int = HUBS) -> None:
    """Daily usage of ``hubs`` hubs (100 unless told), the same for every run."""
    duckdb.sql(
        f"COPY (SELECT DATE '2020-01-01' + ((i // {hubs}) % 1826)::INT AS day, "
        f"'hub' || (i % {hubs}) AS hub, (i * 7919) % 1000 AS users, "
        f"((i * 31) % 10000) / 100.0 AS cost FROM range({rows}) t(i)) "
        f"TO '{path}' (HEADER)"
    )


def write_hubs(path: Path, hubs: int) -> None:
    """The table of hubs that an entity-page set makes its pages from."""
    duckdb.sql(
        "COPY (SELECT i AS n, 'hub' || i AS hub, 'Hub ' || i AS name "
        f"FROM range({hubs}) t(i)) TO '{path}' (HEADER)"
    )


class Values:
    """The numbers and chart data, computed once for the typed variants."""

    def __init__(self, csv: Path) -> None:
        self.connection = duckdb.connect()
        self.connection.execute(f"CREATE TABLE usage AS FROM read_csv('{csv}')")

    def scalar(self, sql: str) -> object:
        """The value as DuckDB gives it (an int stays an int), as a build
        formats it."""
        return self.connection.execute(sql).fetchone()[0]  # type: ignore[index]

    def rows(self, sql: str) -> list[tuple]:
        return self.connection.execute(sql).fetchall()

    def series(self, figure: int) -> tuple[list[str], list[float]]:
        rows = self.connection.execute(chart_sql(figure)).fetchall()
        return [str(r[0])[:10] for r in rows], [float(r[1]) for r in rows]


def figures_of(scenario: Scenario, page: int) -> list[int]:
    return list(range(page, scenario.figures, scenario.pages))


def tables_of(scenario: Scenario, page: int) -> list[int]:
    return list(range(page, scenario.tables, scenario.pages))


def grid(cards: list[str]) -> str:
    return "::::{grid} 1 2 3 5\n\n" + "\n".join(cards) + "::::\n\n"


def named_cards() -> list[tuple[str, str]]:
    """The 10 cards of a page of a ``named`` scenario: (title, metric)."""
    cards = [(title, name) for name, (title, _, _) in METRICS.items()]
    return cards + [(title, name) for name, title in AGAIN.items()]


def live_page(scenario: Scenario, page: int) -> str:
    if scenario.named:
        text = f"# Hub {page}\n\n" + grid(
            [f":::{{kpi-card}} {t}\n:metric: {n}\n:::\n" for t, n in named_cards()]
        )
        return text + SENTENCE.format(**{n: f"{{kpi}}`{n}`" for n in METRICS})
    cards = [
        f":::{{kpi-card}} {title}\n:metric: {hub(page)}_{name}\n:::\n"
        for name, (title, _, _) in METRICS.items()
    ]
    cards += [
        f":::{{kpi-card}} {title}\n:sql: SELECT {expression} {where(page)}\n"
        f":format: number:1\n:::\n"
        for title, expression in INLINE.items()
    ]
    text = f"# Hub {page}\n\n" + grid(cards)
    text += SENTENCE.format(**{n: f"{{kpi}}`{hub(page)}_{n}`" for n in METRICS})
    for figure in figures_of(scenario, page):
        text += (
            f"\n:::{{kpi-figure}}\n:sql: {chart_sql(figure)}\n:kind: line\n"
            f":x: month\n:y: users\n:xformat: month\n\n"
            f"Monthly users, chart {figure}.\n:::\n"
        )
    for table in tables_of(scenario, page):
        text += (
            f"\n:::{{kpi-table}} Monthly users, table {table}\n"
            f":sql: {table_sql(table)}\n"
            ":columns: month=Month, users=Users, cost=Cost\n"
            ":formats: users=integer, cost=currency:0\n:::\n"
        )
    return text


def keyed_page(page: int) -> str:
    """The live page's cards and sentences, each picking its hub's value of
    a keyed metric."""
    cards = [
        f":::{{kpi-card}} {title}\n:metric: {name}\n:key: {hub(page)}\n:::\n"
        for name, (title, _, _) in KEYED.items()
    ]
    text = f"# Hub {page}\n\n" + grid(cards)
    return text + SENTENCE.format(**{n: f"{{kpi}}`{n}[{hub(page)}]`" for n in METRICS})


def hub_page(key: str) -> str:
    """An entity page's body: 5 keyed cards and a sentence of 5 keyed values
    of hub ``key`` (``$hub`` in the template, ``hub7`` by hand)."""
    cards = [
        f":::{{kpi-card}} {title}\n:metric: {name}\n:key: {key}\n:::\n"
        for name, (title, _, _) in METRICS.items()
    ]
    return grid(cards) + SENTENCE.format(**{n: f"{{kpi}}`{n}[{key}]`" for n in METRICS})


def write_entity_project(
    src: Path, scenario: Scenario, variant: str, csv: Path
) -> None:
    """A page per hub, made by a ``[pages.hubs]`` set (``entity``) or written
    by hand (``hand``), each with the same title, the same index page and the
    same keyed metrics in grantreport.toml."""
    src.mkdir(parents=True)
    (src / "conf.py").write_text(
        "extensions = ['myst_parser', 'sphinx_design', 'sphinx_grantreport']\n"
        "myst_enable_extensions = ['colon_fence']\n"
        "exclude_patterns = ['_build', '_templates']\n"
        # The sidebar's global toctree is Sphinx's work on every page, the
        # same both ways, and grows with the square of the pages (92% of a
        # 3.5-minute build of 1,000 pages): left out, the ratio is ours.
        "html_sidebars = {'**': []}\n"
    )
    (src / "index.md").write_text("# Report\n\n```{toctree}\nhubs/index\n```\n")
    (src / "data").mkdir()
    os.link(csv, src / "data" / "usage.csv")
    write_hubs(src / "data" / "hubs.csv", scenario.hubs)
    project = [
        f'[metrics.{name}]\nsql = "SELECT hub, {expression} FROM usage GROUP BY '
        f'hub"\nkey = "hub"\nformat = "{fmt}"\n'
        for name, (_, expression, fmt) in METRICS.items()
    ]
    if variant == "entity":
        project.append(
            '[pages.hubs]\nsql = "SELECT hub, name FROM hubs ORDER BY n"\n'
            'template = "_templates/hub.md"\npath = "hubs/{hub}"\n'
            'title = "{name}"\nindex = "hubs/index"\nindex_title = "Hubs"\n'
        )
        (src / "_templates").mkdir()
        (src / "_templates" / "hub.md").write_text(hub_page("$hub"))
    else:
        (src / "hubs").mkdir()
        pages = "\n".join(f"/hubs/hub{p}" for p in range(scenario.pages))
        (src / "hubs" / "index.md").write_text(
            f"# Hubs\n\n```{{toctree}}\n:maxdepth: 1\n\n{pages}\n```\n"
        )
        for p in range(scenario.pages):
            text = f"# Hub {p}\n\n" + hub_page(f"hub{p}")
            (src / "hubs" / f"hub{p}.md").write_text(text)
    (src / "grantreport.toml").write_text("\n".join(project))


def typed_page(scenario: Scenario, page: int, values: Values, plot: bool) -> str:
    """The live page with its numbers typed in and its charts as images."""
    scope = "FROM usage" if scenario.named else where(page)
    numbers = {
        name: NUMBERS.format(values.scalar(f"SELECT {expression} {scope}"), fmt)
        for name, (_, expression, fmt) in METRICS.items()
    }
    if scenario.named:
        cards = [
            f":::{{grid-item-card}} {title}\n{numbers[name]}\n:::\n"
            for title, name in named_cards()
        ]
        return f"# Hub {page}\n\n" + grid(cards) + SENTENCE.format(**numbers)
    cards = [
        f":::{{grid-item-card}} {title}\n{numbers[name]}\n:::\n"
        for name, (title, _, _) in METRICS.items()
    ]
    cards += [
        f":::{{grid-item-card}} {title}\n"
        f"{NUMBERS.format(values.scalar(f'SELECT {e} {scope}'), 'number:1')}\n:::\n"
        for title, e in INLINE.items()
    ]
    text = f"# Hub {page}\n\n" + grid(cards)
    text += SENTENCE.format(**numbers)
    plots = []
    for figure in figures_of(scenario, page):
        caption = f"Monthly users, chart {figure}."
        if plot:
            code = "".join(f"   {line}\n" for line in plot_code(figure).splitlines())
            plots.append(f".. plot::\n   :caption: {caption}\n\n{code}")
        else:
            text += f"\n```{{figure}} images/chart{figure}.svg\n\n{caption}\n```\n"
    for table in tables_of(scenario, page):
        lines = "".join(
            f"| {month} | {NUMBERS.format(users, 'integer')} | "
            f"{NUMBERS.format(cost, 'currency:0')} |\n"
            for month, users, cost in values.rows(table_sql(table))
        )
        text += (
            f"\n:::{{table}} Monthly users, table {table}\n"
            f"| Month | Users | Cost |\n| --- | ---: | ---: |\n{lines}:::\n"
        )
    if plots:
        # The plot directive needs reST's state machine, so MyST's eval-rst; one
        # block per page, since the directive numbers its files per block.
        text += "\n```{eval-rst}\n" + "\n".join(plots) + "```\n"
    return text


#: The kpi-figure chart, as an author would draw it with matplotlib: the
#: same size, layout, date ticks, number format and grid.
PLOT_CODE = """\
import csv
import datetime
import matplotlib.pyplot as plt
from matplotlib import dates, ticker
with open({series!r}, newline="") as f:
    rows = list(csv.reader(f))
fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
ax.plot([datetime.date.fromisoformat(r[0]) for r in rows], [float(r[1]) for r in rows])
ax.xaxis.set_major_locator(dates.MonthLocator(bymonth=(1, 4, 7, 10)))
ax.xaxis.set_major_formatter(dates.DateFormatter("%b\\n%Y"))
ax.yaxis.set_major_formatter(ticker.StrMethodFormatter("{{x:,.0f}}"))
ax.grid(axis="y")
ax.spines[["top", "right"]].set_visible(False)
"""


def plot_code(figure: int) -> str:
    return PLOT_CODE.format(series=f"series/chart{figure}.csv")


def draw(series: Path, image: Path) -> None:
    """A pre-drawn chart for the typed report, as an author would export it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    exec(PLOT_CODE.format(series=str(series)), {})
    plt.savefig(image)
    plt.close("all")


def glue_page(scenario: Scenario, page: int, csv: Path) -> str:
    """A text notebook that computes the page's numbers and glues them, as
    text the report's number formats make (``Shown``: glue:text shows a
    value's repr)."""
    formats = {n: (e, fmt) for n, (_, e, fmt) in METRICS.items()}
    formats |= {f"inline{i}": (e, "number:1") for i, e in enumerate(INLINE.values())}
    code = [
        "import duckdb",
        "from myst_nb import glue",
        "from sphinx_grantreport.formatting import NumberStyle, parse_locale",
        "numbers = NumberStyle(parse_locale('en'))",
        "class Shown(str):",
        "    __repr__ = str.__str__",
        "db = duckdb.connect()",
        f"db.execute(\"CREATE TABLE usage AS FROM read_csv('{csv}')\")",
    ]
    code += [
        f"glue('{name}', Shown(numbers.format(db.execute(\"SELECT {e} FROM usage "
        f"WHERE hub = '{hub(page)}'\").fetchall()[0][0], '{fmt}')), display=False)"
        for name, (e, fmt) in formats.items()
    ]
    cards = [
        f":::{{grid-item-card}} {title}\n{{glue:text}}`{name}`\n:::\n"
        for name, (title, _, _) in METRICS.items()
    ]
    cards += [
        f":::{{grid-item-card}} {title}\n{{glue:text}}`inline{i}`\n:::\n"
        for i, title in enumerate(INLINE)
    ]
    text = (
        "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n"
        "  display_name: Python 3\n---\n\n"
        f"# Hub {page}\n\n```{{code-cell}} python3\n:tags: [remove-cell]\n"
        + "\n".join(code)
        + "\n```\n\n"
        + grid(cards)
    )
    return text + SENTENCE.format(**{n: f"{{glue:text}}`{n}`" for n in METRICS})


def write_project(
    src: Path, scenario: Scenario, variant: str, csv: Path, values: Values
) -> None:
    extensions = ["myst_nb" if variant == "glue" else "myst_parser", "sphinx_design"]
    if variant in ("live", "keyed"):
        extensions.append("sphinx_grantreport")
    if variant == "plot":
        extensions.append("matplotlib.sphinxext.plot_directive")
    conf = f"extensions = {extensions!r}\nmyst_enable_extensions = ['colon_fence']\n"
    conf += f"exclude_patterns = ['_build']\nhtml_theme = {scenario.theme!r}\n"
    if variant == "plot":
        conf += (
            "plot_formats = [('png', 100)]\nplot_html_show_formats = False\n"
            "plot_html_show_source_link = False\nplot_working_directory = "
            f"{str(src)!r}\n"
        )
    if variant == "glue":
        conf += "nb_execution_mode = 'auto'\nnb_execution_raise_on_error = True\n"
    src.mkdir(parents=True)
    pages = [f"hub{p}" for p in range(scenario.pages)]
    toctree = "\n".join(pages)
    (src / "index.md").write_text(f"# Report\n\n```{{toctree}}\n{toctree}\n```\n")
    if variant in ("live", "keyed"):
        (src / "data").mkdir()
        os.link(csv, src / "data" / "usage.csv")
        metrics = [
            f'[{hub(p)}_{name}]\nsql = "SELECT {expression} {where(p)}"\n'
            f'format = "{fmt}"\n'
            for p in range(scenario.pages)
            for name, (_, expression, fmt) in METRICS.items()
        ]
        if scenario.named:
            metrics = [
                f'[{name}]\nsql = "SELECT {expression} FROM usage"\nformat = "{fmt}"\n'
                for name, (_, expression, fmt) in METRICS.items()
            ]
        if variant == "keyed":
            metrics = [
                f'[{name}]\nsql = "SELECT hub, {expression} FROM usage GROUP BY hub"'
                f'\nkey = "hub"\nformat = "{fmt}"\n'
                for name, (_, expression, fmt) in KEYED.items()
            ]
        (src / "kpis.toml").write_text("\n".join(metrics))
        conf += "grantreport_metrics_file = 'kpis.toml'\n"
    if variant in ("typed", "plot") and scenario.figures:
        (src / "series").mkdir()
        (src / "images").mkdir()
        for figure in range(scenario.figures):
            months, users = values.series(figure)
            lines = "".join(f"{m},{u}\n" for m, u in zip(months, users, strict=True))
            series = src / "series" / f"chart{figure}.csv"
            series.write_text(lines)
            if variant == "typed":
                draw(series, src / "images" / f"chart{figure}.svg")
    (src / "conf.py").write_text(conf)
    for p, page in enumerate(pages):
        if variant == "live":
            text = live_page(scenario, p)
        elif variant == "keyed":
            text = keyed_page(p)
        elif variant == "glue":
            text = glue_page(scenario, p, csv)
        else:
            text = typed_page(scenario, p, values, plot=variant == "plot")
        (src / f"{page}.md").write_text(text)


@dataclass
class Timings:
    cold: list[float] = field(default_factory=list)
    noop: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    redrawn: list[int] = field(default_factory=list)


#: sphinx-build, then the peak memory of this process alone (VmHWM; the
#: rusage of a child also counts the parent it was forked from).
SPHINX_BUILD = """\
import sys
from sphinx.cmd.build import main
status = main(sys.argv[1:])
with open("/proc/self/status") as lines:
    print(*[line.split()[1] for line in lines if line.startswith("VmHWM")])
sys.exit(status)
"""


def sphinx_build(
    src: Path, out: Path
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Seconds of one HTML build in a new process, and how it went (its
    stdout ends with its peak memory in kB)."""
    command = [sys.executable, "-c", SPHINX_BUILD, "-b", "html", "-q"]
    command += ["-d", str(out / "doctrees"), str(src), str(out / "html")]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, result


def build(
    src: Path, out: Path, scenario: Scenario, variant: str
) -> tuple[float, float]:
    """Seconds and peak MB of one build in a new process, after checking it worked."""
    seconds, result = sphinx_build(src, out)
    html = out / "html"
    written = list(html.glob(scenario.written))
    pages = len(written)
    tables = sum(path.read_text().count("<caption") for path in written)
    images = html / "_images"
    # kpi-figure also draws a dark variant of each chart under dark themes
    drawn = images.iterdir() if images.is_dir() else []
    charts = len([path for path in drawn if not path.stem.endswith("-dark")])
    messages = result.stderr
    if result.returncode or "WARNING:" in messages or "ERROR:" in messages:
        problem = f"exit status {result.returncode}, or warnings on stderr"
    elif pages != scenario.pages:
        problem = f"{pages} pages written, expected {scenario.pages}"
    elif charts != scenario.figures:
        problem = f"{charts} images in {images}, expected {scenario.figures}"
    elif tables != scenario.tables:
        problem = f"{tables} tables written, expected {scenario.tables}"
    else:
        return seconds, int(result.stdout.split()[-1]) / 1024
    sys.exit(f"{variant} build failed: {' '.join(result.args)}\n{problem}\n{messages}")


class ShownText(html.parser.HTMLParser):
    """The words a reader sees in a page's main content: not its scripts,
    heading links, or what only live values have (the ``kpi-tip`` source
    panels behind a button, a chart's data table in a closed details)."""

    SKIPPED: tuple[str, ...] = ("kpi-tip", "kpi-card-source", "kpi-source-line")
    SKIPPED += ("kpi-figure-data", "headerlink")
    VOID: ClassVar = {"img", "br", "hr", "meta", "link", "input", "source", "col"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.main = False
        self.depth = 0  # open elements inside main
        self.skipping = 0  # depth at which a skipped element opened; 0 if none

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        found = dict(attrs)
        if not self.main:
            self.main = found.get("role") == "main"
            self.depth = 1 if self.main else 0
            return
        self.depth += 1
        classes = found.get("class") or ""
        skipped = tag in ("script", "style") or any(c in classes for c in self.SKIPPED)
        if skipped and not self.skipping:
            self.skipping = self.depth

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not self.main:
            return
        if self.skipping == self.depth:
            self.skipping = 0
        self.depth -= 1
        if self.depth == 0:
            self.main = False

    def handle_data(self, data: str) -> None:
        if self.main and not self.skipping:
            self.texts.append(data)


def shown_words(html_dir: Path, scenario: Scenario) -> dict[str, list[str]]:
    """Each page's shown words, sorted: a live card shows its number above its
    title where a typed one has it below, so the order is not compared."""
    shown = {}
    for path in sorted(html_dir.glob(scenario.written)):
        parser = ShownText()
        parser.feed(path.read_text())
        shown[path.name] = sorted("".join(parser.texts).split())
    return shown


def check_same(
    scenario: Scenario, shown: dict[str, dict[str, list[str]]], baseline: str
) -> None:
    """Stop unless every variant shows the same words as the baseline on each
    page: a faster build that shows something else proves nothing."""
    for variant, pages in shown.items():
        for page, words in pages.items():
            expected = shown[baseline].get(page)
            if words != expected:
                extra = Counter(words) - Counter(expected or [])
                missing = Counter(expected or []) - Counter(words)
                sys.exit(
                    f"{scenario.label}: {variant} shows other words than "
                    f"{baseline} on {page}:\n  only {variant}: "
                    f"{' '.join(extra.elements())[:600]}\n  only {baseline}: "
                    f"{' '.join(missing.elements())[:600]}"
                )


def mtimes(directory: Path) -> dict[str, int]:
    if not directory.is_dir():
        return {}
    return {path.name: path.stat().st_mtime_ns for path in directory.iterdir()}


#: No-op rebuilds after each cold build: they are short, so noisier.
NOOP_BUILDS = 5


def run(
    root: Path,
    scenario: Scenario,
    variants: list[str],
    csv: Path,
    values: Values | None,
    repeat: int,
) -> dict[str, Timings]:
    """Cold and no-op build times of each variant, and charts redrawn on no-op.

    The variants take turns in each repeat, so that a machine that slows down
    for a while slows them alike, not one more than another.
    """
    for variant in variants:
        src = root / f"{variant}-src"
        if scenario.entity:
            write_entity_project(src, scenario, variant, csv)
        else:
            assert values is not None
            write_project(src, scenario, variant, csv, values)
    timings = {variant: Timings() for variant in variants}
    shown: dict[str, dict[str, list[str]]] = {}
    for _ in range(repeat):
        before = {}
        for variant in variants:
            src, out = root / f"{variant}-src", root / f"{variant}-out"
            shutil.rmtree(out, ignore_errors=True)
            seconds, peak = build(src, out, scenario, variant)
            if variant not in shown:
                shown[variant] = shown_words(out / "html", scenario)
                if len(shown) == len(variants):
                    check_same(scenario, shown, "hand" if scenario.entity else "typed")
            timings[variant].cold.append(seconds)
            timings[variant].peak_mb.append(peak)
            before[variant] = mtimes(out / "doctrees" / "grantreport-charts")
        # the no-op rebuilds take turns too: they differ by a few percent,
        # less than a machine drifts over five rebuilds of one variant
        for _ in range(NOOP_BUILDS):
            for variant in variants:
                src, out = root / f"{variant}-src", root / f"{variant}-out"
                seconds, peak = build(src, out, scenario, variant)
                timings[variant].noop.append(seconds)
                timings[variant].peak_mb.append(peak)
        for variant in variants:
            after = mtimes(root / f"{variant}-out" / "doctrees" / "grantreport-charts")
            redrawn = sum(after[k] != before[variant].get(k) for k in after)
            timings[variant].redrawn.append(redrawn)
    shutil.rmtree(root)
    return timings


def seconds_in_new_process(code: str, repeat: int, stdin: str = "") -> float:
    """The median of the seconds that ``code`` prints, each run in a new process."""
    command = [sys.executable, "-c", code]
    runs = [
        subprocess.run(command, input=stdin, capture_output=True, text=True, check=True)
        for _ in range(repeat)
    ]
    return statistics.median(float(run.stdout) for run in runs)


def scan_seconds(csv: Path, repeat: int) -> float:
    """One DuckDB scan of the table: read the whole file once."""
    return seconds_in_new_process(
        "import time, duckdb\n"
        "start = time.perf_counter()\n"
        f"duckdb.sql(\"SELECT count(*), sum(users) FROM read_csv('{csv}')\")"
        ".fetchall()\n"
        "print(time.perf_counter() - start)\n",
        repeat,
    )


def card_queries(scenario: Scenario, variant: str) -> list[str]:
    """The distinct queries behind the report's cards and sentences: one per
    card of the live report, one per measure of the keyed one."""
    expressions = [e for _, e, _ in KEYED.values()]
    if variant == "keyed":
        return [f"SELECT hub, {e} FROM usage GROUP BY hub" for e in expressions]
    return [
        f"SELECT {e} {where(p)}" for p in range(scenario.pages) for e in expressions
    ]


def duckdb_seconds(csv: Path, queries: list[str], repeat: int) -> float:
    """Queries run straight in DuckDB, after one load of the table: the least
    any tool could spend on them."""
    return seconds_in_new_process(
        "import sys, time, duckdb\n"
        "queries = sys.stdin.read().splitlines()\n"
        "db = duckdb.connect()\n"
        f"db.execute(\"CREATE TABLE usage AS FROM read_csv('{csv}')\")\n"
        "start = time.perf_counter()\n"
        "for query in queries:\n"
        "    db.execute(query).fetchall()\n"
        "print(time.perf_counter() - start)\n",
        repeat,
        stdin="\n".join(queries),
    )


#: The PostgreSQL server of the database-source scenario, as a connection
#: URI (``export GRANTREPORT_TEST_POSTGRES="$(.ci/start-postgres)"``); without
#: it the scenario is skipped, saying so.
POSTGRES_ENV = "GRANTREPORT_TEST_POSTGRES"
#: The variable that the source's URI in grantreport.toml reads its password
#: from, as a report would: no password is written to a file.
PASSWORD_ENV = "GR_BENCH_PG_PASSWORD"


@dataclass(frozen=True)
class SourceScenario:
    """Raw events in a PostgreSQL table, which the source's query aggregates
    in the database into one row per account."""

    events: int
    accounts: int

    @property
    def label(self) -> str:
        return f"{self.events:,} events in PostgreSQL -> {self.accounts:,} rows"


SOURCE = SourceScenario(10_000_000, 1_000_000)
SOURCE_QUICK = SourceScenario(1_000_000, 100_000)

#: The source's query: the aggregation runs in the database.
SOURCE_SQL = (
    "SELECT account, count(*) AS events, sum(amount)::numeric(14, 2) AS amount, "
    "min(day) AS first_day, max(day) AS last_day FROM {table} GROUP BY account"
)

#: The report over the aggregate, the same for both variants: 4 cards and a
#: sentence of 5 values, from 5 metrics of grantreport.toml and inline SQL.
SOURCE_METRICS = {
    "accounts": ("SELECT count(*) FROM accounts", "integer"),
    "events": ("SELECT sum(events) FROM accounts", "integer"),
    "amount": ("SELECT sum(amount) FROM accounts", "currency"),
    "mean": ("SELECT avg(events) FROM accounts", "number:2"),
    "busiest": ("SELECT max(events) FROM accounts", "integer"),
}
SOURCE_PAGE = """\
# Accounts

::::{grid} 1 2 2 4

:::{kpi-card} Accounts
:metric: accounts
:::
:::{kpi-card} Events
:metric: events
:::
:::{kpi-card} Amount
:metric: amount
:::
:::{kpi-card} Active all year
:sql: SELECT count(*) FROM accounts WHERE first_day < DATE '2024-02-01' AND \
last_day >= DATE '2024-12-01'
:format: integer
:::
::::

The {kpi}`accounts` accounts had {kpi}`events` events worth {kpi}`amount`,
{kpi}`mean` events each on average and {kpi}`busiest` at most.
"""
#: The values the page shows: 4 cards, 5 in the sentence.
SOURCE_VALUES = 9

#: A new process that loads a file into a DuckDB table, as a build does, and
#: prints its row count and peak memory (kB).
LOAD = """\
import sys, duckdb
db = duckdb.connect()
db.execute(f"CREATE TABLE accounts AS FROM {sys.argv[1]}('{sys.argv[2]}')")
print(db.execute("SELECT count(*) FROM accounts").fetchall()[0][0])
with open("/proc/self/status") as lines:
    print(*[line.split()[1] for line in lines if line.startswith("VmHWM")])
"""
#: ``sphinx-grantreport fetch`` in a new process, then its peak memory (kB).
FETCH = """\
import sys
from sphinx_grantreport.command_line import main
status = main(sys.argv[1:])
with open("/proc/self/status") as lines:
    print(*[line.split()[1] for line in lines if line.startswith("VmHWM")])
sys.exit(status)
"""


def source_skip_reason(uri: str) -> str | None:
    """Why the database-source scenario cannot run here, if it cannot."""
    if not uri:
        return (
            f"no PostgreSQL server: {POSTGRES_ENV} is not set (export "
            f'{POSTGRES_ENV}="$(.ci/start-postgres)" to run it)'
        )
    if importlib.util.find_spec("adbc_driver_postgresql") is None:
        return "the PostgreSQL driver is not installed: pip install -e '.[databases]'"
    return None


def postgres_parts(uri: str) -> tuple[str, str, str]:
    """The URI as grantreport.toml holds it (the password as
    ``${GR_BENCH_PG_PASSWORD}``), the URI without its password (for psql),
    and the password as the URI spells it."""
    parts = urllib.parse.urlsplit(uri)
    password = parts.password or ""
    if not password:
        return uri, uri, ""
    user, host = parts.netloc.rsplit("@", 1)
    name = user.split(":", 1)[0]
    written = parts._replace(netloc=f"{name}:${{{PASSWORD_ENV}}}@{host}")
    bare = parts._replace(netloc=f"{name}@{host}")
    return (
        urllib.parse.urlunsplit(written),
        urllib.parse.urlunsplit(bare),
        password,
    )


def create_events(uri: str, scenario: SourceScenario) -> str:
    """A table of raw events, created with generate_series, and its name.

    Every account has an event (the first ``accounts`` rows cover them all),
    and lower-numbered accounts have more of the others, up to about ten
    times as many.
    """
    import adbc_driver_postgresql.dbapi as postgres

    table = f"grantreport_bench_events_{uuid.uuid4().hex[:8]}"
    accounts = scenario.accounts
    base = f"(g * 7919) % {accounts}"
    with postgres.connect(uri) as connection, connection.cursor() as cursor:
        cursor.execute(
            f"CREATE UNLOGGED TABLE {table} AS SELECT g AS id, "
            f"CASE WHEN g < {accounts} THEN {base} "
            f"ELSE ({base}) / (1 + g % 4) END AS account, "
            "DATE '2024-01-01' + (g % 366)::int AS day, "
            "((g * 31) % 10000)::numeric(10, 2) / 100 AS amount "
            f"FROM generate_series(0::bigint, {scenario.events - 1}) g"
        )
        cursor.execute(f"ANALYZE {table}")
        connection.commit()
    return table


def drop_events(uri: str, table: str) -> None:
    import adbc_driver_postgresql.dbapi as postgres

    with postgres.connect(uri) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        connection.commit()


def server_version(uri: str) -> str:
    import adbc_driver_postgresql.dbapi as postgres

    with postgres.connect(uri) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        return f"PostgreSQL {cursor.fetchall()[0][0]}"


def write_source_projects(root: Path, uri: str, table: str) -> tuple[Path, Path]:
    """Two reports, the same page and metrics over table ``accounts``: one
    with ``[sources.accounts]`` (the database's aggregate, as a snapshot), one
    with ``data/accounts.csv`` (filled in later)."""
    written, _, _ = postgres_parts(uri)
    metrics = "".join(
        f"\n[metrics.{name}]\nsql = {json.dumps(sql)}\nformat = {json.dumps(fmt)}\n"
        for name, (sql, fmt) in SOURCE_METRICS.items()
    )
    source = (
        f"[sources.accounts]\ndatabase = {json.dumps(written)}\n"
        f"sql = {json.dumps(SOURCE_SQL.format(table=table))}\ntimeout = 600\n"
        'description = "Accounts: their events aggregated in PostgreSQL"\n'
    )
    projects = root / "snapshot-src", root / "csv-src"
    for src, project in zip(projects, (source + metrics, metrics), strict=True):
        src.mkdir(parents=True)
        (src / "conf.py").write_text(
            "extensions = ['myst_parser', 'sphinx_design', 'sphinx_grantreport']\n"
            "myst_enable_extensions = ['colon_fence']\n"
            "exclude_patterns = ['_build']\n"
        )
        (src / "index.md").write_text("# Report\n\n```{toctree}\naccounts\n```\n")
        (src / "accounts.md").write_text(SOURCE_PAGE)
        (src / "grantreport.toml").write_text(project)
    (projects[1] / "data").mkdir()
    return projects


def source_values(html: Path) -> list[str]:
    """The values of the built page, as shown."""
    text = (html / "accounts.html").read_text()
    return re.findall(r'class="kpi-value"[^>]*>([^<]*)<', text)


def peak_of(stdout: str) -> float:
    """The peak memory (MB) that a process printed last."""
    return int(stdout.split()[-1]) / 1024


class SourceRun:
    """The steps of the database-source scenario, each in a new process,
    checked before its time counts."""

    def __init__(
        self, root: Path, uri: str, table: str, scenario: SourceScenario
    ) -> None:
        self.root, self.uri, self.scenario = root, uri, scenario
        self.snapshot_src, self.csv_src = write_source_projects(root, uri, table)
        _, self.bare_uri, password = postgres_parts(uri)
        self.env = os.environ | {PASSWORD_ENV: password}
        self.psql_env = os.environ | {"PGPASSWORD": urllib.parse.unquote(password)}
        self.sql = SOURCE_SQL.format(table=table)
        self.snapshot = self.snapshot_src / "snapshots" / "accounts.parquet"
        self.csv = self.csv_src / "data" / "accounts.csv"
        self.export = root / "export.csv"

    def fail(self, what: str, result: subprocess.CompletedProcess[str]) -> None:
        sys.exit(
            f"database source: {what} failed (exit status {result.returncode})\n"
            f"{result.stdout}{result.stderr}"
        )

    def fetch(self) -> tuple[float, float]:
        """``sphinx-grantreport fetch -C DIR accounts``: the query, its Arrow
        result, the Parquet snapshot and its lock entry."""
        command = [sys.executable, "-c", FETCH, "fetch", "-C"]
        command += [str(self.snapshot_src), "accounts"]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=self.env)
        seconds = time.perf_counter() - start
        lock = self.snapshot_src / "grantreport.lock"
        rows = 0
        if result.returncode == 0 and lock.is_file():
            rows = json.loads(lock.read_text())["sources"]["accounts"]["rows"]
        if rows != self.scenario.accounts or not self.snapshot.is_file():
            self.fail(f"fetch ({rows} rows)", result)
        return seconds, peak_of(result.stdout)

    def psql_export(self) -> tuple[float, float | None]:
        """The same query exported to a CSV file by psql's ``\\copy``: how
        such a CSV is made by hand."""
        self.export.unlink(missing_ok=True)
        copy = f"\\copy ({self.sql}) TO '{self.export}' WITH (FORMAT csv, HEADER)"
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.bare_uri]
        command += ["-c", copy]
        start = time.perf_counter()
        result = subprocess.run(
            command, capture_output=True, text=True, env=self.psql_env
        )
        seconds = time.perf_counter() - start
        lines = 0
        if result.returncode == 0 and self.export.is_file():
            with self.export.open("rb") as stream:
                lines = sum(1 for _ in stream)
        if lines != self.scenario.accounts + 1:
            self.fail(f"psql \\copy ({lines} lines)", result)
        return seconds, None

    def load(self, reader: str, path: Path) -> tuple[float, float]:
        """DuckDB reading a file into a table in a new process."""
        command = [sys.executable, "-c", LOAD, reader, str(path)]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode or int(result.stdout.split()[0]) != self.scenario.accounts:
            self.fail(f"{reader} of {path.name}", result)
        return seconds, peak_of(result.stdout)

    def build(self, src: Path) -> tuple[float, float, list[str]]:
        """A cold build of the report, checked: no warnings, every value."""
        out = self.root / f"{src.name}-out"
        shutil.rmtree(out, ignore_errors=True)
        seconds, result = sphinx_build(src, out)
        messages = result.stderr
        if result.returncode or "WARNING:" in messages or "ERROR:" in messages:
            self.fail(f"build of {src.name}", result)
        values = source_values(out / "html")
        if len(values) != SOURCE_VALUES:
            self.fail(f"build of {src.name} ({len(values)} values)", result)
        return seconds, peak_of(result.stdout), values


#: The steps measured, in the order they take turns: (step, variant), and
#: the variant each one's ratio is to.
SOURCE_STEPS = {
    ("get the rows", "fetch into a snapshot"): "load the CSV",
    ("get the rows", "psql \\copy to a CSV"): "load the CSV",
    ("load them", "load the CSV"): "load the CSV",
    ("load them", "load the snapshot"): "load the CSV",
    ("cold build", "from the snapshot"): "from the CSV",
    ("cold build", "from the CSV"): "from the CSV",
}


@dataclass
class SourceTimings:
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)


def run_source(
    root: Path, uri: str, scenario: SourceScenario, repeat: int
) -> tuple[dict[str, SourceTimings], str]:
    """Each step of the database-source scenario ``repeat`` times, the
    variants taking turns, after one checked run of each; the PostgreSQL
    table is made first and dropped at the end. Returns the timings by
    variant and what was measured against (the server's version)."""
    started = time.perf_counter()
    table = create_events(uri, scenario)
    try:
        print(
            f"{scenario.label}: table made in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        run = SourceRun(root, uri, table, scenario)
        # Once before timing: the snapshot, the CSV made from it (the same
        # rows, as a hand export would give them), and the two reports,
        # which must show the same values.
        run.fetch()
        literal = str(run.snapshot).replace("'", "''")
        duckdb.sql(f"COPY (FROM read_parquet('{literal}')) TO '{run.csv}' (HEADER)")
        from_snapshot = run.build(run.snapshot_src)[2]
        from_csv = run.build(run.csv_src)[2]
        if from_snapshot != from_csv:
            sys.exit(
                "database source: the reports differ: "
                f"snapshot {from_snapshot}, CSV {from_csv}"
            )
        if from_csv[0] != f"{scenario.accounts:,}":
            sys.exit(f"database source: {from_csv[0]} accounts shown")
        steps: dict[str, Callable[[], tuple[float, float | None]]] = {
            "fetch into a snapshot": run.fetch,
            "psql \\copy to a CSV": run.psql_export,
            "load the CSV": lambda: run.load("read_csv", run.csv),
            "load the snapshot": lambda: run.load("read_parquet", run.snapshot),
            "from the snapshot": lambda: run.build(run.snapshot_src)[:2],
            "from the CSV": lambda: run.build(run.csv_src)[:2],
        }
        if shutil.which("psql") is None:
            del steps["psql \\copy to a CSV"]
            print("database source: no psql, so no \\copy export", file=sys.stderr)
        timings = {variant: SourceTimings() for variant in steps}
        for _ in range(repeat):
            for variant, step in steps.items():
                seconds, peak = step()
                timings[variant].seconds.append(seconds)
                if peak is not None:
                    timings[variant].peak_mb.append(peak)
        version_text = server_version(uri)
    finally:
        drop_events(uri, table)
    print(
        f"{scenario.label}: {time.perf_counter() - started:.1f} s in all",
        file=sys.stderr,
    )
    return timings, version_text


def source_table(timings: dict[str, SourceTimings]) -> list[list[str]]:
    """Median, min and max seconds of each step, and the ratio of the medians
    to the CSV's."""
    rows = [["step", "variant", "median s", "min s", "max s", "x CSV", "peak MB"]]
    shown: set[str] = set()
    for (step, variant), baseline in SOURCE_STEPS.items():
        if variant not in timings:
            continue
        seconds = timings[variant].seconds
        ratio = median(seconds) / median(timings[baseline].seconds)
        peak = timings[variant].peak_mb
        rows.append(
            [
                "" if step in shown else step,
                variant,
                f"{median(seconds):.2f}",
                f"{min(seconds):.2f}",
                f"{max(seconds):.2f}",
                f"{ratio:.2f}",
                f"{max(peak):.0f}" if peak else "",
            ]
        )
        shown.add(step)
    return rows


def source_summary(timings: dict[str, SourceTimings]) -> list[list[str]]:
    """The issue's line: fetch and build from the snapshot against the build
    from the CSV."""
    fetch = median(timings["fetch into a snapshot"].seconds)
    snapshot = median(timings["from the snapshot"].seconds)
    csv = median(timings["from the CSV"].seconds)
    load = median(timings["load the CSV"].seconds)
    return [
        ["measure", "measured"],
        ["fetch / load the CSV", f"{fetch:.2f}/{load:.2f} = {fetch / load:.1f}x"],
        [
            "cold build from the snapshot / from the CSV",
            f"{snapshot:.2f}/{csv:.2f} = {snapshot / csv:.2f}x",
        ],
        [
            "fetch + build from the snapshot / build from the CSV",
            f"({fetch:.2f}+{snapshot:.2f})/{csv:.2f} = {(fetch + snapshot) / csv:.1f}x",
        ],
    ]


SOURCE_NOTES = """\
Each step runs in a new process, and its time is the process's wall time,
start-up and imports included. fetch: sphinx-grantreport fetch -C DIR
accounts (the query in PostgreSQL, its Arrow result through the ADBC
driver, the Parquet snapshot and the lock entry). psql \\copy: the same
query exported to a local CSV file by psql, as a CSV is made by hand. load:
DuckDB reading the CSV (read_csv) or the snapshot (read_parquet) into a
table, as a build does. cold build: the same report (4 cards, a sentence of
5 values, all over table accounts) from empty output directories, reading
the snapshot of [sources.accounts] or data/accounts.csv; both show the same
values, checked before timing. x CSV: the median over that of load the CSV
(for the first four lines) or of the build from the CSV.\
"""


# The MyST Document Engine scenario: ``myst build --site`` of the same pages
# with the plugin that ``sphinx-grantreport myst init`` writes, or typed.

#: Pages (and with --quick) and rows of the mystmd scenario.
MYSTMD_PAGES, MYSTMD_QUICK_PAGES, MYSTMD_ROWS = 100, 20, 5_000
#: Its named metrics, keyed by hub; each page cites them for its hub and the
#: next, 10 ``{kpi}`` values, and shows two of them as cards.
MYSTMD_METRICS = {
    "users": "sum(users)",
    "peak": "max(users)",
    "days": "count(DISTINCT day)",
    "quiet": "count(*) FILTER (WHERE users < 100)",
    "busy": "count(*) FILTER (WHERE users >= 900)",
}
MYSTMD_SENTENCE = (
    "Hub {hub} served {users} users, {peak} at its peak, across {days} days, "
    "{quiet} of them quiet and {busy} busy.\n\n"
)
MYSTMD_CARDS = {"users": "{value} users", "peak": "{value} at the peak"}
MYSTMD_TEMPLATE = "myst: v1\nkind: site\n"


@dataclass
class MystTimings:
    runs: dict[str, list[float]] = field(default_factory=dict)


def mystmd_skip_reason() -> str | None:
    """Why the mystmd scenario cannot run here, if it cannot."""
    if shutil.which("myst") is None:
        return "the myst CLI is not installed: pip install mystmd"
    if shutil.which("node") is None:
        return "Node is not installed (the myst CLI needs it)"
    return None


def mystmd_version() -> str:
    result = subprocess.run(["myst", "--version"], capture_output=True, text=True)
    return result.stdout.strip().lstrip("v")


def mystmd_page(page: int, pages: int, numbers: dict[tuple[str, str], int] | None):
    """A page of the mystmd scenario: live (``numbers`` None) or typed."""
    hubs = [hub(page), hub((page + 1) % pages)]
    text = f"# Hub {page}\n\n::::{{grid}} 1 1 2 2\n"
    for name, title in MYSTMD_CARDS.items():
        if numbers is None:
            text += f":::{{kpi-card}} {title}\n:metric: {name}\n:key: {hubs[0]}\n"
        else:
            shown = title.format(value=f"**{numbers[name, hubs[0]]:,}**")
            text += f":::{{card}} {shown}\n"
        text += "Over five years.\n:::\n"
    text += "::::\n\n"
    for key in hubs:
        if numbers is None:
            cited = {n: f"{{kpi}}`{n}[{key}]`" for n in MYSTMD_METRICS}
        else:
            cited = {n: f"{numbers[n, key]:,}" for n in MYSTMD_METRICS}
        text += MYSTMD_SENTENCE.format(hub=key, **cited)
    return text


def write_mystmd_project(
    root: Path, variant: str, pages: int, csv: Path, values: Values
) -> None:
    root.mkdir(parents=True)
    (root / "_tpl").mkdir()
    (root / "_tpl" / "template.yml").write_text(MYSTMD_TEMPLATE)
    (root / "myst.yml").write_text(
        f"version: 1\nproject:\n  title: Report ({variant})\n"
        "site:\n  template: ./_tpl\n"
    )
    numbers = None
    if variant == "plugin":
        (root / "data").mkdir()
        os.link(csv, root / "data" / "usage.csv")
        (root / "grantreport.toml").write_text(
            "".join(
                f'[metrics.{name}]\nsql = "SELECT hub, {expression} FROM usage '
                f'GROUP BY hub"\nkey = "hub"\nformat = "integer"\n\n'
                for name, expression in MYSTMD_METRICS.items()
            )
        )
        command = [sys.executable, "-m", "sphinx_grantreport", "myst", "init"]
        subprocess.run([*command, str(root)], check=True, capture_output=True)
    else:
        numbers = {
            (name, key): int(value)
            for name, expression in MYSTMD_METRICS.items()
            for key, value in values.rows(
                f"SELECT hub, {expression} FROM usage GROUP BY hub"
            )
        }
    for page in range(pages):
        (root / f"hub{page}.md").write_text(mystmd_page(page, pages, numbers))


def mdast_text(node: dict) -> str:
    if node.get("type") == "text":
        return node["value"]
    return " ".join(mdast_text(child) for child in node.get("children", []))


def mystmd_build(root: Path, variant: str, pages: int) -> tuple[float, list[str]]:
    """Seconds of one cold ``myst build --site`` in a new process, and the
    text of each page, after checking it worked."""
    shutil.rmtree(root / "_build", ignore_errors=True)
    command = ["myst", "build", "--site"]
    env = {**os.environ, "NO_COLOR": "1"}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    content = root / "_build" / "site" / "content"
    texts = []
    for page in range(pages):
        path = content / f"hub{page}.json"
        if not path.exists():
            break
        raw = path.read_text()
        if '"mystDirectiveError"' in raw or '"mystRoleError"' in raw:
            break
        mdast = json.loads(raw)["mdast"]
        texts.append(" ".join(mdast_text(mdast).split()))
    messages = result.stdout + result.stderr
    if result.returncode or len(texts) != pages or "⚠️" in messages:
        sys.exit(
            f"mystmd {variant} build failed (exit status {result.returncode}, "
            f"{len(texts)} of {pages} pages sound, or warnings):\n{messages}"
        )
    return seconds, texts


#: The Python side alone: the plugin's server answering the same requests,
#: a page's a line, from its start to its exit.
MYSTMD_SERVER = """\
import subprocess, sys, time
start = time.perf_counter()
server = subprocess.run(
    [sys.executable, "-m", "sphinx_grantreport.mystmd_server", sys.argv[1]],
    input=sys.stdin.read(), capture_output=True, text=True, check=True)
print(time.perf_counter() - start)
"""


def mystmd_requests(pages: int) -> str:
    lines = []
    for page in range(pages):
        hubs = [hub(page), hub((page + 1) % pages)]
        items = [
            {"kind": "kpi-card", "arg": title, "options": {"metric": n, "key": hubs[0]}}
            for n, title in MYSTMD_CARDS.items()
        ]
        items += [
            {"kind": "kpi", "arg": f"{n}[{key}]"}
            for key in hubs
            for n in MYSTMD_METRICS
        ]
        request = {"id": page, "file": f"hub{page}.md", "items": items}
        lines.append(json.dumps(request) + "\n")
    return "".join(lines)


def run_mystmd(root: Path, pages: int, repeat: int) -> dict[str, list[float]]:
    """Cold builds of each variant ``repeat`` times, taking turns, after
    checking both show the same text; then the Python side alone."""
    root.mkdir(parents=True)
    csv = root / "usage.csv"
    write_data(csv, MYSTMD_ROWS)
    values = Values(csv)
    variants = ["plugin", "typed"]
    for variant in variants:
        write_mystmd_project(root / variant, variant, pages, csv, values)
    shown = {v: mystmd_build(root / v, v, pages)[1] for v in variants}
    for page, (live, typed) in enumerate(zip(*shown.values(), strict=True)):
        if live != typed:
            sys.exit(f"mystmd: hub{page} differs:\n  plugin: {live}\n  typed:  {typed}")
    timings: dict[str, list[float]] = {v: [] for v in [*variants, "server"]}
    for _ in range(repeat):
        for variant in variants:
            seconds, _ = mystmd_build(root / variant, variant, pages)
            timings[variant].append(seconds)
        command = [sys.executable, "-c", MYSTMD_SERVER, str(root / "plugin")]
        result = subprocess.run(
            command, input=mystmd_requests(pages), capture_output=True, text=True
        )
        if result.returncode:
            sys.exit(f"mystmd: the server alone failed:\n{result.stderr}")
        timings["server"].append(float(result.stdout))
    shutil.rmtree(root)
    return timings


def mystmd_table(timings: dict[str, list[float]]) -> list[list[str]]:
    typed = median(timings["typed"])
    rows = [["variant", "cold s", "min", "max", "x typed"]]
    names = {
        "plugin": "plugin ({kpi}, kpi-card)",
        "typed": "typed numbers",
        "server": "Python server alone",
    }
    for variant, runs in timings.items():
        seconds = median(runs)
        rows.append(
            [
                names[variant],
                f"{seconds:.2f}",
                f"{min(runs):.2f}",
                f"{max(runs):.2f}",
                f"{seconds / typed:.2f}",
            ]
        )
    return rows


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(rows: list[list[str]], left: int, markdown: bool) -> None:
    """Rows as aligned text, or as a Markdown table; the first ``left``
    columns are words, the others numbers."""
    if markdown:
        rule = ["---"] * left + ["---:"] * (len(rows[0]) - left)
        for row in [rows[0], rule, *rows[1:]]:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.ljust(width) if column < left else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="builds (default 3)")
    parser.add_argument("--quick", action="store_true", help="the small scenarios")
    parser.add_argument(
        "--markdown", action="store_true", help="print Markdown tables, for the docs"
    )
    parser.add_argument(
        "--database-only",
        action="store_true",
        help=f"only the database-source scenario (needs {POSTGRES_ENV})",
    )
    parser.add_argument(
        "--mystmd-only",
        action="store_true",
        help="only the MyST Document Engine scenario (needs the myst CLI and Node)",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.database_only and args.mystmd_only:
        parser.error("--database-only and --mystmd-only exclude each other")
    myst_skipped = mystmd_skip_reason()
    if myst_skipped and os.environ.get("GRANTREPORT_REQUIRE_TOOLS") == "1":
        sys.exit(f"mystmd: {myst_skipped} (GRANTREPORT_REQUIRE_TOOLS=1)")
    if myst_skipped and args.mystmd_only:
        sys.exit(f"mystmd: {myst_skipped}")
    myst_pages = MYSTMD_QUICK_PAGES if args.quick else MYSTMD_PAGES
    mystmd: dict[str, list[float]] = {}
    # An installed package has its bytecode compiled; an editable one may not.
    compileall.compile_dir(Path(sphinx_grantreport.__file__).parent, quiet=1)
    glue = importlib.util.find_spec("myst_nb") is not None
    root = Path(tempfile.mkdtemp(prefix="grantreport-bench-"))
    results: dict[tuple[Scenario, str], Timings] = {}
    entity: dict[tuple[Scenario, str], Timings] = {}
    scans: dict[int, float] = {}
    alone: dict[tuple[Scenario, str], float] = {}
    uri = os.environ.get(POSTGRES_ENV, "")
    skipped = source_skip_reason(uri)
    if args.mystmd_only:
        skipped = "not asked for (--mystmd-only)"
    elif skipped and os.environ.get("GRANTREPORT_REQUIRE_TOOLS") == "1":
        sys.exit(f"database source: {skipped} (GRANTREPORT_REQUIRE_TOOLS=1)")
    if skipped and args.database_only:
        sys.exit(f"database source: {skipped}")
    source_scenario = SOURCE_QUICK if args.quick else SOURCE
    source: dict[str, SourceTimings] = {}
    server = ""
    try:
        if skipped is None:
            source, server = run_source(
                root / "source", uri, source_scenario, args.repeat
            )
        else:
            print(f"database source: skipped, {skipped}", file=sys.stderr)
        if myst_skipped is None and not args.database_only:
            print(f"mystmd: {myst_pages} pages: plugin, typed", file=sys.stderr)
            mystmd = run_mystmd(root / "mystmd", myst_pages, args.repeat)
        elif myst_skipped:
            print(f"mystmd: skipped, {myst_skipped}", file=sys.stderr)
        scenarios = QUICK if args.quick else SCENARIOS
        only = args.database_only or args.mystmd_only
        for scenario in [] if only else scenarios:
            csv = root / f"usage-{scenario.rows}-{scenario.hubs}.csv"
            if not csv.exists():
                write_data(csv, scenario.rows, scenario.hubs)
            if scenario.rows not in scans:
                scans[scenario.rows] = scan_seconds(csv, args.repeat)
            if scenario.entity:
                print(f"{scenario.label}: entity, hand", file=sys.stderr)
                for variant, timings in run(
                    root / "project",
                    scenario,
                    ["entity", "hand"],
                    csv,
                    None,
                    args.repeat,
                ).items():
                    entity[scenario, variant] = timings
                continue
            for variant in ("live", "keyed") if scenario.pages == 100 else ():
                queries = card_queries(scenario, variant)
                alone[scenario, variant] = duckdb_seconds(csv, queries, args.repeat)
            if scenario.tables:
                queries = [table_sql(table) for table in range(scenario.tables)]
                alone[scenario, "table"] = duckdb_seconds(csv, queries, args.repeat)
            values = Values(csv)
            plain = not (scenario.figures or scenario.tables or scenario.named)
            variants = ["live", "keyed", "typed"] if plain else ["live", "typed"]
            variants += ["plot"] if scenario.figures else []
            if glue and scenario.pages <= 10 and plain:
                variants.append("glue")
            print(f"{scenario.label}: {', '.join(variants)}", file=sys.stderr)
            for variant, timings in run(
                root / "project", scenario, variants, csv, values, args.repeat
            ).items():
                results[scenario, variant] = timings
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if results:
        print(
            f"median, min and max of {args.repeat} cold builds and "
            f"{args.repeat * NOOP_BUILDS} no-op rebuilds, each in a new process\n"
        )
        print_table(timings_table(results), 2, args.markdown)
        if entity:
            print()
            print_table(timings_table(entity, "hand"), 2, args.markdown)
    if source:
        print(
            f"\ndatabase source: {source_scenario.label}, {server}; median, min "
            f"and max of {args.repeat} run{'s' if args.repeat > 1 else ''} of "
            "each step, each in a new process\n"
        )
        print_table(source_table(source), 2, args.markdown)
        print()
        print_table(source_summary(source), 1, args.markdown)
        print("\n" + SOURCE_NOTES)
    else:
        print(f"\ndatabase source: skipped, {skipped}.")
    if mystmd:
        print(
            f"\nmystmd: {myst_pages} pages x 10 {{kpi}} values and 2 kpi-cards, "
            f"{MYSTMD_ROWS:,} rows; median, min and max of {args.repeat} cold "
            f"myst build --site (mystmd {mystmd_version()}), each in a new "
            "process\n"
        )
        print_table(mystmd_table(mystmd), 1, args.markdown)
    else:
        print(f"\nmystmd: skipped, {myst_skipped or 'not asked for'}.")
    if results or entity or mystmd:
        print("\nTargets\n")
        targets = targets_table(results, scans, alone, entity, mystmd, myst_pages)
        print_table(targets, 1, args.markdown)
        print("\n" + TARGET_NOTES)
    print(f"\nMachine: {machine()}.")


def timings_table(
    results: dict[tuple[Scenario, str], Timings], baseline: str = "typed"
) -> list[list[str]]:
    """Medians, their min and max, and ratios to the ``baseline`` variant of
    each scenario."""
    ratio = f"x {baseline}"
    rows = [
        [
            "scenario",
            "variant",
            "cold s",
            "min-max",
            ratio,
            "no-op s",
            "min-max",
            ratio,
            "peak MB",
        ]
    ]
    first: set[Scenario] = set()
    for (scenario, variant), timings in results.items():
        typed = results[scenario, baseline]
        cold, noop = median(timings.cold), median(timings.noop)
        shown = scenario not in first
        first.add(scenario)
        rows.append(
            [
                scenario.label if shown else "",
                variant,
                f"{cold:.2f}",
                f"{min(timings.cold):.2f}-{max(timings.cold):.2f}",
                f"{cold / median(typed.cold):.2f}",
                f"{noop:.2f}",
                f"{min(timings.noop):.2f}-{max(timings.noop):.2f}",
                f"{noop / median(typed.noop):.2f}",
                f"{max(timings.peak_mb):.0f}",
            ]
        )
    return rows


TARGET_NOTES = """\
Per value: the median cold build of the live report minus that of the typed
one, over the values its pages show (750); our own cost per value: that of
the 50-page report less that of the 10-page one, over the 600 values more.
One scan: DuckDB reading the whole CSV file once (SELECT count(*),
sum(users) FROM read_csv(...)) in a new process, after importing duckdb.
Per figure: the cold build of the scenario with charts minus that of the
same scenario without, over their number, for kpi-figure (under furo, so
with each chart's dark variant) and for the plot directive (one PNG each).
Per table: the same for kpi-table and typed tables; one query: the tables'
queries in DuckDB alone, over their number. Peak memory: the largest of the
process's peaks over all builds of a variant.\
"""

#: The named-metric scenario of the issue's first target, and the scenarios
#: the others name.
NAMED = Scenario(50, 10_000, 0, named=True)
BIG, HUGE = Scenario(100, 100_000, 0), Scenario(100, 1_000_000, 0)


def targets_table(
    results: dict[tuple[Scenario, str], Timings],
    scans: dict[int, float],
    alone: dict[tuple[Scenario, str], float],
    entity: dict[tuple[Scenario, str], Timings],
    mystmd: dict[str, list[float]],
    mystmd_pages: int,
) -> list[list[str]]:
    """Every target of the benchmark, each with what this run measured; a
    target whose scenario did not run (``--quick``) is left out."""
    rows = [["target", "measured", "goal", "met"]]

    def cold(scenario: Scenario, variant: str) -> float:
        return median(results[scenario, variant].cold)

    def add(target: str, measured: float, goal: float, unit: str = "x") -> None:
        shown = f"{measured:.3f}{unit}" if unit == "x" else f"{measured:.2f} {unit}"
        bound = f"<= {goal:g}{unit}" if unit == "x" else f"<= {goal:g} {unit}"
        rows.append([target, shown, bound, "yes" if measured <= goal else "no"])

    if (NAMED, "live") in results:
        added = cold(NAMED, "live") - cold(NAMED, "typed")
        add(
            "full build, 50 pages x (10 cards + 5 values) of 5 metrics",
            cold(NAMED, "live") / cold(NAMED, "typed"),
            1.10,
        )
        add("same: added per value shown", 1000 * added / 750, 0.2, "ms")
        few = Scenario(10, NAMED.rows, 0, named=True)
        if (few, "live") in results:
            # what 40 more pages add, over their values: our own cost per
            # value, without the costs a live build pays once (DuckDB, Babel)
            more = added - (cold(few, "live") - cold(few, "typed"))
            add(
                "same: our own cost per value (50 pages less 10, over the 600 "
                "values between)",
                1000 * more / 600,
                0.2,
                "ms",
            )
    for both in (results, entity):
        for (scenario, variant), timings in both.items():
            if variant not in ("live", "keyed", "entity"):
                continue  # the baselines, and others' directives
            baseline = both[scenario, "hand" if scenario.entity else "typed"]
            add(
                f"no-op rebuild, {scenario.label}: {variant}",
                median(timings.noop) / median(baseline.noop),
                1.03,
            )
    if (BIG, "keyed") in results:
        add(
            "full build, 100 pages x 10 keyed cards, 100k rows",
            cold(BIG, "keyed") / cold(BIG, "typed"),
            1.10,
        )
    if (BIG, "live") in results:
        ratio = cold(BIG, "live") / cold(BIG, "typed")
        rows.append(["same, a query per card (no target)", f"{ratio:.3f}x", "", ""])
    if (HUGE, "keyed") in results:
        added = cold(HUGE, "keyed") - cold(HUGE, "typed")
        add(
            f"1,000 keyed cards over 1M rows: added {added:.2f} s / one scan "
            f"{scans[HUGE.rows]:.2f} s",
            added / scans[HUGE.rows],
            2,
        )
    for scenario, variant in results:
        few = Scenario(scenario.pages, scenario.rows, 0, theme=scenario.theme)
        if scenario.figures and variant == "live" and (few, "live") in results:
            n = scenario.figures
            live = (cold(scenario, "live") - cold(few, "live")) / n
            plot = (cold(scenario, "plot") - cold(few, "typed")) / n
            add(
                f"cold build, per figure ({n}): kpi-figure {live:.3f} s (light and "
                f"dark) / plot {plot:.3f} s",
                live / plot,
                0.5,
            )
    drawn = [n for (s, v), t in results.items() if v == "live" for n in t.redrawn]
    if any(s.figures for s, _ in results):
        add("charts redrawn on a no-op rebuild", max(drawn), 0, "charts")
    for scenario, variant in results:
        base = Scenario(scenario.pages, scenario.rows, scenario.figures)
        if scenario.tables and variant == "live" and (base, "live") in results:
            live = (cold(scenario, "live") - cold(base, "live")) / scenario.tables
            typed = (cold(scenario, "typed") - cold(base, "typed")) / scenario.tables
            query = alone[scenario, "table"] / scenario.tables
            add(
                f"cold build, per {TABLE_ROWS}-row table: kpi-table {live:.4f} s / "
                f"(typed {typed:.4f} s + one query {query:.4f} s)",
                live / (typed + query),
                1,
            )
    for scenario in dict.fromkeys(s for s, _ in entity):
        made, hand = entity[scenario, "entity"], entity[scenario, "hand"]
        add(
            f"full build, {scenario.pages:,} entity pages / by hand",
            median(made.cold) / median(hand.cold),
            1.2,
        )
    if mystmd:
        add(
            f"mystmd: {mystmd_pages} pages x 10 values / typed numbers",
            median(mystmd["plugin"]) / median(mystmd["typed"]),
            2,
        )
    for scenario, variant in results:
        if scenario.pages == 100 and variant in ("live", "keyed"):
            peak = max(results[scenario, variant].peak_mb)
            typed = max(results[scenario, "typed"].peak_mb)
            add(
                f"peak memory, {scenario.label}: {variant} {peak:.0f} MB / "
                f"typed {typed:.0f} MB",
                peak / typed,
                1.5,
            )
    return rows


def machine() -> str:
    packages = ["sphinx", "myst-parser", "matplotlib", "duckdb"]
    packages += ["myst-nb"] if importlib.util.find_spec("myst_nb") else []
    for name in ("adbc_driver_postgresql", "pyarrow"):
        packages += [name.replace("_", "-")] if importlib.util.find_spec(name) else []
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, "
        + ", ".join(f"{name} {version(name)}" for name in packages)
    )


if __name__ == "__main__":
    main()
