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

Usage: python benchmarks/report.py [--repeat R] [--quick] [--markdown]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import duckdb

import sphinx_grantreport

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

    @property
    def label(self) -> str:
        rows = (
            f"{self.rows // 1000}k" if self.rows < 10**6 else f"{self.rows // 10**6}M"
        )
        pages = f"{self.pages} page{'s' if self.pages > 1 else ''}"
        if self.entity:
            return f"{self.pages} entity pages, {rows} rows, {self.hubs} hubs"
        tables = f", {self.tables} tables" if self.tables else ""
        return f"{pages}, {rows} rows, {self.figures} figures{tables}"

    @property
    def written(self) -> str:
        """The pattern of the report's pages in the HTML output."""
        return "hubs/hub*.html" if self.entity else "hub*.html"


SCENARIOS = [
    Scenario(1, 1_000, 0),
    Scenario(10, 100_000, 0),
    Scenario(10, 100_000, 10),
    Scenario(10, 100_000, 50),
    Scenario(10, 100_000, 0, tables=50),
    Scenario(100, 100_000, 0),
    Scenario(100, 1_000_000, 0),
    Scenario(1000, 100_000, 0, hubs=1000, entity=True),
]
QUICK = [
    Scenario(1, 1_000, 0),
    Scenario(10, 100_000, 0),
    Scenario(10, 100_000, 10),
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

    def scalar(self, sql: str) -> float:
        value = self.connection.execute(sql).fetchone()[0]  # type: ignore[index]
        return float(value or 0)

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


def live_page(scenario: Scenario, page: int) -> str:
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
    numbers = {
        name: values.scalar(f"SELECT {expression} {where(page)}")
        for name, (_, expression, _) in METRICS.items()
    }
    cards = [
        f":::{{grid-item-card}} {title}\n{numbers[name]:,.0f}\n:::\n"
        for name, (title, _, _) in METRICS.items()
    ]
    cards += [
        f":::{{grid-item-card}} {title}\n"
        f"{values.scalar(f'SELECT {expression} {where(page)}'):,.1f}\n:::\n"
        for title, expression in INLINE.items()
    ]
    text = f"# Hub {page}\n\n" + grid(cards)
    text += SENTENCE.format(**{n: f"{v:,.0f}" for n, v in numbers.items()})
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
            f"| {month} | {users:,.0f} | ${cost:,.0f} |\n"
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
    """A text notebook that computes the page's numbers and glues them."""
    expressions = {n: e for n, (_, e, _) in METRICS.items()}
    expressions |= {f"inline{i}": e for i, e in enumerate(INLINE.values())}
    code = [
        "import duckdb",
        "from myst_nb import glue",
        "db = duckdb.connect()",
        f"db.execute(\"CREATE TABLE usage AS FROM read_csv('{csv}')\")",
    ]
    code += [
        f"glue('{name}', db.execute(\"SELECT {e} FROM usage WHERE hub = "
        f"'{hub(page)}'\").fetchall()[0][0], display=False)"
        for name, e in expressions.items()
    ]
    cards = [
        f":::{{grid-item-card}} {title}\n{{glue:text}}`{name}:,.0f`\n:::\n"
        for name, (title, _, _) in METRICS.items()
    ]
    cards += [
        f":::{{grid-item-card}} {title}\n{{glue:text}}`inline{i}:,.1f`\n:::\n"
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
    return text + SENTENCE.format(**{n: f"{{glue:text}}`{n}:,.0f`" for n in METRICS})


def write_project(
    src: Path, scenario: Scenario, variant: str, csv: Path, values: Values
) -> None:
    extensions = ["myst_nb" if variant == "glue" else "myst_parser", "sphinx_design"]
    if variant in ("live", "keyed"):
        extensions.append("sphinx_grantreport")
    if variant == "plot":
        extensions.append("matplotlib.sphinxext.plot_directive")
    conf = f"extensions = {extensions!r}\nmyst_enable_extensions = ['colon_fence']\n"
    conf += "exclude_patterns = ['_build']\n"
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


def build(
    src: Path, out: Path, scenario: Scenario, variant: str
) -> tuple[float, float]:
    """Seconds and peak MB of one build in a new process, after checking it worked."""
    command = [sys.executable, "-c", SPHINX_BUILD, "-b", "html", "-q"]
    command += ["-d", str(out / "doctrees"), str(src), str(out / "html")]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
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
    sys.exit(f"{variant} build failed: {' '.join(command)}\n{problem}\n{messages}")


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
    for _ in range(repeat):
        for variant in variants:
            src, out = root / f"{variant}-src", root / f"{variant}-out"
            shutil.rmtree(out, ignore_errors=True)
            seconds, peak = build(src, out, scenario, variant)
            timings[variant].cold.append(seconds)
            timings[variant].peak_mb.append(peak)
            cache = out / "doctrees" / "grantreport-charts"
            before = mtimes(cache)
            for _ in range(NOOP_BUILDS):
                seconds, peak = build(src, out, scenario, variant)
                timings[variant].noop.append(seconds)
                timings[variant].peak_mb.append(peak)
            after = mtimes(cache)
            redrawn = sum(after[k] != before.get(k) for k in after)
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
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    # An installed package has its bytecode compiled; an editable one may not.
    compileall.compile_dir(Path(sphinx_grantreport.__file__).parent, quiet=1)
    glue = importlib.util.find_spec("myst_nb") is not None
    root = Path(tempfile.mkdtemp(prefix="grantreport-bench-"))
    results: dict[tuple[Scenario, str], Timings] = {}
    entity: dict[tuple[Scenario, str], Timings] = {}
    scans: dict[int, float] = {}
    alone: dict[tuple[Scenario, str], float] = {}
    try:
        for scenario in QUICK if args.quick else SCENARIOS:
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
            plain = not (scenario.figures or scenario.tables)
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
    print(
        f"median of {args.repeat} cold builds and {args.repeat * NOOP_BUILDS} "
        "no-op rebuilds, each in a new process\n"
    )
    print_table(timings_table(results), 2, args.markdown)
    if entity:
        print()
        print_table(timings_table(entity, "hand"), 2, args.markdown)
    print()
    targets = targets_table(results, scans, alone) + entity_targets(entity)[1:]
    print_table(targets, 1, args.markdown)
    print("\n" + TARGET_NOTES)
    print(f"\nMachine: {machine()}.")


def timings_table(
    results: dict[tuple[Scenario, str], Timings], baseline: str = "typed"
) -> list[list[str]]:
    """Medians and ratios to the ``baseline`` variant of each scenario."""
    ratio = f"x {baseline}"
    rows = [["scenario", "variant", "cold s", ratio, "no-op s", ratio, "peak MB"]]
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
                f"{cold / median(typed.cold):.2f}",
                f"{noop:.2f}",
                f"{noop / median(typed.noop):.2f}",
                f"{max(timings.peak_mb):.0f}",
            ]
        )
    return rows


