"""Every user error is a located ``grantreport`` warning with a visible
placeholder, and the build goes on."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

PLACEHOLDER = "⚠ metric unavailable"


def card(title: str = "Title", **options: str) -> str:
    """A page whose kpi-card directive starts on line 3."""
    lines = [f":{key.replace('_', '-')}: {value}" for key, value in options.items()]
    return "\n".join(["# Page", "", f":::{{kpi-card}} {title}", *lines, ":::", ""])


def role(text: str) -> str:
    """A page whose {kpi} role is on line 3."""
    return f"# Page\n\nThe value is {{kpi}}`{text}`.\n"


def figure(**options: str) -> str:
    """A page whose kpi-figure directive starts on line 3."""
    lines = [f":{key}: {value}" for key, value in options.items()]
    return "\n".join(
        ["# Page", "", ":::{kpi-figure}", *lines, "", "A caption.", ":::", ""]
    )


FIGURE_PLACEHOLDER = "⚠ figure unavailable"

FIGURE_CASES = {
    "unknown kind": (
        figure(data="hubs", kind="donut"),
        "kind",
        "unknown chart kind 'donut'",
    ),
    "unknown x column": (
        figure(data="hubs", x="name"),
        "column",
        "unknown column 'name'; the query returns hub, users, region",
    ),
    "unknown y column": (
        figure(data="hubs", y="visits"),
        "column",
        "unknown column 'visits'",
    ),
    "unknown series column": (
        figure(data="hubs", x="hub", y="users", series="kind"),
        "column",
        "unknown column 'kind'",
    ),
    "no rows": (
        figure(sql="SELECT * FROM hubs WHERE users > 1000"),
        "result",
        "query returned no rows; a chart needs data",
    ),
    "non-numeric y": (
        figure(data="hubs", x="hub", y="region"),
        "type",
        "column 'region' must hold numbers to be plotted, but has 'north'",
    ),
    "too many rows": (
        figure(sql="SELECT range AS x, range AS y FROM range(20000)"),
        "result",
        "query returned 20,000 rows, more than a chart can show (10,000)",
    ),
    "bad yformat": (
        figure(data="hubs", yformat="dollars"),
        "format",
        "unknown format 'dollars'",
    ),
    "bad option value": (
        figure(data="hubs", sort="biggest"),
        "option",
        "unknown :sort: 'biggest'",
    ),
    "no data": (
        figure(kind="bar"),
        "option",
        "kpi-figure needs :sql:, :data: or :plot:",
    ),
    "unknown table": (figure(data="hub"), "table", "unknown table hub"),
    "plot cannot be imported": (
        figure(data="hubs", plot="no_such_module:draw"),
        "function",
        "cannot import 'no_such_module'",
    ),
    "plot raises": (
        figure(data="hubs", plot="helpers:broken_plot"),
        "plot",
        "plot function raised RuntimeError: no axes today",
    ),
    "plot returns no figure": (
        figure(data="hubs", plot="helpers:not_a_figure"),
        "plot",
        "plot function returned int, not a matplotlib Figure",
    ),
    "bad colour": (
        figure(data="hubs", y="users", colors="notacolour"),
        "plot",
        "cannot draw the chart",
    ),
}


def build_with_one_warning(project, page: str, subtype: str, message: str) -> str:
    """Build the page; check its one warning is located, typed and says why."""
    bad = project("bad")
    bad.write("index.md", page)
    bad.build()
    warnings = [line for line in bad.warnings.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, bad.warnings
    assert "index.md:3: WARNING: " in warnings[0]
    assert message in warnings[0]
    assert warnings[0].endswith(f"[grantreport.{subtype}]")
    assert "Traceback" not in bad.warnings
    return bad.html()


@pytest.mark.parametrize("case", FIGURE_CASES, ids=list(FIGURE_CASES))
def test_figure_error_is_a_located_warning_with_placeholder(project, case):
    html = build_with_one_warning(project, *FIGURE_CASES[case])
    assert FIGURE_PLACEHOLDER in html
    assert "A caption." in html  # the figure and its number stay


CASES = {
    "unknown metric": (
        card(metric="nope"),
        "metric",
        "unknown metric 'nope'; metrics: ",
    ),
    "unknown metric in role": (role("nope"), "metric", "unknown metric 'nope'"),
    "bad sql": (card(sql="SELEC 1"), "sql", 'syntax error at or near "SELEC"'),
    "unknown table": (
        card(sql="SELECT count(*) FROM hub"),
        "table",
        "unknown table hub; tables: hubs, missing, not_utf8, sheet, truncated",
    ),
    "unknown column": (
        card(sql="SELECT sum(visitors) FROM hubs"),
        "column",
        "unknown column 'visitors'; columns of hubs: hub, users, region",
    ),
    "no row": (
        card(sql="SELECT users FROM hubs WHERE hub = 'zeta'"),
        "result",
        "query returned no row",
    ),
    "several rows": (card(sql="SELECT users FROM hubs"), "result", "returned 3 rows"),
    "several columns": (
        card(sql="SELECT hub, users FROM hubs LIMIT 1"),
        "result",
        "returned 2 columns (hub, users)",
    ),
    "null": (
        card(sql="SELECT users FROM hubs WHERE hub = 'gamma'"),
        "result",
        "query returned NULL",
    ),
    "text with a numeric format": (
        card(metric="org_name", format="compact"),
        "type",
        "format 'compact' needs a number, but the value is 'Example Org'",
    ),
    "text rounded": (
        card(metric="org_name", round="floor:10"),
        "type",
        "needs a number",
    ),
    "unknown format": (
        card(metric="users", format="huge"),
        "format",
        "unknown format 'huge'",
    ),
    "unknown format in role": (role("users:huge"), "format", "unknown format 'huge'"),
    "unknown rounding": (
        card(metric="users", round="down:10"),
        "round",
        "unknown rounding",
    ),
    "template field": (
        card("Over {value} {unit}", metric="users"),
        "template",
        "title field {unit} is not allowed",
    ),
    "template attribute access": (
        card("{value.__class__}", metric="users"),
        "template",
        "title field {value.__class__} is not allowed",
    ),
    "unimportable callable": (
        card(metric="unimportable"),
        "function",
        "cannot import 'no_such_module'",
    ),
    "callable that raises": (
        card(metric="raises"),
        "function",
        "helpers:explode raised ValueError: the export is empty",
    ),
    "callable without the function": (
        card(metric="not_a_function"),
        "function",
        "module 'helpers' has no function 'missing_function'",
    ),
    "callable returning a list": (
        card(metric="returns_list"),
        "type",
        "helpers:a_list returned [1, 2] (list)",
    ),
    "missing data file": (
        card(sql="SELECT count(*) FROM missing"),
        "data",
        "data file for table 'missing' not found",
    ),
    "unreadable data file": (
        card(sql="SELECT count(*) FROM sheet"),
        "data",
        "cannot read sheet.xlsx: use a .csv, .json or .parquet file",
    ),
    "malformed csv": (
        card(sql="SELECT count(*) FROM not_utf8"),
        "data",
        "This file is not utf-8 encoded",
    ),
    "malformed json": (
        card(sql="SELECT count(*) FROM truncated"),
        "data",
        "Malformed JSON",
    ),
    "both metric and sql": (
        card(metric="users", sql="SELECT 1"),
        "option",
        "exactly one of :metric: or :sql: (both given)",
    ),
    "neither metric nor sql": (card(), "option", "(neither given)"),
    "unknown parameter": (
        card(sql="SELECT count(*) FROM hubs WHERE users > $minimum"),
        "param",
        "query uses $minimum, which grantreport_params does not define",
    ),
    "sandbox: copy": (
        card(sql="COPY hubs TO 'out.csv'"),
        "sandbox",
        "A COPY statement may not run in a report, since it writes or reads files",
    ),
    "sandbox: attach": (
        card(sql="ATTACH 'other.db'"),
        "sandbox",
        "An ATTACH statement may not run in a report, since it opens another database",
    ),
    "sandbox: install": (card(sql="INSTALL httpfs"), "sandbox", "loads an extension"),
    "sandbox: load": (card(sql="LOAD httpfs"), "sandbox", "loads an extension"),
    "sandbox: set": (card(sql="SET threads = 1"), "sandbox", "changes settings"),
    "sandbox: outside file": (
        card(sql="SELECT count(*) FROM read_text('/etc/passwd')"),
        "sandbox",
        "read_text() reads a file by path, which a page may not",
    ),
    "sandbox: network": (
        card(sql="SELECT count(*) FROM read_csv('https://example.org/x.csv')"),
        "sandbox",
        "read_csv() reads a file by path, which a page may not",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_user_error_is_a_located_warning_with_placeholder(project, case):
    page, subtype, message = CASES[case]
    html = build_with_one_warning(project, page, subtype, message)
    if subtype == "template":  # the value is fine; the title is shown as written
        assert page.splitlines()[2].removeprefix(":::{kpi-card} ")[:7] in html
    else:
        assert f'<span class="kpi-value kpi-unavailable">{PLACEHOLDER}</span>' in html


def test_bad_metric_definitions_are_config_warnings(project):
    bad = project("bad")
    bad.write("index.md", "# Page\n")
    bad.build(
        confoverrides={
            "grantreport_metrics": {
                "both": {"sql": "SELECT 1", "function": "helpers:a_list"},
                "typo": {"sql": "SELECT 1", "fromat": "compact"},
                "number": 42,
                "bad_reference": "helpers.a_list",
            }
        }
    )
    warnings = bad.warnings
    assert (
        "metric 'both' needs exactly one of 'sql' or 'function' [grantreport.config]"
        in warnings
    )
    assert "metric 'typo' has unknown field(s) fromat" in warnings
    assert "metric 'number' must be a table of fields" in warnings
    assert "function 'helpers.a_list' must read 'module:function'" in warnings


def test_bad_metrics_file_is_a_located_warning(project):
    bad = project("bad")
    bad.write("index.md", "# Page\n")
    bad.write("kpis.toml", "[users\nsql = 1\n")
    bad.build(confoverrides={"grantreport_metrics_file": "kpis.toml"})
    assert "kpis.toml:1: WARNING: cannot read metrics file" in bad.warnings
    assert "[grantreport.config]" in bad.warnings


def test_unknown_language_falls_back_to_english(project):
    bad = project("bad")
    bad.write("index.md", role("users"))
    bad.build(confoverrides={"language": "xx_YY"})
    assert "[grantreport.locale]" in bad.warnings
    assert ">200<" in bad.html()


def test_warnings_fail_the_build_with_W_and_no_traceback(project, tmp_path):
    bad = project("bad")
    bad.write("index.md", card(metric="nope"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-q",
            "-b",
            "html",
            str(bad.srcdir),
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert "unknown metric 'nope'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_runaway_query_is_stopped_with_a_located_warning(project):
    bad = project("bad")
    huge = "SELECT count(*) FROM range(1000000000) a, range(1000000000) b"
    bad.write("index.md", card(sql=huge) + "\nThen {kpi}`users` users.\n")
    bad.build(confoverrides={"grantreport_query_timeout": 0.5})
    assert "index.md:3: WARNING: query stopped after 0.5 s" in bad.warnings
    assert "[grantreport.timeout]" in bad.warnings
    assert ">200<" in bad.html()  # the next query on the connection still runs


def test_conf_params_of_any_type_are_bound_as_values_or_refused_in_conf(project):
    """Each parameter is bound with its own type, never pasted into the SQL;
    one DuckDB cannot bind is a config warning, and a query that uses it a
    located warning, while the other values on the page are computed."""
    bad = project("bad")
    queries = {
        "text": "SELECT count(*) FROM hubs WHERE hub = $text",
        "number": "SELECT sum(users) FROM hubs WHERE users > $number",
        "since": "SELECT $since + INTERVAL 1 DAY",
        "names": "SELECT count(*) FROM hubs WHERE list_contains($names, hub)",
        "limits": "SELECT $limits.low + $limits.high",
        "nothing": "SELECT coalesce($nothing, 7)",
        "shape": "SELECT count(*) FROM hubs WHERE hub = $shape",
        "odd": "SELECT $odd",
    }
    page = "# Page\n\n" + "".join(
        f":::{{kpi-card}} {name}\n:sql: {sql}\n:::\n\n" for name, sql in queries.items()
    )
    bad.write("index.md", page)
    bad.build(
        confoverrides={
            "grantreport_params": {
                "text": "alpha' OR '1'='1",
                "number": 90,
                "since": datetime.date(2024, 2, 28),
                "names": ["alpha", "beta"],
                "limits": {"low": 1, "high": 2},
                "nothing": None,
                "shape": {1, 2},  # a set: DuckDB cannot bind it
                "odd": object(),
                "not a name": 1,
            }
        }
    )
    warnings = bad.warnings
    assert "grantreport_params: 'shape' is a set" in warnings
    assert "grantreport_params: 'odd' is a object" in warnings
    assert "grantreport_params: name 'not a name' cannot be written" in warnings
    page = BeautifulSoup(bad.html(), "html.parser")
    for tip in page.select(".kpi-tip"):
        tip.decompose()
    shown = [" ".join(card.get_text().split()) for card in page.select(".kpi-card")]
    assert shown == [
        "0 text",  # the quote is part of the value, not of the SQL
        "120 number",
        "Feb 29, 2024 since",
        "2 names",
        "3 limits",
        "7 nothing",
        f"{PLACEHOLDER} shape",
        f"{PLACEHOLDER} odd",
    ]
    for line in (27, 31):
        assert f"index.md:{line}: WARNING: query uses $" in warnings
    assert warnings.count("[grantreport.param]") == 2
    assert "Traceback" not in warnings
