"""Hostile data files: each gives a correct number or a clean data warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sphinx_grantreport.engine import QueryEngine
from sphinx_grantreport.errors import ReportError

FILES: dict[str, bytes] = {
    "empty.csv": b"",
    "header_only.csv": b"hub,users\n",
    "bom.csv": "\ufeffhub,users\nalpha,3\nbeta,4\n".encode(),
    "mixed.csv": b"hub,users\nalpha,3\nbeta,many\ngamma,4\n",
    "latin1.csv": "hub,users\nm\u00fcnchen,3\n".encode("latin-1"),
    "ragged.csv": b"hub,users\nalpha,3,extra\nbeta\ngamma,4\n",
    "object.json": b'{"hub": "alpha", "users": 3}',
    "scalar.json": b"42",
    "truncated.json": b'[{"hub": "alpha", "users": 3}, {"hub": ',
    "truncated.parquet": b"PAR1\x15\x04\x15\x10\x15",
}

# (query, what a correct answer is, or None where the file must be refused)
EXPECTED = {
    "empty.csv": ("SELECT count(*) FROM empty", 0),
    "header_only.csv": ("SELECT count(*) FROM header_only", 0),
    "bom.csv": ("SELECT sum(users) FROM bom", 7),
    "mixed.csv": ("SELECT count(*) FROM mixed", 3),  # users becomes text
    "latin1.csv": ("SELECT count(*) FROM latin1", None),
    "ragged.csv": ("SELECT count(*) FROM ragged", 3),  # short rows padded
    "object.json": ("SELECT sum(users) FROM object", 3),
    "scalar.json": ("SELECT count(*) FROM scalar", 1),
    "truncated.json": ("SELECT count(*) FROM truncated", None),
    "truncated.parquet": ("SELECT count(*) FROM truncated_parquet", None),
}


@pytest.fixture
def engine(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    tables = {}
    for name, content in FILES.items():
        (data / name).write_bytes(content)
        stem = Path(name).stem if not name.endswith(".parquet") else "truncated_parquet"
        tables[stem] = data / name
    engine = QueryEngine(tables, tmp_path)
    yield engine
    engine.close()


@pytest.mark.parametrize("name", FILES)
def test_hostile_file_gives_a_number_or_a_data_error(engine, name):
    sql, expected = EXPECTED[name]
    try:
        rows = engine.query(sql).rows
    except ReportError as error:
        assert error.subtype == "data", error.message
        assert expected is None, f"{name} should have been read: {error.message}"
        assert "Traceback" not in error.message
    else:
        assert expected is not None, f"{name} should have been refused, got {rows}"
        assert rows == [(expected,)]
    # the next query on the same connection still works
    assert engine.query("SELECT 1").rows == [(1,)]


def test_summing_a_mixed_column_is_a_clean_sql_error(engine):
    with pytest.raises(ReportError) as error:
        engine.query("SELECT sum(users) FROM mixed")
    assert error.value.subtype == "sql"
    assert "'sum(VARCHAR)'" in error.value.message  # says the column is text


LARGE_ROWS = 5_000_000


@pytest.fixture(scope="module")
def large_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five million rows of daily usage (about 130 MB), written by DuckDB."""
    import duckdb

    path = tmp_path_factory.mktemp("large") / "usage.csv"
    duckdb.sql(
        "COPY (SELECT DATE '2020-01-01' + (i // 2000)::INT AS day, "
        "'hub' || (i % 100) AS hub, i % 1000 AS users "
        f"FROM range({LARGE_ROWS}) t(i)) TO '{path}' (HEADER)"
    )
    return path


def test_a_large_table_is_never_copied_into_python(large_csv):
    """DuckDB reads and aggregates the file; Python only ever holds results.
    (tracemalloc sees Python's allocations, not DuckDB's own memory.)"""
    import tracemalloc

    engine = QueryEngine({"usage": large_csv}, large_csv.parent)
    tracemalloc.start()
    try:
        total = engine.query("SELECT sum(users) FROM usage").rows
        facts = engine.facts("usage")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        engine.close()
    assert total == [(sum(range(1000)) * LARGE_ROWS // 1000,)]
    assert facts.rows == LARGE_ROWS
    assert peak < 5_000_000  # bytes, for a file of about 130 MB


#: sphinx-build, then its peak memory in kB (VmHWM: that of this process
#: alone, where rusage would also count the test process it was forked from).
SPHINX_BUILD = """
import sys
from sphinx.cmd.build import main
status = main(sys.argv[1:])
with open("/proc/self/status") as lines:
    print(*[line.split()[1] for line in lines if line.startswith("VmHWM")])
sys.exit(status)
"""


def test_a_five_million_row_report_builds_in_bounded_memory(large_csv, tmp_path):
    """A card, a role, a chart and the sources table over 5M rows: right
    numbers, and the build's peak memory stays within a small multiple of
    the file (DuckDB's columnar copy), whatever the number of values."""
    import os
    import subprocess
    import sys

    src = tmp_path / "src"
    (src / "data").mkdir(parents=True)
    os.link(large_csv, src / "data" / "usage.csv")
    (src / "conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]\n'
        'myst_enable_extensions = ["colon_fence"]\n'
        "grantreport_metrics = {'rows': {'sql': 'SELECT count(*) FROM usage', "
        "'format': 'integer'}}\n"
    )
    cards = "".join(
        f":::{{kpi-card}} hub{n}\n:sql: SELECT sum(users) FROM usage "
        f"WHERE hub = 'hub{n}'\n:::\n\n"
        for n in range(20)
    )
    (src / "index.md").write_text(
        f"# Usage\n\n{cards}The table has {{kpi}}`rows` rows.\n\n"
        ":::{kpi-figure}\n:sql: SELECT year(day) AS year, sum(users) AS users "
        "FROM usage GROUP BY year ORDER BY year\n:x: year\n:y: users\n\n"
        "Users by year.\n:::\n\n```{kpi-sources}\n```\n"
    )
    command = [sys.executable, "-c", SPHINX_BUILD, "-q", "-b", "html"]
    command += [str(src), str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warning
    html = (tmp_path / "out" / "index.html").read_text()
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    assert "The table has 5,000,000 rows." in " ".join(text.split())
    assert html.count('class="kpi-value') == 21
    assert "5,000,000" in text  # the sources table
    peak = int(result.stdout.split()[-1]) * 1024  # bytes
    assert peak < 300_000_000 + 2 * large_csv.stat().st_size, f"{peak:,} bytes"
