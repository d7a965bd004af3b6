"""A database source against a real PostgreSQL server: the aggregation runs
in the database, its Arrow result becomes the snapshot, and neither a
password nor a driver's message leaks it.

``.ci/start-postgres`` starts a throwaway cluster on 127.0.0.1 and prints
the URI that GRANTREPORT_TEST_POSTGRES holds; without it these tests skip
(and fail under GRANTREPORT_REQUIRE_TOOLS=1, as in CI)."""

from __future__ import annotations

import json
import os
import urllib.parse
import uuid

import pytest

from sphinx_grantreport.command_line import main

URI = os.environ.get("GRANTREPORT_TEST_POSTGRES", "")

pytestmark = pytest.mark.tool_missing(
    not URI,
    reason="needs a PostgreSQL server: export GRANTREPORT_TEST_POSTGRES="
    '"$(.ci/start-postgres)"',
)


def _parts() -> urllib.parse.SplitResult:
    return urllib.parse.urlsplit(URI)


@pytest.fixture
def table() -> str:
    """A table of 1,000 events of its own, dropped afterwards."""
    import adbc_driver_postgresql.dbapi as postgres

    name = f"events_{uuid.uuid4().hex[:8]}"
    with postgres.connect(URI) as connection, connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {name} AS SELECT g AS id, "
            "(ARRAY['hub-a', 'hub-b', 'hub-c'])[1 + g % 3] AS hub, "
            "(g % 7)::numeric(10, 2) / 4 AS cost FROM generate_series(1, 1000) g"
        )
        connection.commit()
    yield name
    with postgres.connect(URI) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {name}")
        connection.commit()


def project_file(table: str, uri: str | None = None, sql: str | None = None) -> str:
    parts = _parts()
    uri = uri or (
        f"postgresql://{parts.username}:${{GR_PG_PASSWORD}}@{parts.hostname}:"
        f"{parts.port}{parts.path}"
    )
    sql = sql or (
        f"SELECT hub, count(*) AS events, sum(cost)::numeric(12, 2) AS cost, "
        f"avg(cost) AS mean FROM {table} GROUP BY hub ORDER BY hub"
    )
    return f"""\
[sources.usage]
database = "{uri}"
sql = "{sql}"
timeout = 5

[metrics.events]
sql = "SELECT sum(events) FROM usage"

[metrics.cost]
sql = "SELECT cost FROM usage WHERE hub = 'hub-a'"
"""


@pytest.fixture
def report(project, monkeypatch):
    monkeypatch.setenv("GR_PG_PASSWORD", _parts().password or "")
    return project("sources")


def test_the_database_aggregates_and_the_result_is_the_snapshot(report, table):
    report.write("grantreport.toml", project_file(table))
    report.write("prs.md", "# Usage\n\n{kpi}`events` events cost {kpi}`cost`.\n")
    assert main(["fetch", "-C", str(report.srcdir), "usage"]) == 0
    lock = json.loads((report.srcdir / "grantreport.lock").read_text())
    entry = lock["sources"]["usage"]
    assert entry["rows"] == 3  # the groups, not the 1,000 rows
    assert entry["columns"] == [
        ["hub", "VARCHAR"],
        ["events", "BIGINT"],
        ["cost", "DECIMAL(12,2)"],  # PostgreSQL's NUMERIC, kept exact
        ["mean", "DOUBLE"],  # an unbounded NUMERIC
    ]
    assert "${GR_PG_PASSWORD}" in entry["fetched"]
    assert "GROUP BY hub" in entry["fetched"]
    report.build()
    text = " ".join(report.html("prs").split())
    assert ">1,000<" in text or ">1000<" in text
    # hub-a holds ids 3, 6, ..., 999: g % 7 / 4 summed
    expected = sum((g % 7) / 4 for g in range(3, 1000, 3))
    assert (
        f"{expected:,.2f}".rstrip("0").rstrip(".") in text.replace("<span", " <span")
        or f"{expected:,.2f}" in text
    )


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ("password", "password authentication failed"),
        ("port", "Connection refused"),
        ("sql", 'relation "no_such_table" does not exist'),
        ("slow", "canceling statement due to statement timeout"),
    ],
)
def test_a_failing_database_keeps_the_snapshot_and_hides_the_password(
    report, table, monkeypatch, capsys, change, said
):
    report.write("grantreport.toml", project_file(table))
    assert main(["fetch", "-C", str(report.srcdir)]) == 0
    before = (report.srcdir / "snapshots/usage.parquet").read_bytes()
    parts = _parts()
    if change == "password":
        monkeypatch.setenv("GR_PG_PASSWORD", "wrong-Pa55word-xyz")
        text = project_file(table)
    elif change == "port":
        text = project_file(table).replace(f":{parts.port}/", ":1/")
    elif change == "sql":
        text = project_file(table, sql="SELECT * FROM no_such_table")
    else:
        text = project_file(table, sql="SELECT pg_sleep(30)").replace(
            "timeout = 5", "timeout = 1"
        )
    report.write("grantreport.toml", text)
    capsys.readouterr()
    assert main(["fetch", "-C", str(report.srcdir)]) == 1
    err = capsys.readouterr().err
    assert said in err
    assert "grantreport.toml:1: usage: the database query failed" in err
    assert (report.srcdir / "snapshots/usage.parquet").read_bytes() == before
    report.build("html", confoverrides={"grantreport_fetch": "always"})
    assert said in report.warnings and "[grantreport.source]" in report.warnings
    for secret in (parts.password, "wrong-Pa55word-xyz"):
        assert secret not in err + report.warnings
        for path in report.srcdir.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def test_a_literal_password_in_the_uri_is_not_written_to_the_lock(report, table):
    report.write("grantreport.toml", project_file(table, uri=URI))
    assert main(["fetch", "-C", str(report.srcdir)]) == 0
    lock = (report.srcdir / "grantreport.lock").read_text()
    assert _parts().password not in lock
    assert f"{_parts().username}:***@" in lock