TARGET_NOTES = """\
Added s: the median cold build of the live (or keyed) report minus that of
the typed one. One scan: DuckDB reading the whole CSV file once (SELECT
count(*), sum(users) FROM read_csv(...)) in a new process, after importing
duckdb. DuckDB alone: the same queries in a new process, after one load of
the table. Per table: the cold build of the scenario with tables minus that
of the same scenario without, over the number of tables, for kpi-table and
for typed tables; one query: the tables' queries in DuckDB alone, over their
number.\
"""


def targets_table(
    results: dict[tuple[Scenario, str], Timings],
    scans: dict[int, float],
    alone: dict[tuple[Scenario, str], float],
) -> list[list[str]]:
    """The issue's targets, each with what this run measured."""
    rows = [["target", "measured", "goal", "met"]]

    def cold(scenario: Scenario, variant: str) -> float:
        return median(results[scenario, variant].cold)

    def noop(scenario: Scenario, variant: str) -> float:
        return median(results[scenario, variant].noop)

    def add(target: str, measured: str, goal: str, met: bool | None) -> None:
        rows.append([target, measured, goal, {True: "yes", False: "no"}.get(met, "")])

    big, huge = Scenario(100, 100_000, 0), Scenario(100, 1_000_000, 0)
    for variant, cards in (("live", "cards"), ("keyed", "keyed cards")):
        if (big, variant) in results:
            ratio = cold(big, variant) / cold(big, "typed")
            add(
                f"full build, 100 pages x 10 {cards}, 100k rows",
                f"{ratio:.3f}x",
                "<= 1.15x",
                ratio <= 1.15,
            )
            ratio = noop(big, variant) / noop(big, "typed")
            add("no-op rebuild, same", f"{ratio:.3f}x", "<= 1.05x", ratio <= 1.05)
    for scenario in (big, huge):
        for variant, queries in (("live", "1,000 queries"), ("keyed", "10 keyed")):
            if (scenario, variant) in results:
                added = cold(scenario, variant) - cold(scenario, "typed")
                add(
                    f"added s, {queries} over {scenario.rows:,} rows",
                    f"{added:.2f}",
                    "",
                    None,
                )
                add(
                    "same queries in DuckDB alone, s",
                    f"{alone[scenario, variant]:.2f}",
                    "",
                    None,
                )
    for variant, cards in (("live", "cards"), ("keyed", "keyed cards")):
        if (huge, variant) in results:
            added = cold(huge, variant) - cold(huge, "typed")
            scan = scans[huge.rows]
            add(
                f"1,000 {cards} over 1M rows: added s / one scan",
                f"{added:.2f}/{scan:.2f} = {added / scan:.1f}x",
                "<= 2x",
                added <= 2 * scan,
            )
    for scenario, variant in results:
        base = Scenario(scenario.pages, scenario.rows, scenario.figures)
        if scenario.tables and variant == "live" and (base, "live") in results:
            live = (cold(scenario, "live") - cold(base, "live")) / scenario.tables
            typed = (cold(scenario, "typed") - cold(base, "typed")) / scenario.tables
            query = alone[scenario, "table"] / scenario.tables
            add(
                f"cold build, s per {TABLE_ROWS}-row table ({scenario.tables}): "
                "kpi-table / (typed + one query)",
                f"{live:.4f}/({typed:.4f}+{query:.4f}) = {live / (typed + query):.2f}x",
                "<= 1x",
                live <= typed + query,
            )
    few, many = Scenario(10, 100_000, 0), Scenario(10, 100_000, 50)
    if (many, "live") in results and (few, "live") in results:
        live = (cold(many, "live") - cold(few, "live")) / many.figures
        plot = (cold(many, "plot") - cold(few, "typed")) / many.figures
        add(
            "cold build, s per figure: kpi-figure / plot",
            f"{live:.3f}/{plot:.3f} = {live / plot:.2f}x",
            "<= 1x",
            live <= plot,
        )
    redrawn = max(n for (_, v), t in results.items() if v == "live" for n in t.redrawn)
    figures = max(s.figures for s, _ in results)
    add(
        "charts redrawn on a no-op rebuild",
        f"{redrawn} of {figures}",
        "0",
        redrawn == 0,
    )
    return rows


def entity_targets(results: dict[tuple[Scenario, str], Timings]) -> list[list[str]]:
    """The entity pages' targets: pages made by a ``[pages.hubs]`` set against
    the same pages written by hand."""
    rows = [["target", "measured", "goal", "met"]]
    for scenario in dict.fromkeys(s for s, _ in results):
        made, hand = results[scenario, "entity"], results[scenario, "hand"]
        ratio = median(made.cold) / median(hand.cold)
        rows.append(
            [
                f"full build, {scenario.pages:,} entity pages / by hand",
                f"{ratio:.3f}x",
                "<= 1.2x",
                "yes" if ratio <= 1.2 else "no",
            ]
        )
        ratio = median(made.noop) / median(hand.noop)
        met = "yes" if ratio <= 1.05 else "no"
        rows.append(["no-op rebuild, same", f"{ratio:.3f}x", "<= 1.05x", met])
    return rows


def machine() -> str:
    packages = ["sphinx", "myst-parser", "matplotlib", "duckdb"]
    packages += ["myst-nb"] if importlib.util.find_spec("myst_nb") else []
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, "
        + ", ".join(f"{name} {version(name)}" for name in packages)
    )


if __name__ == "__main__":
    main()
