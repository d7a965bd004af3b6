"""The query engine: lazy tables, parameters, caching and the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_grantreport.datafiles import table_name_for
from sphinx_grantreport.engine import QueryEngine
from sphinx_grantreport.errors import ReportError
from sphinx_grantreport.metric_definitions import MetricDefinition
from sphinx_grantreport.metrics import MetricEvaluator


@pytest.fixture
def source(tmp_path: Path) -> Path:
    data = tmp_path / "src" / "data"
    data.mkdir(parents=True)
    (data / "hubs.csv").write_text("hub,users\na,10\nb,32\n", encoding="utf-8")
    (data / "grants.csv").write_text("amount\n100\n250\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("do not read", encoding="utf-8")
    return tmp_path / "src"


@pytest.fixture
def engine(source: Path):
    tables = {
        "hubs": source / "data" / "hubs.csv",
        "grants": source / "data" / "grants.csv",
    }
    engine = QueryEngine(tables, source, {"min_users": 5, "start": "2021-01-01"})
    yield engine
    engine.close()


def loaded_tables(engine: QueryEngine) -> set[str]:
    rows = engine.connection.execute(
        "SELECT table_name FROM duckdb_tables()"
    ).fetchall()
    return {name for (name,) in rows}


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("communities", "communities"),
        ("monthly-users", "monthly_users"),
        ("Funding 2023", "funding_2023"),
        ("2023-hubs", "t_2023_hubs"),
    ],
)
def test_file_stems_become_sql_identifiers(stem, name):
    assert table_name_for(stem) == name


def test_tables_load_on_first_use_and_only_once(engine, monkeypatch):
    assert loaded_tables(engine) == set()
    loads = []
    original = engine._load
    monkeypatch.setattr(
        engine, "_load", lambda name: loads.append(name) or original(name)
    )
    assert engine.query("SELECT sum(users) FROM hubs").rows == [(42,)]
    assert engine.query("SELECT max(users) FROM hubs").rows == [(32,)]
    assert loaded_tables(engine) == {"hubs"}
    assert loads == ["hubs"]


def test_query_results_carry_their_tables_and_files(engine, source):
    result = engine.query("SELECT count(*) FROM hubs, grants")
    assert result.tables == ("grants", "hubs")
    assert result.files == (
        source / "data" / "grants.csv",
        source / "data" / "hubs.csv",
    )


def test_only_the_parameters_a_query_uses_are_bound(engine):
    result = engine.query("SELECT count(*) FROM hubs WHERE users > $min_users")
    assert result.rows == [(2,)]
    assert result.params == {"min_users": 5}


def test_unknown_parameter_is_an_error(engine):
    with pytest.raises(
        ReportError, match=r"\$end.*defined: \$min_users, \$start"
    ) as error:
        engine.query("SELECT $end")
    assert error.value.subtype == "param"


def test_parameters_are_values_not_sql(source):
    engine = QueryEngine({}, source, {"name": "x'; DROP TABLE hubs; --"})
    assert engine.query("SELECT $name").rows == [("x'; DROP TABLE hubs; --",)]


def test_a_metric_is_computed_once(engine, monkeypatch):
    runs = []
    original = engine._execute
    monkeypatch.setattr(
        engine,
        "_execute",
        lambda sql, *args: runs.append(sql) or original(sql, *args),
    )
    evaluator = MetricEvaluator(
        engine,
        {"users": MetricDefinition("users", sql="SELECT sum(users) FROM hubs")},
        Path(),
    )
    assert evaluator.metric("users").value == 42
    assert evaluator.metric("users").value == 42
    assert evaluator.inline("SELECT sum(users) FROM hubs").value == 42
    assert len(runs) == 1


def test_a_failing_query_leaves_the_connection_usable(engine):
    with pytest.raises(ReportError):
        engine.query("SELECT nope FROM hubs")
    assert engine.query("SELECT count(*) FROM grants").rows == [(2,)]


def test_a_runaway_query_is_interrupted(source):
    engine = QueryEngine({}, source, timeout=0.5)
    with pytest.raises(ReportError) as error:
        engine.query("SELECT count(*) FROM range(1000000000) a, range(1000000000) b")
    assert error.value.subtype == "timeout"
    assert engine.query("SELECT 1").rows == [(1,)]


ESCAPES = [
    "COPY hubs TO '{src}/data/out.csv'",
    "COPY (SELECT 1) TO '{src}/copied.csv'",
    "EXPORT DATABASE '{src}/exported'",
    "ATTACH '{src}/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET allowed_directories = ['/']",
    "RESET lock_configuration",
    "PRAGMA enable_profiling",
    "CREATE SECRET (TYPE s3, KEY_ID 'x', SECRET 'y')",
    "CREATE TABLE copy AS SELECT * FROM hubs",
    "DROP TABLE hubs",
    "INSERT INTO hubs VALUES ('c', 1)",
    "CALL pragma_version()",
    "SELECT * FROM read_text('{src}/../secret.txt')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM read_csv('http://example.com/data.csv')",
    "SELECT * FROM read_parquet('s3://bucket/data.parquet')",
    "SELECT 1; COPY hubs TO '{src}/x.csv'",
]


@pytest.mark.parametrize("sql", ESCAPES)
def test_sandbox_refuses_every_escape(engine, source, sql):
    with pytest.raises(ReportError) as error:
        engine.query(sql.format(src=source))
    assert error.value.subtype == "sandbox", error.value.message
    # nothing was written next to the data
    assert sorted(p.name for p in source.rglob("*")) == [
        "data",
        "grants.csv",
        "hubs.csv",
    ]
    assert engine.query("SELECT count(*) FROM hubs").rows == [(2,)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM read_csv('{src}/data/hubs.csv')",
        "SELECT count(*) FROM 'data/hubs.csv'",
        "SELECT * FROM read_text('{src}/conf.py')",
        "SELECT count(*) FROM hubs WHERE name IN (SELECT * FROM glob('*'))",
    ],
)
def test_a_query_may_not_read_a_file_by_path_even_a_data_file(engine, source, sql):
    """Reading by path would skip the page's dependency and provenance: the
    table is read by its name instead, as the message says."""
    with pytest.raises(ReportError) as error:
        engine.query(sql.format(src=source))
    assert error.value.subtype == "sandbox"
    assert "by its name" in error.value.message
    assert str(source) not in error.value.message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT current_setting('temp_directory')",
        "SELECT * FROM duckdb_settings()",
        "SELECT value FROM duckdb_settings() WHERE name = 'allowed_paths'",
        "SELECT * FROM pragma_database_list()",
    ],
)
def test_a_query_cannot_learn_the_machines_paths(engine, source, sql):
    with pytest.raises(ReportError) as error:
        engine.query(sql)
    assert error.value.subtype == "sandbox"


def test_settings_are_locked(engine):
    with pytest.raises(Exception, match="locked"):
        engine.connection.execute("SET threads = 1")
