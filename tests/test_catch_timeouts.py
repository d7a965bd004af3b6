"""A runaway query is stopped close to its time limit, not merely at some point:
in the engine itself, and in a build whose conf.py sets the limit."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sphinx_grantreport.engine import QueryEngine
from sphinx_grantreport.errors import ReportError

TIMEOUT = 0.5
# Each runs for hours unless interrupted; distinct texts, so none is cached.
RUNAWAYS = [
    "SELECT count(*) FROM range(100000000000) a",
    "SELECT count(*) FROM range(1000000000) a, range(1000000000) b",
    "SELECT sum(a.range * b.range) FROM range(1000000000) a, range(1000000000) b",
]


@pytest.fixture
def engine(tmp_path: Path):
    engine = QueryEngine({}, tmp_path, timeout=TIMEOUT)
    assert engine.query("SELECT 1").rows == [(1,)]  # DuckDB imported and connected
    yield engine
    engine.close()


@pytest.mark.parametrize("sql", RUNAWAYS)
def test_a_runaway_query_stops_soon_after_its_limit(engine, sql):
    start = time.monotonic()
    with pytest.raises(ReportError) as error:
        engine.query(sql)
    elapsed = time.monotonic() - start
    assert error.value.subtype == "timeout"
    # not before the limit, and well before a watchdog 20x late (10 s)
    assert TIMEOUT * 0.8 <= elapsed < 3, elapsed
    assert engine.query("SELECT 2").rows == [(2,)]  # the connection still works


def test_every_runaway_on_one_engine_is_stopped_on_time(engine):
    """The watchdog keeps working after it has fired."""
    for sql in RUNAWAYS:
        start = time.monotonic()
        with pytest.raises(ReportError) as error:
            engine.query(sql)
        assert error.value.subtype == "timeout"
        assert time.monotonic() - start < 3, sql


def test_a_finished_query_leaves_no_deadline_behind(engine):
    """A query that ended before its limit leaves nothing to interrupt what
    the connection runs next outside any query's watch (as loading a table
    is), however long that takes."""
    assert engine.query("SELECT 40 + 2").rows == [(42,)]
    # about 1 s of work here, unwatched, straddling the old query's deadline
    n = 400_000_000
    start = time.monotonic()
    rows = engine.connection.execute(
        f"SELECT count(*) FROM range({n}) WHERE range % 7 = 3"
    ).fetchall()
    assert rows == [((n - 4) // 7 + 1,)], time.monotonic() - start
    assert engine.query("SELECT 43").rows == [(43,)]


def page(runaways: list[str]) -> str:
    cards = "".join(
        f":::{{kpi-card}} Runaway {n}\n:sql: {sql}\n:::\n\n"
        for n, sql in enumerate(runaways)
    )
    return (
        "# Page\n\n"
        + cards
        + "Then {kpi}`active_communities` communities and {kpi}`staff` staff.\n\n"
        + "```{toctree}\nrst_page\n```\n"
    )


def test_a_build_with_a_query_timeout_in_conf_stops_each_runaway_on_time(project):
    built = project("basic")
    conf = built.srcdir / "conf.py"
    conf.write_text(
        conf.read_text(encoding="utf-8") + f"grantreport_query_timeout = {TIMEOUT}\n",
        encoding="utf-8",
    )
    built.write("index.md", page(RUNAWAYS))
    start = time.monotonic()
    built.build()
    elapsed = time.monotonic() - start
    stopped = re.findall(
        r"index\.md:\d+: WARNING: [^\n]* \[grantreport\.timeout\]", built.warnings
    )
    assert len(stopped) == len(RUNAWAYS), built.warnings
    # three queries of 0.5 s and a small build; a watchdog 5x late takes 7.5 s
    assert elapsed < 7, elapsed
    text = " ".join(BeautifulSoup(built.html(), "html.parser").get_text().split())
    assert "Then 70 communities and 14 staff." in text  # the next queries ran
